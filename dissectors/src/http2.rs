//! HTTP/2 (RFC 9113): the connection state the analysis keeps (HPACK per
//! direction, header blocks joined across CONTINUATION frames, what each
//! stream carries) and the frame dissector with Wireshark's field names.
//! gRPC messages inside DATA frames are shown by `grpc`.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::hpack::{HeaderBlock, HpackDecoder};
use crate::http2_body::{BodyPart, BodyPiece, BodyReassembly, read_body_pieces, write_body_pieces};
use crate::packet::{Buf, Cx};
use crate::shared::SharedStr;
use crate::sink::{Presence, Sink};
use crate::tape_codec::{Recorded, Sources, TapeReader, TapeWriter};

/// The client connection preface (RFC 9113, section 3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether a stream of this content type carries gRPC, whose messages
/// the DATA frames then hold (grpc.rs).
pub fn is_grpc(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| c.starts_with("application/grpc"))
}

/// A header block (HEADERS and its CONTINUATIONs) longer than this is not
/// decoded.
pub const MAX_BLOCK: usize = 1 << 20;
/// Streams remembered per connection (the oldest are forgotten first).
const MAX_STREAMS: usize = 4096;

/// What the connection knew about a frame when it completed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct H2Note {
    /// The headers this frame's header block fragment decodes to (HEADERS,
    /// PUSH_PROMISE, CONTINUATION; each fragment on its own, as Wireshark).
    pub headers: Option<HeaderBlock>,
    /// For DATA: the media type the sender declared for the stream.
    /// (Shared with every DATA frame of the stream: one allocation however
    /// many frames, and one copy on the tapes.)
    pub content_type: Option<SharedStr>,
    /// For DATA: the request path of the stream (gRPC names the call by it).
    pub path: Option<SharedStr>,
    /// The frame comes from the side that opened the connection.
    pub from_client: bool,
    /// For the DATA frame that ends a stream's body of a type shown whole
    /// (DNS over HTTPS, opaque data): the body, joined from its DATA frames
    /// when not longer than 64 KiB, and its length.
    pub body: Option<Vec<u8>>,
    pub body_len: u64,
    /// For a DNS message in `body`: the transaction it belongs to (set by
    /// the analysis).
    pub dns: Option<crate::dns::DnsMatch>,
    /// For DATA: how Wireshark's body reassembly shows the payload.
    pub body_part: BodyPart,
    /// On the frame that completes a body joined from earlier frames (DATA,
    /// or trailing HEADERS, ending the stream): each piece's frame and
    /// length.
    pub pieces: Option<Vec<BodyPiece>>,
}

/// What HTTP/2 keeps of a frame's note on the tape.
impl Recorded for H2Note {
    fn record(&self, w: &mut TapeWriter<'_>) {
        w.u8(self.from_client.into());
        for s in [&self.content_type, &self.path] {
            match s {
                None => w.u8(0),
                Some(s) => {
                    w.u8(1);
                    w.shared(s.id(), s.as_bytes());
                }
            }
        }
        self.headers.record(w);
        match &self.body {
            None => w.u8(0),
            Some(b) => {
                w.u8(1);
                w.big(b);
            }
        }
        w.u64(self.body_len);
        match &self.dns {
            None => w.u8(0),
            Some(m) => {
                w.u8(1);
                m.record(w);
            }
        }
        w.u8(self.body_part.as_u8());
        write_body_pieces(w, self.pieces.as_deref());
    }

    fn replay(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self {
        let from_client = r.u8() != 0;
        let mut text = |r: &mut TapeReader<'_>| {
            (r.u8() == 1)
                .then(|| SharedStr::from(String::from_utf8_lossy(&src.shared(r)).into_owned()))
        };
        let content_type = text(r);
        let path = text(r);
        H2Note {
            content_type,
            path,
            from_client,
            headers: Option::<HeaderBlock>::replay(r, src),
            body: (r.u8() == 1).then(|| src.big(r)),
            body_len: r.u64(),
            dns: (r.u8() == 1).then(|| crate::dns::DnsMatch::replay(r, src)),
            body_part: BodyPart::from_u8(r.u8()),
            pieces: read_body_pieces(r),
        }
    }
}

/// Bodies joined to be shown whole are at most this long.
const MAX_BODY: usize = 64 << 10;

impl Stream {
    /// Heap bytes of the bodies and pieces it holds.
    fn held_bytes(&self) -> usize {
        self.body.iter().map(Vec::capacity).sum::<usize>()
            + self
                .reassembly
                .iter()
                .map(BodyReassembly::held_bytes)
                .sum::<usize>()
    }

    /// The body kept so far in direction `dir`, taken as it completes:
    /// the bytes when not longer than [`MAX_BODY`], and the length.
    fn take_body(&mut self, dir: usize) -> (Option<Vec<u8>>, u64) {
        let len = std::mem::take(&mut self.body_len[dir]);
        let b = std::mem::take(&mut self.body[dir]);
        ((len <= MAX_BODY as u64).then_some(b), len)
    }
}

#[derive(Debug, Clone, Default)]
struct Stream {
    content_type: [Option<SharedStr>; 2],
    path: Option<SharedStr>,
    /// Body bytes so far per direction (only for types shown whole), and
    /// their count.
    body: [Vec<u8>; 2],
    body_len: [u64; 2],
    /// Which DATA payloads are one body, per direction.
    reassembly: [BodyReassembly; 2],
    /// A CONNECT request opened the stream: its data is a tunnel's.
    tunneled: bool,
}

/// A body of this media type is shown by a dissector of ours once whole:
/// DNS over HTTPS, and opaque bytes (no type, or octet-stream) as data.
pub fn body_shown_whole(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|c| is_dns(c) || is_opaque(Some(c)) || shown_with_media_type(c))
}

pub fn is_dns(content_type: &str) -> bool {
    content_type.starts_with("application/dns-message")
}

pub fn is_opaque(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|c| c.starts_with("application/octet-stream"))
}

/// The HTTP/2 state of one connection, kept by the analysis.
#[derive(Debug)]
pub struct H2Connection {
    hpack: [HpackDecoder; 2],
    /// Bytes of a header representation cut by the end of a fragment, and
    /// the stream of the block being continued, per direction.
    tail: [Vec<u8>; 2],
    block_stream: [Option<u32>; 2],
    /// The block being continued is a PUSH_PROMISE's (its headers begin
    /// no body of this direction).
    block_is_promise: [bool; 2],
    streams: HashMap<u32, Stream>,
    order: VecDeque<u32>,
    /// The direction of the client (the preface's sender), once known.
    client: Option<usize>,
    /// A header block grew past [`MAX_BLOCK`] in the frame just taken: its
    /// rest is not decoded.
    pub gave_up: bool,
    /// Bytes the streams' body buffers hold (their capacities).
    bodies: usize,
}

impl H2Connection {
    /// `synced`: the connection is seen from its start (preface or upgrade).
    pub fn new(synced: bool) -> Self {
        H2Connection {
            hpack: [HpackDecoder::new(synced), HpackDecoder::new(synced)],
            tail: [Vec::new(), Vec::new()],
            block_stream: [None, None],
            block_is_promise: [false, false],
            streams: HashMap::new(),
            order: VecDeque::new(),
            client: None,
            gave_up: false,
            bodies: 0,
        }
    }

    /// Heap bytes this connection's state holds, near enough for the
    /// analysis' memory ceiling.
    pub fn held_bytes(&self) -> usize {
        self.bodies
            + self.tail.iter().map(Vec::capacity).sum::<usize>()
            + self.streams.len() * (std::mem::size_of::<Stream>() + 32)
            + self
                .hpack
                .iter()
                .map(HpackDecoder::held_bytes)
                .sum::<usize>()
    }

    /// Bytes of direction `dir` were lost.
    pub fn lose(&mut self, dir: usize) {
        let dir = dir & 1;
        self.hpack[dir].lose_track();
        self.tail[dir].clear();
        self.block_stream[dir] = None;
    }

