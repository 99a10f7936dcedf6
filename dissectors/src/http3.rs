//! HTTP/3 (RFC 9114) framing over QUIC streams: a unidirectional
//! stream's type (control, push, QPACK encoder, QPACK decoder), then
//! frames (DATA, HEADERS, CANCEL_PUSH, SETTINGS, PUSH_PROMISE, GOAWAY,
//! MAX_PUSH_ID). QUIC hands each STREAM frame's data here with where its
//! first HTTP/3 frame starts ([`StreamFramer`] follows each stream's frame
//! boundaries in the analysis). As tshark 4.0, a frame is shown in the
//! STREAM frame that holds it whole; header blocks are not decoded yet
//! (QPACK), and neither is tshark's Debian build.

use crate::bytes::varint;
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::qpack::Section;
use crate::sink::{Sink, Span};

crate::fields! {
    STREAM_TYPE = FieldDef::new("http3.stream_type", "Stream Type", T::U64).names(STREAM_TYPES);
    FRAME_TYPE = FieldDef::new("http3.frame_type", "Type", T::U64).names(FRAME_TYPES);
    FRAME_LENGTH = FieldDef::new("http3.frame_length", "Length", T::U64);
    FRAME_PAYLOAD = FieldDef::new("http3.frame_payload", "Frame Payload", T::Bytes);
    SETTING = FieldDef::new("http3.settings", "Settings", T::None);
    SETTINGS_ID = FieldDef::new("http3.settings.id", "Settings Identifier", T::U64).names(SETTINGS);
    SETTINGS_VALUE = FieldDef::new("http3.settings.value", "Settings Value", T::U64);
    MAX_TABLE_CAPACITY = FieldDef::new("http3.settings.qpack.max_table_capacity", "Max Table Capacity", T::U64);
    MAX_FIELD_SECTION_SIZE = FieldDef::new("http3.settings.max_field_section_size", "Max header list size", T::U64);
    BLOCKED_STREAMS = FieldDef::new("http3.settings.qpack.blocked_streams", "Blocked Streams", T::U64);
    EXTENDED_CONNECT = FieldDef::new("http3.settings.extended_connect", "Extended CONNECT", T::U64);
    PUSH_ID = FieldDef::new("http3.push_id", "Push ID", T::U64);
    HEADERS_COUNT = FieldDef::new("http3.headers.count", "Headers Count", T::U32);
    HEADER = FieldDef::new("http3.headers.header", "Header", T::None);
    HEADER_LENGTH = FieldDef::new("http3.headers.header.length", "Header Length", T::U32);
    // Wireshark spells it "http3.header.header.name", alone of the five:
    // a slip we do not copy.
    HEADER_NAME_LENGTH = FieldDef::new("http3.headers.header.name.length", "Name Length", T::U32);
    HEADER_NAME = FieldDef::new("http3.headers.header.name", "Name", T::String);
    HEADER_VALUE_LENGTH = FieldDef::new("http3.headers.header.value.length", "Value Length", T::U32);
    HEADER_VALUE = FieldDef::new("http3.headers.header.value", "Value", T::String);
    HEADERS_METHOD = FieldDef::new("http3.headers.method", ":method", T::String);
    HEADERS_PATH = FieldDef::new("http3.headers.path", ":path", T::String);
    HEADERS_AUTHORITY = FieldDef::new("http3.headers.authority", ":authority", T::String);
    HEADERS_SCHEME = FieldDef::new("http3.headers.scheme", ":scheme", T::String);
    HEADERS_STATUS = FieldDef::new("http3.headers.status", ":status", T::U16);
    HEADERS_CONTENT_TYPE = FieldDef::new("http3.headers.content_type", "content-type", T::String);
    HEADERS_CONTENT_LENGTH = FieldDef::new("http3.headers.content_length", "content-length", T::U64);
    HEADERS_USER_AGENT = FieldDef::new("http3.headers.user_agent", "user-agent", T::String);
    HEADERS_SERVER = FieldDef::new("http3.headers.server", "server", T::String);
    FULL_URI = FieldDef::new("http3.request.full_uri", "Full request URI", T::String);
    QPACK_BLOCKED = FieldDef::new("http3.header.qpack.blocked", "HEADERS head-of-line-blocked on QPACK encoder stream", T::Boolean);
    QPACK_BLOCKED_REQUIRED = FieldDef::new("http3.header.qpack.blocked.rcint", "Required instruction count", T::U32);
    QPACK_BLOCKED_INSERTED = FieldDef::new("http3.header.qpack.blocked.wcint", "Available instruction count", T::U32);
    QPACK_FAILED = FieldDef::new("http3.header.qpack.failed", "QPACK decoding failed", T::String);
}

