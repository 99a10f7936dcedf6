#![no_main]
//! ARP (and RARP) behind an Ethernet header.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let eth = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06];
    wirelens_fuzz::run(1, &eth, data);
});