    pub fn set_client(&mut self, dir: usize) {
        self.client.get_or_insert(dir & 1);
    }

    fn stream(&mut self, id: u32) -> &mut Stream {
        if !self.streams.contains_key(&id) {
            if self.order.len() >= MAX_STREAMS
                && let Some(old) = self.order.pop_front()
                && let Some(s) = self.streams.remove(&old)
            {
                self.bodies -= s.held_bytes();
            }
            self.order.push_back(id);
        }
        self.streams.entry(id).or_default()
    }

    /// Takes a frame (header and payload) sent in direction `dir`, in
    /// capture frame `frame_no`.
    pub fn frame(&mut self, dir: usize, f: &[u8], frame_no: u32) -> H2Note {
        let dir = dir & 1;
        self.gave_up = false;
        let mut note = H2Note {
            from_client: self.client.is_none_or(|c| c == dir),
            ..Default::default()
        };
        if f.starts_with(PREFACE) {
            self.set_client(dir);
            note.from_client = true;
            return note;
        }
        let (Some(t), Some(flags), Some(sid)) =
            (bytes::u8_at(f, 3), bytes::u8_at(f, 4), bytes::be32(f, 5))
        else {
            return note;
        };
        let sid = sid & 0x7fff_ffff;
        let payload = f.get(9..).unwrap_or(&[]);
        let end_headers = flags & 0x04 != 0;
        match t {
            0 => {
                let body = data_body(f);
                let end = flags & 0x01 != 0;
                let Some(s) = self.streams.get_mut(&sid) else {
                    return note;
                };
                let held = s.held_bytes();
                note.content_type = s.content_type[dir].clone();
                note.path = s.path.clone();
                if is_grpc(note.content_type.as_deref()) {
                    note.body_part = BodyPart::Streaming;
                } else {
                    (note.body_part, note.pieces) =
                        s.reassembly[dir].data(frame_no, body.len(), end, s.tunneled);
                }
                if body_shown_whole(note.content_type.as_deref()) {
                    let b = &mut s.body[dir];
                    s.body_len[dir] += body.len() as u64;
                    if s.body_len[dir] <= MAX_BODY as u64 {
                        b.extend_from_slice(body);
                    } else {
                        *b = Vec::new();
                    }
                    if end {
                        (note.body, note.body_len) = s.take_body(dir);
                    }
                }
                self.bodies = self.bodies + s.held_bytes() - held;
            }
            1 | 5 | 9 => {
                let fragment = if t == 9 {
                    if self.block_stream[dir].is_none() {
                        return note;
                    }
                    payload
                } else {
                    let Some((fragment, target)) = header_fragment(t, flags, payload, sid) else {
                        return note;
                    };
                    self.tail[dir].clear();
                    self.block_stream[dir] = Some(target);
                    self.block_is_promise[dir] = t == 5;
                    if t == 1 && flags & 0x01 != 0 {
                        self.trailers(dir, sid, &mut note);
                    }
                    fragment
                };
                // A representation cut by the last fragment's end is
                // completed by this one; the tail grows in place, so one
                // sent a byte per CONTINUATION costs what its bytes do.
                let mut data = std::mem::take(&mut self.tail[dir]);
                data.extend_from_slice(fragment);
                let n = crate::hpack::complete_len(&data);
                note.headers = Some(self.decode(dir, &data[..n]));
                if end_headers {
                    if n < data.len() {
                        // The block ends inside a representation.
                        self.lose(dir);
                        note.headers = Some(HeaderBlock::Unknown("damaged header block"));
                    }
                    self.block_stream[dir] = None;
                } else if data.len() - n <= MAX_BLOCK {
                    data.drain(..n);
                    self.tail[dir] = data;
                } else {
                    self.lose(dir);
                    self.gave_up = true;
                }
            }
            _ => {}
        }
        note
    }

    /// HEADERS that end a stream whose body DATA began complete that body
    /// (Wireshark shows it on them).
    fn trailers(&mut self, dir: usize, sid: u32, note: &mut H2Note) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        if is_grpc(s.content_type[dir].as_deref()) {
            return;
        }
        let held = s.held_bytes();
        note.pieces = s.reassembly[dir].trailers();
        if note.pieces.is_some() {
            note.body_part = BodyPart::Whole;
            note.content_type = s.content_type[dir].clone();
            (note.body, note.body_len) = s.take_body(dir);
        }
        self.bodies = self.bodies + s.held_bytes() - held;
    }

    fn decode(&mut self, dir: usize, fragment: &[u8]) -> HeaderBlock {
        let block = self.hpack[dir].decode(fragment);
        if let (HeaderBlock::Decoded { headers, .. }, Some(stream)) =
            (&block, self.block_stream[dir])
        {
            let value = |n: &str| crate::hpack::value_of(headers, n);
            let find = |n: &str| {
                value(n).map(|v| SharedStr::from(String::from_utf8_lossy(v).into_owned()))
            };
            let (ct, path) = (find("content-type"), find(":path"));
            let begins = value(":method").is_some() || value(":status").is_some();
            let transfer_encoded = value("transfer-encoding").is_some();
            let connect = value(":method") == Some(&b"CONNECT"[..]);
            let promise = self.block_is_promise[dir];
            let s = self.stream(stream);
            if ct.is_some() {
                s.content_type[dir] = ct;
            }
            if path.is_some() {
                s.path = path;
            }
            // What Wireshark tracks of a request's or response's own
            // headers (not a promise's) for the body after them.
            if !promise {
                let body = &mut s.reassembly[dir];
                body.begun |= begins;
                body.transfer_encoded |= transfer_encoded;
                s.tunneled |= connect;
            }
        }
        block
    }
}

/// The header block fragment of a HEADERS or PUSH_PROMISE payload (after
/// padding and priority or the promised stream), and the stream it is for.
fn header_fragment(t: u8, flags: u8, payload: &[u8], sid: u32) -> Option<(&[u8], u32)> {
    let mut p = payload;
    let mut pad = 0usize;
    if flags & 0x08 != 0 {
        pad = *p.first()? as usize;
        p = &p[1..];
    }
    let mut target = sid;
    if t == 1 && flags & 0x20 != 0 {
        p = p.get(5..)?;
    }
    if t == 5 {
        target = bytes::be32(p, 0)? & 0x7fff_ffff;
        p = p.get(4..)?;
    }
    Some((p.get(..p.len().checked_sub(pad)?)?, target))
}

