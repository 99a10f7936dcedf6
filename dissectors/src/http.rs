//! HTTP/1.x: where messages start and end in a TCP stream (heads stored,
//! bodies counted: Content-Length, chunked, until close), and the message
//! dissector with Wireshark's field names.

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::{Presence, Sink};
use crate::tape_codec::{Recorded, Sources, TapeReader, TapeWriter};

/// A message head longer than this is not HTTP (or not worth keeping).
pub const MAX_HEAD: usize = 64 << 10;

crate::fields! {
    PATH_SEGMENT = FieldDef::new("http.path_segment", "Path segment", T::String);
    PATH_SUB_SEGMENT = FieldDef::new("http.path_sub_segment", "Path sub segment", T::String);
    REQUEST = FieldDef::new("http.request", "Request", T::Boolean);
    RESPONSE = FieldDef::new("http.response", "Response", T::Boolean);
    NOTIFICATION = FieldDef::new("http.notification", "Notification", T::Boolean);
    REQUEST_METHOD = FieldDef::new("http.request.method", "Request Method", T::String);
    REQUEST_URI = FieldDef::new("http.request.uri", "Request URI", T::String);
    URI_PATH = FieldDef::new("http.request.uri.path", "Request URI Path", T::String);
    URI_QUERY = FieldDef::new("http.request.uri.query", "Request URI Query", T::String);
    URI_QUERY_PARAMETER = FieldDef::new("http.request.uri.query.parameter", "Request URI Query Parameter", T::String);
    REQUEST_VERSION = FieldDef::new("http.request.version", "Request Version", T::String);
    REQUEST_LINE = FieldDef::new("http.request.line", "Request line", T::String);
    RESPONSE_VERSION = FieldDef::new("http.response.version", "Response Version", T::String);
    RESPONSE_CODE = FieldDef::new("http.response.code", "Status Code", T::U16);
    RESPONSE_CODE_DESC = FieldDef::new("http.response.code.desc", "Status Code Description", T::String);
    RESPONSE_PHRASE = FieldDef::new("http.response.phrase", "Response Phrase", T::String);
    RESPONSE_LINE = FieldDef::new("http.response.line", "Response line", T::String);
    HOST = FieldDef::new("http.host", "Host", T::String);
    USER_AGENT = FieldDef::new("http.user_agent", "User-Agent", T::String);
    ACCEPT = FieldDef::new("http.accept", "Accept", T::String);
    ACCEPT_LANGUAGE = FieldDef::new("http.accept_language", "Accept-Language", T::String);
    ACCEPT_ENCODING = FieldDef::new("http.accept_encoding", "Accept-Encoding", T::String);
    REFERER = FieldDef::new("http.referer", "Referer", T::String);
    CONNECTION = FieldDef::new("http.connection", "Connection", T::String);
    COOKIE = FieldDef::new("http.cookie", "Cookie", T::String);
    COOKIE_PAIR = FieldDef::new("http.cookie_pair", "Cookie pair", T::String);
    SET_COOKIE = FieldDef::new("http.set_cookie", "Set-Cookie", T::String);
    AUTHORIZATION = FieldDef::new("http.authorization", "Authorization", T::String);
    CACHE_CONTROL = FieldDef::new("http.cache_control", "Cache-Control", T::String);
    CONTENT_TYPE = FieldDef::new("http.content_type", "Content-Type", T::String);
    CONTENT_LENGTH_HEADER = FieldDef::new("http.content_length_header", "Content-Length", T::String);
    CONTENT_LENGTH = FieldDef::new("http.content_length", "Content length", T::U64);
    CONTENT_ENCODING = FieldDef::new("http.content_encoding", "Content-Encoding", T::String);
    TRANSFER_ENCODING = FieldDef::new("http.transfer_encoding", "Transfer-Encoding", T::String);
    LOCATION = FieldDef::new("http.location", "Location", T::String);
    SERVER = FieldDef::new("http.server", "Server", T::String);
    DATE = FieldDef::new("http.date", "Date", T::String);
    LAST_MODIFIED = FieldDef::new("http.last_modified", "Last-Modified", T::String);
    UPGRADE = FieldDef::new("http.upgrade", "Upgrade", T::String);
    SEC_WEBSOCKET_ACCEPT = FieldDef::new("http.sec_websocket_accept", "Sec-WebSocket-Accept", T::String);
    SEC_WEBSOCKET_EXTENSIONS = FieldDef::new("http.sec_websocket_extensions", "Sec-WebSocket-Extensions", T::String);
    SEC_WEBSOCKET_KEY = FieldDef::new("http.sec_websocket_key", "Sec-WebSocket-Key", T::String);
    SEC_WEBSOCKET_PROTOCOL = FieldDef::new("http.sec_websocket_protocol", "Sec-WebSocket-Protocol", T::String);
    SEC_WEBSOCKET_VERSION = FieldDef::new("http.sec_websocket_version", "Sec-WebSocket-Version", T::String);
    X_FORWARDED_FOR = FieldDef::new("http.x_forwarded_for", "X-Forwarded-For", T::String);
    FULL_URI = FieldDef::new("http.request.full_uri", "Full request URI", T::String);
    REQUEST_IN = FieldDef::new("http.request_in", "Request in frame", T::FrameNum);
    TIME = FieldDef::new("http.time", "Time since request", T::RelTime);
    RESPONSE_FOR_URI = FieldDef::new("http.response_for.uri", "Request URI", T::String);
    REQUEST_NUMBER = FieldDef::new("http.request_number", "Request number", T::U32);
    RESPONSE_NUMBER = FieldDef::new("http.response_number", "Response number", T::U32);
    PREV_REQUEST_IN = FieldDef::new("http.prev_request_in", "Prev request in frame", T::FrameNum);
    PREV_RESPONSE_IN = FieldDef::new("http.prev_response_in", "Prev response in frame", T::FrameNum);
    BODY_LEN = FieldDef::new("http.body_length", "Body length", T::U64).internal();
    FILE_DATA = FieldDef::new("http.file_data", "File Data", T::String);
    CHUNK_SIZE = FieldDef::new("http.chunk_size", "Chunk size", T::U32);
    CHUNK_DATA = FieldDef::new("http.chunk_data", "Chunk data", T::Bytes);
    CHUNK_BOUNDARY = FieldDef::new("http.chunk_boundary", "Chunk boundary", T::Bytes);
    CHUNKED_TRAILER = FieldDef::new("http.chunked_trailer_part", "trailer-part", T::String);
}

