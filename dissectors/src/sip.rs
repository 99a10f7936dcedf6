//! SIP (RFC 3261) over UDP: the start line, the headers, and a body handed
//! on by its media type (SDP, which sets up the call's RTP). Protocol and
//! Info as tshark 4.0 writes them: `Request: INVITE sip:bob@host | `,
//! `Status: 200 OK (INVITE) | `, REGISTER's bindings counted.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;
use crate::text_lines::{lines, trim_eol};

crate::fields! {
    REQUEST_LINE = FieldDef::new("sip.Request-Line", "Request-Line", T::String);
    STATUS_LINE = FieldDef::new("sip.Status-Line", "Status-Line", T::String);
    METHOD = FieldDef::new("sip.Method", "Method", T::String);
    R_URI = FieldDef::new("sip.r-uri", "Request-URI", T::String);
    STATUS_CODE = FieldDef::new("sip.Status-Code", "Status-Code", T::U32);
    MSG_HDR = FieldDef::new("sip.msg_hdr", "Message Header", T::String);
    MSG_BODY = FieldDef::new("sip.msg_body", "Message Body", T::None);
    VIA = FieldDef::new("sip.Via", "Via", T::String);
    FROM = FieldDef::new("sip.From", "From", T::String);
    TO = FieldDef::new("sip.To", "To", T::String);
    CALL_ID = FieldDef::new("sip.Call-ID", "Call-ID", T::String);
    CSEQ = FieldDef::new("sip.CSeq", "CSeq", T::String);
    CSEQ_SEQ = FieldDef::new("sip.CSeq.seq", "Sequence Number", T::U32);
    CSEQ_METHOD = FieldDef::new("sip.CSeq.method", "Method", T::String);
    CONTACT = FieldDef::new("sip.Contact", "Contact", T::String);
    MAX_FORWARDS = FieldDef::new("sip.Max-Forwards", "Max-Forwards", T::U32);
    USER_AGENT = FieldDef::new("sip.User-Agent", "User-Agent", T::String);
    SERVER = FieldDef::new("sip.Server", "Server", T::String);
    EXPIRES = FieldDef::new("sip.Expires", "Expires", T::U32);
    CONTENT_TYPE = FieldDef::new("sip.Content-Type", "Content-Type", T::String);
    CONTENT_LENGTH = FieldDef::new("sip.Content-Length", "Content-Length", T::U32);
    ALLOW = FieldDef::new("sip.Allow", "Allow", T::String);
    SUPPORTED = FieldDef::new("sip.Supported", "Supported", T::String);
}

/// The methods tshark names a request by; others are "Unknown request".
const KNOWN_METHODS: &[&str] = &[
    "ACK",
    "BYE",
    "CANCEL",
    "DO",
    "INFO",
    "INVITE",
    "MESSAGE",
    "NOTIFY",
    "OPTIONS",
    "PRACK",
    "QAUTH",
    "REFER",
    "REGISTER",
    "SPRACK",
    "SUBSCRIBE",
    "UPDATE",
    "PUBLISH",
];

