//! Code generation for `#[derive(Model)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;

use crate::ast::{Cardinality, Model};
use crate::check;
use crate::ctxt::Ctxt;

/// The whole derive: parse, check, expand. On error, the errors plus a stub
/// impl so that the user sees the attribute errors and nothing else.
pub fn derive(input: DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let model = Model::from_input(&cx, &input);
    if let Some(model) = &model {
        check::check(&cx, model);
    }
    match (cx.check(), model) {
        (Ok(()), Some(model)) => expand(&model),
        (Err(errors), _) => {
            let stub = fallback(&input);
            quote! { #errors #stub }
        }
        (Ok(()), None) => fallback(&input),
    }
}

/// A `Model` impl with no behaviour, emitted next to the errors.
fn fallback(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::orm_core::__private::Model for #ident {
                fn meta() -> &'static ::orm_core::__private::ModelMeta { unimplemented!() }
                fn column_value(&self, _: usize) -> ::orm_core::__private::Value { unimplemented!() }
                fn set_column_value(&mut self, _: usize, _: ::orm_core::__private::Value) -> ::orm_core::__private::Result<()> { unimplemented!() }
                fn from_values(_: ::std::vec::Vec<::orm_core::__private::Value>) -> ::orm_core::__private::Result<Self> { unimplemented!() }
                fn relationship(&self, _: usize) -> ::std::option::Option<&(dyn ::orm_core::__private::RelationshipField + 'static)> { unimplemented!() }
                fn relationship_mut(&mut self, _: usize) -> ::std::option::Option<&mut (dyn ::orm_core::__private::RelationshipField + 'static)> { unimplemented!() }
            }
        };
    }
}

