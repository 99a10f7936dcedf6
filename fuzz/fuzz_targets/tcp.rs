#![no_main]
//! TCP headers and options, and the sequence analysis over a few segments,
//! behind IPv4.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens_fuzz::run(228, &wirelens_fuzz::ipv4_header(6), data));