/// Compact header names (RFC 3261 §7.3.3) and the full names they stand for.
const COMPACT: &[(&str, &str)] = &[
    ("i", "Call-ID"),
    ("f", "From"),
    ("t", "To"),
    ("v", "Via"),
    ("m", "Contact"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("k", "Supported"),
];

/// Whether `b` opens with a SIP start line, as strictly as tshark reads
/// one: `METHOD SP Request-URI SP SIP/2.0` with a token for the method, or
/// `SIP/2.0 SP 3DIGIT SP phrase`; no control bytes; the line ends at the
/// first CR or LF.
pub fn looks_like_sip(b: &[u8]) -> bool {
    let first = &b[..start_line_len(b)];
    if first.iter().any(|&c| c < 0x20 || c == 0x7f) {
        return false;
    }
    if let Some(rest) = first.strip_prefix(b"SIP/2.0 ") {
        return rest.len() >= 3
            && rest[..3].iter().all(u8::is_ascii_digit)
            && rest.get(3).is_none_or(|&c| c == b' ');
    }
    let mut parts = first.split(|&c| c == b' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let token = |c: &u8| c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(c);
    !method.is_empty() && method.iter().all(token) && !uri.is_empty() && version == b"SIP/2.0"
}

/// The start line's length: up to the first CR or LF.
fn start_line_len(b: &[u8]) -> usize {
    b.iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .unwrap_or(b.len())
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    if !looks_like_sip(b) {
        return 0;
    }
    let head_end = crate::bytes::find(b, b"\r\n\r\n").map_or(b.len(), |i| i + 4);
    let mut msg = Message::default();
    let start_len = start_line_len(b);
    msg.read_line(0, &b[..start_len]);
    let after_start = start_len + usize::from(b.get(start_len) == Some(&b'\r'));
    let after_start = (after_start + usize::from(b.get(after_start) == Some(&b'\n'))).min(head_end);
    for (at, line) in lines(&b[after_start..head_end]) {
        msg.read_line(after_start + at, trim_eol(line));
    }
    let avail = b.len() - head_end;
    msg.malformed |= msg.content_length.is_some_and(|n| n > avail);
    let body_len = msg.content_length.map_or(avail, |n| n.min(avail));
    let title = match &msg.start {
        Start::Request { method, .. } => method.clone(),
        Start::Status { code, .. } => code.to_string(),
        Start::None => String::new(),
    };
    cx.layer(
        &proto::SIP,
        buf.span(off, head_end + body_len),
        format_args!("Session Initiation Protocol ({title})"),
    );
    show_start(cx, buf, off, b, &msg);
    show_headers(cx, buf, off, b, &msg, head_end);
    let info = msg.info();
    cx.set_info(format_args!("{info}"));
    if body_len > 0 {
        cx.text(
            buf.span(off + head_end, body_len),
            format_args!("Message Body"),
        );
        cx.push();
        if let Some(ct) = &msg.content_type {
            let media = crate::table::media_type(ct);
            let body = Buf {
                bytes: buf.get(0, off + head_end + body_len),
                source: buf.source,
                reported: off + head_end + body_len,
            };
            cx.dissect_media(&media, false, body, off + head_end);
        }
        cx.pop();
    }
    if msg.malformed {
        cx.malformed(
            buf.span(off, head_end),
            format_args!("Malformed SIP message"),
        );
    } else {
        cx.append_info(format_args!(" | "));
    }
    cx.end_layer();
    head_end + body_len
}

/// The start line, read.
#[derive(Default)]
enum Start {
    Request {
        method: String,
        uri: String,
    },
    Status {
        code: u32,
        phrase: String,
    },
    #[default]
    None,
}

/// A header: where its line is, its full name, and where its value starts
/// in the line.
struct Header {
    at: usize,
    len: usize,
    name: &'static str,
    value_at: usize,
}

/// What the Info column and the tree need from one message.
#[derive(Default)]
struct Message {
    start: Start,
    start_len: usize,
    headers: Vec<Header>,
    cseq_method: Option<String>,
    content_type: Option<String>,
    content_length: Option<usize>,
    contacts: usize,
    expires_zero: bool,
    contact_star: bool,
    /// A header line without a colon: tshark stops at it.
    malformed: bool,
}

/// Headers shown per message.
const MAX_HEADERS: usize = 128;

impl Message {
    fn read_line(&mut self, at: usize, line: &[u8]) {
        if at == 0 && self.start_len == 0 {
            self.start = start_line(line);
            self.start_len = line.len();
            return;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            // tshark gives up on the message here (Malformed Packet).
            self.malformed |= !line.is_empty();
            return;
        };
        let raw = String::from_utf8_lossy(line[..colon].trim_ascii());
        let value = String::from_utf8_lossy(line[colon + 1..].trim_ascii()).into_owned();
        // A header this module has no field for is shown as its text.
        let name = known_header(&raw).unwrap_or("");
        match name {
            "CSeq" => self.cseq_method = value.split_whitespace().nth(1).map(str::to_owned),
            "Content-Type" => self.content_type = Some(value.clone()),
            "Content-Length" => self.content_length = value.parse().ok(),
            "Contact" => {
                self.contacts += value.split(',').filter(|c| !c.trim().is_empty()).count();
                self.contact_star |= value == "*";
            }
            "Expires" => self.expires_zero = value == "0",
            _ => {}
        }
        if self.headers.len() < MAX_HEADERS {
            let value_at =
                colon + 1 + (line.len() - colon - 1 - line[colon + 1..].trim_ascii_start().len());
            self.headers.push(Header {
                at,
                len: line.len(),
                name,
                value_at,
            });
        }
    }

    /// tshark's Info for the message (before the ` | ` that ends it).
    fn info(&self) -> String {
        let register = self.cseq_method.as_deref() == Some("REGISTER");
        let bindings = || {
            let s = if self.contacts == 1 { "" } else { "s" };
            format!("  ({} binding{s})", self.contacts)
        };
        match &self.start {
            Start::Request { method, uri } => {
                let kind = if KNOWN_METHODS.contains(&method.as_str()) {
                    "Request"
                } else {
                    "Unknown request"
                };
                let mut s = format!("{kind}: {method} {uri}");
                if self.malformed {
                    return s;
                }
                if method == "REGISTER" {
                    if self.contact_star && self.expires_zero {
                        s.push_str("  (remove all bindings)");
                    } else if self.contacts == 0 {
                        s.push_str("  (fetch bindings)");
                    } else {
                        s.push_str(&bindings());
                    }
                }
                s
            }
            Start::Status { code, phrase } => {
                let mut s = format!("Status: {code} {phrase}");
                if self.malformed {
                    return s;
                }
                if (200..300).contains(code)
                    && let Some(m) = &self.cseq_method
                {
                    s.push_str(&format!(" ({m})"));
                }
                if register && (200..300).contains(code) {
                    s.push_str(&bindings());
                }
                s
            }
            Start::None => String::new(),
        }
    }
}

fn start_line(line: &[u8]) -> Start {
    let text = String::from_utf8_lossy(line);
    if let Some(rest) = text.strip_prefix("SIP/2.0 ") {
        let (code, phrase) = rest.split_once(' ').unwrap_or((rest, ""));
        return Start::Status {
            code: code.parse().unwrap_or(0),
            phrase: phrase.to_owned(),
        };
    }
    let mut parts = text.splitn(3, ' ');
    Start::Request {
        method: parts.next().unwrap_or("").to_owned(),
        uri: parts.next().unwrap_or("").to_owned(),
    }
}

/// A header name as this module knows it (compact forms expanded).
fn known_header(raw: &str) -> Option<&'static str> {
    if let Some((_, full)) = COMPACT.iter().find(|(c, _)| raw.eq_ignore_ascii_case(c)) {
        return Some(full);
    }
    HEADER_FIELDS
        .iter()
        .map(|(n, _)| *n)
        .chain(["CSeq", "Expires", "Max-Forwards", "Content-Length"])
        .find(|n| raw.eq_ignore_ascii_case(n))
}

/// Header names shown as a field of their own.
static HEADER_FIELDS: &[(&str, &FieldDef)] = &[
    ("Via", &VIA),
    ("From", &FROM),
    ("To", &TO),
    ("Call-ID", &CALL_ID),
    ("Contact", &CONTACT),
    ("User-Agent", &USER_AGENT),
    ("Server", &SERVER),
    ("Content-Type", &CONTENT_TYPE),
    ("Allow", &ALLOW),
    ("Supported", &SUPPORTED),
];

fn show_start<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, b: &[u8], msg: &Message) {
    let line = &b[..msg.start_len];
    let text = String::from_utf8_lossy(line);
    let span = buf.span(off, msg.start_len);
    match &msg.start {
        Start::Request { method, uri } => {
            cx.labeled(
                &REQUEST_LINE,
                span,
                Value::Str(&text),
                format_args!("Request-Line: {text}"),
            );
            cx.push();
            // Byte lengths from the line itself (the texts may hold
            // replacement characters).
            let method_len = line.iter().position(|&c| c == b' ').unwrap_or(line.len());
            let rest = line.get(method_len + 1..).unwrap_or(&[]);
            let uri_len = rest.iter().position(|&c| c == b' ').unwrap_or(rest.len());
            cx.field(&METHOD, buf.span(off, method_len), Value::Str(method));
            cx.field(
                &R_URI,
                buf.span(off + method_len + 1, uri_len),
                Value::Str(uri),
            );
            cx.pop();
        }
        Start::Status { code, .. } => {
            cx.labeled(
                &STATUS_LINE,
                span,
                Value::Str(&text),
                format_args!("Status-Line: {text}"),
            );
            cx.push();
            cx.field(
                &STATUS_CODE,
                buf.span(off + 8, 3),
                Value::U64((*code).into()),
            );
            cx.pop();
        }
        Start::None => {}
    }
}

