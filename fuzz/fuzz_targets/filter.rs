#![no_main]
//! Display filters: see `wirelens::filter::fuzz_one`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens::filter::fuzz_one(data));