pub static CHAT: ExpertDef = ExpertDef::new("http.chat", Severity::Chat, Group::Sequence, "");

/// Methods Wireshark recognises at the start of a request.
const METHODS: &[&str] = &[
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "REPORT",
    "MKACTIVITY",
    "CHECKOUT",
    "MERGE",
    "NOTIFY",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "M-SEARCH",
];

/// Whether `b` starts like an HTTP message: `Some(true)` a request,
/// `Some(false)` a response; `None` when more bytes are needed to tell or it
/// is not HTTP (see [`is_not_http`]).
pub fn message_kind(b: &[u8]) -> Option<bool> {
    if b.starts_with(b"HTTP/1.") && b.len() >= 9 {
        return Some(false);
    }
    for m in METHODS {
        let m = m.as_bytes();
        if b.len() > m.len() && b.starts_with(m) && b[m.len()] == b' ' {
            return Some(true);
        }
    }
    None
}

/// A GENA/SSDP `NOTIFY`: framed like a request, but Wireshark calls it a
/// notification (`http.notification`, not `http.request`) and pairs it with
/// no response.
pub fn is_notification(head: &[u8]) -> bool {
    head.starts_with(b"NOTIFY ")
}

/// `b` cannot be the start of an HTTP message, however many bytes follow.
pub fn is_not_http(b: &[u8]) -> bool {
    if message_kind(b).is_some() {
        return false;
    }
    let prefix_of = |s: &[u8]| {
        let n = b.len().min(s.len());
        b[..n] == s[..n]
    };
    if prefix_of(b"HTTP/1.") {
        return false;
    }
    !METHODS.iter().any(|m| {
        let mut s = m.as_bytes().to_vec();
        s.push(b' ');
        prefix_of(&s)
    })
}

/// Length of the head (through the empty line), once it is all there.
pub fn head_len(b: &[u8]) -> Option<usize> {
    head_len_from(b, 0).ok()
}

/// [`head_len`] for bytes whose first `from` were searched before (a head
/// that grows): `Err` says where to search from next time.
pub fn head_len_from(b: &[u8], from: usize) -> Result<usize, usize> {
    // The end may straddle what was searched: look back two bytes.
    let mut i = from.saturating_sub(2).min(b.len());
    while let Some(p) = memchr::memchr(b'\n', &b[i..]) {
        let nl = i + p;
        // An empty line: "\n\n" or "\n\r\n".
        match b.get(nl + 1) {
            Some(b'\n') => return Ok(nl + 2),
            Some(b'\r') if b.get(nl + 2) == Some(&b'\n') => return Ok(nl + 3),
            Some(_) => {}
            None => return Err(nl),
        }
        i = nl + 1;
    }
    Err(b.len())
}

/// One header line: name, value (trimmed), and where the line is.
#[derive(Debug, Clone, Copy)]
pub struct HeaderLine<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
    pub start: usize,
    /// With its line end.
    pub len: usize,
}

/// The lines of a head: the first line and the header lines, each with its
/// position (line ends included); the empty line ends it.
pub fn lines(head: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= head.len() {
            return None;
        }
        let end = head[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(head.len(), |p| pos + p + 1);
        let line = &head[pos..end];
        let start = pos;
        pos = end;
        Some((start, line))
    })
}

fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

pub fn headers(head: &[u8]) -> impl Iterator<Item = HeaderLine<'_>> {
    lines(head).skip(1).filter_map(|(start, line)| {
        let text = trim_eol(line);
        if text.is_empty() {
            return None;
        }
        let colon = text.iter().position(|&c| c == b':')?;
        Some(HeaderLine {
            name: trim(&text[..colon]),
            value: trim(&text[colon + 1..]),
            start,
            len: line.len(),
        })
    })
}

pub fn header<'a>(head: &'a [u8], name: &str) -> Option<&'a [u8]> {
    headers(head)
        .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
        .map(|h| h.value)
}

/// A request's URI as tshark's full URI has it after the scheme: the
/// Host header's value, then the request target (none without a Host).
pub fn uri_after_scheme(head: &[u8]) -> Option<String> {
    let host = header(head, "host")?;
    let (_, target, _) = first_line(head);
    Some(format!("{}{}", text(host), text(target)))
}

