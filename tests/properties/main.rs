//! Property tests: random sequences of session operations on a one-to-many
//! graph, checked after every step against a plain reference model written
//! here, independently of the library.
//!
//! After every operation: both sides of every relationship agree in memory,
//! the links the library shows are the ones the model expects, and every
//! error is the one the model expects (no panics, no `Internal`). After every
//! commit: the rows equal the model's, and a fresh session loads the same
//! graph. After a failed commit: the rows and the objects are as before it.
//!
//! Three families: a one-to-many parent/child graph (with failing commits
//! and a second session writing), a many-to-many post/tag graph through an
//! association table, linked from either side, and the column changes of
//! one persistent object through flushes, commits, rollbacks, expiry and
//! reloads (`columns.rs`: the committed row the session keeps in the
//! object's fields until a column is written). CI runs 256 cases of each.
//! More:
//!
//! ```sh
//! PROPTEST_CASES=10000 cargo test --release --test properties
//! ```
//!
//! (10,000 cases of each family, up to 40 steps each: about 7 s of test
//! time in release mode on the development machine, plus the build.)
//!
//! What is not modelled, and so not generated: `expunge` (an expunged
//! object keeps whatever memory it had, and whether a later cascade, delete
//! or rollback reaches it depends on which collections are loaded, which
//! the model does not track; `tests/rollback_memory.rs` and
//! `tests/session.rs` cover it case by case), removing a many-to-many pair
//! that is not linked, and operations on objects whose DELETE was
//! committed.

#[path = "../common/mod.rs"]
#[macro_use]
mod common;
mod columns;
mod graph;
mod links;
mod links_model;
mod reference;

use proptest::prelude::*;

use graph::{run, Op};

/// Cases per run: `PROPTEST_CASES`, else 256.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Cases per run on PostgreSQL, where each case costs a schema of its own:
/// `PROPTEST_CASES_POSTGRES`, else 32.
fn postgres_cases() -> u32 {
    std::env::var("PROPTEST_CASES_POSTGRES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

fn op() -> impl Strategy<Value = Op> {
    let index = 0..6usize;
    prop_oneof![
        2 => Just(Op::NewParent),
        3 => Just(Op::NewChild),
        2 => graph::any_obj().prop_map(Op::Add),
        4 => (index.clone(), index.clone()).prop_map(|(p, c)| Op::Append(p, c)),
        2 => (index.clone(), index.clone()).prop_map(|(p, c)| Op::Remove(p, c)),
        3 => (index.clone(), proptest::option::of(index.clone()))
            .prop_map(|(c, p)| Op::SetParent(c, p)),
        2 => graph::any_obj().prop_map(Op::Delete),
        2 => Just(Op::Flush),
        4 => Just(Op::Commit),
        2 => Just(Op::Rollback),
        1 => index.clone().prop_map(Op::FailingCommit),
        1 => index.prop_map(Op::OtherSessionRename),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        // A failing case is saved beside this file (`main.regressions`)
        // and replayed first on the next run: commit it with the fix.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_to_many_sessions_match_the_reference_model(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        if let Err(failure) = run(&ops) {
            return Err(TestCaseError::fail(failure));
        }
    }

    #[test]
    fn many_to_many_sessions_match_the_reference_model(
        ops in proptest::collection::vec(links::link_op(), 1..40)
    ) {
        if let Err(failure) = links::run_links(&ops) {
            return Err(TestCaseError::fail(failure));
        }
    }

    #[test]
    fn column_changes_match_the_reference_model(
        ops in proptest::collection::vec(column_op(), 1..40)
    ) {
        if let Err(failure) = columns::run(&ops) {
            return Err(TestCaseError::fail(failure));
        }
    }
}

fn column_op() -> impl Strategy<Value = columns::Op> {
    use columns::Op;
    let value = 0..3u8;
    prop_oneof![
        3 => value.clone().prop_map(Op::Name),
        3 => value.prop_map(Op::Score),
        1 => Just(Op::Touch),
        2 => Just(Op::Flush),
        2 => Just(Op::Commit),
        2 => Just(Op::Rollback),
        1 => Just(Op::Expire),
        1 => Just(Op::Reload),
    ]
}

// The same properties on PostgreSQL (see `tests/common`: skipped with a
// notice when no server answers, except under CI).
proptest! {
    #![proptest_config(ProptestConfig {
        cases: postgres_cases(),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_to_many_sessions_match_the_reference_model_on_postgres(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        if let Err(failure) = common::run(common::Backend::Postgres, || run(&ops)) {
            return Err(TestCaseError::fail(failure));
        }
    }

    #[test]
    fn many_to_many_sessions_match_the_reference_model_on_postgres(
        ops in proptest::collection::vec(links::link_op(), 1..40)
    ) {
        if let Err(failure) = common::run(common::Backend::Postgres, || links::run_links(&ops)) {
            return Err(TestCaseError::fail(failure));
        }
    }

    #[test]
    fn column_changes_match_the_reference_model_on_postgres(
        ops in proptest::collection::vec(column_op(), 1..40)
    ) {
        if let Err(failure) = common::run(common::Backend::Postgres, || columns::run(&ops)) {
            return Err(TestCaseError::fail(failure));
        }
    }
}

/// `tests/properties` once failed with "Rollback: p0.children holds c0,
/// whose parent is another" without a saved case; the seed suite shrank
/// it (`seed_properties::regressions::rollback_of_a_cut_link_whose_scalar_
/// moved_on`): a new parent deleted by a flush, its child moved to another
/// parent, rollback. The same steps here.
#[test]
fn rollback_after_the_child_of_a_deleted_new_parent_moved_on() {
    use reference::Obj as Ref;
    let ops = [
        Op::NewParent,
        Op::NewParent,
        Op::NewChild,
        Op::Append(0, 0),
        Op::Add(Ref::P(0)),
        Op::Flush,
        Op::Delete(Ref::P(0)),
        Op::Flush,
        Op::SetParent(0, Some(1)),
        Op::Rollback,
    ];
    if let Err(failure) = run(&ops) {
        panic!("{failure}");
    }
}