pub static STREAM_TYPES: &[(u64, &str)] = &[
    (0x00, "Control Stream"),
    (0x01, "Push Stream"),
    (0x02, "QPACK Encoder Stream"),
    (0x03, "QPACK Decoder Stream"),
];

pub static FRAME_TYPES: &[(u64, &str)] = &[
    (0x00, "DATA"),
    (0x01, "HEADERS"),
    (0x03, "CANCEL_PUSH"),
    (0x04, "SETTINGS"),
    (0x05, "PUSH_PROMISE"),
    (0x07, "GOAWAY"),
    (0x0d, "MAX_PUSH_ID"),
];

static SETTINGS: &[(u64, &str)] = &[
    (0x01, "Max Table Capacity"),
    (0x06, "Max header list size"),
    (0x07, "Blocked Streams"),
];

/// Frames read per STREAM frame at most.
const MAX_FRAMES: usize = 256;

/// Whether a stream ID is unidirectional (RFC 9000 §2.1).
pub fn is_unidirectional(stream: u64) -> bool {
    stream & 2 != 0
}

/// Follows one stream's HTTP/3 frame boundaries in the analysis, from
/// its STREAM frames in order.
#[derive(Debug, Clone, Default)]
pub struct StreamFramer {
    /// The stream offset where the next frame starts.
    next: u64,
    /// A unidirectional stream's type, once read.
    uni_type: Option<u64>,
    /// A QPACK stream, or one of a type not read: no frames.
    opaque: bool,
    /// Data came out of order: boundaries are lost.
    lost: bool,
    /// Recent frame boundaries, for data sent again from one of them
    /// (a retransmission shows its frames again, as in tshark).
    boundaries: Vec<u64>,
    /// Where the data last taken was new, on an opaque stream (QPACK
    /// instructions go to their table once, in order).
    fresh: std::ops::Range<usize>,
}

/// Frame boundaries remembered per stream.
const MAX_BOUNDARIES: usize = 32;

/// What a STREAM frame's data holds for HTTP/3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamView {
    /// Where in the data the first whole frame starts (after the stream
    /// type, at the stream's start).
    pub start: u32,
    /// The data begins with a unidirectional stream's type.
    pub typed: bool,
    /// Opaque stream data (QPACK instructions): shown as HTTP/3, no frames.
    pub opaque: bool,
}

impl StreamFramer {
    /// Takes the STREAM frame's `data` at `offset` of stream `stream`;
    /// returns what the dissector shows of it, None when it holds no
    /// HTTP/3 it can show (the middle of a frame, data out of order).
    pub fn take(&mut self, stream: u64, offset: u64, data: &[u8]) -> Option<StreamView> {
        self.fresh = 0..0;
        if self.lost || offset > self.next_start() {
            self.lost = true;
            return None;
        }
        if offset < self.next && !self.opaque && self.boundaries.contains(&offset) {
            return whole_frames(data, 0).then_some(StreamView {
                start: 0,
                typed: false,
                opaque: false,
            });
        }
        let seen = self.next;
        let view = self.take_from(stream, offset, data);
        // Data sent again never takes the stream back.
        self.next = self.next.max(seen);
        let unseen = usize::try_from(seen.saturating_sub(offset)).unwrap_or(usize::MAX);
        self.fresh.start = self.fresh.start.max(unseen).min(self.fresh.end);
        view
    }

