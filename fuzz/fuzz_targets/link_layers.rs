#![no_main]
//! Every link type wirelens reads, chosen by the first byte: Ethernet with
//! VLAN tags, Linux cooked v1/v2, NULL/LOOP, raw IP.
use libfuzzer_sys::fuzz_target;

const LINKTYPES: [u32; 9] = [1, 113, 276, 0, 108, 101, 228, 229, 12];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    wirelens_fuzz::run(LINKTYPES[pick as usize % LINKTYPES.len()], &[], rest);
});
