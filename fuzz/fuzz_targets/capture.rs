#![no_main]
//! Whole captures through the load path (tapes, blob log, file times) and
//! every frame replayed from its tape: see wirelens::pipeline::fuzz.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wirelens::pipeline::fuzz::whole_capture(data));
