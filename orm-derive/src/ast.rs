//! The intermediate representation of a model struct.

use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type};

use crate::attr::{self, ColumnAttrs, ModelAttrs, RelationshipAttrs};
use crate::ctxt::Ctxt;

/// A struct that derives `Model`.
pub struct Model<'a> {
    pub ident: &'a Ident,
    pub attrs: ModelAttrs,
    pub fields: Vec<Field<'a>>,
    pub generics: &'a syn::Generics,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub kind: FieldKind<'a>,
}

pub enum FieldKind<'a> {
    Column(ColumnAttrs),
    Relationship(Relationship<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    One,
    Many,
}

pub struct Relationship<'a> {
    pub cardinality: Cardinality,
    /// `T` in `Many<T>` / `One<T>`.
    pub target: &'a Type,
    pub attrs: RelationshipAttrs,
}

impl<'a> Model<'a> {
    /// Reads a `#[derive(Model)]` struct; `None` when it is not a struct
    /// with named fields.
    pub fn from_input(cx: &Ctxt, input: &'a DeriveInput) -> Option<Model<'a>> {
        // Struct-level attributes first, so errors come out in source order.
        let attrs = attr::model_attrs(cx, &input.attrs);
        Self::read(cx, input, "Model", attrs)
    }

    /// Reads a `#[derive(Table)]` struct: like a model, without model attributes.
    pub fn from_input_as_table(cx: &Ctxt, input: &'a DeriveInput) -> Option<Model<'a>> {
        Self::read(cx, input, "Table", ModelAttrs::default())
    }

    fn read(
        cx: &Ctxt,
        input: &'a DeriveInput,
        derive: &str,
        attrs: ModelAttrs,
    ) -> Option<Model<'a>> {
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => &named.named,
                _ => {
                    cx.error_spanned_by(
                        &input.ident,
                        format!("#[derive({derive})] needs a struct with named fields"),
                    );
                    return None;
                }
            },
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    format!("#[derive({derive})] is only for structs"),
                );
                return None;
            }
        };
        attr::reject_misplaced(
            cx,
            &input.attrs,
            &["column", "relationship"],
            "the struct; put it on a field",
        );
        let fields = fields
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?;
                Some(Field {
                    ident,
                    ty: &f.ty,
                    kind: classify(cx, f),
                })
            })
            .collect();
        Some(Model {
            ident: &input.ident,
            attrs,
            fields,
            generics: &input.generics,
        })
    }

    pub fn columns(&self) -> impl Iterator<Item = (&Field<'a>, &ColumnAttrs)> {
        self.fields.iter().filter_map(|f| match &f.kind {
            FieldKind::Column(c) => Some((f, c)),
            FieldKind::Relationship(_) => None,
        })
    }

    pub fn relationships(&self) -> impl Iterator<Item = (&Field<'a>, &Relationship<'a>)> {
        self.fields.iter().filter_map(|f| match &f.kind {
            FieldKind::Relationship(r) => Some((f, r)),
            FieldKind::Column(_) => None,
        })
    }

    /// The table name: `#[model(table = "...")]`, else the struct name in snake_case.
    pub fn table(&self) -> String {
        match &self.attrs.table {
            Some(t) => t.value.value(),
            None => snake_case(&self.ident.to_string()),
        }
    }
}

/// Decides whether a field is a column or a relationship, from its type and
/// attributes.
fn classify<'a>(cx: &Ctxt, field: &'a syn::Field) -> FieldKind<'a> {
    attr::reject_misplaced(
        cx,
        &field.attrs,
        &["model"],
        "a field; put it on the struct",
    );
    let column = attr::column_attrs(cx, &field.attrs);
    let relationship = attr::relationship_attrs(cx, &field.attrs);
    match relationship_type(&field.ty) {
        Some((cardinality, target)) => {
            if let Some(attr) = &column.present {
                cx.error_spanned_by(
                    attr,
                    "#[column] cannot be used on a relationship field (Many<_> / One<_>)",
                );
            }
            FieldKind::Relationship(Relationship {
                cardinality,
                target,
                attrs: relationship,
            })
        }
        None => {
            if relationship.present.is_some() {
                cx.error_spanned_by(
                    &field.ty,
                    "a #[relationship] field must have type Many<T> (a collection) or One<T> (a single object)",
                );
            }
            FieldKind::Column(column)
        }
    }
}