/// The scheme tshark puts in full URIs: https when TLS carries the
/// message.
fn scheme<S: Sink>(cx: &Cx<'_, S>) -> &'static str {
    if cx
        .pi
        .protocols
        .iter()
        .any(|p| std::ptr::eq(*p, &proto::TLS))
    {
        "https"
    } else {
        "http"
    }
}

/// The first line split in three (method, URI, version or version, code,
/// phrase).
pub fn first_line(head: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let line = trim_eol(lines(head).next().map_or(&[][..], |(_, l)| l));
    let mut parts = line.splitn(3, |&c| c == b' ');
    let a = parts.next().unwrap_or(&[]);
    let b = parts.next().unwrap_or(&[]);
    let c = parts.next().unwrap_or(&[]);
    (a, b, c)
}

pub fn status(head: &[u8]) -> Option<u16> {
    let (_, code, _) = first_line(head);
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// How a message's body ends (the PDU engine counts it).
pub use crate::pdu_framing::BodyKind;

/// The body of the message with this head (`request_method`: the method of
/// the request a response answers, for HEAD).
pub fn body_kind(head: &[u8], is_request: bool, request_method: Option<&[u8]>) -> BodyKind {
    if !is_request {
        let code = status(head).unwrap_or(200);
        if (100..200).contains(&code)
            || code == 204
            || code == 304
            || request_method == Some(b"HEAD")
        {
            return BodyKind::None;
        }
    }
    if let Some(te) = header(head, "Transfer-Encoding")
        && String::from_utf8_lossy(te)
            .to_ascii_lowercase()
            .contains("chunked")
    {
        return BodyKind::Chunked;
    }
    if let Some(cl) = header(head, "Content-Length") {
        return match std::str::from_utf8(cl)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            Some(0) => BodyKind::None,
            Some(n) => BodyKind::Length(n),
            None => BodyKind::None,
        };
    }
    if is_request {
        BodyKind::None
    } else {
        BodyKind::UntilClose
    }
}

/// The protocol a `101 Switching Protocols` head switches to.
pub fn upgrade_to_h2c(head: &[u8]) -> bool {
    status(head) == Some(101)
        && header(head, "Upgrade").is_some_and(|v| v.eq_ignore_ascii_case(b"h2c"))
}

/// A `101 Switching Protocols` head switching to WebSocket.
pub fn upgrade_to_websocket(head: &[u8]) -> bool {
    status(head) == Some(101)
        && header(head, "Upgrade")
            .is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"websocket"))
}

/// Counting a body as it streams by, without keeping it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyState {
    Length {
        left: u64,
    },
    /// Chunked: reading a size line (kept, bounded), chunk data, the CRLF
    /// after it, or the trailer lines.
    ChunkSize {
        line: Vec<u8>,
    },
    ChunkData {
        left: u64,
    },
    ChunkEnd {
        seen: u8,
    },
    Trailer {
        line: Vec<u8>,
        empty_lines: u8,
    },
    UntilClose,
    Done,
}

/// Chunk-size and trailer lines longer than this end the body (damaged).
const MAX_CHUNK_LINE: usize = 4096;

impl BodyState {
    pub fn new(kind: BodyKind) -> Self {
        match kind {
            BodyKind::None => BodyState::Done,
            BodyKind::Length(n) => BodyState::Length { left: n },
            BodyKind::Chunked => BodyState::ChunkSize { line: Vec::new() },
            BodyKind::UntilClose => BodyState::UntilClose,
        }
    }

    pub fn done(&self) -> bool {
        *self == BodyState::Done
    }

    /// Consumes body bytes from the start of `b`; returns how many were
    /// part of the body (the rest belongs to what follows it).
    pub fn consume(&mut self, b: &[u8]) -> usize {
        self.consume_with(b, &mut |_| {})
    }

    /// [`BodyState::consume`], handing the entity's bytes (the body without
    /// its chunk framing) to `data` as they pass.
    pub fn consume_with(&mut self, b: &[u8], data: &mut dyn FnMut(&[u8])) -> usize {
        let mut i = 0;
        while i < b.len() {
            match self {
                BodyState::Done => break,
                BodyState::UntilClose => {
                    data(&b[i..]);
                    return b.len();
                }
                BodyState::Length { left } => {
                    let n = (*left).min((b.len() - i) as u64) as usize;
                    data(&b[i..i + n]);
                    *left -= n as u64;
                    i += n;
                    if *left == 0 {
                        *self = BodyState::Done;
                    }
                }
                BodyState::ChunkSize { line } => {
                    let c = b[i];
                    i += 1;
                    if c != b'\n' {
                        if line.len() >= MAX_CHUNK_LINE {
                            *self = BodyState::Done;
                        } else {
                            line.push(c);
                        }
                        continue;
                    }
                    let text = String::from_utf8_lossy(line);
                    let hex = text.split(';').next().unwrap_or("").trim();
                    *self = match u64::from_str_radix(hex, 16) {
                        Ok(0) => BodyState::Trailer {
                            line: Vec::new(),
                            empty_lines: 0,
                        },
                        Ok(n) => BodyState::ChunkData { left: n },
                        Err(_) => BodyState::Done,
                    };
                }
                BodyState::ChunkData { left } => {
                    let n = (*left).min((b.len() - i) as u64) as usize;
                    data(&b[i..i + n]);
                    *left -= n as u64;
                    i += n;
                    if *left == 0 {
                        *self = BodyState::ChunkEnd { seen: 0 };
                    }
                }
                BodyState::ChunkEnd { seen } => {
                    let c = b[i];
                    i += 1;
                    if c == b'\n' {
                        *self = BodyState::ChunkSize { line: Vec::new() };
                    } else {
                        *seen += 1;
                        if *seen > 2 {
                            *self = BodyState::ChunkSize { line: vec![c] };
                        }
                    }
                }
                BodyState::Trailer { line, .. } => {
                    let c = b[i];
                    i += 1;
                    if c == b'\n' {
                        if trim_eol(line).is_empty() {
                            *self = BodyState::Done;
                        } else {
                            line.clear();
                        }
                    } else if line.len() >= MAX_CHUNK_LINE {
                        *self = BodyState::Done;
                    } else {
                        line.push(c);
                    }
                }
            }
        }
        i
    }
}

/// What the connection knows about a message (from its analysis).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpNote {
    /// For a response: the frame of the request it answers and the time
    /// since.
    pub request_in: Option<u32>,
    pub time_ns: Option<i64>,
    /// The message's exchange among the connection's (from 1; 0 for a
    /// notification). A response answers the latest request, so it is
    /// also how many exchanges there were then (tshark's "N/M").
    pub number: u32,
    /// The request and response frames of the exchange before.
    pub prev_request: Option<u32>,
    pub prev_response: Option<u32>,
    /// For a response: the URI of the request it answers after its scheme
    /// (the Host header's value and the target), when it had a Host.
    pub uri: Option<String>,
}

