//! Parsing of `#[model(...)]`, `#[column(...)]` and `#[relationship(...)]`.
//!
//! Parsing records every problem in the [`Ctxt`] and goes on, so one build
//! reports all of them. Values keep their tokens for error spans.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, LitBool, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::symbol;

/// A value that remembers where it was written.
#[derive(Clone)]
pub struct Attr<T> {
    pub value: T,
    pub span: Span,
}

/// Stores `value` in `slot`, or reports the duplicate key.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<Attr<T>>, key: &syn::Path, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate `{}` attribute", path_name(key)));
    } else {
        *slot = Some(Attr {
            value,
            span: key.span(),
        });
    }
}

pub fn path_name(path: &syn::Path) -> String {
    path.get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// Consumes the value of a key that was rejected, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// A flag that may be written `key` or `key = true|false`.
fn parse_flag(meta: &ParseNestedMeta<'_>) -> syn::Result<LitBool> {
    if meta.input.peek(Token![=]) {
        let value = meta.value()?;
        let name = path_name(&meta.path);
        value.parse::<LitBool>().map_err(|err| {
            syn::Error::new(
                err.span(),
                format!("`{name}` takes `true` or `false` (or just `{name}` for true)"),
            )
        })
    } else {
        Ok(LitBool::new(true, meta.path.span()))
    }
}

fn parse_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let value = meta.value()?;
    let name = path_name(&meta.path);
    value.parse::<LitStr>().map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("`{name}` takes a string literal: {name} = \"...\""),
        )
    })
}

/// Runs `parse_nested_meta` over each attribute named `name`.
fn each_attr(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    name: &str,
    mut f: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>,
) -> bool {
    let mut found = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        found = true;
        if let syn::Meta::Path(_) = attr.meta {
            continue;
        }
        if let Err(err) = attr.parse_nested_meta(|meta| f(&meta)) {
            cx.syn_error(err);
        }
    }
    found
}

fn reject_unknown(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    what: &str,
    known: &[&str],
) -> syn::Result<()> {
    let name = path_name(&meta.path);
    cx.error_spanned_by(&meta.path, symbol::unknown(what, &name, known));
    skip_value(meta)
}

/// The tokens of the first attribute named `name`.
fn first_attr(attrs: &[syn::Attribute], name: &str) -> Option<TokenStream> {
    attrs
        .iter()
        .find(|a| a.path().is_ident(name))
        .map(ToTokens::to_token_stream)
}

/// Reports attributes of this derive used where they mean nothing.
pub fn reject_misplaced(cx: &Ctxt, attrs: &[syn::Attribute], names: &[&str], place: &str) {
    for attr in attrs {
        if let Some(name) = names.iter().find(|n| attr.path().is_ident(n)) {
            cx.error_spanned_by(attr, format!("#[{name}(...)] does not apply to {place}"));
        }
    }
}

/// A table-level index or constraint of `#[model(...)]`.
pub enum ModelConstraint {
    /// `index(a, b)`.
    Index(Vec<syn::Ident>),
    /// `unique(a, b)`.
    Unique(Vec<syn::Ident>),
    /// `check = "sql"`.
    Check(LitStr),
}

/// `#[model(...)]`.
#[derive(Default)]
pub struct ModelAttrs {
    pub table: Option<Attr<LitStr>>,
    /// In the order written; each may appear several times.
    pub constraints: Vec<Attr<ModelConstraint>>,
}

