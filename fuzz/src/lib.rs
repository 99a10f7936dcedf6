//! The harness lives in `dissectors::harness`, shared with the regression
//! tests (tests/fuzz_regressions.rs) that replay what the fuzzer found.
pub use dissectors::harness::*;
