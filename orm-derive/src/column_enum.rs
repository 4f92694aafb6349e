//! `#[derive(ColumnEnum)]`: a field-less enum stored in one column, as
//! text (each variant's name in snake_case, or `rename`) or as its integer
//! discriminant (`#[column_enum(integer)]`).

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Expr, ExprLit, ExprUnary, Lit, LitStr, UnOp};

use crate::ctxt::Ctxt;

/// How the enum is stored.
enum Storage {
    Text,
    Integer,
}

pub fn derive(input: DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let mut storage = Storage::Text;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("column_enum"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("integer") {
                storage = Storage::Integer;
                Ok(())
            } else if meta.path.is_ident("text") {
                storage = Storage::Text;
                Ok(())
            } else {
                Err(meta.error("unknown column_enum attribute; expected `text` or `integer`"))
            }
        });
        if let Err(err) = parsed {
            cx.syn_error(err);
        }
    }
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(
            &input.ident,
            "ColumnEnum applies to enums whose variants have no fields",
        );
        return cx.check().err().unwrap_or_default();
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a column enum cannot be generic");
    }
    let mut stored: Vec<(syn::Ident, TokenStream)> = Vec::new();
    let mut seen: HashMap<String, syn::Ident> = HashMap::new();
    let mut next: i64 = 0;
    for variant in &data.variants {
        if !variant.fields.is_empty() {
            cx.error_spanned_by(
                &variant.fields,
                "a column enum's variants cannot have fields",
            );
            continue;
        }
        let mut rename: Option<LitStr> = None;
        for attr in variant
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("column_enum"))
        {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error("unknown column_enum attribute; expected `rename = \"...\"`"))
                }
            });
            if let Err(err) = parsed {
                cx.syn_error(err);
            }
        }
        let value = match storage {
            Storage::Text => {
                if let Some(lit) = &rename {
                    if lit.value().is_empty() {
                        cx.error_spanned_by(lit, "the stored name must not be empty");
                    }
                }
                let text = rename.as_ref().map_or_else(
                    || crate::ast::snake_case(&variant.ident.to_string()),
                    LitStr::value,
                );
                if let Some(first) = seen.insert(text.clone(), variant.ident.clone()) {
                    cx.error_spanned_by(
                        &variant.ident,
                        format!("`{}` is stored as \"{text}\" like `{first}`; give one of them #[column_enum(rename = \"...\")]", variant.ident),
                    );
                }
                quote!(#text)
            }
            Storage::Integer => {
                if let Some(lit) = &rename {
                    cx.error_spanned_by(lit, "rename applies to enums stored as text");
                }
                if let Some((_, expr)) = &variant.discriminant {
                    match discriminant(expr) {
                        Some(n) => next = n,
                        None => cx.error_spanned_by(
                            expr,
                            "an integer column enum needs literal discriminants (`Variant = 3`)",
                        ),
                    }
                }
                let n = next;
                next = next.wrapping_add(1);
                quote!(#n)
            }
        };
        stored.push((variant.ident.clone(), value));
    }
    if let Err(errors) = cx.check() {
        return errors;
    }
    let ident = &input.ident;
    let name = format!("a variant of {ident}");
    let p = quote!(::orm_core::__private);
    let to_arms = stored.iter().map(|(variant, value)| match storage {
        Storage::Text => {
            quote!(#ident::#variant => #p::Value::Text(::std::string::String::from(#value)))
        }
        Storage::Integer => quote!(#ident::#variant => #p::Value::Integer(#value)),
    });
    let from_arms = stored
        .iter()
        .map(|(variant, value)| quote!(#value => ::std::result::Result::Ok(#ident::#variant)));
    let (sql_type, from_body) = match storage {
        Storage::Text => (
            quote!(#p::SqlType::Text),
            quote! {
                match value {
                    #p::Value::Text(text) => match text.as_str() {
                        #(#from_arms,)*
                        _ => ::std::result::Result::Err(#p::Error::Conversion {
                            expected: #name,
                            found: "TEXT",
                        }),
                    },
                    other => ::std::result::Result::Err(#p::Error::Conversion {
                        expected: #name,
                        found: other.kind(),
                    }),
                }
            },
        ),
        Storage::Integer => (
            quote!(#p::SqlType::Integer),
            quote! {
                match value {
                    #p::Value::Integer(n) => match n {
                        #(#from_arms,)*
                        _ => ::std::result::Result::Err(#p::Error::Conversion {
                            expected: #name,
                            found: "INTEGER",
                        }),
                    },
                    other => ::std::result::Result::Err(#p::Error::Conversion {
                        expected: #name,
                        found: other.kind(),
                    }),
                }
            },
        ),
    };
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::ColumnType for #ident {
                const SQL_TYPE: #p::SqlType = #sql_type;
                const NULLABLE: bool = false;
                fn to_value(&self) -> #p::Value {
                    match self {
                        #(#to_arms,)*
                    }
                }
                fn from_value(value: #p::Value) -> #p::Result<Self> {
                    #from_body
                }
            }

            #[automatically_derived]
            impl #p::NotOption for #ident {}

            #[automatically_derived]
            impl ::std::convert::From<#ident> for #p::Value {
                fn from(value: #ident) -> Self {
                    <#ident as #p::ColumnType>::to_value(&value)
                }
            }
        };
    }
}

/// The value of a literal discriminant: `3` or `-3`.
fn discriminant(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => discriminant(expr).map(|n: i64| -n),
        Expr::Group(group) => discriminant(&group.expr),
        _ => None,
    }
}
