//! WebSocket (RFC 6455) after an HTTP Upgrade: each frame as a PDU of
//! the connection ([`FRAMES`]) shown with Wireshark's `websocket.*` fields
//! ([`dissect`]), and [`reader`], which reads a direction's byte stream
//! into whole messages (fragments joined, permessage-deflate inflated) for
//! `wirelens websocket`.

use sha1::{Digest, Sha1};

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::pdu_framing::{Framing, FramingState, PduFraming};
use crate::proto;
use crate::sink::Sink;
use crate::table::{Table, media_key};

pub mod reader;
pub use reader::{MAX_INFLATED, MAX_KEPT, Message, WebSocketReader};

/// The GUID RFC 6455 appends to the client's key.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Frame header byte ranges and bits, declared once.
mod field {
    pub const FIN: u8 = 0x80;
    pub const RSV: u8 = 0x70;
    pub const RSV1: u8 = 0x40;
    pub const OPCODE: u8 = 0x0f;
    pub const MASK: u8 = 0x80;
    pub const LEN7: u8 = 0x7f;
    /// The 7-bit length's escapes to a 16- and a 64-bit length.
    pub const LEN16: u8 = 126;
    pub const LEN64: u8 = 127;
    pub const MAX_HEADER: usize = 14;
}

/// Opcodes.
pub const CONTINUATION: u8 = 0;
pub const TEXT: u8 = 1;
pub const BINARY: u8 = 2;
pub const CLOSE: u8 = 8;
pub const PING: u8 = 9;
pub const PONG: u8 = 10;

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
pub fn accept_for(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(trim(key));
    h.update(GUID);
    base64(&h.finalize())
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What the handshake agreed on permessage-deflate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deflate {
    pub client_no_context_takeover: bool,
    pub server_no_context_takeover: bool,
}

/// permessage-deflate's parameters, when `Sec-WebSocket-Extensions` (the
/// server's, which is what was agreed) names it.
pub fn deflate_of(extensions: &[u8]) -> Option<Deflate> {
    let text = String::from_utf8_lossy(extensions);
    text.split(',').find_map(|ext| {
        let mut parts = ext.split(';').map(str::trim);
        if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
            return None;
        }
        let mut d = Deflate::default();
        for p in parts {
            let name = p.split('=').next().unwrap_or("").trim();
            if name.eq_ignore_ascii_case("client_no_context_takeover") {
                d.client_no_context_takeover = true;
            } else if name.eq_ignore_ascii_case("server_no_context_takeover") {
                d.server_no_context_takeover = true;
            }
        }
        Some(d)
    })
}

/// One frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV1..3 as the three bits after FIN (RSV1: 4).
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub len: u64,
    /// The header's own length.
    pub header_len: usize,
}

impl FrameHeader {
    /// The header at the start of `b`; None while `b` is too short for it.
    pub fn parse(b: &[u8]) -> Option<FrameHeader> {
        let (&b0, &b1) = (b.first()?, b.get(1)?);
        let (len, mut at) = match b1 & field::LEN7 {
            field::LEN16 => (u64::from(crate::bytes::be16(b, 2)?), 4),
            field::LEN64 => (u64::from_be_bytes(crate::bytes::array(b, 2)?), 10),
            n => (u64::from(n), 2),
        };
        let mask = if b1 & field::MASK != 0 {
            let m = crate::bytes::array(b, at)?;
            at += 4;
            Some(m)
        } else {
            None
        };
        Some(FrameHeader {
            fin: b0 & field::FIN != 0,
            rsv: (b0 & field::RSV) >> 4,
            opcode: b0 & field::OPCODE,
            mask,
            len,
            header_len: at,
        })
    }

    pub fn compressed(&self) -> bool {
        self.rsv & (field::RSV1 >> 4) != 0
    }

    pub fn is_control(&self) -> bool {
        self.opcode >= CLOSE
    }
}

/// An opcode's name in `wirelens websocket`'s messages.
pub fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        CONTINUATION => "continuation",
        TEXT => "text",
        BINARY => "binary",
        CLOSE => "close",
        PING => "ping",
        PONG => "pong",
        _ => "reserved",
    }
}

