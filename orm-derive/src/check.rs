//! Cross-field checks on the parsed model, before expansion.

use std::collections::HashMap;

use syn::ext::IdentExt;

use crate::ast::{Cardinality, Model};
use crate::ctxt::Ctxt;

pub fn check(cx: &Ctxt, model: &Model<'_>) {
    check_generics(cx, model);
    check_columns(cx, model);
    check_relationships(cx, model);
}

fn check_generics(cx: &Ctxt, model: &Model<'_>) {
    if !model.generics.params.is_empty() {
        cx.error_spanned_by(
            model.generics,
            "generic models are not supported: a model maps one table",
        );
    }
}

fn check_columns(cx: &Ctxt, model: &Model<'_>) {
    let primary_keys = model
        .columns()
        .filter(|(_, c)| c.primary_key.as_ref().is_some_and(|p| p.value.value))
        .count();
    // A column whose attributes did not parse may have been meant as the key.
    let unparsed = model.columns().any(|(_, c)| c.had_errors);
    if primary_keys == 0 && !unparsed {
        cx.error_spanned_by(
            model.ident,
            format!(
                "model `{}` has no primary key; mark a column with #[column(primary_key)]",
                model.ident
            ),
        );
    }
    if let Some(table) = &model.attrs.table {
        if table.value.value().is_empty() {
            cx.error_spanned_by(&table.value, "table name must not be empty");
        }
    }
    // SQL column names are case-insensitive.
    let mut names: HashMap<String, &syn::Ident> = HashMap::new();
    for (field, column) in model.columns() {
        let name = column
            .name
            .as_ref()
            .map_or_else(|| field.ident.unraw().to_string(), |n| n.value.value());
        if let Some(first) = names.insert(name.to_lowercase(), field.ident) {
            let message = format!(
                "column `{name}` is already mapped by field `{first}`; give one of them #[column(name = \"...\")]"
            );
            match &column.name {
                Some(lit) => cx.error_spanned_by(&lit.value, message),
                None => cx.error_spanned_by(field.ident, message),
            }
        }
        if let Some(name) = &column.name {
            if name.value.value().is_empty() {
                cx.error_spanned_by(&name.value, "column name must not be empty");
            }
        }
        if let Some(fk) = &column.foreign_key {
            let text = fk.value.value();
            let valid = text
                .split_once('.')
                .is_some_and(|(t, c)| !t.is_empty() && !c.is_empty() && !c.contains('.'));
            if !valid {
                cx.error_spanned_by(
                    &fk.value,
                    format!("foreign_key must have the form \"table.column\", found \"{text}\""),
                );
            }
        }
        if let Some(auto) = &column.autoincrement {
            let is_pk = column.primary_key.as_ref().is_some_and(|p| p.value.value);
            if auto.value.value && !(is_pk && primary_keys == 1) {
                cx.error_at(
                    auto.span,
                    "autoincrement is only valid on the single primary key column (an Option<i64> the database fills in)",
                );
            }
        }
    }
}

fn not_supported(cx: &Ctxt, span: proc_macro2::Span, what: &str) {
    cx.error_at(span, format!("{what} is not supported yet"));
}

fn check_relationships(cx: &Ctxt, model: &Model<'_>) {
    for (_, rel) in model.relationships() {
        let attrs = &rel.attrs;
        if let Some(uselist) = &attrs.uselist {
            let wants_many = uselist.value.value;
            if wants_many != (rel.cardinality == Cardinality::Many) {
                let message = if wants_many {
                    "uselist = true needs a Many<_> field; this field is One<_>"
                } else {
                    "uselist = false needs a One<_> field; this field is Many<_>"
                };
                cx.error_spanned_by(&uselist.value, message);
            }
        }
        if let Some(back) = &attrs.back_populates {
            if !is_identifier(&back.value.value()) {
                cx.error_spanned_by(
                    &back.value,
                    "back_populates must name a field of the target model",
                );
            }
        }
        if let Some(backref) = &attrs.backref {
            not_supported(cx, backref.span, "`backref`");
        }
        if let Some(secondary) = &attrs.secondary {
            not_supported(cx, secondary.span, "`secondary` (many-to-many)");
        }
        if let Some(cascade) = &attrs.cascade {
            let (lit, parts) = &cascade.value;
            if let Some(part) = parts
                .iter()
                .find(|p| !matches!(p.as_str(), "save-update" | "merge"))
            {
                cx.error_spanned_by(
                    lit,
                    format!("cascade \"{part}\" is not supported yet (only \"save-update, merge\", the default)"),
                );
            }
        }
        if let Some(flag) = attrs.passive_deletes.as_ref().filter(|f| f.value.value) {
            not_supported(cx, flag.span, "`passive_deletes`");
        }
        if let Some(flag) = attrs.viewonly.as_ref().filter(|f| f.value.value) {
            not_supported(cx, flag.span, "`viewonly`");
        }
        if let Some(order_by) = &attrs.order_by {
            not_supported(cx, order_by.span, "`order_by`");
        }
        if let Some(lazy) = &attrs.lazy {
            let value = lazy.value.value();
            if value != "select" && crate::symbol::LAZY_VALUES.contains(&value.as_str()) {
                cx.error_spanned_by(
                    &lazy.value,
                    format!(
                        "lazy = \"{value}\" is not supported yet (only \"select\", the default)"
                    ),
                );
            }
        }
    }
}

/// Whether `name` can be a field name (keywords included: they are written
/// `r#name` in Rust and `"name"` in attributes).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "_"
}