pub fn model_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ModelAttrs {
    let mut out = ModelAttrs::default();
    each_attr(cx, attrs, "model", |meta| {
        let columns = |meta: &ParseNestedMeta<'_>| -> syn::Result<Vec<syn::Ident>> {
            let content;
            syn::parenthesized!(content in meta.input);
            let names = content.parse_terminated(syn::Ident::parse_any, Token![,])?;
            if names.is_empty() {
                return Err(syn::Error::new(
                    meta.path.span(),
                    format!("{}(...) needs at least one field", path_name(&meta.path)),
                ));
            }
            Ok(names.into_iter().collect())
        };
        let span = meta.path.span();
        if meta.path.is_ident("table") {
            let lit = parse_str(meta)?;
            set_once(cx, &mut out.table, &meta.path, lit);
            Ok(())
        } else if meta.path.is_ident("index") {
            let value = ModelConstraint::Index(columns(meta)?);
            out.constraints.push(Attr { value, span });
            Ok(())
        } else if meta.path.is_ident("unique") {
            let value = ModelConstraint::Unique(columns(meta)?);
            out.constraints.push(Attr { value, span });
            Ok(())
        } else if meta.path.is_ident("check") {
            let lit = parse_str(meta)?;
            if lit.value().trim().is_empty() {
                cx.error_spanned_by(&lit, "check needs an SQL condition: check = \"price >= 0\"");
            }
            let value = ModelConstraint::Check(lit);
            out.constraints.push(Attr { value, span });
            Ok(())
        } else {
            reject_unknown(cx, meta, "model attribute", symbol::MODEL_KEYS)
        }
    });
    out
}

/// `#[table(...)]`.
#[derive(Default)]
pub struct TableAttrs {
    pub name: Option<Attr<LitStr>>,
}

pub fn table_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> TableAttrs {
    let mut out = TableAttrs::default();
    each_attr(cx, attrs, "table", |meta| {
        if meta.path.is_ident("name") {
            let lit = parse_str(meta)?;
            if lit.value().is_empty() {
                cx.error_spanned_by(&lit, "table name must not be empty");
            }
            set_once(cx, &mut out.name, &meta.path, lit);
            Ok(())
        } else {
            reject_unknown(cx, meta, "table attribute", symbol::TABLE_KEYS)
        }
    });
    out
}

/// `#[column(...)]`.
#[derive(Default)]
pub struct ColumnAttrs {
    /// The first `#[column]` attribute, if any, for error spans.
    pub present: Option<TokenStream>,
    pub primary_key: Option<Attr<LitBool>>,
    pub foreign_key: Option<Attr<LitStr>>,
    pub unique: Option<Attr<LitBool>>,
    pub name: Option<Attr<LitStr>>,
    pub autoincrement: Option<Attr<LitBool>>,
    /// `version`: the optimistic-concurrency counter.
    pub version: Option<Attr<LitBool>>,
    /// `index` / `index = false`.
    pub index: Option<Attr<LitBool>>,
    /// The foreign key's `ON DELETE` rule (a known action, checked here).
    pub on_delete: Option<Attr<LitStr>>,
    /// The foreign key's `ON UPDATE` rule.
    pub on_update: Option<Attr<LitStr>>,
    /// `nullable = false`: NOT NULL although the field is an `Option`.
    pub nullable: Option<Attr<LitBool>>,
    /// `server_default = "SQL"`: the column's `DEFAULT` in `CREATE TABLE`.
    pub server_default: Option<Attr<LitStr>>,
    /// `default = <expr>`: the value a `None` field gets at INSERT.
    pub default: Option<Attr<Box<Expr>>>,
    /// `default_fn = path`: a function called for that value.
    pub default_fn: Option<Attr<syn::Path>>,
    /// Whether parsing these attributes reported an error.
    pub had_errors: bool,
}