crate::fields! {
    FIN = FieldDef::new("websocket.fin", "Fin", T::Boolean).bits(8).mask(0x80);
    RSV = FieldDef::new("websocket.rsv", "Reserved", T::U8).base(crate::field::Base::Hex).mask(0x70);
    OPCODE = FieldDef::new("websocket.opcode", "Opcode", T::U8).names(OPCODES).mask(0x0f);
    MASK = FieldDef::new("websocket.mask", "Mask", T::Boolean).bits(8).mask(0x80);
    PAYLOAD_LENGTH = FieldDef::new("websocket.payload_length", "Payload length", T::U8).mask(0x7f);
    PAYLOAD_LENGTH_EXT_16 = FieldDef::new("websocket.payload_length_ext_16", "Extended Payload length (16 bits)", T::U16);
    PAYLOAD_LENGTH_EXT_64 = FieldDef::new("websocket.payload_length_ext_64", "Extended Payload length (64 bits)", T::U64);
    MASKING_KEY = FieldDef::new("websocket.masking_key", "Masking-Key", T::Bytes);
    MASKED_PAYLOAD = FieldDef::new("websocket.masked_payload", "Masked payload", T::None);
    PAYLOAD = FieldDef::new("websocket.payload", "Payload", T::None);
    PAYLOAD_CONTINUE = FieldDef::new("websocket.payload.continue", "Continue", T::Bytes);
    PAYLOAD_TEXT = FieldDef::new("websocket.payload.text", "Text", T::String);
    PAYLOAD_CLOSE = FieldDef::new("websocket.payload.close", "Close", T::None);
    CLOSE_STATUS_CODE = FieldDef::new("websocket.payload.close.status_code", "Status code", T::U16).names(CLOSE_CODES);
    CLOSE_REASON = FieldDef::new("websocket.payload.close.reason", "Reason", T::String);
    PAYLOAD_PING = FieldDef::new("websocket.payload.ping", "Ping", T::Bytes);
    PAYLOAD_PONG = FieldDef::new("websocket.payload.pong", "Pong", T::Bytes);
    PAYLOAD_UNKNOWN = FieldDef::new("websocket.payload.unknown", "Unknown", T::Bytes);
}

/// Opcode names as Wireshark's (the Info column and the tree).
static OPCODES: &[(u64, &str)] = &[
    (0, "Continuation"),
    (1, "Text"),
    (2, "Binary"),
    (8, "Connection Close"),
    (9, "Ping"),
    (10, "Pong"),
];

/// Close status codes (RFC 6455 7.4.1), as Wireshark names them.
static CLOSE_CODES: &[(u64, &str)] = &[
    (1000, "Normal Closure"),
    (1001, "Going Away"),
    (1002, "Protocol error"),
    (1003, "Unsupported Data"),
    (1005, "No Status Rcvd"),
    (1006, "Abnormal Closure"),
    (1007, "Invalid frame payload data"),
    (1008, "Policy Violation"),
    (1009, "Message Too Big"),
    (1010, "Mandatory Ext."),
    (1011, "Internal Server"),
    (1015, "TLS handshake"),
];

/// Frames as PDUs: a header, then the payload its length gives.
pub struct Frames;
pub static FRAMES: Frames = Frames;

impl PduFraming for Frames {
    fn frame(&self, b: &[u8], _: &mut FramingState<'_>) -> Framing {
        match FrameHeader::parse(b) {
            None => Framing::NeedMore,
            Some(h) => match usize::try_from(h.len) {
                Ok(n) => crate::pdu_framing::by_length(b, h.header_len.saturating_add(n)),
                Err(_) => Framing::TooLong,
            },
        }
    }

    /// Wireshark's heuristic: no reserved bit, a known opcode, and not two
    /// letters (an HTTP head).
    fn starts_pdu(&self, b: &[u8]) -> bool {
        let (Some(&b0), Some(&b1)) = (b.first(), b.get(1)) else {
            return false;
        };
        let opcode = b0 & field::OPCODE;
        b0 & field::RSV == 0
            && matches!(opcode, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG)
            && !(b0.is_ascii_alphabetic() && b1.is_ascii_alphabetic())
    }
}

/// One frame (`len` bytes at `off`), as Wireshark's `websocket`: the header
/// as the layer, the payload unmasked into a data source of its own, text
/// to line-based text, binary to data, control frames' fields. Fragments
/// are not joined here (see [`reader`]).
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, len: usize) {
    let b = buf.get(off, len);
    let Some(h) = FrameHeader::parse(b) else {
        crate::data::dissect(cx, buf.limit(off + len), off);
        return;
    };
    cx.pi.protocol = std::borrow::Cow::Borrowed(proto::WEBSOCKET.column);
    let name = OPCODES
        .iter()
        .find(|o| o.0 == u64::from(h.opcode))
        .map_or("Unknown Opcode", |o| o.1);
    let fin = if h.fin { " [FIN]" } else { "[FRAGMENT] " };
    let masked = if h.mask.is_some() { " [MASKED]" } else { " " };
    cx.set_info(format_args!("WebSocket {name}{fin}{masked}"));
    cx.layer(
        &proto::WEBSOCKET,
        buf.span(off, h.header_len.min(b.len())),
        format_args!("WebSocket"),
    );
    header_fields(cx, buf, off, &h, b);
    let at = off + h.header_len;
    let raw = buf.get(at, b.len().saturating_sub(h.header_len));
    if raw.is_empty() {
        cx.end_layer();
        return;
    }
    // A masked payload is shown unmasked, as a data source of its own.
    let unmasked: Option<Vec<u8>> = h.mask.map(|m| {
        cx.field(&MASKED_PAYLOAD, buf.span(at, raw.len()), Value::None);
        raw.iter().enumerate().map(|(i, c)| c ^ m[i % 4]).collect()
    });
    let (pbuf, start) = match &unmasked {
        Some(u) => (Buf::source(u, cx.sink.source("Unmasked data", u)), 0),
        None => (buf.limit(at + raw.len()), at),
    };
    let body = pbuf.get(start, raw.len());
    payload_fields(cx, pbuf, start, body, &h);
    cx.end_layer();
    // What the payload carries, after the WebSocket layer, as Wireshark:
    // a whole message only (a fragment waits for the rest, which is not
    // joined here).
    match h.opcode {
        _ if !h.fin => {}
        TEXT => {
            cx.match_string = None;
            cx.dissect_by(
                Table::MediaType,
                media_key("text/plain"),
                pbuf.limit(start + body.len()),
                start,
            );
        }
        BINARY => crate::data::dissect(cx, pbuf.limit(start + body.len()), start),
        _ => {}
    }
}

