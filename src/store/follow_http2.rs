//! One HTTP/2 connection's streams, as Follow HTTP/2 Stream shows them: for
//! each HTTP/2 frame that opens or carries a stream, its side, packet,
//! stream id, and its decoded header list or its DATA bytes.
//!
//! HPACK is stateful per direction, so the header blocks must be decoded
//! in order from the connection's first frame: the TCP conversation's
//! packets go, in capture order, through a pass of their own (the same
//! dissectors and reassembly as a load), which sees nothing else.

use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::collect::FieldCollector;
use dissectors::field::OwnedValue;

use super::Snapshot;
use super::frame::PacketBytes;
use crate::pass::Pass;

/// DATA kept per connection at most; the rest is counted, not kept.
pub const DATA_CAP: usize = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum H2Content {
    Headers(Vec<(String, String)>),
    Data(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H2Part {
    /// 0: from side A of the TCP conversation (its client), 1: from B.
    pub dir: u8,
    pub frame: u32,
    pub stream: u32,
    pub content: H2Content,
}

/// The HEADERS (with CONTINUATION) and DATA frames of the HTTP/2
/// connection on TCP stream `tcp_stream`. None when cancelled.
pub fn follow_http2(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    tcp_stream: u32,
    cancel: &AtomicBool,
) -> Option<Vec<H2Part>> {
    let frames: Vec<u32> = snap
        .tcp_records
        .iter()
        .filter(|r| r.stream == tcp_stream)
        .map(|r| r.frame)
        .collect();
    let mut pass = Pass::new(true);
    pass.interfaces_described = snap.interfaces_described;
    pass.analyzer.set_keys(snap.keys.clone());
    let mut fields = FieldCollector::new(&["http2"]);
    let mut out: Vec<H2Part> = Vec::new();
    let mut kept = 0usize;
    for (i, &n) in frames.iter().enumerate() {
        if i % 4096 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        let Some(row) = snap.index.row(n as usize - 1) else {
            continue;
        };
        let rec = row.record();
        let iface = snap.interfaces.get(usize::from(row.interface));
        let data = source.bytes(row.offset, row.caplen);
        fields.clear();
        let opts = crate::pass::options(false);
        let (_, answers) = pass.frame(&rec, iface, data, opts, &mut fields);
        // A retransmission shows PDUs already taken.
        if answers.resent_pdus {
            continue;
        }
        let dir = answers.tcp.as_ref().map_or(0, |a| a.dir);
        parts(&fields, dir, n, &mut out, &mut kept);
    }
    Some(out)
}

/// The parts in one packet's fields (it may hold several HTTP/2 frames).
fn parts(fields: &FieldCollector, dir: u8, frame: u32, out: &mut Vec<H2Part>, kept: &mut usize) {
    // The frame type opens each HTTP/2 frame's fields.
    let mut kind = None;
    // How many parts this packet had before: fields after a frame that is
    // not one (SETTINGS, PING…) must not land in an earlier packet's part.
    let before = out.len();
    for c in &fields.fields {
        match (c.def.name, &c.value) {
            ("http2.type", OwnedValue::U64(t)) => kind = Some(*t),
            ("http2.streamid", OwnedValue::U64(id)) => {
                let content = match kind.take() {
                    Some(0) => H2Content::Data(Vec::new()),
                    Some(1) | Some(9) => H2Content::Headers(Vec::new()),
                    _ => continue,
                };
                out.push(H2Part {
                    dir,
                    frame,
                    stream: *id as u32,
                    content,
                });
            }
            (name, value) => {
                let Some(part) = out[before..].last_mut() else {
                    continue;
                };
                match (name, value, &mut part.content) {
                    ("http2.header.name", OwnedValue::Str(n), H2Content::Headers(h)) => {
                        h.push((n.clone(), String::new()))
                    }
                    ("http2.header.value", OwnedValue::Str(v), H2Content::Headers(h)) => {
                        if let Some(last) = h.last_mut() {
                            last.1 = v.clone();
                        }
                    }
                    ("http2.data.payload", OwnedValue::Bytes(b), H2Content::Data(d)) => {
                        let take = b.len().min(DATA_CAP.saturating_sub(*kept));
                        d.extend_from_slice(&b[..take]);
                        *kept += take;
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One part as text: its side, its packet, and the text.
pub type PartText = (u8, u32, String);

/// The parts of HTTP/2 stream `stream` as text, as Wireshark's Follow
/// HTTP/2 Stream shows them: header lines `name: value`, then the data.
pub fn stream_text(parts: &[H2Part], stream: u32) -> Vec<PartText> {
    parts
        .iter()
        .filter(|p| p.stream == stream)
        .map(|p| {
            let text = match &p.content {
                H2Content::Headers(h) => {
                    let mut s = String::new();
                    for (n, v) in h {
                        s.push_str(n);
                        s.push_str(": ");
                        s.push_str(v);
                        s.push('\n');
                    }
                    s
                }
                H2Content::Data(d) => String::from_utf8_lossy(d).into_owned(),
            };
            (p.dir, p.frame, text)
        })
        .collect()
}