crate::fields! {
    STREAM = FieldDef::new("http2.stream", "Stream", T::None);
    MAGIC = FieldDef::new("http2.magic", "Magic", T::String);
    LENGTH = FieldDef::new("http2.length", "Length", T::U24);
    TYPE = FieldDef::new("http2.type", "Type", T::U8).names(FRAME_TYPES);
    FLAGS = FieldDef::new("http2.flags", "Flags", T::U8).base(Base::Hex);
    FLAGS_END_STREAM = FieldDef::new("http2.flags.end_stream", "End Stream", T::Boolean).mask(0x01);
    FLAGS_END_HEADERS = FieldDef::new("http2.flags.eh", "End Headers", T::Boolean).mask(0x04);
    FLAGS_PADDED = FieldDef::new("http2.flags.padded", "Padded", T::Boolean).mask(0x08);
    FLAGS_PRIORITY = FieldDef::new("http2.flags.priority", "Priority", T::Boolean).mask(0x20);
    FLAGS_ACK_SETTINGS = FieldDef::new("http2.flags.ack.settings", "ACK", T::Boolean).mask(0x01);
    FLAGS_ACK_PING = FieldDef::new("http2.flags.ack.ping", "ACK", T::Boolean).mask(0x01);
    FLAGS_UNUSED = FieldDef::new("http2.flags.unused", "Unused", T::U8).base(Base::Hex).mask(0xff);
    FLAGS_UNUSED_SETTINGS = FieldDef::new("http2.flags.unused_settings", "Unused", T::U8).base(Base::Hex).mask(0xfe);
    FLAGS_UNUSED_PING = FieldDef::new("http2.flags.unused_ping", "Unused", T::U8).base(Base::Hex).mask(0xfe);
    FLAGS_UNUSED_CONTINUATION = FieldDef::new("http2.flags.unused_continuation", "Unused", T::U8).base(Base::Hex).mask(0xfb);
    FLAGS_UNUSED_PUSH_PROMISE = FieldDef::new("http2.flags.unused_push_promise", "Unused", T::U8).base(Base::Hex).mask(0xf3);
    FLAGS_UNUSED_DATA = FieldDef::new("http2.flags.unused_data", "Unused", T::U8).base(Base::Hex).mask(0xf6);
    FLAGS_UNUSED_HEADERS = FieldDef::new("http2.flags.unused_headers", "Unused", T::U8).base(Base::Hex).mask(0xd2);
    R = FieldDef::new("http2.r", "Reserved", T::U32).base(Base::Hex).mask(0x8000_0000);
    STREAMID = FieldDef::new("http2.streamid", "Stream Identifier", T::U32).mask(0x7fff_ffff);
    PAD_LENGTH = FieldDef::new("http2.pad_length", "Pad Length", T::U16);
    PADDING = FieldDef::new("http2.padding", "Pad Length", T::U8).base(Base::Hex);
    EXCLUSIVE = FieldDef::new("http2.exclusive", "Exclusive", T::Boolean).mask(0x8000_0000);
    STREAM_DEPENDENCY = FieldDef::new("http2.stream_dependency", "Stream Dependency", T::U32).mask(0x7fff_ffff);
    WEIGHT = FieldDef::new("http2.headers.weight", "Weight", T::U8);
    WEIGHT_REAL = FieldDef::new("http2.headers.weight_real", "Weight real", T::U8);
    DATA_DATA = FieldDef::new("http2.data.data", "Data", T::Bytes);
    DATA_PAYLOAD = FieldDef::new("http2.data.payload", "DATA payload", T::Bytes).internal();
    DATA_PADDING = FieldDef::new("http2.data.padding", "Padding", T::Bytes);
    BODY_FRAGMENTS = FieldDef::new("http2.body.fragments", "Body fragments", T::None).appended_label();
    BODY_FRAGMENT = FieldDef::new("http2.body.fragment", "Body fragment", T::FrameNum);
    BODY_FRAGMENT_COUNT = FieldDef::new("http2.body.fragment.count", "Body fragment count", T::U32);
    BODY_REASSEMBLED_LENGTH = FieldDef::new("http2.body.reassembled.length", "Reassembled body length", T::U32);
    BODY_REASSEMBLED_DATA = FieldDef::new("http2.body.reassembled.data", "Reassembled body data", T::Bytes);
    CONTINUATION_HEADER = FieldDef::new("http2.continuation.header", "Continuation Header", T::String);
    PUSH_PROMISE_HEADER = FieldDef::new("http2.push_promise.header", "Header Block Fragment", T::Bytes);
    HEADERS_BLOCK = FieldDef::new("http2.headers", "Header Block Fragment", T::Bytes);
    HEADER_LENGTH = FieldDef::new("http2.header.length", "Header Length", T::U32);
    HEADER_COUNT = FieldDef::new("http2.header.count", "Header Count", T::U32);
    HEADER = FieldDef::new("http2.header", "Header", T::None);
    HEADER_NAME_LENGTH = FieldDef::new("http2.header.name.length", "Name Length", T::U32);
    HEADER_NAME = FieldDef::new("http2.header.name", "Name", T::String);
    HEADER_VALUE_LENGTH = FieldDef::new("http2.header.value.length", "Value Length", T::U32);
    HEADER_VALUE = FieldDef::new("http2.header.value", "Value", T::String);
    HEADER_UNESCAPED = FieldDef::new("http2.header.unescaped", "Unescaped", T::String);
    HEADER_REPR = FieldDef::new("http2.header.repr", "Representation", T::String);
    HEADER_INDEX = FieldDef::new("http2.header.index", "Index", T::U32);
    TABLE_SIZE_UPDATE = FieldDef::new("http2.header_table_size_update", "Header table size update", T::None);
    TABLE_SIZE = FieldDef::new("http2.header_table_size_update.header_table_size", "Header table size", T::U32);
    HEADERS_AUTHORITY = FieldDef::new("http2.headers.authority", ":authority", T::String);
    HEADERS_STATUS = FieldDef::new("http2.headers.status", ":status", T::U16);
    HEADERS_PATH = FieldDef::new("http2.headers.path", ":path", T::String);
    HEADERS_METHOD = FieldDef::new("http2.headers.method", ":method", T::String);
    HEADERS_SCHEME = FieldDef::new("http2.headers.scheme", ":scheme", T::String);
    HEADERS_ACCEPT = FieldDef::new("http2.headers.accept", "accept", T::String);
    HEADERS_ACCEPT_CHARSET = FieldDef::new("http2.headers.accept_charset", "accept-charset", T::String);
    HEADERS_ACCEPT_ENCODING = FieldDef::new("http2.headers.accept_encoding", "accept-encoding", T::String);
    HEADERS_ACCEPT_LANGUAGE = FieldDef::new("http2.headers.accept_language", "accept-language", T::String);
    HEADERS_ACCEPT_RANGES = FieldDef::new("http2.headers.accept_ranges", "accept-ranges", T::String);
    HEADERS_ACCESS_CONTROL_ALLOW_ORIGIN = FieldDef::new("http2.headers.access_control_allow_origin", "access-control-allow-origin", T::String);
    HEADERS_AGE = FieldDef::new("http2.headers.age", "age", T::U64);
    HEADERS_ALLOW = FieldDef::new("http2.headers.allow", "allow", T::String);
    HEADERS_AUTHORIZATION = FieldDef::new("http2.headers.authorization", "authorization", T::String);
    HEADERS_CACHE_CONTROL = FieldDef::new("http2.headers.cache_control", "cache-control", T::String);
    HEADERS_CONTENT_DISPOSITION = FieldDef::new("http2.headers.content_disposition", "content-disposition", T::String);
    HEADERS_CONTENT_ENCODING = FieldDef::new("http2.headers.content_encoding", "content-encoding", T::String);
    HEADERS_CONTENT_LANGUAGE = FieldDef::new("http2.headers.content_language", "content-language", T::String);
    HEADERS_CONTENT_LENGTH = FieldDef::new("http2.headers.content_length", "content-length", T::U64);
    HEADERS_CONTENT_LOCATION = FieldDef::new("http2.headers.content_location", "content-location", T::String);
    HEADERS_CONTENT_RANGE = FieldDef::new("http2.headers.content_range", "content-range", T::String);
    HEADERS_CONTENT_TYPE = FieldDef::new("http2.headers.content_type", "content-type", T::String);
    HEADERS_COOKIE = FieldDef::new("http2.headers.cookie", "cookie", T::String);
    HEADERS_DATE = FieldDef::new("http2.headers.date", "date", T::String);
    HEADERS_ETAG = FieldDef::new("http2.headers.etag", "etag", T::String);
    HEADERS_EXPECT = FieldDef::new("http2.headers.expect", "expect", T::String);
    HEADERS_EXPIRES = FieldDef::new("http2.headers.expires", "expires", T::String);
    HEADERS_FROM = FieldDef::new("http2.headers.from", "from", T::String);
    HEADERS_IF_MATCH = FieldDef::new("http2.headers.if_match", "if-match", T::String);
    HEADERS_IF_MODIFIED_SINCE = FieldDef::new("http2.headers.if_modified_since", "if-modified-since", T::String);
    HEADERS_IF_NONE_MATCH = FieldDef::new("http2.headers.if_none_match", "if-none-match", T::String);
    HEADERS_IF_RANGE = FieldDef::new("http2.headers.if_range", "if-range", T::String);
    HEADERS_IF_UNMODIFIED_SINCE = FieldDef::new("http2.headers.if_unmodified_since", "if-unmodified-since", T::String);
    HEADERS_LAST_MODIFIED = FieldDef::new("http2.headers.last_modified", "last-modified", T::String);
    HEADERS_LINK = FieldDef::new("http2.headers.link", "link", T::String);
    HEADERS_LOCATION = FieldDef::new("http2.headers.location", "location", T::String);
    HEADERS_MAX_FORWARDS = FieldDef::new("http2.headers.max_forwards", "max-forwards", T::U64);
    HEADERS_PROXY_AUTHENTICATE = FieldDef::new("http2.headers.proxy_authenticate", "proxy-authenticate", T::String);
    HEADERS_PROXY_AUTHORIZATION = FieldDef::new("http2.headers.proxy_authorization", "proxy-authorization", T::String);
    HEADERS_RANGE = FieldDef::new("http2.headers.range", "range", T::String);
    HEADERS_REFERER = FieldDef::new("http2.headers.referer", "referer", T::String);
    HEADERS_REFRESH = FieldDef::new("http2.headers.refresh", "refresh", T::String);
    HEADERS_RETRY_AFTER = FieldDef::new("http2.headers.retry_after", "retry-after", T::String);
    HEADERS_SERVER = FieldDef::new("http2.headers.server", "server", T::String);
    HEADERS_SET_COOKIE = FieldDef::new("http2.headers.set_cookie", "set-cookie", T::String);
    HEADERS_STRICT_TRANSPORT_SECURITY = FieldDef::new("http2.headers.strict_transport_security", "strict-transport-security", T::String);
    HEADERS_USER_AGENT = FieldDef::new("http2.headers.user_agent", "user-agent", T::String);
    HEADERS_VARY = FieldDef::new("http2.headers.vary", "vary", T::String);
    HEADERS_VIA = FieldDef::new("http2.headers.via", "via", T::String);
    HEADERS_WWW_AUTHENTICATE = FieldDef::new("http2.headers.www_authenticate", "www-authenticate", T::String);
    FULL_URI = FieldDef::new("http2.request.full_uri", "Full request URI", T::String);
    UNDECODED = FieldDef::new("http2.header.undecoded", "Headers not decoded", T::String);
    RST_STREAM_ERROR = FieldDef::new("http2.rst_stream.error", "Error", T::U32).names(ERRORS);
    SETTINGS_ITEM = FieldDef::new("http2.settings", "Settings", T::None);
    SETTINGS_ID = FieldDef::new("http2.settings.id", "Settings Identifier", T::U16).names(SETTINGS);
    SETTINGS_HEADER_TABLE_SIZE = FieldDef::new("http2.settings.header_table_size", "Header table size", T::U32);
    SETTINGS_ENABLE_PUSH = FieldDef::new("http2.settings.enable_push", "Enable PUSH", T::U32);
    SETTINGS_MAX_CONCURRENT_STREAMS = FieldDef::new("http2.settings.max_concurrent_streams", "Max concurrent streams", T::U32);
    SETTINGS_INITIAL_WINDOW_SIZE = FieldDef::new("http2.settings.initial_window_size", "Initial Windows Size", T::U32);
    SETTINGS_MAX_FRAME_SIZE = FieldDef::new("http2.settings.max_frame_size", "Max frame size", T::U32);
    SETTINGS_MAX_HEADER_LIST_SIZE = FieldDef::new("http2.settings.max_header_list_size", "Max header list size", T::U32);
    SETTINGS_EXTENDED_CONNECT = FieldDef::new("http2.settings.extended_connect", "Extended CONNECT", T::U32);
    SETTINGS_UNKNOWN = FieldDef::new("http2.settings.unknown", "Unknown Settings", T::U32);
    PUSH_PROMISE_R = FieldDef::new("http2.push_promise.r", "Reserved", T::U32).base(Base::Hex).mask(0x8000_0000);
    PUSH_PROMISE_ID = FieldDef::new("http2.push_promise.promised_stream_id", "Promised-Stream-ID", T::U32).mask(0x7fff_ffff);
    PING = FieldDef::new("http2.ping", "Ping", T::Bytes);
    PONG = FieldDef::new("http2.pong", "Pong", T::Bytes);
    GOAWAY_R = FieldDef::new("http2.goway.r", "Reserved", T::U32).base(Base::Hex).mask(0x8000_0000);
    GOAWAY_LAST_STREAM_ID = FieldDef::new("http2.goaway.last_stream_id", "Last-Stream-ID", T::U32).mask(0x7fff_ffff);
    GOAWAY_ERROR = FieldDef::new("http2.goaway.error", "Error", T::U32).names(ERRORS);
    GOAWAY_ADDATA = FieldDef::new("http2.goaway.addata", "Additional Debug Data", T::Bytes);
    WINDOW_UPDATE_R = FieldDef::new("http2.window_update.r", "Reserved", T::U32).base(Base::Hex).mask(0x8000_0000);
    WINDOW_SIZE_INCREMENT = FieldDef::new("http2.window_update.window_size_increment", "Window Size Increment", T::U32).mask(0x7fff_ffff);
    UNKNOWN = FieldDef::new("http2.unknown", "Unknown", T::Bytes);
}

