//! Derive macros for `orm-core`. Use them through `orm_core::Model`.
//!
//! The derive is parse -> check -> expand: [`ast`] reads the struct and its
//! attributes into an intermediate representation (recording every error in
//! the [`ctxt::Ctxt`]), [`check`] validates across fields, [`expand`] writes
//! the `Model` impl.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod symbol;
mod table;

use proc_macro::TokenStream;

/// Derives `orm_core::Model` for a struct with named fields.
///
/// See the `orm-core` documentation for the attributes.
#[proc_macro_derive(Model, attributes(model, column, relationship))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(input).into()
}

/// Derives `orm_core::Table` for a struct whose fields are the columns of an
/// association table, for `#[relationship(secondary = ...)]`.
#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    table::derive(input).into()
}
