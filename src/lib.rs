//! Examples, integration tests and benchmarks for the workspace. This crate
//! has no library code of its own.

/// The README's code runs as a doctest, so the tour stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