/// `http2.type` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static FRAME_TYPES: &[(u64, &str)] = &[
    (0, "DATA"),
    (1, "HEADERS"),
    (2, "PRIORITY"),
    (3, "RST_STREAM"),
    (4, "SETTINGS"),
    (5, "PUSH_PROMISE"),
    (6, "PING"),
    (7, "GOAWAY"),
    (8, "WINDOW_UPDATE"),
    (9, "CONTINUATION"),
    (10, "ALTSVC"),
    (11, "BLOCKED"),
    (12, "ORIGIN"),
    (16, "PRIORITY_UPDATE"),
];
/// `http2.rst_stream.error` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static ERRORS: &[(u64, &str)] = &[
    (0, "NO_ERROR"),
    (1, "PROTOCOL_ERROR"),
    (2, "INTERNAL_ERROR"),
    (3, "FLOW_CONTROL_ERROR"),
    (4, "SETTINGS_TIMEOUT"),
    (5, "STREAM_CLOSED"),
    (6, "FRAME_SIZE_ERROR"),
    (7, "REFUSED_STREAM"),
    (8, "CANCEL"),
    (9, "COMPRESSION_ERROR"),
    (10, "CONNECT_ERROR"),
    (11, "ENHANCE_YOUR_CALM"),
    (12, "INADEQUATE_SECURITY"),
    (13, "HTTP_1_1_REQUIRED"),
];
/// `http2.settings.id` value names, generated by tests/tools/value_table.py from TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).
pub static SETTINGS: &[(u64, &str)] = &[
    (1, "Header table size"),
    (2, "Enable PUSH"),
    (3, "Max concurrent streams"),
    (4, "Initial Windows size"),
    (5, "Max frame size"),
    (6, "Max header list size"),
    (8, "Extended CONNECT"),
];

