//! Compile-fail tests for `#[derive(Model)]`: every error the derive reports,
//! with the expected compiler output in `tests/ui/<category>/<case>.stderr`.
//!
//! Regenerate the `.stderr` files after a deliberate change to a message with
//! `TRYBUILD=overwrite cargo test --test compile_fail`, then read the diff.

#[test]
fn derive_model_ui() {
    let t = trybuild::TestCases::new();
    // Valid models using every supported attribute must keep compiling.
    t.pass("tests/ui/pass/*.rs");
    // One glob per category, so that `tests/ui/pass` is not run as compile-fail.
    t.compile_fail("tests/ui/attributes/*.rs");
    t.compile_fail("tests/ui/fields/*.rs");
    t.compile_fail("tests/ui/model/*.rs");
    t.compile_fail("tests/ui/relationships/*.rs");
    t.compile_fail("tests/ui/tables/*.rs");
    // Query expressions: values of the wrong type, columns of other models.
    t.compile_fail("tests/ui/query/*.rs");
}
