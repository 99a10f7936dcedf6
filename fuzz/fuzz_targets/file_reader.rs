#![no_main]
//! The capture-file reader on arbitrary bytes: never a panic, and every
//! record it returns lies inside the file.
use libfuzzer_sys::fuzz_target;
use wirelens::capture::file::{Bytes, CaptureFile};

fuzz_target!(|data: &[u8]| {
    let Ok(f) = CaptureFile::from_bytes("fuzz".into(), Bytes::Owned(data.to_vec())) else { return };
    let mut r = f.reader();
    let mut n = 0;
    while let Some(rec) = r.next() {
        assert!(rec.offset as usize + rec.caplen as usize <= data.len());
        assert!((rec.interface as usize) < r.interfaces.len());
        n += 1;
        if n > 100_000 {
            break;
        }
    }
});
