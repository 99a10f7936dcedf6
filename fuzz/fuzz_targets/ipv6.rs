#![no_main]
//! IPv6 headers, extension-header chains and fragments (raw IPv6 link type).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens_fuzz::run(229, &[], data));
