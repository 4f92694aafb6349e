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
//! CI runs 256 cases. More:
//!
//! ```sh
//! PROPTEST_CASES=10000 cargo test --release --test properties
//! ```
//!
//! (10,000 cases of up to 40 steps: about 3 s of test time in release mode
//! on the development machine, plus the build.)
//!
//! What is not modelled, and so not generated: deleting a parent while one
//! of its children is expunged (whether the flush then loads the child's row
//! as a new object or fails on the foreign key depends on what is loaded),
//! and operations on objects whose DELETE was committed.

mod graph;
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
        1 => graph::any_obj().prop_map(Op::Expunge),
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
        failure_persistence: None,
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
}