fn header_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, h: &FrameHeader, b: &[u8]) {
    let s = |o: usize, n: usize| buf.span(off + o, n);
    cx.field(&FIN, s(0, 1), Value::Bool(h.fin));
    cx.field(&RSV, s(0, 1), Value::U64(u64::from(h.rsv)));
    cx.field(&OPCODE, s(0, 1), Value::U64(u64::from(h.opcode)));
    cx.field(&MASK, s(1, 1), Value::Bool(h.mask.is_some()));
    let short = b[1] & field::LEN7;
    let value = Value::U64(u64::from(short));
    let extended = match short {
        field::LEN16 => " Extended Payload Length (16 bits)",
        field::LEN64 => " Extended Payload Length (64 bits)",
        _ => "",
    };
    if extended.is_empty() || !cx.sink.wants_text() {
        cx.field(&PAYLOAD_LENGTH, s(1, 1), value);
    } else {
        let bits = crate::tree::bit_pattern(&PAYLOAD_LENGTH, u64::from(short));
        let text = format_args!("{bits} = Payload length: {short}{extended}");
        cx.labeled(&PAYLOAD_LENGTH, s(1, 1), value, text);
    }
    match short {
        field::LEN16 => cx.field(&PAYLOAD_LENGTH_EXT_16, s(2, 2), Value::U64(h.len)),
        field::LEN64 => cx.field(&PAYLOAD_LENGTH_EXT_64, s(2, 8), Value::U64(h.len)),
        _ => {}
    }
    if let Some(m) = &h.mask {
        cx.field(&MASKING_KEY, s(h.header_len - 4, 4), Value::Bytes(m));
    }
}

/// The payload's item and what the opcode says of it.
fn payload_fields<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    start: usize,
    body: &[u8],
    h: &FrameHeader,
) {
    let span = buf.span(start, body.len());
    if h.opcode == CONTINUATION {
        // A fragment: its bytes (the fragments are not joined here).
        cx.field(&PAYLOAD, span, Value::None);
        cx.field(&PAYLOAD_CONTINUE, span, Value::Bytes(body));
        return;
    }
    cx.field(&PAYLOAD, span, Value::None);
    cx.push();
    match h.opcode {
        CLOSE => close(cx, buf, start, body),
        PING => cx.field(&PAYLOAD_PING, span, Value::Bytes(body)),
        PONG => cx.field(&PAYLOAD_PONG, span, Value::Bytes(body)),
        TEXT => {
            let text = String::from_utf8_lossy(body);
            cx.field(&PAYLOAD_TEXT, span, Value::Str(&text));
        }
        BINARY => {}
        _ => cx.field(&PAYLOAD_UNKNOWN, span, Value::Bytes(body)),
    }
    cx.pop();
}

/// A close frame's status code and reason.
fn close<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, start: usize, body: &[u8]) {
    cx.field(&PAYLOAD_CLOSE, buf.span(start, body.len()), Value::None);
    cx.push();
    if let Some(code) = crate::bytes::be16(body, 0) {
        cx.field(
            &CLOSE_STATUS_CODE,
            buf.span(start, 2),
            Value::U64(u64::from(code)),
        );
        if body.len() > 2 {
            let reason = String::from_utf8_lossy(&body[2..]);
            cx.field(
                &CLOSE_REASON,
                buf.span(start + 2, body.len() - 2),
                Value::Str(&reason),
            );
        }
    }
    cx.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_handshake_example() {
        // RFC 6455 1.3.
        assert_eq!(
            accept_for(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn extension_parameters() {
        let d =
            deflate_of(b"permessage-deflate; client_max_window_bits; server_no_context_takeover");
        assert_eq!(
            d,
            Some(Deflate {
                client_no_context_takeover: false,
                server_no_context_takeover: true
            })
        );
        assert_eq!(deflate_of(b"x-webkit-deflate-frame"), None);
    }

    #[test]
    fn frames_end_where_their_length_says() {
        let mut scanned = 0;
        let mut st = crate::pdu_framing::test_state(&mut scanned, false);
        let hello = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0x81,
        ];
        assert_eq!(
            FRAMES.frame(&hello, &mut st),
            crate::pdu_framing::complete(11)
        );
        assert_eq!(FRAMES.frame(&hello[..5], &mut st), Framing::NeedMore);
        assert!(FRAMES.starts_pdu(&hello));
        assert!(!FRAMES.starts_pdu(b"GET / HTTP/1.1"));
    }
}