    fn take_from(&mut self, stream: u64, offset: u64, data: &[u8]) -> Option<StreamView> {
        let end = offset + data.len() as u64;
        let mut typed = false;
        let mut at = usize::try_from(self.next.checked_sub(offset)?).ok()?;
        let uni = is_unidirectional(stream);
        // A unidirectional stream sent again from its start (0-RTT data a
        // server refused comes again in 1-RTT) is shown again, type and all.
        if uni && (self.uni_type.is_none() || offset == 0) {
            let (t, n) = varint(data, 0)?;
            self.uni_type = Some(t);
            self.opaque = t != 0;
            typed = true;
            at = n;
            self.next = offset + n as u64;
        }
        if self.opaque {
            self.fresh = at.min(data.len())..data.len();
            self.next = end;
            return Some(StreamView {
                start: at as u32,
                typed,
                opaque: true,
            });
        }
        if at >= data.len() {
            return typed.then_some(StreamView {
                start: at as u32,
                typed,
                opaque: false,
            });
        }
        let start = at;
        let mut whole = 0;
        while let Some(len) = frame_len(data, at) {
            let boundary = offset + at as u64;
            if !self.boundaries.contains(&boundary) {
                if self.boundaries.len() >= MAX_BOUNDARIES {
                    self.boundaries.remove(0);
                }
                self.boundaries.push(boundary);
            }
            self.next = offset + (at + len) as u64;
            if at + len > data.len() {
                break;
            }
            whole += 1;
            at += len;
        }
        (whole > 0 || typed).then_some(StreamView {
            start: start as u32,
            typed,
            opaque: false,
        })
    }

    fn next_start(&self) -> u64 {
        self.next
    }

    /// A unidirectional stream's type, once read.
    pub fn uni_type(&self) -> Option<u64> {
        self.uni_type
    }

    /// Whether the stream's data came with a gap.
    pub fn lost(&self) -> bool {
        self.lost
    }

    /// The part of the data last taken that an opaque stream had not seen.
    pub fn fresh(&self) -> std::ops::Range<usize> {
        self.fresh.clone()
    }
}

/// The whole frames in `data` from `start` on: (type, payload range).
pub fn whole_frames_in(
    data: &[u8],
    start: usize,
) -> impl Iterator<Item = (u64, std::ops::Range<usize>)> + '_ {
    let mut at = start;
    std::iter::from_fn(move || {
        let (t, n1) = varint(data, at)?;
        let (len, n2) = varint(data, at + n1)?;
        let p = at + n1 + n2;
        let end = p
            .checked_add(usize::try_from(len).ok()?)
            .filter(|&e| e <= data.len())?;
        at = end;
        Some((t, p..end))
    })
    .take(MAX_FRAMES)
}

/// SETTINGS_QPACK_MAX_TABLE_CAPACITY in a SETTINGS payload.
pub fn max_table_capacity(payload: &[u8]) -> Option<u64> {
    let mut at = 0;
    for _ in 0..MAX_FRAMES {
        let (id, n1) = varint(payload, at)?;
        let (v, n2) = varint(payload, at + n1)?;
        if id == 0x01 {
            return Some(v);
        }
        at += n1 + n2;
    }
    None
}

/// Whether a whole frame starts at `at`.
fn whole_frames(b: &[u8], at: usize) -> bool {
    frame_len(b, at).is_some_and(|n| at + n <= b.len())
}

/// A frame's whole length (type, length and payload) at `at`, when its
/// header is there.
fn frame_len(b: &[u8], at: usize) -> Option<usize> {
    let (_, n1) = varint(b, at)?;
    let (len, n2) = varint(b, at + n1)?;
    n1.checked_add(n2)?.checked_add(usize::try_from(len).ok()?)
}