pub fn column_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ColumnAttrs {
    let errors_before = cx.error_count();
    let mut out = ColumnAttrs {
        present: first_attr(attrs, "column"),
        ..ColumnAttrs::default()
    };
    each_attr(cx, attrs, "column", |meta| {
        let key = &meta.path;
        if key.is_ident("primary_key") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.primary_key, key, v);
        } else if key.is_ident("unique") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.unique, key, v);
        } else if key.is_ident("autoincrement") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.autoincrement, key, v);
        } else if key.is_ident("version") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.version, key, v);
        } else if key.is_ident("index") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.index, key, v);
        } else if key.is_ident("foreign_key") {
            let v = parse_str(meta)?;
            set_once(cx, &mut out.foreign_key, key, v);
        } else if key.is_ident("name") {
            let v = parse_str(meta)?;
            set_once(cx, &mut out.name, key, v);
        } else if key.is_ident("nullable") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.nullable, key, v);
        } else if key.is_ident("server_default") {
            let lit = parse_str(meta)?;
            if lit.value().trim().is_empty() {
                cx.error_spanned_by(
                    &lit,
                    "server_default takes SQL: server_default = \"0\" or \"CURRENT_TIMESTAMP\"",
                );
            }
            set_once(cx, &mut out.server_default, key, lit);
        } else if key.is_ident("default") {
            let v = Box::new(meta.value()?.parse::<Expr>()?);
            set_once(cx, &mut out.default, key, v);
        } else if key.is_ident("default_fn") {
            let value = meta.value()?;
            let v = value.parse::<syn::Path>().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "`default_fn` takes the path of a function: default_fn = uuid::Uuid::new_v4",
                )
            })?;
            set_once(cx, &mut out.default_fn, key, v);
        } else if key.is_ident("on_delete") || key.is_ident("on_update") {
            let lit = parse_str(meta)?;
            let action = lit.value();
            if !symbol::REFERENTIAL_ACTIONS.contains(&action.as_str()) {
                cx.error_spanned_by(
                    &lit,
                    symbol::unknown("referential action", &action, symbol::REFERENTIAL_ACTIONS),
                );
            }
            let slot = if key.is_ident("on_delete") {
                &mut out.on_delete
            } else {
                &mut out.on_update
            };
            set_once(cx, slot, key, lit);
        } else {
            return reject_unknown(cx, meta, "column attribute", symbol::COLUMN_KEYS);
        }
        Ok(())
    });
    out.had_errors = cx.error_count() > errors_before;
    out
}

/// `backref = "name"` or `backref(name = "...", uselist = false)`.
pub struct Backref {
    pub name: Option<LitStr>,
    pub uselist: Option<LitBool>,
}

/// `secondary = path::To::Table` or `secondary = "table_name"`.
pub enum Secondary {
    Path(syn::Path),
    Name(LitStr),
}

/// `#[relationship(...)]`.
#[derive(Default)]
pub struct RelationshipAttrs {
    /// The first `#[relationship]` attribute, if any, for error spans.
    pub present: Option<TokenStream>,
    pub back_populates: Option<Attr<LitStr>>,
    pub backref: Option<Attr<Backref>>,
    pub secondary: Option<Attr<Secondary>>,
    pub uselist: Option<Attr<LitBool>>,
    /// The literal and its comma-separated parts.
    pub cascade: Option<Attr<(LitStr, Vec<String>)>>,
    pub passive_deletes: Option<Attr<PassiveDeletes>>,
    pub viewonly: Option<Attr<LitBool>>,
    /// `filter = <expression>`: a `Filter` over the target's columns.
    pub filter: Option<Attr<Box<Expr>>>,
    pub order_by: Option<Attr<LitStr>>,
    pub foreign_keys: Option<Attr<Vec<LitStr>>>,
    pub lazy: Option<Attr<LitStr>>,
    pub post_update: Option<Attr<LitBool>>,
}

pub fn relationship_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> RelationshipAttrs {
    let mut out = RelationshipAttrs {
        present: first_attr(attrs, "relationship"),
        ..RelationshipAttrs::default()
    };
    each_attr(cx, attrs, "relationship", |meta| {
        let key = &meta.path;
        if key.is_ident("back_populates") {
            let v = parse_str(meta)?;
            set_once(cx, &mut out.back_populates, key, v);
        } else if key.is_ident("backref") {
            let v = parse_backref(cx, meta)?;
            set_once(cx, &mut out.backref, key, v);
        } else if key.is_ident("secondary") {
            let value = meta.value()?;
            let v = if value.peek(LitStr) {
                Secondary::Name(value.parse()?)
            } else {
                Secondary::Path(value.parse()?)
            };
            set_once(cx, &mut out.secondary, key, v);
        } else if key.is_ident("uselist") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.uselist, key, v);
        } else if key.is_ident("cascade") {
            let lit = parse_str(meta)?;
            let parts = parse_cascade(cx, &lit);
            set_once(cx, &mut out.cascade, key, (lit, parts));
        } else if key.is_ident("passive_deletes") {
            let v = parse_passive_deletes(meta)?;
            set_once(cx, &mut out.passive_deletes, key, v);
        } else if key.is_ident("filter") {
            let v = Box::new(meta.value()?.parse::<Expr>()?);
            set_once(cx, &mut out.filter, key, v);
        } else if key.is_ident("post_update") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.post_update, key, v);
        } else if key.is_ident("viewonly") {
            let v = parse_flag(meta)?;
            set_once(cx, &mut out.viewonly, key, v);
        } else if key.is_ident("order_by") {
            let v = parse_str(meta)?;
            set_once(cx, &mut out.order_by, key, v);
        } else if key.is_ident("foreign_keys") {
            let v = parse_string_list(meta)?;
            set_once(cx, &mut out.foreign_keys, key, v);
        } else if key.is_ident("lazy") {
            let lit = parse_str(meta)?;
            if !symbol::LAZY_VALUES.contains(&lit.value().as_str()) {
                cx.error_spanned_by(
                    &lit,
                    symbol::unknown("lazy strategy", &lit.value(), symbol::LAZY_VALUES),
                );
            }
            set_once(cx, &mut out.lazy, key, lit);
        } else {
            return reject_unknown(
                cx,
                meta,
                "relationship attribute",
                symbol::RELATIONSHIP_KEYS,
            );
        }
        Ok(())
    });
    out
}