/// What HTTP keeps of a message's note on the tape.
impl Recorded for HttpNote {
    fn record(&self, w: &mut TapeWriter<'_>) {
        w.opt_u64(self.request_in.map(u64::from));
        w.opt_i64(self.time_ns);
        w.u64(self.number.into());
        w.opt_u64(self.prev_request.map(u64::from));
        w.opt_u64(self.prev_response.map(u64::from));
        w.bytes(self.uri.as_deref().map_or(&[][..], |u| u.as_bytes()));
        w.u8(self.uri.is_some().into());
    }

    fn replay(r: &mut TapeReader<'_>, _src: &mut Sources<'_>) -> Self {
        HttpNote {
            request_in: r.opt_u32(),
            time_ns: r.opt_i64(),
            number: r.u32(),
            prev_request: r.opt_u32(),
            prev_response: r.opt_u32(),
            uri: {
                let uri = String::from_utf8_lossy(r.bytes()).into_owned();
                (r.u8() == 1).then_some(uri)
            },
        }
    }
}

/// Bytes of an HTTP connection that are no message (the rest of a body
/// not followed): tshark's HTTP item holds them as data, and as file data
/// when they start with a printable character (tshark 4.0 reads those as
/// a line of text first; the fixtures show the rule, e.g. ndpi_1kxun's
/// frames 1253 and 1254).
pub fn continuation<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize) {
    let bytes = buf.rest(at);
    let span = buf.span(at, bytes.len());
    cx.layer(
        &proto::HTTP,
        span,
        format_args!("{}", proto::HTTP.field.title),
    );
    if bytes.first().is_some_and(|c| (0x20..0x7f).contains(c)) {
        cx.labeled(
            &FILE_DATA,
            span,
            Value::Str(&crate::bytes::ascii_string(bytes)),
            format_args!("File Data: {} bytes", bytes.len()),
        );
    }
    crate::data::dissect(cx, buf, at);
    cx.end_layer();
}

/// A Cookie header's `;`-separated pairs under its item (at `at` in
/// `buf`), as tshark's `http.cookie_pair`.
fn cookie_pairs<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, value: &[u8]) {
    cx.push();
    let mut start = 0;
    for part in value.split(|&c| c == b';') {
        let lead = part.iter().take_while(|c| c.is_ascii_whitespace()).count();
        let pair = &part[lead..];
        if !pair.is_empty() {
            let span = buf.span(at + start + lead, pair.len());
            cx.field(&COOKIE_PAIR, span, Value::Str(&text(pair)));
        }
        start += part.len() + 1;
    }
    cx.pop();
}

/// A URI with a query, under its item: the path, the query and each of
/// its `&`-separated parameters (at `at` in `buf`).
fn uri_parts<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, uri: &[u8]) {
    let Some(q) = uri.iter().position(|&c| c == b'?') else {
        return;
    };
    let query = &uri[q + 1..];
    cx.push();
    cx.field(&URI_PATH, buf.span(at, q), Value::Str(&text(&uri[..q])));
    cx.field(
        &URI_QUERY,
        buf.span(at + q + 1, query.len()),
        Value::Str(&text(query)),
    );
    cx.push();
    let mut start = 0;
    for p in query.split(|&c| c == b'&') {
        let span = buf.span(at + q + 1 + start, p.len());
        cx.field(&URI_QUERY_PARAMETER, span, Value::Str(&text(p)));
        start += p.len() + 1;
    }
    cx.pop();
    cx.pop();
}

/// Where the message stands among its connection's exchanges, and the
/// request a response answers, as tshark's generated items.
fn exchange<S: Sink>(cx: &mut Cx<'_, S>, z: crate::sink::Span, is_request: bool, note: &HttpNote) {
    let (number, word) = match is_request {
        true => (&REQUEST_NUMBER, "request"),
        false => (&RESPONSE_NUMBER, "response"),
    };
    if note.number > 0 {
        let n = note.number;
        cx.generated_labeled(
            number,
            z,
            Value::U64(n.into()),
            format_args!("HTTP {word} {n}/{n}"),
        );
    }
    if let (false, Some(t)) = (is_request, note.time_ns) {
        cx.generated(&TIME, z, Value::RelTime(t));
    }
    if let Some(f) = note.prev_request {
        cx.generated(&PREV_REQUEST_IN, z, Value::U64(f.into()));
    }
    if let (false, Some(f)) = (is_request, note.prev_response) {
        cx.generated(&PREV_RESPONSE_IN, z, Value::U64(f.into()));
    }
    if let Some(req) = note.request_in {
        cx.generated(&REQUEST_IN, z, Value::U64(req.into()));
    }
    if let (false, Some(uri)) = (is_request, &note.uri) {
        let full = format!("{}://{uri}", scheme(cx));
        cx.generated(&RESPONSE_FOR_URI, z, Value::Str(&full));
    }
}

/// Header fields with a name of their own in Wireshark.
fn header_field(name: &[u8]) -> Option<&'static FieldDef> {
    let n = String::from_utf8_lossy(name).to_ascii_lowercase();
    Some(match n.as_str() {
        "host" => &HOST,
        "user-agent" => &USER_AGENT,
        "accept" => &ACCEPT,
        "accept-language" => &ACCEPT_LANGUAGE,
        "accept-encoding" => &ACCEPT_ENCODING,
        "referer" => &REFERER,
        "connection" => &CONNECTION,
        "cookie" => &COOKIE,
        "set-cookie" => &SET_COOKIE,
        "authorization" => &AUTHORIZATION,
        "cache-control" => &CACHE_CONTROL,
        "content-type" => &CONTENT_TYPE,
        "content-length" => &CONTENT_LENGTH_HEADER,
        "content-encoding" => &CONTENT_ENCODING,
        "sec-websocket-accept" => &SEC_WEBSOCKET_ACCEPT,
        "sec-websocket-extensions" => &SEC_WEBSOCKET_EXTENSIONS,
        "sec-websocket-key" => &SEC_WEBSOCKET_KEY,
        "sec-websocket-protocol" => &SEC_WEBSOCKET_PROTOCOL,
        "sec-websocket-version" => &SEC_WEBSOCKET_VERSION,
        "transfer-encoding" => &TRANSFER_ENCODING,
        "location" => &LOCATION,
        "server" => &SERVER,
        "date" => &DATE,
        "last-modified" => &LAST_MODIFIED,
        "upgrade" => &UPGRADE,
        "x-forwarded-for" => &X_FORWARDED_FOR,
        _ => return None,
    })
}