/// Dissects one frame (or the preface) at `buf[off..off + len]`, inside the
/// `http2` layer the caller opened.
/// Returns the body the frame completes, for its media type's dissector.
pub fn dissect_frame<'b, S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'b>,
    off: usize,
    len: usize,
    note: &'b H2Note,
) -> Option<CompletedBody<'b>> {
    let f = buf.get(off, len);
    if f.starts_with(PREFACE) {
        magic(cx, buf, off);
        return None;
    }
    let (Some(flen), Some(t), Some(flags), Some(sidr)) = (
        bytes::be24(f, 0),
        bytes::u8_at(f, 3),
        bytes::u8_at(f, 4),
        bytes::be32(f, 5),
    ) else {
        return None;
    };
    let sid = sidr & 0x7fff_ffff;
    let payload = f.get(9..).unwrap_or(&[]);
    let tname = crate::field::lookup(FRAME_TYPES, t.into()).unwrap_or("Unknown type");
    let summary = summary(cx, note);
    let mut label = format!("Stream: {tname}, Stream ID: {sid}, Length {flen}");
    if !summary.is_empty() {
        let _ = write!(label, ", {summary}");
    }
    if t == 0 {
        label.push_str(&data_label_suffix(note.body_part, flags));
    }
    cx.sink.field_with_label(
        &STREAM,
        buf.span(off, f.len()),
        Value::None,
        Presence::Normal,
        format_args!("{label}"),
    );
    cx.push();
    cx.field(&LENGTH, buf.span(off, 3), Value::U64(flen.into()));
    cx.field(&TYPE, buf.span(off + 3, 1), Value::U64(t.into()));
    flags_field(cx, buf.span(off + 4, 1), t, flags);
    cx.field(&R, buf.span(off + 5, 4), Value::U64((sidr >> 31).into()));
    cx.field(&STREAMID, buf.span(off + 5, 4), Value::U64(sid.into()));
    let p = off + 9;
    let mut info = format!("{tname}[{sid}]");
    // Trailers that end a stream show the body they complete first.
    let mut completed = None;
    if t == 1 && note.pieces.is_some() {
        completed = whole_body(cx, buf.span(off, 0), note, (buf, p, &[]));
    }
    // The fixed part of the payload must be there before any field of it
    // is read (a frame cut short by the capture, or a lying length).
    if payload.len() < fixed_len(t, flags) {
        cx.ran_out("HTTP/2 frame payload", buf.span(p, payload.len()), buf);
    } else {
        let fr = FramePayload {
            buf,
            p,
            payload,
            flags,
            t,
            summary: &summary,
        };
        if let Some(body) = payload_fields(cx, &fr, note, &mut info) {
            completed = Some(body);
        }
    }
    cx.pop();
    cx.app_info_sep(", ", format_args!("{info}"));
    completed
}

/// The connection preface, as Wireshark's "Stream: Magic".
fn magic<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    cx.sink.field_with_label(
        &STREAM,
        buf.span(off, 24),
        Value::None,
        Presence::Normal,
        format_args!("Stream: Magic"),
    );
    cx.push();
    let text = Value::Str("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    cx.field(&MAGIC, buf.span(off, 24), text);
    cx.pop();
    cx.app_info_sep(", ", format_args!("Magic"));
}

/// What a frame's headers say, for its label and Info: the request's
/// method and path, or the response's status.
fn summary<S: Sink>(cx: &Cx<'_, S>, note: &H2Note) -> String {
    let mut summary = String::new();
    if let (Some(HeaderBlock::Decoded { headers, .. }), true) =
        (&note.headers, cx.columns() || cx.sink.wants_text())
    {
        let get = |n: &str| crate::hpack::value_of(headers, n).map(String::from_utf8_lossy);
        if let (Some(m), Some(p)) = (get(":method"), get(":path")) {
            let _ = write!(summary, "{m} {p}");
        } else if let Some(st) = get(":status") {
            let code: u16 = st.parse().unwrap_or(0);
            let _ = write!(summary, "{st} {}", crate::http::status_text(code));
        }
    }
    summary
}

/// The bytes a frame's payload of type `t` must have before its fields.
fn fixed_len(t: u8, flags: u8) -> usize {
    let padded = usize::from(flags & 0x08 != 0);
    match t {
        0 => padded,
        1 => padded + if flags & 0x20 != 0 { 5 } else { 0 },
        5 => padded + 4,
        2 => 5,
        3 | 8 => 4,
        6 | 7 => 8,
        _ => 0,
    }
}

/// The payload's fields by frame type; a DATA frame may complete a body.
fn payload_fields<'b, S: Sink>(
    cx: &mut Cx<'_, S>,
    fr: &FramePayload<'b, '_>,
    note: &'b H2Note,
    info: &mut String,
) -> Option<CompletedBody<'b>> {
    let (buf, p, payload, flags) = (fr.buf, fr.p, fr.payload, fr.flags);
    let ps = |o: usize, n: usize| buf.span(p + o, n);
    match fr.t {
        0 => return data_frame(cx, fr, note, info),
        1 | 5 => headers_frame(cx, fr, note, info),
        2 => priority_frame(cx, fr),
        3 => {
            let code = bytes::be32(payload, 0).unwrap_or(0);
            cx.field(&RST_STREAM_ERROR, ps(0, 4), Value::U64(code.into()));
        }
        4 => settings_frame(cx, fr),
        6 => {
            let def = if flags & 0x01 != 0 { &PONG } else { &PING };
            cx.field(def, ps(0, payload.len()), Value::Bytes(payload));
        }
        7 => goaway_frame(cx, fr),
        8 => {
            let inc = bytes::be32(payload, 0).unwrap_or(0);
            cx.field(&WINDOW_UPDATE_R, ps(0, 4), Value::U64((inc >> 31).into()));
            let increment = Value::U64((inc & 0x7fff_ffff).into());
            cx.field(&WINDOW_SIZE_INCREMENT, ps(0, 4), increment);
        }
        9 => {
            let (block, at) = unpad(cx, buf, p, payload, flags);
            let text = crate::bytes::ascii_string(block);
            cx.field(&CONTINUATION_HEADER, ps(at, block.len()), Value::Str(&text));
            headers(cx, ps(at, block.len()), note);
            if !fr.summary.is_empty() {
                let _ = write!(info, ": {}", fr.summary);
            }
        }
        _ => {
            if !payload.is_empty() {
                cx.field(&UNKNOWN, ps(0, payload.len()), Value::Bytes(payload));
            }
        }
    }
    None
}

/// A body a frame completes: its bytes at `buf[at..at + len]`.
pub struct CompletedBody<'b> {
    pub buf: Buf<'b>,
    pub at: usize,
    pub len: usize,
}

/// What Wireshark appends to a DATA frame's label when its payload is not
/// (yet) a whole body.
fn data_label_suffix(part: BodyPart, flags: u8) -> String {
    let mut suffix = String::new();
    if matches!(part, BodyPart::Piece | BodyPart::Unjoined { .. }) && flags & 0x01 == 0 {
        suffix.push_str(" (partial entity body)");
    }
    if let BodyPart::Unjoined {
        transfer_encoded,
        tunneled,
    } = part
    {
        if transfer_encoded {
            suffix.push_str(" (transfer-encoded body)");
        }
        if tunneled {
            suffix.push_str(" (tunneled data)");
        }
    }
    suffix
}

/// The pieces a body was joined from, and the body (when kept), as
/// Wireshark shows them on the frame that completes it. A body in one
/// frame is `here` (that frame's payload), shown without a list.
fn whole_body<'b, S: Sink>(
    cx: &mut Cx<'_, S>,
    anchor: crate::sink::Span,
    note: &'b H2Note,
    here: (Buf<'b>, usize, &'b [u8]),
) -> Option<CompletedBody<'b>> {
    static FIELDS: crate::pieces_tree::PiecesFields = crate::pieces_tree::PiecesFields {
        list: &BODY_FRAGMENTS,
        piece: &BODY_FRAGMENT,
        count: &BODY_FRAGMENT_COUNT,
        length: &BODY_REASSEMBLED_LENGTH,
        data: Some(&BODY_REASSEMBLED_DATA),
    };
    let Some(pieces) = &note.pieces else {
        let (buf, at, bytes) = here;
        cx.field(&DATA_DATA, buf.span(at, bytes.len()), Value::Bytes(bytes));
        return Some(CompletedBody {
            buf,
            at,
            len: bytes.len(),
        });
    };
    let kept = note
        .body
        .as_deref()
        .map(|b| (cx.sink.source("Reassembled body", b).max(1), b));
    crate::pieces_tree::pieces_tree(cx, &FIELDS, anchor, pieces, kept);
    let (source, body) = kept?;
    let span = crate::sink::Span::in_source(source, 0, body.len());
    cx.field(&DATA_DATA, span, Value::Bytes(body));
    Some(CompletedBody {
        buf: Buf::source(body, source),
        at: 0,
        len: body.len(),
    })
}

