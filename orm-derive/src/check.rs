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

/// The checks of `#[derive(Table)]`: columns only, no key required.
pub fn check_table(cx: &Ctxt, model: &Model<'_>) {
    check_generics(cx, model);
    check_column_names(cx, model);
    check_referential_actions(cx, model);
    for (_, column) in model.columns() {
        if let Some(span) = column
            .default
            .as_ref()
            .map(|d| d.span)
            .or(column.default_fn.as_ref().map(|d| d.span))
        {
            cx.error_at(
                span,
                "an association table's rows are written from the two keys; use server_default for a default",
            );
        }
        if let Some(version) = column.version.as_ref().filter(|v| v.value.value) {
            cx.error_at(
                version.span,
                "an association table has no version column: its rows are only inserted and deleted",
            );
        }
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
    check_column_names(cx, model);
    check_referential_actions(cx, model);
    check_version(cx, model);
    check_constraint_columns(cx, model);
    check_defaults(cx, model);
    for (_, column) in model.columns() {
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

/// The fields `#[model(index(..), unique(..))]` names are columns of the
/// model.
fn check_constraint_columns(cx: &Ctxt, model: &Model<'_>) {
    for constraint in &model.attrs.constraints {
        let names = match &constraint.value {
            crate::attr::ModelConstraint::Index(names)
            | crate::attr::ModelConstraint::Unique(names) => names,
            crate::attr::ModelConstraint::Check(_) => continue,
        };
        for name in names {
            let is_column = model.columns().any(|(field, _)| field.ident == name);
            let is_relationship = model.relationships().any(|(field, _)| field.ident == name);
            if is_relationship {
                cx.error_spanned_by(
                    name,
                    format!("`{name}` is a relationship; indexes and constraints take columns"),
                );
            } else if !is_column {
                cx.error_spanned_by(name, format!("`{name}` is not a field of this model"));
            }
        }
    }
}

/// `on_delete` / `on_update` only on a foreign key; `"set null"` only on a
/// nullable one.
fn check_referential_actions(cx: &Ctxt, model: &Model<'_>) {
    for (field, column) in model.columns() {
        let rules = [
            ("on_delete", &column.on_delete),
            ("on_update", &column.on_update),
        ];
        for (key, rule) in rules {
            let Some(rule) = rule else {
                continue;
            };
            if column.foreign_key.is_none() {
                cx.error_at(
                    rule.span,
                    format!(
                        "{key} is a rule of a foreign key; add foreign_key = \"table.column\" to this column"
                    ),
                );
            }
            if rule.value.value() == "set null" && !is_option(field.ty) {
                cx.error_spanned_by(
                    &rule.value,
                    format!(
                        "{key} = \"set null\" needs a nullable column; make `{}` an Option<_>",
                        field.ident.unraw()
                    ),
                );
            }
        }
    }
}

/// `default`, `default_fn` and `server_default` fill in a field that is
/// `None` at INSERT, so the field must be an `Option<_>`; `default` and
/// `default_fn` exclude each other; the version counter has its own value.
fn check_defaults(cx: &Ctxt, model: &Model<'_>) {
    for (field, column) in model.columns() {
        let defaults = [
            (
                "server_default",
                column.server_default.as_ref().map(|d| d.span),
            ),
            ("default", column.default.as_ref().map(|d| d.span)),
            ("default_fn", column.default_fn.as_ref().map(|d| d.span)),
        ];
        if let Some(nullable) = column.nullable.as_ref().filter(|n| n.value.value) {
            if option_inner(field.ty).is_none() {
                cx.error_at(
                    nullable.span,
                    format!(
                        "nullable = true needs an Option<_> field: make `{}` an Option<_>",
                        field.ident.unraw()
                    ),
                );
            }
        }
        if let (Some(_), Some(span)) = (&column.default, &column.default_fn) {
            cx.error_at(
                span.span,
                "give either `default = <expr>` or `default_fn = path`, not both",
            );
        }
        for (key, span) in defaults {
            let Some(span) = span else {
                continue;
            };
            if column.version.as_ref().is_some_and(|v| v.value.value) {
                cx.error_at(
                    span,
                    format!("a version column takes no {key}: the ORM sets it to 1 at INSERT"),
                );
            } else if option_inner(field.ty).is_none() {
                cx.error_at(
                    span,
                    format!(
                        "{key} needs an Option<_> field: `{}` is None until INSERT fills it in",
                        field.ident.unraw()
                    ),
                );
            }
        }
    }
}

/// The `T` of a field written `Option<T>`.
pub fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Whether the type is written `Option<...>` (the derive cannot see
/// through aliases; the database rejects the rest at run time).
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option"),
        _ => false,
    }
}

/// At most one `version` column, and not a key column.
fn check_version(cx: &Ctxt, model: &Model<'_>) {
    let mut first = None;
    for (field, column) in model.columns() {
        let Some(version) = column.version.as_ref().filter(|v| v.value.value) else {
            continue;
        };
        if let Some(first) = &first {
            cx.error_at(
                version.span,
                format!("only one column can be the version counter; `{first}` already is"),
            );
        } else {
            first = Some(field.ident.unraw().to_string());
        }
        if column.primary_key.as_ref().is_some_and(|p| p.value.value) {
            cx.error_at(
                version.span,
                "a version column cannot be part of the primary key: the key identifies the row, the version counts its changes",
            );
        }
        if column.foreign_key.is_some() {
            cx.error_at(
                version.span,
                "a version column cannot be a foreign key: the ORM writes it on every UPDATE",
            );
        }
    }
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
            match &backref.value.name {
                Some(name) if !is_identifier(&name.value()) => {
                    cx.error_spanned_by(name, "backref must be a field-like name");
                }
                _ => {}
            }
            if attrs.back_populates.is_some() {
                cx.error_at(
                    backref.span,
                    "use either backref (creates the other side) or back_populates (names it), not both",
                );
            }
            if attrs.viewonly.as_ref().is_some_and(|v| v.value.value) {
                cx.error_at(
                    backref.span,
                    "a viewonly relationship cannot create a backref",
                );
            }
        }
        check_passive_deletes(cx, attrs);
        if let Some(filter) = &attrs.filter {
            if !attrs.viewonly.as_ref().is_some_and(|v| v.value.value) {
                cx.error_at(
                    filter.span,
                    "filter needs viewonly: writing through a filtered relationship would not set the filtered columns",
                );
            }
        }
        let has_secondary = attrs.secondary.is_some();
        if let Some(cascade) = &attrs.cascade {
            let (lit, parts) = &cascade.value;
            if has_secondary && parts.iter().any(|p| p == "delete-orphan") {
                cx.error_spanned_by(
                    lit,
                    "delete-orphan is not supported on a many-to-many relationship (an object may have several parents)",
                );
            }
        }
        if let Some(order_by) = &attrs.order_by {
            if parse_order_by(&order_by.value.value()).is_none() {
                cx.error_spanned_by(
                    &order_by.value,
                    "order_by takes column names separated by commas, each optionally followed by `asc` or `desc`",
                );
            }
            if rel.cardinality == Cardinality::One {
                cx.error_spanned_by(
                    &order_by.value,
                    "order_by applies to collections (Many<_>) only",
                );
            }
        }
        if let Some(lazy) = &attrs.lazy {
            let value = lazy.value.value();
            if !matches!(value.as_str(), "select" | "selectin")
                && crate::symbol::LAZY_VALUES.contains(&value.as_str())
            {
                cx.error_spanned_by(
                    &lazy.value,
                    format!(
                        "lazy = \"{value}\" is not supported yet (use \"select\" or \"selectin\")"
                    ),
                );
            }
        }
    }
}

