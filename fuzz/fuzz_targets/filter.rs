#![no_main]
//! Display filters: any text either compiles or gives an error whose span
//! lies inside the text; a compiled filter evaluates on a real frame
//! without panicking.
use dissectors::analysis::Analyzer;
use dissectors::packet::{FrameMeta, Options, PacketInfo};
use libfuzzer_sys::fuzz_target;
use wirelens::filter::DisplayFilter;

/// Ethernet, IPv4, TCP with timestamps, and an HTTP request.
const FRAME: &[u8] = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00\
\x45\x00\x00\x3f\x12\x34\x40\x00\x40\x06\x00\x00\x0a\x01\x02\x03\x0a\x01\x02\x04\
\xc0\x00\x00\x50\x00\x00\x00\x01\x00\x00\x00\x01\x50\x18\x01\x00\x00\x00\x00\x00\
GET / HTTP/1.1\r\nHost: a\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match DisplayFilter::compile(&text) {
        Err(e) => {
            assert!(e.span.end() <= text.len(), "span {:?} past {}", e.span, text.len());
            let _ = e.render(&text);
        }
        Ok(f) => {
            let mut sink = f.sink();
            let mut pi = PacketInfo::default();
            let mut state = Analyzer::new(true);
            let meta = FrameMeta {
                number: 1,
                orig_len: FRAME.len() as u32,
                linktype: 1,
                has_ts: true,
                ..FrameMeta::default()
            };
            state.begin_frame();
            dissectors::dissect_frame(&meta, FRAME, &[], &mut state, Options { columns: false }, &mut sink, &mut pi);
            let _ = f.matches(&sink, FRAME);
        }
    }
});