/// A frame's payload and what its header said, for the functions that read
/// one type each.
#[derive(Clone, Copy)]
struct FramePayload<'a, 's> {
    buf: Buf<'a>,
    /// Where the payload starts in `buf`.
    p: usize,
    payload: &'a [u8],
    flags: u8,
    t: u8,
    /// The decoded headers' summary, for Info.
    summary: &'s str,
}

/// DATA: the (unpadded) body as Wireshark's reassembly shows it, and
/// what Info says of it; the body it completes.
fn data_frame<'b, S: Sink>(
    cx: &mut Cx<'_, S>,
    fr: &FramePayload<'b, '_>,
    note: &'b H2Note,
    info: &mut String,
) -> Option<CompletedBody<'b>> {
    let FramePayload {
        buf,
        p,
        payload,
        flags,
        ..
    } = *fr;
    let ps = |o: usize, n: usize| buf.span(p + o, n);
    let (body, at) = unpad(cx, buf, p, payload, flags);
    // The frame's own bytes, whatever http2.data.data shows (the whole
    // body on the frame that ends it): what Follow HTTP/2 Stream reads.
    cx.hidden(&DATA_PAYLOAD, ps(at, body.len()), Value::Bytes(body));
    let completed = match note.body_part {
        BodyPart::Whole => whole_body(cx, buf.span(p, 0), note, (buf, p + at, body)),
        BodyPart::Streaming => {
            cx.labeled(
                &DATA_DATA,
                ps(at, body.len()),
                Value::Bytes(body),
                format_args!("DATA payload ({} bytes)", body.len()),
            );
            None
        }
        _ => {
            if !body.is_empty() {
                cx.field(&DATA_DATA, ps(at, body.len()), Value::Bytes(body));
            }
            None
        }
    };
    let padding = payload.len().saturating_sub(at + body.len());
    if padding > 0 {
        let pad = ps(at + body.len(), padding);
        cx.field(
            &DATA_PADDING,
            pad,
            Value::Bytes(payload.get(at + body.len()..).unwrap_or(&[])),
        );
    }
    // gRPC is shown frame by frame, other bodies once whole (at the
    // end of the stream), with the media type that shows them.
    match note.content_type.as_deref() {
        Some(ct) if is_grpc(Some(ct)) && !body.is_empty() => {
            let _ = write!(info, " (GRPC)");
        }
        Some(ct) if is_grpc(Some(ct)) => {}
        // A body kept whole is handed on by its media type, whose
        // protocol writes this.
        Some(ct) if flags & 0x01 != 0 && shown_with_media_type(ct) && note.body.is_none() => {
            let media = ct.split(';').next().unwrap_or(ct).trim();
            let _ = write!(info, " ({media})");
        }
        _ => {}
    }
    completed
}

/// HEADERS and PUSH_PROMISE: padding, priority, the promised stream,
/// then the header block HPACK decoded.
fn headers_frame<S: Sink>(
    cx: &mut Cx<'_, S>,
    fr: &FramePayload<'_, '_>,
    note: &H2Note,
    info: &mut String,
) {
    let FramePayload {
        buf,
        p,
        payload,
        flags,
        t,
        summary,
        ..
    } = *fr;
    let ps = |o: usize, n: usize| buf.span(p + o, n);
    let (pad, mut q) = pad_length(cx, buf, p, payload, flags);
    if t == 1 && flags & 0x20 != 0 {
        let dep = bytes::be32(payload, q).unwrap_or(0);
        cx.field(&EXCLUSIVE, ps(q, 4), Value::Bool(dep & 0x8000_0000 != 0));
        cx.field(
            &STREAM_DEPENDENCY,
            ps(q, 4),
            Value::U64((dep & 0x7fff_ffff).into()),
        );
        let w = bytes::u8_at(payload, q + 4).unwrap_or(0);
        cx.field(&WEIGHT, ps(q + 4, 1), Value::U64(w.into()));
        cx.generated(&WEIGHT_REAL, ps(q + 4, 1), Value::U64(u64::from(w) + 1));
        q += 5;
    }
    if t == 5 {
        let id = bytes::be32(payload, q).unwrap_or(0);
        cx.field(&PUSH_PROMISE_R, ps(q, 4), Value::U64((id >> 31).into()));
        cx.field(
            &PUSH_PROMISE_ID,
            ps(q, 4),
            Value::U64((id & 0x7fff_ffff).into()),
        );
        q += 4;
    }
    let frag = payload
        .get(q..payload.len().saturating_sub(pad).max(q))
        .unwrap_or(&[]);
    let block = if t == 5 {
        &PUSH_PROMISE_HEADER
    } else {
        &HEADERS_BLOCK
    };
    cx.field(block, ps(q, frag.len()), Value::Bytes(frag));
    headers(cx, buf.span(p + q, frag.len()), note);
    if !summary.is_empty() {
        let _ = write!(info, ": {summary}");
    }
}

/// PRIORITY: the dependency and weight.
fn priority_frame<S: Sink>(cx: &mut Cx<'_, S>, fr: &FramePayload<'_, '_>) {
    let FramePayload {
        buf, p, payload, ..
    } = *fr;
    let ps = |o: usize, n: usize| buf.span(p + o, n);
    let dep = bytes::be32(payload, 0).unwrap_or(0);
    cx.field(&EXCLUSIVE, ps(0, 4), Value::Bool(dep & 0x8000_0000 != 0));
    cx.field(
        &STREAM_DEPENDENCY,
        ps(0, 4),
        Value::U64((dep & 0x7fff_ffff).into()),
    );
    let w = bytes::u8_at(payload, 4).unwrap_or(0);
    cx.field(&WEIGHT, ps(4, 1), Value::U64(w.into()));
    cx.generated(&WEIGHT_REAL, ps(4, 1), Value::U64(u64::from(w) + 1));
}

/// SETTINGS: each parameter with its own field.
fn settings_frame<S: Sink>(cx: &mut Cx<'_, S>, fr: &FramePayload<'_, '_>) {
    let FramePayload {
        buf, p, payload, ..
    } = *fr;
    let ps = |o: usize, n: usize| buf.span(p + o, n);
    for (i, s) in payload.chunks_exact(6).enumerate() {
        let id = u16::from_be_bytes([s[0], s[1]]);
        let v = u32::from_be_bytes([s[2], s[3], s[4], s[5]]);
        let name = crate::field::lookup(SETTINGS, id.into()).unwrap_or("Unknown");
        cx.sink.field_with_label(
            &SETTINGS_ITEM,
            ps(6 * i, 6),
            Value::None,
            Presence::Normal,
            format_args!("Settings - {name} : {v}"),
        );
        cx.push();
        cx.field(&SETTINGS_ID, ps(6 * i, 2), Value::U64(id.into()));
        let def = match id {
            1 => &SETTINGS_HEADER_TABLE_SIZE,
            2 => &SETTINGS_ENABLE_PUSH,
            3 => &SETTINGS_MAX_CONCURRENT_STREAMS,
            4 => &SETTINGS_INITIAL_WINDOW_SIZE,
            5 => &SETTINGS_MAX_FRAME_SIZE,
            6 => &SETTINGS_MAX_HEADER_LIST_SIZE,
            8 => &SETTINGS_EXTENDED_CONNECT,
            _ => &SETTINGS_UNKNOWN,
        };
        cx.field(def, ps(6 * i + 2, 4), Value::U64(v.into()));
        cx.pop();
    }
}

/// GOAWAY: the last stream, the error, additional data.
fn goaway_frame<S: Sink>(cx: &mut Cx<'_, S>, fr: &FramePayload<'_, '_>) {
    let FramePayload {
        buf, p, payload, ..
    } = *fr;
    let ps = |o: usize, n: usize| buf.span(p + o, n);
    let last = bytes::be32(payload, 0).unwrap_or(0);
    cx.field(&GOAWAY_R, ps(0, 4), Value::U64((last >> 31).into()));
    cx.field(
        &GOAWAY_LAST_STREAM_ID,
        ps(0, 4),
        Value::U64((last & 0x7fff_ffff).into()),
    );
    cx.field(
        &GOAWAY_ERROR,
        ps(4, 4),
        Value::U64(bytes::be32(payload, 4).unwrap_or(0).into()),
    );
    if payload.len() > 8 {
        cx.field(
            &GOAWAY_ADDATA,
            ps(8, payload.len() - 8),
            Value::Bytes(&payload[8..]),
        );
    }
}