/// Text of a header line as Wireshark labels it (line end escaped).
fn escaped(line: &[u8]) -> String {
    let mut s = String::with_capacity(line.len() + 4);
    for &c in line {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            c if c.is_ascii() && !c.is_ascii_control() => s.push(c as char),
            c => s.push(char::from(c)),
        }
    }
    s
}

fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Status code descriptions (RFC 9110 names, as Wireshark shows them).
/// Wireshark's split of a path (`http_add_path_components_to_tree`):
/// the part before its first general delimiter (`/` excluded), then
/// the pieces between sub-delimiters (`=` excluded) after it. Kept as
/// Wireshark's loop is, which measures every later segment by the first.
pub fn path_components<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, path: &str) {
    const GEN: &[u8] = b":?#[]@";
    const SUB: &[u8] = b"!$&'()*+,;";
    let p = path.as_bytes();
    let find = |set: &[u8], from: usize, to: usize| {
        p.get(from..to.min(p.len()))
            .and_then(|w| w.iter().position(|b| set.contains(b)))
            .map(|i| from + i)
    };
    let Some(first) = find(GEN, 0, p.len()) else {
        return;
    };
    let text = |a: usize, b: usize| {
        String::from_utf8_lossy(p.get(a..b.min(p.len())).unwrap_or(&[])).into_owned()
    };
    let comp_len = first;
    let mut off = 0;
    while off < p.len() {
        let sub_end =
            find(GEN, first + 1, first + 1 + p.len() - comp_len).map_or(p.len(), |n| n - 1);
        cx.field(&PATH_SEGMENT, span, Value::Str(&text(off, off + comp_len)));
        off += comp_len + 1;
        while off < sub_end {
            let next = find(SUB, off, sub_end).unwrap_or(sub_end);
            cx.field(&PATH_SUB_SEGMENT, span, Value::Str(&text(off, next)));
            off = if next == sub_end { sub_end } else { next + 1 };
        }
    }
}

pub fn status_text(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

/// SSDP: HTTP messages over UDP (port 1900), otherwise data.
pub fn dissect_ssdp<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let payload = buf.rest(off);
    if message_kind(payload).is_some() {
        let note = HttpNote::default();
        dissect_message(cx, &proto::SSDP, buf, off, payload.len(), 0, &note, true);
    } else {
        crate::data::dissect(cx, buf, off);
    }
    payload.len().max(1)
}

/// Dissects one message at `buf[off..off + len]`: its head, and its body of
/// `body_len` bytes when kept there (a large body is counted, not kept).
/// `first`: the first message of this dissector call (the protocol is
/// listed once per call in `frame.protocols`). `protocol`: HTTP, or SSDP (the
/// same messages over UDP).
#[allow(clippy::too_many_arguments)]
pub fn dissect_message<S: Sink>(
    cx: &mut Cx<'_, S>,
    protocol: &'static proto::ProtoDef,
    buf: Buf<'_>,
    off: usize,
    len: usize,
    body_len: u64,
    note: &HttpNote,
    first: bool,
) {
    let kept = buf.get(off, len);
    let head_len = head_len(kept).unwrap_or(kept.len());
    let head = &kept[..head_len];
    let is_request = message_kind(head) == Some(true);
    let span = buf.span(off, head.len());
    let title = protocol.field.title;
    if first {
        cx.layer(protocol, span, format_args!("{title}"));
    } else {
        cx.layer_again(protocol, span, format_args!("{title}"));
    }
    first_line_tree(cx, buf, off, head, is_request);
    let host = header_lines(cx, buf, off, head, is_request);
    if let Some(end) = lines(head).last() {
        cx.text(
            buf.span(off + end.0, end.1.len()),
            format_args!("{}", escaped(end.1)),
        );
    }
    if is_request && let Some(host) = &host {
        let (_, uri, _) = first_line(head);
        let full = format!("{}://{host}{}", scheme(cx), text(uri));
        cx.generated(&FULL_URI, buf.span(off, 0), Value::Str(&full));
    }
    let kind = if is_notification(head) {
        &NOTIFICATION
    } else if is_request {
        &REQUEST
    } else {
        &RESPONSE
    };
    cx.hidden(kind, buf.span(off, 0), Value::Bool(true));
    exchange(cx, buf.span(off, 0), is_request, note);
    // The body is here when it was small enough to keep.
    let body = kept
        .get(head_len..head_len + body_len as usize)
        .filter(|_| body_len > 0);
    let message = Message {
        buf,
        head,
        body_at: off + head.len(),
        body_len,
        body,
        entity: body.map(|b| entity_body(head, b)),
    };
    message.body_and_above(cx);
}