fn parse_backref(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Backref> {
    if meta.input.peek(Token![=]) {
        return Ok(Backref {
            name: Some(parse_str(meta)?),
            uselist: None,
        });
    }
    let mut backref = Backref {
        name: None,
        uselist: None,
    };
    meta.parse_nested_meta(|inner| {
        let duplicate = |cx: &Ctxt| {
            cx.error_spanned_by(
                &inner.path,
                format!("duplicate `{}` in backref(...)", path_name(&inner.path)),
            )
        };
        if inner.path.is_ident("name") {
            let value = parse_str(&inner)?;
            if backref.name.is_some() {
                duplicate(cx);
            } else {
                backref.name = Some(value);
            }
        } else if inner.path.is_ident("uselist") {
            let value = parse_flag(&inner)?;
            if backref.uselist.is_some() {
                duplicate(cx);
            } else {
                backref.uselist = Some(value);
            }
        } else {
            return reject_unknown(cx, &inner, "backref attribute", symbol::BACKREF_KEYS);
        }
        Ok(())
    })?;
    if backref.name.is_none() {
        cx.error_spanned_by(&meta.path, "backref(...) needs `name = \"...\"`");
    }
    Ok(backref)
}

/// `passive_deletes`, `passive_deletes = true|false` or
/// `passive_deletes = "all"`.
pub enum PassiveDeletes {
    Flag(LitBool),
    All(LitStr),
}

impl PassiveDeletes {
    /// Whether the relationship is passive at all.
    pub fn is_on(&self) -> bool {
        match self {
            PassiveDeletes::Flag(flag) => flag.value,
            PassiveDeletes::All(_) => true,
        }
    }
}

fn parse_passive_deletes(meta: &ParseNestedMeta<'_>) -> syn::Result<PassiveDeletes> {
    if meta.input.peek(Token![=]) && meta.input.peek2(LitStr) {
        let lit: LitStr = meta.value()?.parse()?;
        if lit.value() != "all" {
            return Err(syn::Error::new(
                lit.span(),
                "`passive_deletes` takes `true`, `false` or \"all\"",
            ));
        }
        return Ok(PassiveDeletes::All(lit));
    }
    parse_flag(meta).map(PassiveDeletes::Flag)
}

/// `"a"` or `["a", "b"]`.
fn parse_string_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    let value = meta.value()?;
    if value.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in value);
        let items = content.parse_terminated(|p| p.parse::<LitStr>(), Token![,])?;
        Ok(items.into_iter().collect())
    } else {
        Ok(vec![value.parse()?])
    }
}

fn parse_cascade(cx: &Ctxt, lit: &LitStr) -> Vec<String> {
    let text = lit.value();
    let mut parts = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if symbol::CASCADE_VALUES.contains(&part) {
            parts.push(part.to_owned());
        } else {
            cx.error_spanned_by(
                lit,
                symbol::unknown("cascade", part, symbol::CASCADE_VALUES),
            );
        }
    }
    parts
}
