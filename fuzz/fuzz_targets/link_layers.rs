#![no_main]
use libfuzzer_sys::fuzz_target;

// The first byte picks the link type.
fuzz_target!(|data: &[u8]| wirelens_fuzz::run_target("link_layers", data));