/// Media types Wireshark names in Info when it shows the whole body (its
/// text and markup dissectors); others it hands on without a word.
pub fn shown_with_media_type(ct: &str) -> bool {
    let m = ct
        .split(';')
        .next()
        .unwrap_or(ct)
        .trim()
        .to_ascii_lowercase();
    m.starts_with("text/")
        || m.ends_with("+xml")
        || m.ends_with("/xml")
        || m.ends_with("/json")
        || m == "application/javascript"
        || m == "application/x-javascript"
        || m == "application/x-www-form-urlencoded"
}

/// The body of a DATA frame after its padding length, and where it starts.
fn unpad<'p, S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    p: usize,
    payload: &'p [u8],
    flags: u8,
) -> (&'p [u8], usize) {
    let (pad, at) = pad_length(cx, buf, p, payload, flags);
    let end = payload.len().saturating_sub(pad).max(at);
    (payload.get(at..end).unwrap_or(&[]), at)
}

/// A padded frame's pad length (its byte, then Wireshark's generated
/// copy), and where the payload after it starts.
fn pad_length<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    p: usize,
    payload: &[u8],
    flags: u8,
) -> (usize, usize) {
    if flags & 0x08 == 0 {
        cx.generated(&PAD_LENGTH, buf.span(p, 0), Value::U64(0));
        return (0, 0);
    }
    let pad = payload.first().copied().unwrap_or(0);
    cx.field(&PADDING, buf.span(p, 1), Value::U64(pad.into()));
    cx.generated(&PAD_LENGTH, buf.span(p, 1), Value::U64(pad.into()));
    (pad.into(), 1)
}

/// The body of a DATA frame (for gRPC), after its padding.
pub fn data_body(f: &[u8]) -> &[u8] {
    let flags = f.get(4).copied().unwrap_or(0);
    let payload = f.get(9..).unwrap_or(&[]);
    if flags & 0x08 != 0 {
        let pad = payload.first().copied().unwrap_or(0) as usize;
        payload
            .get(1..payload.len().saturating_sub(pad).max(1))
            .unwrap_or(&[])
    } else {
        payload
    }
}

fn flags_field<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, t: u8, flags: u8) {
    // Each type's bits as Wireshark lists them: the unused ones (a mask
    // field of their own) first, then the named ones from the high bit.
    let (unused, named): (&'static FieldDef, &[(u8, &'static FieldDef, &str)]) = match t {
        0 => (
            &FLAGS_UNUSED_DATA,
            &[
                (0x08, &FLAGS_PADDED, "Padded"),
                (0x01, &FLAGS_END_STREAM, "End Stream"),
            ],
        ),
        1 => (
            &FLAGS_UNUSED_HEADERS,
            &[
                (0x20, &FLAGS_PRIORITY, "Priority"),
                (0x08, &FLAGS_PADDED, "Padded"),
                (0x04, &FLAGS_END_HEADERS, "End Headers"),
                (0x01, &FLAGS_END_STREAM, "End Stream"),
            ],
        ),
        4 => (
            &FLAGS_UNUSED_SETTINGS,
            &[(0x01, &FLAGS_ACK_SETTINGS, "ACK")],
        ),
        5 => (
            &FLAGS_UNUSED_PUSH_PROMISE,
            &[
                (0x08, &FLAGS_PADDED, "Padded"),
                (0x04, &FLAGS_END_HEADERS, "End Headers"),
            ],
        ),
        6 => (&FLAGS_UNUSED_PING, &[(0x01, &FLAGS_ACK_PING, "ACK")]),
        // Wireshark 4.0 lists Padded for CONTINUATION too (RFC 9113 has
        // none), inside the unused mask.
        9 => (
            &FLAGS_UNUSED_CONTINUATION,
            &[
                (0x08, &FLAGS_PADDED, "Padded"),
                (0x04, &FLAGS_END_HEADERS, "End Headers"),
            ],
        ),
        _ => (&FLAGS_UNUSED, &[]),
    };
    let mut label = format!("Flags: 0x{flags:02x}");
    for (bit, _, word) in named {
        if flags & bit != 0 {
            let _ = write!(label, ", {word}");
        }
    }
    cx.labeled(
        &FLAGS,
        span,
        Value::U64(flags.into()),
        format_args!("{label}"),
    );
    cx.push();
    let bits = u64::from(flags) & unused.mask;
    cx.field(
        unused,
        span,
        Value::U64(bits >> unused.mask.trailing_zeros()),
    );
    for (bit, def, _) in named {
        cx.field(def, span, Value::Bool(flags & bit != 0));
    }
    cx.pop();
}

/// The decoded headers of a block this frame completes.
fn headers<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, note: &H2Note) {
    match &note.headers {
        None => {}
        Some(HeaderBlock::Unknown(why)) => {
            cx.field(&UNDECODED, span, Value::Str(why));
        }
        Some(HeaderBlock::Decoded {
            headers,
            size_updates,
            ..
        }) => {
            // Wireshark counts each header as its decompressed record:
            // a four-byte length before the name and before the value.
            let total: usize = headers
                .iter()
                .map(|h| 8 + h.name.len() + h.value.len())
                .sum();
            // Nothing decoded (a fragment cut mid-representation): no
            // summary at all. The count includes table size updates.
            let count = headers.len() + size_updates.len();
            if count == 0 {
                return;
            }
            cx.generated(&HEADER_LENGTH, span, Value::U64(total as u64));
            cx.generated(&HEADER_COUNT, span, Value::U64(count as u64));
            // Decoded values can be large (up to hpack::MAX_OUTPUT per
            // block): not even looked at for a sink that takes none of them.
            let wanted = cx.sink.wants_text()
                || HEADER_TREE_FIELDS.iter().any(|d| cx.sink.wants(d))
                || NAMED_HEADERS.iter().any(|(_, d)| cx.sink.wants(d));
            if !wanted {
                return;
            }
            for size in size_updates {
                cx.sink.field_with_label(
                    &TABLE_SIZE_UPDATE,
                    span,
                    Value::None,
                    Presence::Normal,
                    format_args!("Header table size update"),
                );
                cx.push();
                cx.field(&TABLE_SIZE, span, Value::U64(*size));
                cx.pop();
            }
            for h in headers {
                header_item(cx, span, h);
            }
            if let Some(uri) = full_uri(headers) {
                cx.generated(&FULL_URI, span, Value::Str(&uri));
            }
        }
    }
}

/// The fields of a header's subtree, for a sink that may want none.
static HEADER_TREE_FIELDS: [&FieldDef; 11] = [
    &HEADER,
    &HEADER_NAME,
    &HEADER_VALUE,
    &HEADER_NAME_LENGTH,
    &HEADER_VALUE_LENGTH,
    &HEADER_UNESCAPED,
    &HEADER_REPR,
    &HEADER_INDEX,
    &TABLE_SIZE_UPDATE,
    &TABLE_SIZE,
    &FULL_URI,
];