fn show_headers<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    b: &[u8],
    msg: &Message,
    head_end: usize,
) {
    let from = (msg.start_len + 2).min(head_end);
    let hdr = String::from_utf8_lossy(&b[from..head_end]);
    cx.labeled(
        &MSG_HDR,
        buf.span(off + from, head_end - from),
        Value::Str(&hdr),
        format_args!("Message Header"),
    );
    cx.push();
    for h in &msg.headers {
        let line = &b[h.at..h.at + h.len];
        let label = String::from_utf8_lossy(line);
        let value = String::from_utf8_lossy(&line[h.value_at..]);
        let span = buf.span(off + h.at, h.len);
        let def = HEADER_FIELDS
            .iter()
            .find(|(n, _)| *n == h.name)
            .map(|(_, d)| *d);
        match (h.name, def) {
            (_, Some(def)) => cx.labeled(def, span, Value::Str(&value), format_args!("{label}")),
            ("CSeq", _) => {
                cx.labeled(&CSEQ, span, Value::Str(&value), format_args!("{label}"));
                cx.push();
                let mut parts = value.split_whitespace();
                let seq = parts
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(0);
                let vspan = buf.span(off + h.at + h.value_at, h.len - h.value_at);
                cx.field(&CSEQ_SEQ, vspan, Value::U64(seq.into()));
                cx.field(&CSEQ_METHOD, vspan, Value::Str(parts.next().unwrap_or("")));
                cx.pop();
            }
            ("Max-Forwards" | "Expires" | "Content-Length", _) => {
                let def = match h.name {
                    "Max-Forwards" => &MAX_FORWARDS,
                    "Expires" => &EXPIRES,
                    _ => &CONTENT_LENGTH,
                };
                let n = value.trim().parse::<u32>().unwrap_or(0);
                cx.labeled(def, span, Value::U64(n.into()), format_args!("{label}"));
            }
            _ => cx.text(span, format_args!("{label}")),
        }
    }
    cx.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_lines_and_info() {
        assert!(looks_like_sip(b"INVITE sip:bob@h SIP/2.0\r\n"));
        assert!(looks_like_sip(b"SIP/2.0 200 OK\r\n"));
        assert!(!looks_like_sip(b"GET / HTTP/1.1\r\n"));
        let mut m = Message::default();
        m.read_line(0, b"SIP/2.0 200 OK");
        m.read_line(16, b"CSeq: 1 REGISTER");
        m.read_line(34, b"m: <sip:a@h>");
        assert_eq!(m.info(), "Status: 200 OK (REGISTER)  (1 binding)");
    }
}
