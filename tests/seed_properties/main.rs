//! Property tests (issue 6): random sequences of operations over the seed
//! models, checked after every step against a reference model written
//! without the library (`reference.rs`).
//!
//! Invariants, after every step: both sides of every relationship agree in
//! memory and with the reference, object states and names are the
//! reference's, no operation panics, and every error is the typed one the
//! reference expects; a failed operation (a failing flush, a refused
//! delete) changes neither the database nor the objects. After every commit
//! and rollback the rows equal the reference's, and after every commit a
//! fresh session loads the same graph through the relationships.
//!
//! CI runs the default case count (256 per family). The long run:
//!
//! ```text
//! PROPTEST_CASES=10000 cargo test --release --test seed_properties
//! ```
//!
//! takes about 80 s of test time (nine families) on the 2-core development
//! machine, plus the release build.
//!
//! Failures found and shrunk are ordinary tests in `regressions.rs`.

#[path = "../common/mod.rs"]
#[macro_use]
mod common;
mod association;
mod harness;
mod many_to_many;
mod one_to_many;
mod one_to_one;
mod reference;
mod regressions;
mod tree;

use harness::{config, config_postgres, ops_strategy, World};
use proptest::prelude::*;

const CASES: u32 = 256;

/// Cases per family on PostgreSQL.
const POSTGRES_CASES: u32 = 16;

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn one_to_many_back_populates(ops in ops_strategy()) {
        World::<one_to_many::back_populates::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn one_to_many_backref(ops in ops_strategy()) {
        World::<one_to_many::backref::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn one_to_many_delete_orphan(ops in ops_strategy()) {
        World::<one_to_many::delete_orphan::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn one_to_one_kept(ops in ops_strategy()) {
        World::<one_to_one::kept::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn one_to_one_delete_orphan(ops in ops_strategy()) {
        World::<one_to_one::delete_orphan::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn many_to_many_back_populates(ops in ops_strategy()) {
        World::<many_to_many::back_populates::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn self_referential_tree(ops in ops_strategy()) {
        World::<tree::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn many_to_many_backref(ops in ops_strategy()) {
        World::<many_to_many::backref::F>::run(&ops).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn association_object(ops in ops_strategy()) {
        World::<association::F>::run(&ops).map_err(TestCaseError::fail)?;
    }
}

/// The families on PostgreSQL (see `tests/common`: skipped with a notice
/// when no server answers, except under CI).
macro_rules! on_postgres {
    ($($name:ident: $family:ty;)*) => {
        proptest! {
            #![proptest_config(config_postgres(POSTGRES_CASES))]
            $(
                #[test]
                fn $name(ops in ops_strategy()) {
                    common::run(common::Backend::Postgres, || World::<$family>::run(&ops))
                        .map_err(TestCaseError::fail)?;
                }
            )*
        }
    };
}

on_postgres! {
    one_to_many_back_populates_on_postgres: one_to_many::back_populates::F;
    one_to_many_backref_on_postgres: one_to_many::backref::F;
    one_to_many_delete_orphan_on_postgres: one_to_many::delete_orphan::F;
    one_to_one_kept_on_postgres: one_to_one::kept::F;
    one_to_one_delete_orphan_on_postgres: one_to_one::delete_orphan::F;
    many_to_many_back_populates_on_postgres: many_to_many::back_populates::F;
    self_referential_tree_on_postgres: tree::F;
    many_to_many_backref_on_postgres: many_to_many::backref::F;
    association_object_on_postgres: association::F;
}