/// `Many<T>` or `One<T>` (by the last path segment), with `T`.
fn relationship_type(ty: &Type) -> Option<(Cardinality, &Type)> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let cardinality = if segment.ident == "Many" {
        Cardinality::Many
    } else if segment.ident == "One" {
        Cardinality::One
    } else {
        return None;
    };
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(target) if args.args.len() == 1 => Some((cardinality, target)),
        _ => None,
    }
}

/// `UserAccount` -> `user_account`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn snake_cases_type_names() {
        assert_eq!(snake_case("Parent"), "parent");
        assert_eq!(snake_case("UserAccount"), "user_account");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("Node2Edge"), "node2_edge");
    }

    #[test]
    fn classifies_fields() {
        let input: DeriveInput = parse_quote! {
            #[model(table = "parent")]
            struct Parent {
                #[column(primary_key)]
                id: Option<i64>,
                name: String,
                #[relationship(back_populates = "parent")]
                children: orm_core::Many<Child>,
                favourite: One<Child>,
            }
        };
        let cx = Ctxt::new();
        let model = Model::from_input(&cx, &input).unwrap();
        assert_eq!(model.table(), "parent");
        assert_eq!(model.columns().count(), 2);
        let rels: Vec<_> = model
            .relationships()
            .map(|(f, r)| (f.ident.to_string(), r.cardinality))
            .collect();
        assert_eq!(
            rels,
            [
                ("children".to_owned(), Cardinality::Many),
                ("favourite".to_owned(), Cardinality::One)
            ]
        );
        let (_, children) = model.relationships().next().unwrap();
        assert_eq!(
            children
                .attrs
                .back_populates
                .as_ref()
                .unwrap()
                .value
                .value(),
            "parent"
        );
        assert!(cx.check().is_ok());
    }

    #[test]
    fn parses_defaults() {
        let input: DeriveInput = parse_quote! {
            struct Loan {
                #[column(primary_key)]
                id: Option<i64>,
                #[column(server_default = "CURRENT_TIMESTAMP", nullable = false)]
                created: Option<String>,
                #[column(default = 1 + 2)]
                renewals: Option<i32>,
                #[column(default_fn = crate::codes::next)]
                code: Option<String>,
            }
        };
        let cx = Ctxt::new();
        let model = Model::from_input(&cx, &input).unwrap();
        crate::check::check(&cx, &model);
        let columns: Vec<_> = model.columns().map(|(_, c)| c).collect();
        let server = columns[1].server_default.as_ref().unwrap();
        assert_eq!(server.value.value(), "CURRENT_TIMESTAMP");
        assert!(!columns[1].nullable.as_ref().unwrap().value.value);
        let default = &columns[2].default.as_ref().unwrap().value;
        assert_eq!(quote::quote!(#default).to_string(), "1 + 2");
        let path = &columns[3].default_fn.as_ref().unwrap().value;
        assert_eq!(quote::quote!(#path).to_string(), "crate :: codes :: next");
        assert!(cx.check().is_ok());
    }

    #[test]
    fn defaults_need_option_fields() {
        let input: DeriveInput = parse_quote! {
            struct Loan {
                #[column(primary_key)]
                id: Option<i64>,
                #[column(server_default = "0", default = 0)]
                renewals: i32,
                #[column(default = 0, default_fn = zero)]
                count: Option<i32>,
            }
        };
        let cx = Ctxt::new();
        let model = Model::from_input(&cx, &input).unwrap();
        crate::check::check(&cx, &model);
        let errors = cx.check().unwrap_err().to_string();
        assert!(
            errors.contains("server_default needs an Option<_> field"),
            "{errors}"
        );
        assert!(
            errors.contains("default needs an Option<_> field"),
            "{errors}"
        );
        assert!(errors.contains("not both"), "{errors}");
    }

    #[test]
    fn collects_every_attribute_error() {
        let input: DeriveInput = parse_quote! {
            struct Bad {
                #[column(primary_key, primary_key, primry)]
                id: i64,
                #[relationship(back_populate = "x", cascade = "all, delet")]
                other: Many<Bad>,
            }
        };
        let cx = Ctxt::new();
        let _ = Model::from_input(&cx, &input);
        let errors = cx.check().unwrap_err().to_string();
        assert!(
            errors.contains("duplicate `primary_key` attribute"),
            "{errors}"
        );
        assert!(
            errors.contains("unknown column attribute `primry`"),
            "{errors}"
        );
        assert!(errors.contains("did you mean `back_populates`"), "{errors}");
        assert!(
            errors.contains("unknown cascade `delet`; did you mean `delete`?"),
            "{errors}"
        );
    }
}
