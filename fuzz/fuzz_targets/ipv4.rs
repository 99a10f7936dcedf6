#![no_main]
//! IPv4 headers, options and fragments (raw IPv4 link type).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens_fuzz::run(228, &[], data));
