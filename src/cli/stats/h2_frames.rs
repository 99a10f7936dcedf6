//! What `-z follow,http2` reads of a frame: each HTTP/2 frame's stream id
//! and the bytes tshark 4.0's follow tap is given for it (packet-http2.c):
//! for HEADERS, CONTINUATION and PUSH_PROMISE the header fields the frame
//! decoded, each as nghttp2 keeps it (a 4-byte big-endian length and the
//! name, then the same for the value), and nothing when it decoded none;
//! for any other frame the frame itself, its 9-byte header included (not
//! the connection preface).

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Value};
use dissectors::sink::{Presence, Sink, Span};

/// HTTP/2 frame types whose header block is followed decoded.
const HEADER_BLOCKS: [u64; 3] = [1, 5, 9];

/// One HTTP/2 frame of the packet.
#[derive(Debug, Default)]
struct H2Frame {
    span: Span,
    kind: Option<u64>,
    stream: u32,
    /// Its decoded header fields, as the follow tap gets them.
    headers: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct H2Frames {
    /// The packet's data sources after its own bytes (reassembled,
    /// decrypted), by their numbers from 1.
    sources: Vec<Vec<u8>>,
    frames: Vec<H2Frame>,
}

impl H2Frames {
    pub fn clear(&mut self) {
        self.sources.clear();
        self.frames.clear();
    }

    /// The packet's chunks for the follow tap: (HTTP/2 stream id, bytes),
    /// in the order sent. `packet` is the packet's own bytes.
    pub fn chunks<'a>(&'a self, packet: &'a [u8]) -> impl Iterator<Item = (u32, &'a [u8])> + 'a {
        self.frames.iter().filter_map(move |f| {
            // The connection preface (Magic) has no type and is not followed.
            let kind = f.kind?;
            if HEADER_BLOCKS.contains(&kind) {
                return (!f.headers.is_empty()).then_some((f.stream, &f.headers[..]));
            }
            let source = match f.span.source {
                0 => packet,
                n => self.sources.get(usize::from(n) - 1)?,
            };
            Some((f.stream, source.get(f.span.range())?))
        })
    }

    fn push_string(&mut self, s: &str) {
        if let Some(f) = self.frames.last_mut() {
            let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
            f.headers.extend_from_slice(&len.to_be_bytes());
            f.headers.extend_from_slice(s.as_bytes());
        }
    }
}

impl Sink for H2Frames {
    fn wants(&self, def: &'static FieldDef) -> bool {
        matches!(
            def.name,
            "http2.stream"
                | "http2.type"
                | "http2.streamid"
                | "http2.header.name"
                | "http2.header.value"
        )
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn layer(&mut self, _: &'static FieldDef, _: Span, _: fmt::Arguments<'_>) {}
    fn end_layer(&mut self) {}
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, _: Presence) {
        match (def.name, value) {
            ("http2.stream", _) => self.frames.push(H2Frame {
                span,
                ..H2Frame::default()
            }),
            ("http2.type", Value::U64(t)) => {
                if let Some(f) = self.frames.last_mut() {
                    f.kind = Some(t);
                }
            }
            ("http2.streamid", Value::U64(id)) => {
                if let Some(f) = self.frames.last_mut() {
                    f.stream = id as u32;
                }
            }
            ("http2.header.name" | "http2.header.value", Value::Str(s)) => self.push_string(s),
            _ => {}
        }
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(&mut self, _: &'static ExpertDef, _: Span, _: fmt::Arguments<'_>) {}
    fn source(&mut self, _: &str, bytes: &[u8]) -> u16 {
        self.sources.push(bytes.to_vec());
        self.sources.len() as u16
    }
}
