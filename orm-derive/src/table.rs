//! `#[derive(Table)]`: an association table declared in Rust.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ast::{FieldKind, Model};
use crate::ctxt::Ctxt;
use crate::expand::column_meta;

/// The whole derive: the struct's fields are the table's columns.
pub fn derive(input: DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let table_attrs = crate::attr::table_attrs(&cx, &input.attrs);
    // Model attributes mean nothing here.
    crate::attr::reject_misplaced(
        &cx,
        &input.attrs,
        &["model"],
        "a table; use #[table(name = \"...\")]",
    );
    let model = Model::from_input_as_table(&cx, &input);
    if let Some(model) = &model {
        for field in &model.fields {
            if let FieldKind::Relationship(_) = field.kind {
                cx.error_spanned_by(
                    field.ty,
                    "an association table has columns only, not relationships",
                );
            }
        }
        crate::check::check_table(&cx, model);
    }
    if let Err(errors) = cx.check() {
        return errors;
    }
    let Some(model) = model else {
        return TokenStream::new();
    };
    let ident = model.ident;
    let name = ident.to_string();
    let table = table_attrs
        .name
        .as_ref()
        .map_or_else(|| crate::ast::snake_case(&name), |n| n.value.value());
    let p = quote!(::orm_core::__private);
    let columns: Vec<_> = model.columns().collect();
    let count = columns.len();
    let metas = columns
        .iter()
        .map(|(field, attrs)| column_meta(&p, field, attrs, false));
    let fields = columns.iter().map(|(field, _)| field.ident);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::Table for #ident {
                fn table_meta() -> &'static #p::TableMeta {
                    static COLUMNS: [#p::ColumnMeta; #count] = [#(#metas),*];
                    static META: #p::TableMeta = #p::TableMeta {
                        name: #name,
                        table: #table,
                        columns: &COLUMNS,
                    };
                    &META
                }
            }

            // The struct only describes the table; its fields count as used.
            #[allow(dead_code)]
            fn fields(table: &#ident) {
                let _ = (#(&table.#fields,)*);
            }

            #p::inventory::submit! {
                #p::TableRegistration(<#ident as #p::Table>::table_meta)
            }
        };
    }
}
