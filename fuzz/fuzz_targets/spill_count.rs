#![no_main]
//! Counting a spill file's packets by its pcapng block headers (File ›
//! Recover… does it for files a crashed session left, cut anywhere): never
//! a panic, never more packets than 12-byte blocks fit, and a file that
//! reads whole again reads the same.
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use wirelens::capture::spill::count_packets;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u64;
    let Ok((packets, whole)) = count_packets(&mut Cursor::new(data), len) else {
        return;
    };
    assert!(packets <= len / 12);
    if whole {
        let again = count_packets(&mut Cursor::new(data), len).unwrap();
        assert_eq!(again, (packets, true));
    }
});