/// The first line, its expert note and its parts; the Info column.
fn first_line_tree<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    head: &[u8],
    is_request: bool,
) {
    let (a, b, c) = first_line(head);
    let line = lines(head).next().map_or(&[][..], |(_, l)| l);
    let first_len = line.len();
    let line_span = buf.span(off, first_len);
    let first_text = escaped(line);
    if cx.columns() {
        // Each message replaces the Info of the one before.
        cx.set_info(format_args!("{} ", text(trim_eol(line))));
        cx.app_info_started = true;
    }
    cx.text(line_span, format_args!("{first_text}"));
    cx.push();
    cx.expert(&CHAT, line_span, format_args!("{first_text}"));
    // A line with fewer than three parts gives empty parts at its end, not
    // past it.
    let part_at = |start: usize| off + start.min(first_len);
    let a_span = buf.span(off, a.len());
    let b_span = buf.span(part_at(a.len() + 1), b.len());
    let c_span = buf.span(part_at(a.len() + b.len() + 2), c.len());
    if is_request {
        cx.field(&REQUEST_METHOD, a_span, Value::Str(&text(a)));
        cx.field(&REQUEST_URI, b_span, Value::Str(&text(b)));
        uri_parts(cx, buf, part_at(a.len() + 1), b);
        cx.field(&REQUEST_VERSION, c_span, Value::Str(&text(c)));
    } else {
        cx.field(&RESPONSE_VERSION, a_span, Value::Str(&text(a)));
        let code = status(head).unwrap_or(0);
        cx.field(&RESPONSE_CODE, b_span, Value::U64(code.into()));
        cx.generated(&RESPONSE_CODE_DESC, b_span, Value::Str(status_text(code)));
        cx.field(&RESPONSE_PHRASE, c_span, Value::Str(&text(c)));
    }
    cx.pop();
}

/// The header lines, each as its field where it has one; returns the
/// Host header's value.
fn header_lines<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    head: &[u8],
    is_request: bool,
) -> Option<String> {
    let mut host = None;
    for h in headers(head) {
        let line = &head[h.start..h.start + h.len];
        let span = buf.span(off + h.start, h.len);
        let label = escaped(line);
        // tshark's value keeps the spaces before the line end.
        let value_at = (h.value.as_ptr() as usize).checked_sub(line.as_ptr() as usize);
        let shown = value_at.and_then(|at| trim_eol(line).get(at..));
        let value = text(shown.unwrap_or(h.value));
        let named = header_field(h.name);
        if let Some(def) = named {
            cx.sink.field_with_label(
                def,
                span,
                Value::Str(&value),
                Presence::Normal,
                format_args!("{label}"),
            );
            if std::ptr::eq(def, &CONTENT_LENGTH_HEADER)
                && let Ok(n) = value.trim().parse::<u64>()
            {
                cx.push();
                cx.generated(&CONTENT_LENGTH, span, Value::U64(n));
                cx.pop();
            }
            if std::ptr::eq(def, &HOST) {
                host = Some(text(h.value).to_string());
            }
            if std::ptr::eq(def, &COOKIE) {
                let at = off + (h.value.as_ptr() as usize - head.as_ptr() as usize);
                cookie_pairs(cx, buf, at, h.value);
            }
        }
        // A header without a field of its own is its line, shown (as tshark
        // 4.0 does); a named one's line is hidden beside it.
        let line_def = if is_request {
            &REQUEST_LINE
        } else {
            &RESPONSE_LINE
        };
        let line_value = Value::Str(&text(line));
        match named {
            Some(_) => cx.sink.field(line_def, span, line_value, Presence::Hidden),
            None => cx.sink.field_with_label(
                line_def,
                span,
                line_value,
                Presence::Normal,
                format_args!("{label}"),
            ),
        }
    }
    host
}

/// A message's body, as far as the HTTP item shows it and hands it on.
struct Message<'a> {
    buf: Buf<'a>,
    head: &'a [u8],
    body_at: usize,
    body_len: u64,
    /// The body, when it was small enough to keep.
    body: Option<&'a [u8]>,
    entity: Option<EntityBody>,
}

impl Message<'_> {
    /// The body's items, the HTTP item closed, and the body handed on: to
    /// data (under the HTTP item without a media type, after it for an
    /// opaque one, as Wireshark does) or by its media type.
    fn body_and_above<S: Sink>(&self, cx: &mut Cx<'_, S>) {
        if self.body_len > 0 {
            self.body_items(cx);
        }
        let content_type = header(self.head, "Content-Type");
        let opaque = content_type.is_none_or(|t| {
            String::from_utf8_lossy(t)
                .to_ascii_lowercase()
                .starts_with("application/octet-stream")
        });
        if self.body_len > 0 && content_type.is_none() {
            self.data(cx);
        }
        cx.end_layer();
        if self.body_len > 0 && opaque && content_type.is_some() {
            self.data(cx);
        }
        if let (false, Some(body), Some(entity)) = (opaque, self.body, &self.entity) {
            media(cx, self.buf, self.head, self.body_at, body, entity);
        }
    }

    /// The body's length, chunks and coding, and `http.file_data` (the
    /// body as tshark has it: de-chunked, decoded).
    fn body_items<S: Sink>(&self, cx: &mut Cx<'_, S>) {
        let (buf, body_at, body_len) = (self.buf, self.body_at, self.body_len);
        // wirelens' own (tshark has no such field): hidden, as it shows none.
        cx.hidden(&BODY_LEN, buf.span(body_at, 0), Value::U64(body_len));
        let span = match self.body {
            Some(_) => buf.span(body_at, body_len as usize),
            None => buf.span(body_at, 0),
        };
        if let (Some(b), Some(e)) = (self.body, &self.entity) {
            if e.chunked {
                chunked_tree(cx, buf, body_at, b);
            }
            if let Some(coding) = &e.coding {
                let coding = String::from_utf8_lossy(coding);
                let from = e.dechunked_len;
                match &e.decoded {
                    Some(d) => cx.text(
                        span,
                        format_args!(
                            "Content-encoded entity body ({coding}): {from} bytes -> {} bytes",
                            d.len()
                        ),
                    ),
                    None => cx.text(
                        span,
                        format_args!("Content-encoded entity body ({coding}): {from} bytes"),
                    ),
                }
            }
        }
        let plain = self
            .entity
            .as_ref()
            .and_then(|e| e.plain(self.body.unwrap_or(&[])));
        match plain {
            Some(plain) => {
                let value = crate::bytes::ascii_string(plain);
                cx.labeled(
                    &FILE_DATA,
                    span,
                    Value::Str(&value),
                    format_args!("File Data: {} bytes", plain.len()),
                );
            }
            None => cx.text(span, format_args!("File Data: {body_len} bytes")),
        }
    }

    /// The body to the data dissector: a chunked or encoded body as the
    /// entity it carries, a kept one in place, one not kept as counted.
    fn data<S: Sink>(&self, cx: &mut Cx<'_, S>) {
        let entity = self.entity.as_ref();
        let entity_only = entity
            .filter(|e| e.chunked || e.coding.is_some())
            .and_then(|e| e.plain(&[]));
        let end = self.body_at + self.body_len as usize;
        if let Some(plain) = entity_only {
            let name = if entity.is_some_and(|e| e.coding.is_some()) {
                "Uncompressed entity body"
            } else {
                "De-chunked entity body"
            };
            let source = cx.sink.source(name, plain).max(1);
            crate::data::dissect(cx, Buf::source(plain, source), 0);
        } else if self.body.is_some() {
            let b = Buf {
                bytes: self.buf.get(0, end),
                source: self.buf.source,
                reported: end,
            };
            crate::data::dissect(cx, b, self.body_at);
        } else {
            crate::data::counted(cx, self.buf.span(self.body_at, 0), self.body_len);
        }
    }
}

