#![no_main]
//! UDP and what is dispatched from it, behind IPv4.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens_fuzz::run(228, &wirelens_fuzz::ipv4_header(17), data));
