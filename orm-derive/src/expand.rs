//! Code generation for `#[derive(Model)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::ast::{Cardinality, Model};
use crate::attr::Secondary;
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
                fn column_value(&self, _: usize) -> ::orm_core::__private::Result<::orm_core::__private::Value> { unimplemented!() }
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

    let column_metas = columns
        .iter()
        .map(|(field, attrs)| column_meta(&p, field, attrs, primary_keys == 1));

    let relationship_metas = relationships.iter().map(|(field, rel)| {
        let target = rel.target;
        let attrs = &rel.attrs;
        let field_name = field.ident.unraw().to_string();
        let cardinality = cardinality_tokens(&p, rel.cardinality);
        let back_populates = option_tokens(attrs.back_populates.as_ref().map(|b| &b.value));
        let foreign_keys = attrs
            .foreign_keys
            .as_ref()
            .map(|f| f.value.clone())
            .unwrap_or_default();
        let backref = match backref_of(rel) {
            Some((name, backref_cardinality)) => {
                let card = cardinality_tokens(&p, backref_cardinality);
                let storage = match backref_cardinality {
                    Cardinality::One => quote!(#p::One<#ident>),
                    Cardinality::Many => quote!(#p::Many<#ident>),
                };
                quote!(::std::option::Option::Some(#p::BackrefMeta {
                    name: #name,
                    cardinality: #card,
                    new_field: #p::backref_field::<#storage>,
                }))
            }
            None => quote!(::std::option::Option::None),
        };
        let secondary = match attrs.secondary.as_ref().map(|s| &s.value) {
            Some(Secondary::Path(path)) => {
                let meta = quote_spanned!(path_span(path)=> <#path as #p::Table>::table_meta);
                quote!(::std::option::Option::Some(#p::Secondary::Table(#meta)))
            }
            Some(Secondary::Name(name)) => {
                quote!(::std::option::Option::Some(#p::Secondary::Name(#name)))
            }
            None => quote!(::std::option::Option::None),
        };
        let cascade = cascade_tokens(&p, attrs.cascade.as_ref().map(|c| c.value.1.as_slice()));
        let flag =
            |f: &Option<crate::attr::Attr<syn::LitBool>>| f.as_ref().is_some_and(|f| f.value.value);
        let passive_deletes = match attrs.passive_deletes.as_ref().map(|p| &p.value) {
            Some(crate::attr::PassiveDeletes::All(_)) => quote!(#p::PassiveDeletes::All),
            Some(passive) if passive.is_on() => quote!(#p::PassiveDeletes::Unloaded),
            _ => quote!(#p::PassiveDeletes::Off),
        };
        // The expression must be a `Filter` of the target model; the
        // compiler checks it, pointing at the expression.
        let filter = match &attrs.filter {
            Some(filter) => {
                let expr = &filter.value;
                let condition = quote_spanned! {expr.span()=>
                    #p::Filter::<#target>::into_condition(#expr)
                };
                quote!(::std::option::Option::Some({
                    fn filter() -> #p::Condition {
                        #condition
                    }
                    filter
                }))
            }
            None => quote!(::std::option::Option::None),
        };
        let viewonly = flag(&attrs.viewonly);
        let post_update = flag(&attrs.post_update);
        let order_by = attrs
            .order_by
            .as_ref()
            .and_then(|o| check::parse_order_by(&o.value.value()))
            .unwrap_or_default()
            .into_iter()
            .map(|(column, descending)| quote!((#column, #descending)));
        let lazy = match attrs.lazy.as_ref().map(|l| l.value.value()).as_deref() {
            Some("selectin") => quote!(#p::Lazy::Selectin),
            _ => quote!(#p::Lazy::Select),
        };
        quote! {
            #p::RelationshipMeta {
                field: #field_name,
                target: <#target as #p::Model>::meta,
                cardinality: #cardinality,
                back_populates: #back_populates,
                backref: #backref,
                secondary: #secondary,
                foreign_keys: &[#(#foreign_keys),*],
                cascade: #cascade,
                passive_deletes: #passive_deletes,
                viewonly: #viewonly,
                filter: #filter,
                post_update: #post_update,
                order_by: &[#(#order_by),*],
                lazy: #lazy,
            }
        }
    });

    // The accessor of each backref, on the target model.
    let backref_consts = relationships.iter().enumerate().filter_map(|(i, (field, rel))| {
        let (name, backref_cardinality) = backref_of(rel)?;
        let target = rel.target;
        let span = rel.attrs.backref.as_ref().map_or_else(proc_macro2::Span::call_site, |b| b.span);
        let accessor = syn::Ident::new(&name, span);
        let storage = match backref_cardinality {
            Cardinality::One => quote!(#p::One<#ident>),
            Cardinality::Many => quote!(#p::Many<#ident>),
        };
        let doc = format!(
            "The `{name}` relationship, created by `backref` on `{}.{}`.",
            ident,
            field.ident.unraw()
        );
        Some(quote_spanned! {span=>
            #[allow(non_upper_case_globals, dead_code)]
            impl #target {
                #[doc = #doc]
                pub const #accessor: #p::Rel<#target, #storage> = #p::Rel::backref(<#ident as #p::Model>::meta, #i);
            }
        })
    });

    // Calls through the field's type carry its span, so a type that is not a
    // column type is reported once, at the type.
    // `#[model(index(..), unique(..), check = "..")]`, fields named by
    // their column names (check.rs made sure they are columns).
    let column_name_of = |ident: &syn::Ident| -> String {
        columns
            .iter()
            .find(|(field, _)| field.ident == ident)
            .and_then(|(field, attrs)| {
                attrs
                    .name
                    .as_ref()
                    .map(|n| n.value.value())
                    .or_else(|| Some(field.ident.unraw().to_string()))
            })
            .unwrap_or_else(|| ident.unraw().to_string())
    };
    let constraints: Vec<TokenStream> = model
        .attrs
        .constraints
        .iter()
        .map(|constraint| match &constraint.value {
            crate::attr::ModelConstraint::Index(names) => {
                let names = names.iter().map(column_name_of);
                quote!(#p::TableConstraint::Index(&[#(#names),*]))
            }
            crate::attr::ModelConstraint::Unique(names) => {
                let names = names.iter().map(column_name_of);
                quote!(#p::TableConstraint::Unique(&[#(#names),*]))
            }
            crate::attr::ModelConstraint::Check(sql) => quote!(#p::TableConstraint::Check(#sql)),
        })
        .collect();

    // Conversion errors name the model and the column.
    let column_names: Vec<String> = columns
        .iter()
        .map(|(field, attrs)| {
            attrs
                .name
                .as_ref()
                .map_or_else(|| field.ident.unraw().to_string(), |n| n.value.value())
        })
        .collect();
    let column_value_arms = columns.iter().enumerate().map(|(i, (field, _))| {
        let (f, ty) = (field.ident, field.ty);
        let column = &column_names[i];
        let call = quote_spanned!(ty_span(ty)=> <#ty as #p::ColumnType>::try_to_value(&self.#f));
        quote!(#i => #call.map_err(|e| #p::column_error(#name, #column, e)),)
    });
    let column_holds_arms = columns.iter().enumerate().map(|(i, (field, _))| {
        let (f, ty) = (field.ident, field.ty);
        let call = quote_spanned!(ty_span(ty)=> <#ty as #p::ColumnType>::holds(&self.#f, value));
        quote!(#i => #call,)
    });
    let set_column_arms = columns.iter().enumerate().map(|(i, (field, _))| {
        let (f, ty) = (field.ident, field.ty);
        let column = &column_names[i];
        let call = quote_spanned!(ty_span(ty)=> <#ty as #p::ColumnType>::from_value(value));
        quote!(#i => {
            self.#f = #call.map_err(|e| #p::column_error(#name, #column, e))?;
            ::std::result::Result::Ok(())
        })
    });
    let from_values_fields = model.fields.iter().map(|field| {
        let (f, ty) = (field.ident, field.ty);
        let value = match &field.kind {
            crate::ast::FieldKind::Column(attrs) => {
                let column = attrs
                    .name
                    .as_ref()
                    .map_or_else(|| f.unraw().to_string(), |n| n.value.value());
                let call = quote_spanned! {ty_span(ty)=>
                    <#ty as #p::ColumnType>::from_value(#p::next_value(&mut values)?)
                };
                quote!(#call.map_err(|e| #p::column_error(#name, #column, e))?)
            }
            crate::ast::FieldKind::Relationship(rel) => {
                let target = rel.target;
                match rel.cardinality {
                    Cardinality::One => {
                        quote_spanned!(ty_span(target)=> #p::One::<#target>::unloaded())
                    }
                    Cardinality::Many => {
                        quote_spanned!(ty_span(target)=> #p::Many::<#target>::unloaded())
                    }
                }
            }
        };
        quote!(#f: #value,)
    });
    let relationship_arms = relationships.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        let field_ref =
            quote_spanned!(ty_span(field.ty)=> &self.#f as &(dyn #p::RelationshipField + 'static));
        quote!(#i => ::std::option::Option::Some(#field_ref),)
    });
    let relationship_mut_arms = relationships.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        let field_ref = quote_spanned!(ty_span(field.ty)=> &mut self.#f as &mut (dyn #p::RelationshipField + 'static));
        quote!(#i => ::std::option::Option::Some(#field_ref),)
    });

    let column_consts = columns.iter().enumerate().map(|(i, (field, attrs))| {
        let f = field.ident;
        let ty = field.ty;
        let column_name = attrs
            .name
            .as_ref()
            .map_or_else(|| f.unraw().to_string(), |n| n.value.value());
        let doc = format!("The `{table}.{column_name}` column, for queries.");
        quote! {
            #[doc = #doc]
            pub const #f: #p::Col<#ident, #ty> = #p::Col::new(#i);
        }
    });
    let relationship_consts = relationships.iter().enumerate().map(|(i, (field, _))| {
        let f = field.ident;
        let ty = field.ty;
        let doc = format!(
            "The `{name}.{}` relationship, for `Obj::get`, `set`, `append` and `remove`.",
            f.unraw()
        );
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
        let span = back.span();
        let name = back.value();
        let other = if syn::parse_str::<syn::Ident>(&name).is_ok() {
            syn::Ident::new(&name, span)
        } else {
            syn::Ident::new_raw(&name, span)
        };
        let p = quote_spanned!(span=> ::orm_core::__private);
        Some(quote_spanned! {span=>
            const _: () = #p::assert_back_populates::<#ident, _>(&<#target>::#other);
        })
    });

    // An explicit `autoincrement` needs a nullable integer key.
    let autoincrement_checks = columns.iter().filter_map(|(field, attrs)| {
        let auto = attrs.autoincrement.as_ref().filter(|a| a.value.value)?;
        let ty = field.ty;
        Some(quote_spanned! {auto.span=>
            const _: () = ::std::assert!(
                <#ty as #p::ColumnType>::NULLABLE
                    && matches!(<#ty as #p::ColumnType>::SQL_TYPE, #p::SqlType::Integer),
                "autoincrement needs an integer key declared as Option<i64>, which is None until the database fills it in",
            );
        })
    });

    // The database generates a single nullable integer key itself; a
    // server default there is a contradiction.
    let server_default_checks = columns.iter().filter_map(|(field, attrs)| {
        let default = attrs.server_default.as_ref()?;
        let is_key = attrs.primary_key.as_ref().is_some_and(|k| k.value.value);
        let allow_auto = attrs.autoincrement.as_ref().is_none_or(|a| a.value.value);
        if !(is_key && primary_keys == 1 && allow_auto) {
            return None;
        }
        let ty = field.ty;
        Some(quote_spanned! {default.span=>
            const _: () = ::std::assert!(
                !(<#ty as #p::ColumnType>::NULLABLE
                    && matches!(<#ty as #p::ColumnType>::SQL_TYPE, #p::SqlType::Integer)),
                "the database generates this key (autoincrement): remove server_default, or say autoincrement = false",
            );
        })
    });

    // A version counter is a NOT NULL integer.
    let version_checks = columns.iter().filter_map(|(field, attrs)| {
        let version = attrs.version.as_ref().filter(|v| v.value.value)?;
        let ty = field.ty;
        Some(quote_spanned! {version.span=>
            const _: () = ::std::assert!(
                !<#ty as #p::ColumnType>::NULLABLE
                    && matches!(<#ty as #p::ColumnType>::SQL_TYPE, #p::SqlType::Integer),
                "a version column must be a NOT NULL integer: declare it as i64 or i32",
            );
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
                        constraints: &[#(#constraints),*],
                        get: <#ident as #p::Model>::meta,
                        construct: #p::construct::<#ident>,
                    };
                    &META
                }

                fn column_value(&self, index: usize) -> #p::Result<#p::Value> {
                    match index {
                        #(#column_value_arms)*
                        _ => ::std::result::Result::Ok(#p::Value::Null),
                    }
                }

                fn column_holds(&self, index: usize, value: &#p::Value) -> bool {
                    match index {
                        #(#column_holds_arms)*
                        _ => value.is_null(),
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

            #[allow(non_upper_case_globals, dead_code)]
            impl #ident {
                #(#column_consts)*
                #(#relationship_consts)*
            }

            #(#back_checks)*
            #(#autoincrement_checks)*
            #(#version_checks)*
            #(#server_default_checks)*
            #(#backref_consts)*

            #p::inventory::submit! {
                #p::ModelRegistration(<#ident as #p::Model>::meta)
            }
        };
    }
}

/// The `ColumnMeta` of one field. `single_key`: the model has one key column
/// (which the database may generate).
pub(crate) fn column_meta(
    p: &TokenStream,
    field: &crate::ast::Field<'_>,
    attrs: &crate::attr::ColumnAttrs,
    single_key: bool,
) -> TokenStream {
    let ty = field.ty;
    let field_name = field.ident.unraw().to_string();
    let column_name = attrs
        .name
        .as_ref()
        .map_or_else(|| field_name.clone(), |n| n.value.value());
    let primary_key = attrs.primary_key.as_ref().is_some_and(|p| p.value.value);
    let unique = attrs.unique.as_ref().is_some_and(|u| u.value.value);
    let version = attrs.version.as_ref().is_some_and(|v| v.value.value);
    let allow_auto = attrs.autoincrement.as_ref().is_none_or(|a| a.value.value);
    let foreign_key = option_tokens(attrs.foreign_key.as_ref().map(|fk| &fk.value));
    let index = match &attrs.index {
        Some(flag) => {
            let on = flag.value.value;
            quote!(::std::option::Option::Some(#on))
        }
        None => quote!(::std::option::Option::None),
    };
    let on_delete = referential_action(p, attrs.on_delete.as_ref());
    let on_update = referential_action(p, attrs.on_update.as_ref());
    // The type's span makes an unsupported column type point at it.
    let column_type = quote_spanned!(ty_span(ty)=> <#ty as #p::ColumnType>);
    // A single key column is generated by the database when its type is
    // a nullable integer; the type is only known to the compiler.
    let autoincrement = if primary_key && single_key && allow_auto {
        quote!(#column_type::NULLABLE && matches!(#column_type::SQL_TYPE, #p::SqlType::Integer))
    } else {
        quote!(false)
    };
    let server_default = option_tokens(attrs.server_default.as_ref().map(|d| &d.value));
    // `nullable = false` makes an `Option` field's column NOT NULL (None
    // only until a default fills it in at INSERT).
    let nullable = match &attrs.nullable {
        Some(flag) if !flag.value.value => quote!(false),
        _ => quote!(#column_type::NULLABLE),
    };
    let default = default_tokens(p, field, attrs);
    quote! {
        #p::ColumnMeta {
            field: #field_name,
            name: #column_name,
            sql_type: #column_type::SQL_TYPE,
            nullable: #nullable,
            primary_key: #primary_key,
            autoincrement: #autoincrement,
            unique: #unique,
            foreign_key: #foreign_key,
            index: #index,
            on_delete: #on_delete,
            on_update: #on_update,
            version: #version,
            server_default: #server_default,
            default: #default,
        }
    }
}

/// `Some(fn)` computing the `default = <expr>` or `default_fn = path` value
/// of an `Option<T>` field, typed as `T` so that the compiler checks the
/// expression (at its tokens) against the field.
fn default_tokens(
    p: &TokenStream,
    field: &crate::ast::Field<'_>,
    attrs: &crate::attr::ColumnAttrs,
) -> TokenStream {
    let Some(inner) = check::option_inner(field.ty) else {
        return quote!(::std::option::Option::None);
    };
    let value = match (&attrs.default, &attrs.default_fn) {
        (Some(expr), _) => {
            let expr = &expr.value;
            quote_spanned!(expr.span()=> #p::default_value::<#inner>(#expr))
        }
        (None, Some(path)) => {
            let path = &path.value;
            quote_spanned!(path.span()=> #p::default_value::<#inner>(#path()))
        }
        (None, None) => return quote!(::std::option::Option::None),
    };
    quote!(::std::option::Option::Some({
        fn default() -> #p::Result<#p::Value> {
            #value
        }
        default
    }))
}

/// `Some(ReferentialAction::Cascade)` for `on_delete = "cascade"`; the
/// value was checked when parsed.
fn referential_action(
    p: &TokenStream,
    rule: Option<&crate::attr::Attr<syn::LitStr>>,
) -> TokenStream {
    let variant = match rule.map(|r| r.value.value()).as_deref() {
        Some("cascade") => quote!(Cascade),
        Some("set null") => quote!(SetNull),
        Some("restrict") => quote!(Restrict),
        Some("no action") => quote!(NoAction),
        _ => return quote!(::std::option::Option::None),
    };
    quote!(::std::option::Option::Some(#p::ReferentialAction::#variant))
}

fn cardinality_tokens(p: &TokenStream, cardinality: Cardinality) -> TokenStream {
    match cardinality {
        Cardinality::One => quote!(#p::Cardinality::One),
        Cardinality::Many => quote!(#p::Cardinality::Many),
    }
}

fn option_tokens<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// `#p::Cascade { ... }` from the parts of a `cascade = "..."` string.
fn cascade_tokens(p: &TokenStream, parts: Option<&[String]>) -> TokenStream {
    let Some(parts) = parts else {
        return quote!(#p::Cascade::DEFAULT);
    };
    let has = |name: &str| {
        parts
            .iter()
            .any(|p| p == name || (p == "all" && name != "delete-orphan"))
    };
    let (save_update, merge, delete, delete_orphan, refresh_expire, expunge) = (
        has("save-update"),
        has("merge"),
        has("delete"),
        has("delete-orphan"),
        has("refresh-expire"),
        has("expunge"),
    );
    quote!(#p::Cascade {
        save_update: #save_update,
        merge: #merge,
        delete: #delete,
        delete_orphan: #delete_orphan,
        refresh_expire: #refresh_expire,
        expunge: #expunge,
    })
}

/// The name and cardinality of the reverse relationship a `backref` creates:
/// as written with `uselist`, else one object on the reverse of a collection
/// without `secondary` (a many-to-one) and a collection otherwise.
fn backref_of(rel: &crate::ast::Relationship<'_>) -> Option<(String, Cardinality)> {
    let backref = &rel.attrs.backref.as_ref()?.value;
    let name = backref.name.as_ref()?.value();
    let cardinality = match &backref.uselist {
        Some(uselist) if uselist.value => Cardinality::Many,
        Some(_) => Cardinality::One,
        None if rel.cardinality == Cardinality::Many && rel.attrs.secondary.is_none() => {
            Cardinality::One
        }
        None => Cardinality::Many,
    };
    Some((name, cardinality))
}

fn path_span(path: &syn::Path) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    path.span()
}

fn ty_span(ty: &syn::Type) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    ty.span()
}

#[cfg(test)]
mod tests {
    //! Expansion snapshots: the generated code for representative models,
    //! pretty-printed and compared with `src/snapshots/*.rs`. Run with
    //! `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change, and
    //! review the diff.

    use super::derive;
    use syn::parse_quote;

    fn assert_snapshot(name: &str, input: syn::DeriveInput) {
        let tokens = derive(input);
        let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
        let pretty = prettyplease::unparse(&file);
        let path = format!("{}/src/snapshots/{name}.rs", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &pretty).expect("write snapshot");
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == pretty,
            "expansion of {name} changed; rerun with UPDATE_SNAPSHOTS=1 and review.\n--- got ---\n{pretty}"
        );
    }

    #[test]
    fn parent_with_collection() {
        assert_snapshot(
            "parent",
            parse_quote! {
                #[model(table = "parent")]
                pub struct Parent {
                    #[column(primary_key)]
                    pub id: Option<i64>,
                    #[column(name = "full_name", unique)]
                    pub name: String,
                    #[relationship(back_populates = "parent")]
                    pub children: Many<Child>,
                }
            },
        );
    }

    #[test]
    fn child_with_foreign_key() {
        assert_snapshot(
            "child",
            parse_quote! {
                pub struct Child {
                    #[column(primary_key)]
                    pub id: Option<i64>,
                    #[column(foreign_key = "parent.id")]
                    pub parent_id: Option<i64>,
                    #[relationship(back_populates = "children", foreign_keys = "parent_id")]
                    pub parent: One<Parent>,
                }
            },
        );
    }

    #[test]
    fn column_defaults() {
        assert_snapshot(
            "defaults",
            parse_quote! {
                pub struct Loan {
                    #[column(primary_key)]
                    pub id: Option<i64>,
                    #[column(server_default = "CURRENT_TIMESTAMP", nullable = false)]
                    pub created: Option<String>,
                    #[column(default = 0)]
                    pub renewals: Option<i32>,
                    #[column(default_fn = next_code)]
                    pub code: Option<String>,
                }
            },
        );
    }

    #[test]
    fn errors_come_with_a_stub_impl() {
        assert_snapshot(
            "invalid",
            parse_quote! {
                pub struct Invalid {
                    #[column(primry_key)]
                    pub id: i64,
                }
            },
        );
    }
}