/// A body of a media type some protocol takes (JSON, XML), handed on by
/// its media type, as Wireshark's HTTP does. A chunked body goes on
/// de-chunked, as its own data source; a content-encoded one (gzip...) is
/// not decoded here, so it is not handed on.
fn media<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    head: &[u8],
    body_at: usize,
    body: &[u8],
    entity: &EntityBody,
) {
    let Some(content_type) = header(head, "Content-Type") else {
        return;
    };
    let content_type = String::from_utf8_lossy(content_type);
    let media = crate::table::media_type(&content_type);
    let parameters = crate::table::media_parameters(&content_type);
    if !entity.chunked && entity.coding.is_none() {
        let b = Buf {
            bytes: buf.get(0, body_at + body.len()),
            source: buf.source,
            reported: body_at + body.len(),
        };
        cx.dissect_media_with(&media, parameters, true, b, body_at);
        return;
    }
    // The entity was taken out of its chunks and coding once (see
    // [`entity_body`]); each step shows as a data source.
    if let (Some(dechunked), Some(_)) = (&entity.dechunked, &entity.coding) {
        cx.sink.source("De-chunked entity body", dechunked);
    }
    let Some(plain) = entity.plain(body) else {
        return;
    };
    let name = if entity.coding.is_some() {
        "Uncompressed entity body"
    } else {
        "De-chunked entity body"
    };
    let source = cx.sink.source(name, plain).max(1);
    if plain.is_empty() {
        return;
    }
    cx.dissect_media_with(&media, parameters, true, Buf::source(plain, source), 0);
}

/// A message body as HTTP delivers it: its chunks joined, its content
/// coding undone.
struct EntityBody {
    chunked: bool,
    /// The content coding, unless none or identity.
    coding: Option<Vec<u8>>,
    /// The body de-chunked, when it was chunked.
    dechunked: Option<Vec<u8>>,
    dechunked_len: usize,
    /// The body decoded, when it had a coding we decode and it decoded.
    decoded: Option<Vec<u8>>,
}

impl EntityBody {
    /// The entity: decoded, else de-chunked, else the body itself; none
    /// when its coding could not be undone.
    fn plain<'a>(&'a self, body: &'a [u8]) -> Option<&'a [u8]> {
        match (&self.coding, &self.decoded, &self.dechunked) {
            (Some(_), Some(d), _) => Some(d),
            (Some(_), None, _) => None,
            (None, _, Some(d)) => Some(d),
            (None, _, None) => Some(body),
        }
    }
}

fn entity_body(head: &[u8], body: &[u8]) -> EntityBody {
    let chunked = body_kind(head, message_kind(head) == Some(true), None) == BodyKind::Chunked;
    let coding = header(head, "Content-Encoding").map(|e| trim(e).to_ascii_lowercase());
    let coding = coding.filter(|c| !c.is_empty() && c != b"identity");
    let dechunked = chunked.then(|| dechunk(body));
    let inner = dechunked.as_deref().unwrap_or(body);
    EntityBody {
        chunked,
        decoded: coding.as_deref().and_then(|c| decode(c, inner)),
        dechunked_len: inner.len(),
        coding,
        dechunked,
    }
}

/// A chunked body's framing as tshark shows it: each chunk with its size,
/// data and boundary, then the last chunk, the trailer and the final line
/// end.
/// tshark 4.0 words a chunked request's body "HTTP chunked response" too.
fn chunked_tree<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, body: &[u8]) {
    cx.text(
        buf.span(at, body.len()),
        format_args!("HTTP chunked response"),
    );
    cx.push();
    let mut o = 0;
    while let Some(eol) = body[o..].iter().position(|&c| c == b'\n') {
        let line = &body[o..o + eol];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let size_text = String::from_utf8_lossy(line);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            break;
        };
        let data_at = o + eol + 1;
        let size_span = buf.span(at + o, eol + 1);
        let size_label = format_args!(
            "Chunk size: {size} octet{}",
            crate::field::plural(size as u64)
        );
        if size == 0 {
            cx.text(
                buf.span(at + o, body.len() - o),
                format_args!("End of chunked encoding"),
            );
            cx.push();
            cx.labeled(&CHUNK_SIZE, size_span, Value::U64(0), size_label);
            cx.pop();
            chunked_end(cx, buf, at + data_at, &body[data_at..]);
            break;
        }
        let data = body
            .get(data_at..data_at + size)
            .unwrap_or(&body[data_at..]);
        let boundary = body.get(data_at + data.len()..(data_at + size + 2).min(body.len()));
        let boundary = boundary.unwrap_or(&[]);
        let whole = eol + 1 + data.len() + boundary.len();
        cx.text(
            buf.span(at + o, whole),
            format_args!("Data chunk ({size} octets)"),
        );
        cx.push();
        cx.labeled(&CHUNK_SIZE, size_span, Value::U64(size as u64), size_label);
        cx.field(
            &CHUNK_DATA,
            buf.span(at + data_at, data.len()),
            Value::Bytes(data),
        );
        if !boundary.is_empty() {
            let b_at = at + data_at + data.len();
            cx.field(
                &CHUNK_BOUNDARY,
                buf.span(b_at, boundary.len()),
                Value::Bytes(boundary),
            );
        }
        cx.pop();
        if data.len() < size {
            break;
        }
        o += whole;
    }
    cx.pop();
}