/// One decoded header: its name and value, its own field if Wireshark
/// names it, the value unescaped, and how HPACK sent it.
fn header_item<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, h: &crate::hpack::Header) {
    let name = String::from_utf8_lossy(&h.name);
    let value = String::from_utf8_lossy(&h.value);
    let mut label = format!("Header: {name}: {value}");
    if name == ":status" {
        let code = value.parse().unwrap_or(0);
        let _ = write!(label, " {}", crate::http::status_text(code));
    }
    cx.sink.field_with_label(
        &HEADER,
        span,
        Value::None,
        Presence::Normal,
        format_args!("{label}"),
    );
    cx.push();
    cx.field(&HEADER_NAME_LENGTH, span, Value::U64(h.name.len() as u64));
    cx.field(&HEADER_NAME, span, Value::Str(&name));
    cx.field(&HEADER_VALUE_LENGTH, span, Value::U64(h.value.len() as u64));
    cx.field(&HEADER_VALUE, span, Value::Str(&value));
    named_header(cx, span, &name, &value);
    if let Some(unescaped) = uri_unescape(&h.value) {
        cx.generated(&HEADER_UNESCAPED, span, Value::Str(&unescaped));
    }
    cx.field(&HEADER_REPR, span, Value::Str(h.repr.name()));
    if h.index != 0 {
        cx.field(&HEADER_INDEX, span, Value::U64(h.index));
    }
    cx.pop();
}

/// The header's own field (`http2.headers.path`), numbers only when the
/// value is one, and a path's components under it.
fn named_header<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, name: &str, value: &str) {
    let Some(&(_, def)) = NAMED_HEADERS.iter().find(|(n, _)| *n == name) else {
        return;
    };
    if def.ftype == T::String {
        cx.field(def, span, Value::Str(value));
    } else if let Some(n) = decimal(value) {
        cx.field(def, span, Value::U64(n));
    } else {
        return;
    }
    if name == ":path" {
        cx.push();
        crate::http::path_components(cx, span, value);
        cx.pop();
    }
}

/// A value that is a decimal number and nothing else (wsutil's strtou64).
fn decimal(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// GLib's `g_uri_unescape_string`: `%XX` decoded; none for a `%` not
/// followed by two hex digits, or one that decodes to NUL.
fn uri_unescape(v: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while let Some(&b) = v.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let byte = bytes::percent_escape(v, i)?;
        if byte == 0 {
            return None;
        }
        out.push(byte);
        i += 3;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Wireshark's full request URI: built when the block has an authority
/// (CONNECT's is the authority alone). A missing scheme or path prints
/// as C's printf prints a null string, as tshark shows it.
fn full_uri(headers: &[crate::hpack::Header]) -> Option<String> {
    let get = |n: &str| crate::hpack::value_of(headers, n).map(String::from_utf8_lossy);
    let authority = get(":authority")?;
    if get(":method").as_deref() == Some("CONNECT") {
        return Some(authority.into_owned());
    }
    let or_null = |v: Option<std::borrow::Cow<'_, str>>| {
        v.map_or_else(|| "(null)".into(), |v| v.into_owned())
    };
    Some(format!(
        "{}://{authority}{}",
        or_null(get(":scheme")),
        or_null(get(":path"))
    ))
}

/// The headers Wireshark gives a field of their own (RFC 7541's static
/// table), shown under the header and filterable by name.
static NAMED_HEADERS: &[(&str, &FieldDef)] = &[
    (":authority", &HEADERS_AUTHORITY),
    (":status", &HEADERS_STATUS),
    (":path", &HEADERS_PATH),
    (":method", &HEADERS_METHOD),
    (":scheme", &HEADERS_SCHEME),
    ("accept", &HEADERS_ACCEPT),
    ("accept-charset", &HEADERS_ACCEPT_CHARSET),
    ("accept-encoding", &HEADERS_ACCEPT_ENCODING),
    ("accept-language", &HEADERS_ACCEPT_LANGUAGE),
    ("accept-ranges", &HEADERS_ACCEPT_RANGES),
    (
        "access-control-allow-origin",
        &HEADERS_ACCESS_CONTROL_ALLOW_ORIGIN,
    ),
    ("age", &HEADERS_AGE),
    ("allow", &HEADERS_ALLOW),
    ("authorization", &HEADERS_AUTHORIZATION),
    ("cache-control", &HEADERS_CACHE_CONTROL),
    ("content-disposition", &HEADERS_CONTENT_DISPOSITION),
    ("content-encoding", &HEADERS_CONTENT_ENCODING),
    ("content-language", &HEADERS_CONTENT_LANGUAGE),
    ("content-length", &HEADERS_CONTENT_LENGTH),
    ("content-location", &HEADERS_CONTENT_LOCATION),
    ("content-range", &HEADERS_CONTENT_RANGE),
    ("content-type", &HEADERS_CONTENT_TYPE),
    ("cookie", &HEADERS_COOKIE),
    ("date", &HEADERS_DATE),
    ("etag", &HEADERS_ETAG),
    ("expect", &HEADERS_EXPECT),
    ("expires", &HEADERS_EXPIRES),
    ("from", &HEADERS_FROM),
    ("if-match", &HEADERS_IF_MATCH),
    ("if-modified-since", &HEADERS_IF_MODIFIED_SINCE),
    ("if-none-match", &HEADERS_IF_NONE_MATCH),
    ("if-range", &HEADERS_IF_RANGE),
    ("if-unmodified-since", &HEADERS_IF_UNMODIFIED_SINCE),
    ("last-modified", &HEADERS_LAST_MODIFIED),
    ("link", &HEADERS_LINK),
    ("location", &HEADERS_LOCATION),
    ("max-forwards", &HEADERS_MAX_FORWARDS),
    ("proxy-authenticate", &HEADERS_PROXY_AUTHENTICATE),
    ("proxy-authorization", &HEADERS_PROXY_AUTHORIZATION),
    ("range", &HEADERS_RANGE),
    ("referer", &HEADERS_REFERER),
    ("refresh", &HEADERS_REFRESH),
    ("retry-after", &HEADERS_RETRY_AFTER),
    ("server", &HEADERS_SERVER),
    ("set-cookie", &HEADERS_SET_COOKIE),
    (
        "strict-transport-security",
        &HEADERS_STRICT_TRANSPORT_SECURITY,
    ),
    ("user-agent", &HEADERS_USER_AGENT),
    ("vary", &HEADERS_VARY),
    ("via", &HEADERS_VIA),
    ("www-authenticate", &HEADERS_WWW_AUTHENTICATE),
];

/// HTTP/2 frames: a 9-byte header with the payload's length, after the
/// client's connection preface.
pub struct FrameFraming;

/// HTTP/2's framing in a TCP stream.
pub static FRAMES: FrameFraming = FrameFraming;

impl crate::pdu_framing::PduFraming for FrameFraming {
    fn frame(
        &self,
        b: &[u8],
        s: &mut crate::pdu_framing::FramingState<'_>,
    ) -> crate::pdu_framing::Framing {
        use crate::pdu_framing::{BodyKind, Framing, by_length};
        if s.preface_expected {
            let n = b.len().min(PREFACE.len());
            if b[..n] != PREFACE[..n] {
                // No preface: a capture that starts mid-connection.
            } else if n < PREFACE.len() {
                return Framing::NeedMore;
            } else {
                return Framing::Complete {
                    len: PREFACE.len(),
                    body: BodyKind::None,
                };
            }
        }
        if b.len() < 9 {
            return Framing::NeedMore;
        }
        if b[3] > 0x20 {
            return Framing::NotAPdu;
        }
        by_length(
            b,
            9 + ((b[0] as usize) << 16 | (b[1] as usize) << 8 | b[2] as usize),
        )
    }
    fn starts_pdu(&self, b: &[u8]) -> bool {
        b.starts_with(PREFACE)
            || (b.len() >= 9
                && b[3] <= 9
                && ((b[0] as usize) << 16 | (b[1] as usize) << 8 | b[2] as usize) <= 1 << 14)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preface_then_frames_by_their_9_byte_headers() {
        use crate::pdu_framing::{Framing, PduFraming, complete, test_state as state};
        let mut n = 0;
        assert_eq!(
            FRAMES.frame(&PREFACE[..10], &mut state(&mut n, true)),
            Framing::NeedMore
        );
        let whole = complete(PREFACE.len());
        assert_eq!(FRAMES.frame(PREFACE, &mut state(&mut n, true)), whole);
        let ping = [0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(FRAMES.frame(&ping, &mut state(&mut n, false)), complete(17));
    }
}