fn expand(model: &Model<'_>) -> TokenStream {
    let ident = model.ident;
    let name = ident.to_string();
    let table = model.table();
    let p = quote!(::orm_core::__private);

    let columns: Vec<_> = model.columns().collect();
    let relationships: Vec<_> = model.relationships().collect();
    let column_count = columns.len();
    let relationship_count = relationships.len();
    let primary_keys = columns
        .iter()
        .filter(|(_, c)| c.primary_key.as_ref().is_some_and(|p| p.value.value))
        .count();

    let column_metas = columns.iter().map(|(field, attrs)| {
        let ty = field.ty;
        let field_name = field.ident.to_string();
        let column_name = attrs
            .name
            .as_ref()
            .map_or_else(|| field_name.clone(), |n| n.value.value());
        let primary_key = attrs.primary_key.as_ref().is_some_and(|p| p.value.value);
        let unique = attrs.unique.as_ref().is_some_and(|u| u.value.value);
        let allow_auto = attrs.autoincrement.as_ref().is_none_or(|a| a.value.value);
        let single_pk = primary_key && primary_keys == 1 && allow_auto;
        let foreign_key = match &attrs.foreign_key {
            Some(fk) => {
                let fk = &fk.value;
                quote!(::std::option::Option::Some(#fk))
            }
            None => quote!(::std::option::Option::None),
        };
        // The type's span makes an unsupported column type point at it.
        let column_type = quote_spanned!(ty_span(ty)=> <#ty as #p::ColumnType>);
        quote! {
            #p::ColumnMeta {
                field: #field_name,
                name: #column_name,
                sql_type: #column_type::SQL_TYPE,
                nullable: #column_type::NULLABLE,
                primary_key: #primary_key,
                autoincrement: #single_pk
                    && #column_type::NULLABLE
                    && matches!(#column_type::SQL_TYPE, #p::SqlType::Integer),
                unique: #unique,
                foreign_key: #foreign_key,
            }
        }
    });

    let relationship_metas = relationships.iter().map(|(field, rel)| {
        let target = rel.target;
        let field_name = field.ident.to_string();
        let cardinality = match rel.cardinality {
            Cardinality::One => quote!(#p::Cardinality::One),
            Cardinality::Many => quote!(#p::Cardinality::Many),
        };
        let back_populates = match &rel.attrs.back_populates {
            Some(b) => {
                let b = &b.value;
                quote!(::std::option::Option::Some(#b))
            }
            None => quote!(::std::option::Option::None),
        };
        let foreign_keys = rel
            .attrs
            .foreign_keys
            .as_ref()
            .map(|f| f.value.clone())
            .unwrap_or_default();
        quote! {
            #p::RelationshipMeta {
                field: #field_name,
                target: <#target as #p::Model>::meta,
                cardinality: #cardinality,
                back_populates: #back_populates,
                foreign_keys: &[#(#foreign_keys),*],
            }
        }
    });

    let column_value_arms = columns.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        quote!(#i => #p::ColumnType::to_value(&self.#f),)
    });
    let set_column_arms = columns.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        quote!(#i => { self.#f = #p::ColumnType::from_value(value)?; ::std::result::Result::Ok(()) })
    });
    let from_values_fields = model.fields.iter().map(|field| {
        let f = field.ident;
        match &field.kind {
            crate::ast::FieldKind::Column(_) => {
                quote!(#f: #p::ColumnType::from_value(#p::next_value(&mut values)?)?,)
            }
            crate::ast::FieldKind::Relationship(rel) => match rel.cardinality {
                Cardinality::One => quote!(#f: #p::One::unloaded(),),
                Cardinality::Many => quote!(#f: #p::Many::unloaded(),),
            },
        }
    });
    let relationship_arms = relationships.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        quote!(#i => ::std::option::Option::Some(&self.#f),)
    });
    let relationship_mut_arms = relationships.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        quote!(#i => ::std::option::Option::Some(&mut self.#f),)
    });

    let column_consts = columns.iter().enumerate().map(|(i, (field, attrs))| {
        let f = field.ident;
        let ty = field.ty;
        let column_name = attrs
            .name
            .as_ref()
            .map_or_else(|| f.to_string(), |n| n.value.value());
        let doc = format!("The `{table}.{column_name}` column, for queries.");
        quote! {
            #[doc = #doc]
            pub const #f: #p::Col<#ident, #ty> = #p::Col::new(#i);
        }
    });
    let relationship_consts = relationships.iter().enumerate().map(|(i, (field, rel))| {
        let f = field.ident;
        let ty = field.ty;
        let doc = format!(
            "The `{name}.{f}` relationship, for `Obj::get`, `set`, `append` and `remove`.",
        );
        let _ = rel;
        quote! {
            #[doc = #doc]
            pub const #f: #p::Rel<#ident, #ty> = #p::Rel::new(#i);
        }
    });

    // `back_populates = "x"` must name a relationship of the target back to
    // this model; checked by the compiler, with errors at the string.
    let back_checks = relationships.iter().filter_map(|(_, rel)| {
        let back = &rel.attrs.back_populates.as_ref()?.value;
        let target = rel.target;
        let other = format_ident!("{}", back.value(), span = back.span());
        Some(quote_spanned! {back.span()=>
            const _: () = #p::assert_back_populates::<#ident, #target, _>(&<#target>::#other);
        })
    });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::Model for #ident {
                fn meta() -> &'static #p::ModelMeta {
                    static COLUMNS: [#p::ColumnMeta; #column_count] = [#(#column_metas),*];
                    static RELATIONSHIPS: [#p::RelationshipMeta; #relationship_count] = [#(#relationship_metas),*];
                    static META: #p::ModelMeta = #p::ModelMeta {
                        name: #name,
                        table: #table,
                        columns: &COLUMNS,
                        relationships: &RELATIONSHIPS,
                        construct: #p::construct::<#ident>,
                    };
                    &META
                }

                fn column_value(&self, index: usize) -> #p::Value {
                    match index {
                        #(#column_value_arms)*
                        _ => #p::Value::Null,
                    }
                }

                fn set_column_value(&mut self, index: usize, value: #p::Value) -> #p::Result<()> {
                    match index {
                        #(#set_column_arms)*
                        _ => ::std::result::Result::Err(#p::Error::Internal(
                            ::std::format!("{} has no column #{}", #name, index),
                        )),
                    }
                }

                fn from_values(values: ::std::vec::Vec<#p::Value>) -> #p::Result<Self> {
                    let mut values = values.into_iter();
                    ::std::result::Result::Ok(#ident {
                        #(#from_values_fields)*
                    })
                }

                fn relationship(&self, index: usize) -> ::std::option::Option<&(dyn #p::RelationshipField + 'static)> {
                    match index {
                        #(#relationship_arms)*
                        _ => ::std::option::Option::None,
                    }
                }

                fn relationship_mut(&mut self, index: usize) -> ::std::option::Option<&mut (dyn #p::RelationshipField + 'static)> {
                    match index {
                        #(#relationship_mut_arms)*
                        _ => ::std::option::Option::None,
                    }
                }
            }

            #[allow(non_upper_case_globals)]
            impl #ident {
                #(#column_consts)*
                #(#relationship_consts)*
            }

            #(#back_checks)*

            #p::inventory::submit! {
                #p::ModelRegistration(<#ident as #p::Model>::meta)
            }
        };
    }
}

fn ty_span(ty: &syn::Type) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    ty.span()
}