/// What follows the last chunk: a trailer, if any, then the line end that
/// closes the body.
fn chunked_end<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, rest: &[u8]) {
    let eol = if rest.ends_with(b"\r\n") {
        2
    } else if rest.ends_with(b"\n") {
        1
    } else {
        0
    };
    let trailer = &rest[..rest.len() - eol];
    if !trailer.is_empty() {
        cx.field(
            &CHUNKED_TRAILER,
            buf.span(at, trailer.len()),
            Value::Str(&escaped(trailer)),
        );
    }
    if eol > 0 {
        let end = &rest[trailer.len()..];
        cx.text(
            buf.span(at + trailer.len(), eol),
            format_args!("{}", escaped(end)),
        );
    }
}

/// The most a compressed body is inflated to (a small body may claim a
/// huge one).
const MAX_DECODED_BODY: u64 = 8 << 20;

/// A body in a content coding Wireshark decodes (gzip, deflate), decoded;
/// `None` for another coding or a damaged stream.
fn decode(coding: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    let read = match coding {
        b"gzip" | b"x-gzip" => flate2::read::MultiGzDecoder::new(body)
            .take(MAX_DECODED_BODY)
            .read_to_end(&mut out),
        // "deflate" is zlib-wrapped (RFC 9110); some servers send it raw.
        b"deflate" => match flate2::read::ZlibDecoder::new(body)
            .take(MAX_DECODED_BODY)
            .read_to_end(&mut out)
        {
            Ok(n) => Ok(n),
            Err(_) => {
                out.clear();
                flate2::read::DeflateDecoder::new(body)
                    .take(MAX_DECODED_BODY)
                    .read_to_end(&mut out)
            }
        },
        _ => return None,
    };
    read.ok().map(|_| out)
}

/// A chunked body's data, its chunk framing taken out (up to a chunk that
/// runs past the body).
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    // A size line may end in a bare LF; the chunk's data is followed by two
    // bytes taken for its CRLF, as Wireshark reads it.
    while let Some(eol) = b.iter().position(|&c| c == b'\n') {
        let line = b[..eol].strip_suffix(b"\r").unwrap_or(&b[..eol]);
        let size_text = String::from_utf8_lossy(line);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            break;
        };
        let data = &b[eol + 1..];
        if size == 0 || data.len() < size {
            out.extend_from_slice(&data[..size.min(data.len())]);
            break;
        }
        out.extend_from_slice(&data[..size]);
        b = data.get(size + 2..).unwrap_or(&[]);
    }
    out
}

/// HTTP/1.x messages: a head up to its blank line, then a body the engine
/// counts (by length, chunks, or until the connection closes).
pub struct MessageFraming;

/// HTTP's framing in a TCP stream.
pub static MESSAGES: MessageFraming = MessageFraming;

impl crate::pdu_framing::PduFraming for MessageFraming {
    fn frame(
        &self,
        b: &[u8],
        s: &mut crate::pdu_framing::FramingState<'_>,
    ) -> crate::pdu_framing::Framing {
        use crate::pdu_framing::Framing;
        if is_not_http(&b[..b.len().min(16)]) {
            return Framing::NotAPdu;
        }
        match head_len_from(b, *s.scanned) {
            Ok(len) => {
                *s.scanned = 0;
                let head = &b[..len];
                let is_request = message_kind(head) == Some(true);
                Framing::Complete {
                    len,
                    body: body_kind(head, is_request, s.other_methods),
                }
            }
            Err(_) if b.len() > MAX_HEAD => Framing::TooLong,
            Err(resume) => {
                *s.scanned = resume;
                Framing::NeedMore
            }
        }
    }
    fn starts_pdu(&self, b: &[u8]) -> bool {
        message_kind(b).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_end_at_the_empty_line() {
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nxx"), Some(27));
        assert_eq!(head_len(b"GET / HTTP/1.1\nHost: a\n\nxx"), Some(24));
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
    }

    #[test]
    fn message_starts() {
        assert_eq!(message_kind(b"GET / HTTP/1.1"), Some(true));
        assert_eq!(message_kind(b"HTTP/1.1 200 OK"), Some(false));
        assert_eq!(message_kind(b"GE"), None);
        assert!(!is_not_http(b"GE"));
        assert!(is_not_http(b"\x16\x03\x01"));
    }

    #[test]
    fn chunked_bodies_are_counted_to_their_end() {
        let body = b"4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\nA: b\r\n\r\nNEXT";
        let mut st = BodyState::new(BodyKind::Chunked);
        // fed a byte at a time, as segments may split it anywhere
        let mut used = 0;
        for &c in body.iter() {
            if st.done() {
                break;
            }
            used += st.consume(&[c]);
        }
        assert!(st.done());
        assert_eq!(&body[used..], b"NEXT");
    }

    #[test]
    fn body_kinds() {
        let h = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(body_kind(h, false, None), BodyKind::Length(5));
        assert_eq!(body_kind(h, false, Some(b"HEAD")), BodyKind::None);
        let h = b"HTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(body_kind(h, false, None), BodyKind::UntilClose);
        let h = b"HTTP/1.1 304 Not Modified\r\n\r\n";
        assert_eq!(body_kind(h, false, None), BodyKind::None);
        let h = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(body_kind(h, true, None), BodyKind::Chunked);
    }
}
