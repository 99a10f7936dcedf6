//! The fuzz targets' harness, shared with the regression tests that replay
//! what the fuzzer once found: frames through the same dissection and
//! analysis the app runs, with the details tree built, so that every path
//! (labels included) sees hostile input, and every byte range checked.

use crate::analysis::Analyzer;
use crate::packet::{FrameMeta, Options, PacketInfo};
use crate::tree::TreeBuilder;

/// The dissector fuzz targets: name, link type and the headers that steer
/// the fuzzed bytes to the dissector under test.
pub fn target(name: &str) -> Option<(u32, Vec<u8>)> {
    Some(match name {
        "arp" => (
            1,
            vec![
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06,
            ],
        ),
        "icmp" => (228, ipv4_header(1)),
        "icmpv6" => (229, ipv6_header(58)),
        "ipv4" => (228, Vec::new()),
        "ipv6" => (229, Vec::new()),
        "tcp" => (228, ipv4_header(6)),
        "udp" => (228, ipv4_header(17)),
        _ => return None,
    })
}

/// Link types the `link_layers` target picks from (its first byte).
pub const LINKTYPES: [u32; 9] = [1, 113, 276, 0, 108, 101, 228, 229, 12];

/// Runs the input as the named target would.
pub fn run_target(name: &str, data: &[u8]) {
    if name == "link_layers" {
        if let Some((&pick, rest)) = data.split_first() {
            run(LINKTYPES[pick as usize % LINKTYPES.len()], &[], rest);
        }
    } else if let Some((linktype, prefix)) = target(name) {
        run(linktype, &prefix, data);
    }
}

/// Splits the input into up to 8 frames (the first byte says how many) so the
/// stateful parts (fragment reassembly, TCP analysis) see sequences.
pub fn frames(data: &[u8]) -> Vec<&[u8]> {
    let Some((&n, rest)) = data.split_first() else {
        return Vec::new();
    };
    let n = (n as usize % 8) + 1;
    let size = rest.len().div_ceil(n).max(1);
    rest.chunks(size).collect()
}

/// Dissects each frame after `prefix` with link type `linktype`; panics if
/// a node's byte range lies outside the packet.
pub fn run(linktype: u32, prefix: &[u8], data: &[u8]) {
    let mut state = Analyzer::new(true);
    let mut pi = PacketInfo::default();
    for (i, f) in frames(data).into_iter().enumerate() {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(f);
        // Some frames claim more on the wire than was captured, as snaplen does.
        let orig_len = if i % 2 == 0 {
            bytes.len() as u32
        } else {
            bytes.len() as u32 + 100
        };
        let meta = FrameMeta {
            number: i as u32 + 1,
            ts_ns: 1_700_000_000_000_000_000 + i as i64 * 1_000_000,
            orig_len,
            linktype,
            ..Default::default()
        };
        state.begin_frame();
        let mut tree = TreeBuilder::new();
        crate::dissect_frame(
            &meta,
            &bytes,
            &[],
            &mut state,
            Options { columns: true },
            &mut tree,
            &mut pi,
        );
        state.end_frame(&pi);
        let t = tree.finish();
        for n in &t.nodes {
            let len = t.source_bytes(&bytes, n.span.source).len();
            assert!(
                n.span.end() <= len.max(meta.orig_len as usize),
                "span {:?} past {len} (orig {}): {:?} {:?}",
                n.span,
                meta.orig_len,
                n.field.map(|f| f.name),
                n.label
            );
        }
    }
}

/// An IPv4 header (no options) carrying `proto`; its total length (1500)
/// is more than the fuzzed bytes, as in a cut capture.
pub fn ipv4_header(proto: u8) -> Vec<u8> {
    vec![
        0x45, 0, 0x05, 0xdc, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]
}

/// An IPv6 header carrying `next`.
pub fn ipv6_header(next: u8) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0, 0x05, 0xdc, next, 64];
    h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    h
}
