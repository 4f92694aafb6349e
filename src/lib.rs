//! Examples, integration tests and benchmarks for the workspace. This crate
//! has no library code of its own.
