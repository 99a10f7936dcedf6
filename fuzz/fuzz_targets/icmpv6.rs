#![no_main]
//! ICMPv6 (neighbour discovery, MLD, errors) behind IPv6.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens_fuzz::run(229, &wirelens_fuzz::ipv6_header(58), data));
