//! Shared by the fuzz targets: feed frames through the same dissection and
//! analysis the app runs, with the details tree built, so that every path
//! (labels included) sees hostile input.

use dissectors::analysis::Analyzer;
use dissectors::packet::{FrameMeta, Options, PacketInfo};
use dissectors::tree::TreeBuilder;

/// Splits the input into up to 8 frames (the first byte says how many) so the
/// stateful parts (fragment reassembly, TCP analysis) see sequences.
pub fn frames(data: &[u8]) -> Vec<&[u8]> {
    let Some((&n, rest)) = data.split_first() else { return Vec::new() };
    let n = (n as usize % 8) + 1;
    let size = rest.len().div_ceil(n).max(1);
    rest.chunks(size).collect()
}

/// Dissects each frame after `prefix` (headers that steer the bytes to the
/// dissector under test) with link type `linktype`.
pub fn run(linktype: u32, prefix: &[u8], data: &[u8]) {
    let mut state = Analyzer::new(true);
    let mut pi = PacketInfo::default();
    for (i, f) in frames(data).into_iter().enumerate() {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(f);
        // Some frames claim more on the wire than was captured, as snaplen does.
        let orig_len = if i % 2 == 0 { bytes.len() as u32 } else { bytes.len() as u32 + 100 };
        let meta = FrameMeta {
            number: i as u32 + 1,
            ts_ns: 1_700_000_000_000_000_000 + i as i64 * 1_000_000,
            orig_len,
            linktype,
            ..Default::default()
        };
        state.begin_frame();
        let mut tree = TreeBuilder::new();
        dissectors::dissect_frame(&meta, &bytes, &[], &mut state, Options { columns: true }, &mut tree, &mut pi);
        let t = tree.finish();
        // Every span must lie in its data source.
        for n in &t.nodes {
            let len = t.source_bytes(&bytes, n.span.source).len();
            assert!(n.span.end() <= len.max(meta.orig_len as usize), "span {:?} past {len}", n.span);
        }
    }
}

/// An IPv4 header (no options) carrying `proto`, total length filled in later by the dissector's view.
pub fn ipv4_header(proto: u8) -> Vec<u8> {
    vec![0x45, 0, 0x05, 0xdc, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
}

/// An IPv6 header carrying `next`.
pub fn ipv6_header(next: u8) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0, 0x05, 0xdc, next, 64];
    h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    h
}