/// Dissects the HTTP/3 in a STREAM frame's data `buf[off..off + len]`
/// of stream `stream`, as `view` says.
pub fn stream_data<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    len: usize,
    view: StreamView,
    sections: &[Section],
) {
    let b = buf.get(off, len);
    cx.layer(
        &proto::HTTP3,
        buf.span(off, b.len()),
        format_args!("Hypertext Transfer Protocol Version 3"),
    );
    if view.typed
        && let Some((t, n)) = varint(b, 0)
    {
        cx.field(&STREAM_TYPE, buf.span(off, n), Value::U64(t));
    }
    if !view.opaque {
        let mut at = view.start as usize;
        let mut sections = sections.iter();
        for _ in 0..MAX_FRAMES {
            let Some(end) = frame_len(b, at).map(|n| at + n).filter(|&e| e <= b.len()) else {
                break;
            };
            frame(cx, buf, off, at, end, &mut sections);
            at = end;
        }
    }
    cx.end_layer();
}

fn frame<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    at: usize,
    end: usize,
    sections: &mut std::slice::Iter<'_, Section>,
) {
    let b = buf.get(off, end);
    let Some((t, n1)) = varint(b, at) else {
        return;
    };
    let Some((len, n2)) = varint(b, at + n1) else {
        return;
    };
    // As tshark, a frame's fields sit flat in the HTTP/3 tree.
    cx.field(&FRAME_TYPE, buf.span(off + at, n1), Value::U64(t));
    cx.field(&FRAME_LENGTH, buf.span(off + at + n1, n2), Value::U64(len));
    let p = at + n1 + n2;
    if end > p {
        cx.field(
            &FRAME_PAYLOAD,
            buf.span(off + p, end - p),
            Value::Bytes(&b[p..end]),
        );
    }
    match t {
        0x01 => {
            if let Some(s) = sections.next() {
                field_section(cx, buf.span(off + p, end - p), s);
            }
        }
        0x04 => settings(cx, buf, off + p, &b[p..end]),
        0x05 => {
            if let Some((id, n)) = varint(&b[p..end], 0) {
                cx.field(&PUSH_ID, buf.span(off + p, n), Value::U64(id));
            }
            if let Some(s) = sections.next() {
                field_section(cx, buf.span(off + p, end - p), s);
            }
        }
        _ => {}
    }
    if let Some(name) = crate::field::lookup(FRAME_TYPES, t) {
        cx.append_info(format_args!(", {name}"));
    }
}

/// A decoded field section, as Wireshark built with nghttp3 shows it; the
/// headers all point at the section's bytes (QPACK lines do not map to
/// headers one to one once the dynamic table is used).
fn field_section<S: Sink>(cx: &mut Cx<'_, S>, span: Span, s: &Section) {
    let lines = match s {
        Section::Decoded { lines, .. } => lines,
        Section::Blocked { required, inserted } => {
            cx.generated(&QPACK_BLOCKED, span, Value::Bool(true));
            cx.push();
            cx.generated(&QPACK_BLOCKED_REQUIRED, span, Value::U64(*required));
            cx.generated(&QPACK_BLOCKED_INSERTED, span, Value::U64(*inserted));
            cx.pop();
            return;
        }
        Section::Failed(why) => {
            cx.generated(&QPACK_FAILED, span, Value::Str(why));
            return;
        }
    };
    cx.generated(&HEADERS_COUNT, span, Value::U64(lines.len() as u64));
    let (mut scheme, mut authority, mut path) = (None, None, None);
    for l in lines {
        let name = String::from_utf8_lossy(&l.name);
        let value = String::from_utf8_lossy(&l.value);
        cx.labeled(
            &HEADER,
            span,
            Value::None,
            format_args!("Header: {name}: {value}"),
        );
        cx.push();
        let length = (l.name.len() + l.value.len()) as u64;
        cx.field(&HEADER_LENGTH, span, Value::U64(length));
        cx.field(&HEADER_NAME_LENGTH, span, Value::U64(l.name.len() as u64));
        cx.field(&HEADER_NAME, span, Value::Str(&name));
        cx.field(&HEADER_VALUE_LENGTH, span, Value::U64(l.value.len() as u64));
        cx.field(&HEADER_VALUE, span, Value::Str(&value));
        let well_known = match name.as_ref() {
            ":method" => Some(&HEADERS_METHOD),
            ":path" => Some(&HEADERS_PATH),
            ":authority" => Some(&HEADERS_AUTHORITY),
            ":scheme" => Some(&HEADERS_SCHEME),
            "content-type" => Some(&HEADERS_CONTENT_TYPE),
            "user-agent" => Some(&HEADERS_USER_AGENT),
            "server" => Some(&HEADERS_SERVER),
            _ => None,
        };
        if let Some(def) = well_known {
            cx.field(def, span, Value::Str(&value));
        }
        match name.as_ref() {
            ":status" => cx.field(
                &HEADERS_STATUS,
                span,
                Value::U64(value.parse().unwrap_or(0)),
            ),
            "content-length" => {
                if let Ok(n) = value.parse() {
                    cx.field(&HEADERS_CONTENT_LENGTH, span, Value::U64(n));
                }
            }
            ":scheme" => scheme = Some(value.clone()),
            ":authority" => authority = Some(value.clone()),
            ":path" => path = Some(value.clone()),
            _ => {}
        }
        cx.pop();
    }
    if let (Some(s), Some(a), Some(p)) = (scheme, authority, path) {
        cx.generated(&FULL_URI, span, Value::Str(&format!("{s}://{a}{p}")));
    }
}

