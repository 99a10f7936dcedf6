#![no_main]
//! The capture-file reader on arbitrary bytes: never a panic, and every
//! record it returns lies inside the file.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens::capture::file::fuzz_read(data));