/// `passive_deletes = "all"` never touches the related rows, so it cannot
/// be combined with a cascade that deletes them.
fn check_passive_deletes(cx: &Ctxt, attrs: &crate::attr::RelationshipAttrs) {
    let Some(passive) = &attrs.passive_deletes else {
        return;
    };
    let crate::attr::PassiveDeletes::All(lit) = &passive.value else {
        return;
    };
    let deleting = attrs.cascade.as_ref().is_some_and(|c| {
        c.value
            .1
            .iter()
            .any(|p| matches!(p.as_str(), "all" | "delete" | "delete-orphan"))
    });
    if deleting {
        cx.error_spanned_by(
            lit,
            "passive_deletes = \"all\" leaves the related rows to the database, so the cascade cannot delete them; drop `delete`/`delete-orphan` (or `all`) from cascade, or use passive_deletes = true",
        );
    }
}

/// `"name, created desc"` -> `[("name", false), ("created", true)]`.
pub fn parse_order_by(text: &str) -> Option<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let mut words = part.split_whitespace();
        let column = words.next()?;
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return None,
        };
        if words.next().is_some() || !is_identifier(column) {
            return None;
        }
        out.push((column.to_owned(), descending));
    }
    Some(out)
}

/// Whether `name` can be a field name (keywords included: they are written
/// `r#name` in Rust and `"name"` in attributes).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "_"
}

/// Column names unique (case-insensitively), not empty; foreign keys well formed.
fn check_column_names(cx: &Ctxt, model: &Model<'_>) {
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
    }
}