fn settings<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, b: &[u8]) {
    let mut at = 0;
    for _ in 0..MAX_FRAMES {
        let Some((id, n1)) = varint(b, at) else {
            break;
        };
        let Some((v, n2)) = varint(b, at + n1) else {
            break;
        };
        let span = buf.span(off + at, n1 + n2);
        let name = crate::field::lookup(SETTINGS, id).unwrap_or("Unknown");
        cx.labeled(
            &SETTING,
            span,
            Value::None,
            format_args!("Settings - {name}: {v}"),
        );
        cx.push();
        cx.field(&SETTINGS_ID, buf.span(off + at, n1), Value::U64(id));
        cx.field(&SETTINGS_VALUE, buf.span(off + at + n1, n2), Value::U64(v));
        let named = match id {
            0x01 => Some(&MAX_TABLE_CAPACITY),
            0x06 => Some(&MAX_FIELD_SECTION_SIZE),
            0x07 => Some(&BLOCKED_STREAMS),
            0x08 => Some(&EXTENDED_CONNECT),
            _ => None,
        };
        if let Some(def) = named {
            cx.field(def, buf.span(off + at + n1, n2), Value::U64(v));
        }
        cx.pop();
        at += n1 + n2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_cut_across_stream_frames_is_shown_in_none_of_them() {
        let mut f = StreamFramer::default();
        // HEADERS (3 bytes) whole, then DATA of 10 bytes begun.
        let first = [0x01, 0x01, 0xaa, 0x00, 0x0a, 1, 2];
        assert_eq!(
            f.take(0, 0, &first),
            Some(StreamView {
                start: 0,
                typed: false,
                opaque: false
            })
        );
        // The DATA frame's middle and end: nothing to show.
        assert_eq!(f.take(0, 7, &[3, 4, 5, 6, 7, 8, 9, 10]), None);
        // Then a frame starts at the boundary again.
        assert!(f.take(0, 15, &[0x01, 0x00]).is_some());
    }

    #[test]
    fn a_control_stream_is_typed_and_a_qpack_stream_opaque() {
        let mut c = StreamFramer::default();
        let v = c.take(3, 0, &[0x00, 0x04, 0x02, 0x01, 0x00]).unwrap();
        assert_eq!((v.start, v.typed, v.opaque), (1, true, false));
        let mut q = StreamFramer::default();
        let v = q.take(7, 0, &[0x02]).unwrap();
        assert!(v.typed && v.opaque);
        assert!(q.take(7, 1, &[0x3f, 0xe1]).unwrap().opaque);
    }
}
