//! Application PDUs carried over TCP: which protocol a connection speaks,
//! where its byte stream splits into PDUs (TLS records, HTTP messages,
//! HTTP/2 frames, DNS messages), and the connection state that gives each
//! PDU its meaning (which request a response answers, whether a TLS
//! handshake record is encrypted, the HPACK tables of HTTP/2).
//!
//! The analysis pass feeds every segment of a connection here, in capture
//! order, through a [`TcpReassembler`] (so retransmitted bytes count once
//! and out-of-order ones wait for their turn). A PDU belongs to the frame
//! that completes it, as in Wireshark: that frame shows it, reassembled from
//! its pieces when it spans segments; the frames before show a "segment of
//! a reassembled PDU". What the dissectors get for a frame is a
//! [`TcpPayload`], which the tape records so the frame can be dissected
//! again on its own.
//!
//! Memory is bounded: a PDU kept in pieces may not exceed [`MAX_PDU`] (an
//! HTTP body is counted, never kept), out-of-order bytes wait at most
//! [`MAX_OUT_OF_ORDER`] per direction, and a connection that breaks its
//! protocol's framing is followed no further until a PDU start shows again.

use crate::http::{self, BodyKind, BodyState, HttpNote};
use crate::packet::{TcpSegment, TransportAt};
use crate::tcp_analysis::{Flag, SegmentAnalysis};
use crate::tcp_reassembly::{StreamEvent, TcpReassembler};

pub use crate::pdu_framing::MAX_PDU;
use crate::pdu_framing::{Framing, FramingState, PduFraming};
pub use crate::tls::looks_like_tls;
/// Out-of-order bytes held per direction of an application connection.
pub const MAX_OUT_OF_ORDER: usize = 1 << 20;
/// Pieces listed per PDU (a long HTTP body is counted past this).
pub const MAX_PIECES: usize = 256;
/// An HTTP message up to this size is kept whole (head and body); past it
/// only the head is kept and the body counted.
pub const MAX_KEPT_MESSAGE: usize = 64 << 10;

/// The application protocol of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppProto {
    /// Nothing we dissect: the payload is shown as data.
    #[default]
    None,
    Http,
    Tls,
    Http2,
    Dns,
    /// A line-based protocol (SMTP): a segment that ends inside its first
    /// line waits for the rest; what has a line end goes whole to the
    /// protocol [`crate::table::Table::TcpLines`] gives the port.
    Lines,
    /// A header a proxy puts before a connection's first bytes (the PROXY
    /// protocol): one PDU, taken by [`crate::table::Table::TcpPreamble`].
    /// As a connection's protocol: nothing framed after it.
    Preamble,
    /// WebSocket frames, after an HTTP Upgrade a `101` answered.
    WebSocket,
}

impl AppProto {
    pub fn from_u8(v: u8) -> AppProto {
        match v {
            1 => AppProto::Http,
            2 => AppProto::Tls,
            3 => AppProto::Http2,
            4 => AppProto::Dns,
            5 => AppProto::Lines,
            6 => AppProto::Preamble,
            7 => AppProto::WebSocket,
            _ => AppProto::None,
        }
    }
    /// The protocol a Decode As rule names, if its PDUs are framed here
    /// (anything else is dissected segment by segment).
    pub fn from_name(name: &str) -> AppProto {
        match name {
            "http" => AppProto::Http,
            "tls" | "ssl" => AppProto::Tls,
            "http2" => AppProto::Http2,
            "dns" => AppProto::Dns,
            "websocket" => AppProto::WebSocket,
            _ => AppProto::None,
        }
    }
    pub fn as_u8(self) -> u8 {
        match self {
            AppProto::None => 0,
            AppProto::Http => 1,
            AppProto::Tls => 2,
            AppProto::Http2 => 3,
            AppProto::Dns => 4,
            AppProto::Lines => 5,
            AppProto::Preamble => 6,
            AppProto::WebSocket => 7,
        }
    }
}

/// Where part of a PDU was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub frame: u32,
    /// Offset of these bytes in that frame's captured data, when known.
    pub at: Option<u32>,
    pub len: u32,
}

/// A PDU's bytes: inside the current segment, or reassembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PduBytes {
    /// `payload[start..start + len]` of the current segment.
    InFrame {
        start: u32,
        len: u32,
    },
    Reassembled(Vec<u8>),
}

impl PduBytes {
    /// Heap bytes held (none when the bytes lie in the frame).
    pub fn heap_len(&self) -> usize {
        match self {
            PduBytes::InFrame { .. } => 0,
            PduBytes::Reassembled(v) => v.len(),
        }
    }
}

/// What the connection knew about a PDU when it completed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PduNote {
    #[default]
    None,
    Http(HttpNote),
    Dns(crate::dns::DnsMatch),
    /// A record, and when it decrypted to application data, what that
    /// carries (the decrypted stream framed as a connection of its own).
    Tls(crate::tls::TlsNote, Option<Box<TcpPayload>>),
    H2(crate::http2::H2Note),
}

impl PduNote {
    /// Heap bytes the note holds of its own (shared values not counted).
    pub fn heap_bytes(&self) -> usize {
        match self {
            PduNote::Tls(n, inner) => {
                n.carry.len()
                    + n.decrypted.plain().map_or(0, |p| p.bytes.len())
                    + inner.as_ref().map_or(0, |i| {
                        i.pdus
                            .iter()
                            .map(|p| p.note.heap_bytes() + p.bytes.heap_len())
                            .sum()
                    })
            }
            PduNote::H2(n) => n.body.as_ref().map_or(0, Vec::len),
            PduNote::None | PduNote::Http(_) | PduNote::Dns(_) => 0,
        }
    }
}

/// One PDU completed by the current segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpPdu {
    pub proto: AppProto,
    /// The bytes kept: the whole PDU, or an HTTP message's head.
    pub bytes: PduBytes,
    /// Where a reassembled PDU came from (empty when it lies in this segment).
    pub pieces: Vec<Piece>,
    /// HTTP body bytes that followed the head (counted, not kept).
    pub body_len: u64,
    pub note: PduNote,
    /// A retransmission of a PDU shown before (not counted again).
    pub retransmitted: bool,
}

/// A bound of the PDU engine that made it give up on a direction's
/// framing in a segment (reported as a reassembly error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduLimit {
    /// A PDU longer than [`MAX_PDU`] (or an HTTP head past [`http::MAX_HEAD`]).
    TooLong,
    /// More than [`MAX_OUT_OF_ORDER`] bytes waited behind a gap.
    OutOfOrder,
    /// A TLS handshake message longer than [`crate::tls::MAX_HANDSHAKE`].
    TlsHandshake,
    /// An HTTP/2 header block longer than [`crate::http2::MAX_BLOCK`].
    H2HeaderBlock,
}

impl PduLimit {
    pub fn as_u8(self) -> u8 {
        match self {
            PduLimit::TooLong => 1,
            PduLimit::OutOfOrder => 2,
            PduLimit::TlsHandshake => 3,
            PduLimit::H2HeaderBlock => 4,
        }
    }
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(PduLimit::TooLong),
            2 => Some(PduLimit::OutOfOrder),
            3 => Some(PduLimit::TlsHandshake),
            4 => Some(PduLimit::H2HeaderBlock),
            _ => None,
        }
    }
    /// What the reassembly error says.
    pub fn text(self) -> String {
        match self {
            PduLimit::TooLong => format!(
                "a PDU longer than {} bytes (an HTTP head longer than {}) is not reassembled",
                MAX_PDU,
                http::MAX_HEAD
            ),
            PduLimit::OutOfOrder => format!(
                "more than {MAX_OUT_OF_ORDER} bytes waited behind a gap, which is given up on"
            ),
            PduLimit::TlsHandshake => format!(
                "a TLS handshake message longer than {} bytes is not reassembled",
                crate::tls::MAX_HANDSHAKE
            ),
            PduLimit::H2HeaderBlock => format!(
                "an HTTP/2 header block longer than {} bytes is not reassembled",
                crate::http2::MAX_BLOCK
            ),
        }
    }
}

/// What follows the PDUs in the current segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rest {
    /// Nothing (the PDUs took it all, or its bytes were seen before).
    #[default]
    None,
    /// Bytes of a PDU that is not complete yet.
    Pending,
    /// Bytes no protocol claims.
    Data,
    /// Bytes of a protocol HTTP upgraded to (WebSocket): data under HTTP.
    Upgraded,
    /// Bytes of an HTTP connection, after its messages, that are no message
    /// (Wireshark's "Continuation").
    Continuation,
}

/// What TCP asks the analysis about a segment's payload (its bytes go with
/// the question): the segment, its analysis, and where the payload starts
/// in the frame's captured data when it lies there. Asked for every
/// segment with analysis (an ACK may complete the other side's PDU).
#[derive(Debug, Clone)]
pub struct PayloadQuestion {
    pub at: TransportAt,
    pub seg: TcpSegment,
    pub analysis: SegmentAnalysis,
    pub payload_at: Option<u32>,
}

/// The application view of one TCP segment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TcpPayload {
    pub proto: AppProto,
    /// The connection's port belongs to HTTP (Wireshark then shows HTTP/2
    /// under an `http` layer).
    pub http_port: bool,
    pub pdus: Vec<TcpPdu>,
    pub rest: Rest,
    /// The TLS version the connection settled on (0: none), for bytes that
    /// are no record.
    pub version: u16,
    /// A bound made the engine give up framing in this segment.
    pub limit: Option<PduLimit>,
    /// The connection's state was dropped at the analysis' memory ceiling
    /// since its last segment.
    pub state_dropped: bool,
}

impl TcpPayload {
    /// Bytes of this segment its PDUs take: those inside it, and the
    /// segment's share of a PDU it completes (its first bytes).
    pub fn consumed_here(&self) -> u32 {
        self.pdus
            .iter()
            .map(|p| match &p.bytes {
                PduBytes::InFrame { start, len } => start + len,
                PduBytes::Reassembled(_) => p.pieces.last().map_or(0, |piece| piece.len),
            })
            .max()
            .unwrap_or(0)
    }

    /// This segment's share (its first bytes) of each PDU it completes
    /// from earlier segments.
    pub fn completed_here(&self) -> impl Iterator<Item = u32> + '_ {
        self.pdus.iter().filter_map(|p| match &p.bytes {
            PduBytes::Reassembled(_) => p.pieces.last().map(|piece| piece.len),
            PduBytes::InFrame { .. } => None,
        })
    }

    /// A payload no application protocol takes: all data.
    pub fn data() -> Self {
        TcpPayload {
            rest: Rest::Data,
            ..Default::default()
        }
    }
}

/// TCP ports Wireshark gives to HTTP by default.
pub const HTTP_PORTS: &[u16] = &[80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710];
/// TCP ports of TLS (HTTPS and the TLS forms of other protocols).
pub const TLS_PORTS: &[u16] = &[
    443, 465, 563, 585, 614, 636, 853, 989, 990, 992, 993, 994, 995, 3389, 5061, 5223, 8443,
];
pub const DNS_PORTS: &[u16] = &[53, 5353, 5355];
/// Ports Wireshark gives to protocols we do not dissect: what they carry is
/// theirs even when it looks like HTTP.
pub const OTHER_PORTS: &[u16] = &[
    20, 21, 22, 23, 25, 110, 111, 119, 135, 139, 143, 179, 389, 445, 514, 515, 554, 587, 631, 873,
    1433, 1521, 1723, 1883, 2049, 3306, 5060, 5222, 5432, 5900, 6379, 6667, 11211, 27017,
];

/// Whole HTTP/2 frames, back to back, filling the bytes exactly: how a
/// connection captured after its start is recognised.
pub fn looks_like_h2_frames(b: &[u8]) -> bool {
    let mut i = 0;
    let mut frames = 0;
    while i + 9 <= b.len() {
        let len = (b[i] as usize) << 16 | (b[i + 1] as usize) << 8 | b[i + 2] as usize;
        let (t, sid) = (
            b[i + 3],
            u32::from_be_bytes([b[i + 5], b[i + 6], b[i + 7], b[i + 8]]),
        );
        let connection_frame = matches!(t, 4 | 6 | 7);
        if t > 9
            || sid & 0x8000_0000 != 0
            || len > 1 << 14
            || connection_frame != (sid == 0) && t != 8
        {
            return false;
        }
        i += 9 + len;
        frames += 1;
    }
    frames > 0 && i == b.len()
}

/// The protocol a connection speaks, from its ports and its first payload.
/// `line_port`: a port of a line-based protocol ([`AppProto::Lines`]).
pub fn choose(sport: u16, dport: u16, first: &[u8], line_port: bool) -> AppProto {
    let port = |list: &[u16]| list.contains(&sport) || list.contains(&dport);
    if first.starts_with(crate::http2::PREFACE)
        || (first.len() < crate::http2::PREFACE.len()
            && crate::http2::PREFACE.starts_with(first)
            && first.len() >= 4)
    {
        return AppProto::Http2;
    }
    if looks_like_tls(first) {
        return AppProto::Tls;
    }
    if looks_like_h2_frames(first) && !port(DNS_PORTS) {
        return AppProto::Http2;
    }
    if line_port {
        return AppProto::Lines;
    }
    if port(DNS_PORTS) {
        return AppProto::Dns;
    }
    if port(HTTP_PORTS) || (http::message_kind(first).is_some() && !port(OTHER_PORTS)) {
        return AppProto::Http;
    }
    if port(TLS_PORTS) {
        return AppProto::Tls;
    }
    AppProto::None
}

/// The framing of a protocol framed here: the protocol's own, or the
/// preamble's (a PROXY header), which the engine knows by its length.
fn framing_of(proto: AppProto) -> Option<&'static dyn PduFraming> {
    Some(match proto {
        AppProto::Tls => &crate::tls::RECORDS,
        AppProto::Http2 => &crate::http2::FRAMES,
        AppProto::Dns => &crate::dns::TCP_MESSAGES,
        AppProto::Http => &crate::http::MESSAGES,
        AppProto::Lines => &crate::text_lines::LINES,
        AppProto::WebSocket => &crate::websocket::FRAMES,
        AppProto::Preamble | AppProto::None => return None,
    })
}

/// How the PDU at the start of `b` ends, in `proto`'s framing; a
/// direction's preamble is `preamble` bytes long (0: none left).
fn frame(proto: AppProto, b: &[u8], s: &mut FramingState<'_>, preamble: usize) -> Framing {
    if proto == AppProto::Preamble {
        return match preamble {
            0 => Framing::NotAPdu,
            n => crate::pdu_framing::by_length(b, n),
        };
    }
    framing_of(proto).map_or(Framing::NotAPdu, |f| f.frame(b, s))
}

/// One direction of an application connection.
#[derive(Debug, Default)]
struct AppDir {
    /// Bytes of the PDU in progress.
    buf: Vec<u8>,
    pieces: Vec<Piece>,
    /// An HTTP message whose body is being counted: its head, and where
    /// head and body came from.
    head: Vec<u8>,
    head_pieces: Vec<Piece>,
    head_len: usize,
    body: Option<BodyState>,
    body_len: u64,
    /// Framing was lost (a gap, bytes that are not this protocol): wait for
    /// bytes that start a PDU.
    lost: bool,
    h2_preface_expected: bool,
    /// Length of the preamble (a PROXY header) this direction starts with,
    /// until it is framed.
    preamble: usize,
    /// A PDU went this way before (bytes that break the framing after that
    /// are a continuation, not a protocol unknown).
    framed: bool,
    /// How much of `buf` was searched for the end of an HTTP head.
    head_scanned: usize,
    /// Stream offset of the next byte fed, and of `buf`'s first byte.
    pos: u64,
    buf_off: u64,
    /// Stream offset of the HTTP message whose body is being counted.
    head_off: u64,
    /// A segment came after a hole inside the PDU in progress, which ends
    /// at this stream offset: the PDU waits for the hole to fill.
    held_end: Option<u64>,
    /// The latest PDUs that lay in one segment.
    shown: std::collections::VecDeque<Shown>,
    /// Heap bytes their notes hold.
    shown_bytes: usize,
}

impl AppDir {
    /// Stream offset where the PDU in progress ends, when its length is
    /// known already (a record, frame or message header read, an HTTP body
    /// of declared length).
    fn pdu_end(&self, proto: AppProto) -> Option<u64> {
        if let Some(body) = &self.body {
            return match body {
                BodyState::Length { left } => Some(self.pos + left),
                _ => None,
            };
        }
        let b = &self.buf;
        let len = match proto {
            AppProto::Tls if b.len() >= 5 => 5 + u16::from_be_bytes([b[3], b[4]]) as u64,
            AppProto::Http2 if b.len() >= 9 && !self.h2_preface_expected => {
                9 + (u64::from(b[0]) << 16 | u64::from(b[1]) << 8 | u64::from(b[2]))
            }
            AppProto::Dns if b.len() >= 2 => 2 + u64::from(u16::from_be_bytes([b[0], b[1]])),
            _ => return None,
        };
        Some(self.buf_off + len)
    }

    /// The PDUs a retransmitted segment (stream offset `off`, `len` bytes)
    /// shows again: those it holds whole, from its first byte on.
    fn resent(&self, off: u64, len: usize) -> Vec<TcpPdu> {
        let mut out = Vec::new();
        let mut at = off;
        let end = off + len as u64;
        for s in self.shown.iter().filter(|s| s.offset >= off) {
            if s.offset != at || s.offset + u64::from(s.len) > end {
                break;
            }
            out.push(TcpPdu {
                proto: s.proto,
                bytes: PduBytes::InFrame {
                    start: (s.offset - off) as u32,
                    len: s.len,
                },
                pieces: Vec::new(),
                body_len: s.body_len,
                note: match &s.note {
                    // Wireshark pairs a request with one response: the
                    // resent copy answers nothing.
                    PduNote::Http(_) => PduNote::Http(HttpNote::default()),
                    n => n.clone(),
                },
                retransmitted: true,
            });
            at += u64::from(s.len);
        }
        out
    }

    fn remember(&mut self, s: Shown) {
        if self.shown.len() >= MAX_SHOWN
            && let Some(old) = self.shown.pop_front()
        {
            self.shown_bytes -= old.note.heap_bytes();
        }
        self.shown_bytes += s.note.heap_bytes();
        self.shown.push_back(s);
    }

    /// Heap bytes this direction holds (near enough for the memory ceiling).
    fn held_bytes(&self) -> usize {
        self.buf.capacity()
            + self.head.capacity()
            + (self.pieces.capacity() + self.head_pieces.capacity()) * std::mem::size_of::<Piece>()
            + self.shown.len() * std::mem::size_of::<Shown>()
            + self.shown_bytes
    }

    fn reset(&mut self) {
        // A large buffer is let go, not only emptied.
        if self.buf.capacity() > 64 << 10 {
            self.buf = Vec::new();
        }
        self.buf.clear();
        self.head_scanned = 0;
        self.pieces.clear();
        self.head.clear();
        self.head_pieces.clear();
        self.body = None;
        self.body_len = 0;
        self.held_end = None;
    }
}

/// A request and what answered it so far.
#[derive(Debug, Clone)]
struct Exchange {
    /// The request (frame, time, method); none when a response came with
    /// no request before it.
    request: Option<(u32, i64, Vec<u8>, Option<String>)>,
    /// The status of the latest response to it.
    response: Option<u16>,
    /// The frame of that response.
    response_frame: Option<u32>,
    /// Its place among the connection's exchanges, from 1.
    number: u32,
    /// The request and response frames of the exchange before it.
    previous: (Option<u32>, Option<u32>),
}

impl Exchange {
    /// The connection's next exchange after `before`, begun by a request
    /// or by a response that answers none.
    fn after(before: Option<&Exchange>) -> Exchange {
        Exchange {
            request: None,
            response: None,
            response_frame: None,
            number: before.map_or(0, |x| x.number) + 1,
            previous: before.map_or((None, None), |x| {
                (x.request.as_ref().map(|r| r.0), x.response_frame)
            }),
        }
    }

    /// What a message of this exchange notes about it.
    fn note(&self) -> HttpNote {
        HttpNote {
            number: self.number,
            prev_request: self.previous.0,
            prev_response: self.previous.1,
            ..HttpNote::default()
        }
    }
}

/// The application state of one TCP connection.
#[derive(Debug, Default)]
pub struct AppConnection {
    pub proto: AppProto,
    http_port: bool,
    reassembler: TcpReassembler,
    dirs: [AppDir; 2],
    /// The latest HTTP exchange of the connection. Like Wireshark, a
    /// response answers the latest request, if no final response did
    /// already: no pipelining, and a request whose response was lost stays
    /// unanswered rather than shifting every later pair.
    exchange: Option<Exchange>,
    /// After `101 Switching Protocols` to h2c in this direction's stream.
    switch_to_h2: [bool; 2],
    /// After `101 Switching Protocols` to WebSocket: its frames.
    switch_to_ws: bool,
    /// After `101 Switching Protocols` to something else: the bytes belong
    /// to HTTP's upgrade, shown as data.
    upgraded: bool,
    tls: crate::tls::TlsConnection,
    h2: Option<Box<crate::http2::H2Connection>>,
    /// A bound reached while feeding the current segment.
    limit_hit: Option<PduLimit>,
    /// The connection's ports (source, destination of its first segment).
    ports: (u16, u16),
    /// What TLS decrypted, framed as a connection of its own.
    decrypted: DecryptedSide,
}

/// The decrypted side of a TLS connection.
#[derive(Debug, Default)]
enum DecryptedSide {
    /// No application data decrypted yet.
    #[default]
    Unknown,
    /// Its protocol is nothing we dissect.
    Nothing,
    Conn {
        conn: Box<AppConnection>,
        /// Stream offset of the next byte, per direction.
        pos: [u64; 2],
    },
}

/// What the reassembler delivered, collected before it is fed on.
struct Event {
    dir: usize,
    frame: u32,
    at: Option<u32>,
    offset: u64,
    data: EventData,
}

enum EventData {
    /// `payload[start..start + len]` of the current segment.
    Own(usize, usize),
    Copied(Vec<u8>),
    /// `payload[start..start + len]`: bytes of a gap given up on before.
    Late(usize, usize),
    /// `limit`: declared because too much waited behind it.
    Gap {
        limit: bool,
    },
}

impl Event {
    /// The stream's event as the connection keeps it: bytes of the current
    /// segment (of direction `dir`) are borrowed by position; others
    /// (released after reordering) are copied. Late bytes matter only when
    /// they are the current segment's.
    fn of(e: StreamEvent<'_>, dir: usize, cur: &Current<'_>) -> Option<Event> {
        let own = |frame: u32, d: usize, bytes: &[u8]| {
            let (p, start) = (bytes.as_ptr() as usize, cur.payload.as_ptr() as usize);
            let inside = frame == cur.frame && d == dir && p >= start;
            (inside && p + bytes.len() <= start + cur.payload.len()).then(|| p - start)
        };
        Some(match e {
            StreamEvent::Data {
                dir: d,
                frame,
                offset,
                bytes,
                at,
            } => Event {
                dir: d,
                frame,
                at,
                offset,
                data: match own(frame, d, bytes) {
                    Some(start) => EventData::Own(start, bytes.len()),
                    None => EventData::Copied(bytes.to_vec()),
                },
            },
            StreamEvent::Late {
                dir: d,
                frame,
                bytes,
                at,
            } => Event {
                dir: d,
                frame,
                at,
                offset: 0,
                data: EventData::Late(own(frame, d, bytes)?, bytes.len()),
            },
            StreamEvent::Gap {
                dir: d,
                frame,
                offset,
                limit,
                ..
            } => Event {
                dir: d,
                frame,
                at: None,
                offset,
                data: EventData::Gap { limit },
            },
        })
    }
}

/// A PDU that lay in one segment, remembered to recognise a retransmission.
#[derive(Debug, Clone)]
struct Shown {
    offset: u64,
    len: u32,
    proto: AppProto,
    body_len: u64,
    note: PduNote,
}

/// PDUs remembered per direction for that.
const MAX_SHOWN: usize = 64;

/// The segment being fed, for attributing PDUs.
struct Current<'a> {
    frame: u32,
    ts_ns: i64,
    /// Captured payload and where it starts in the frame.
    payload: &'a [u8],
    payload_at: Option<u32>,
}

impl AppConnection {
    /// A connection whose earlier bytes are not known (its state was
    /// dropped): framing resumes where a PDU plainly starts.
    pub fn resumed(proto: AppProto, sport: u16, dport: u16) -> Self {
        let mut c = Self::new(proto, sport, dport);
        for d in &mut c.dirs {
            d.lost = true;
            d.h2_preface_expected = false;
        }
        c
    }

    /// The connection's TLS was started by `by` (STARTTLS): its records
    /// name that protocol, as tshark's.
    pub fn started_by(mut self, by: &crate::proto::ProtoDef) -> Self {
        self.tls.started_by = crate::tls::app_protocol::starting(by.field.title);
        self
    }

    pub fn new(proto: AppProto, sport: u16, dport: u16) -> Self {
        let mut c = AppConnection {
            proto,
            ports: (sport, dport),
            http_port: HTTP_PORTS.contains(&sport) || HTTP_PORTS.contains(&dport),
            reassembler: TcpReassembler::with_limit(MAX_OUT_OF_ORDER).with_late_data(),
            ..Default::default()
        };
        if proto == AppProto::Http2 {
            c.dirs[0].h2_preface_expected = true;
            c.dirs[1].h2_preface_expected = true;
        }
        c
    }

    /// A connection whose direction `dir` starts with a preamble of `len`
    /// bytes (a PROXY header) before its protocol's first PDU.
    pub fn with_preamble(mut self, dir: usize, len: usize) -> Self {
        if let Some(d) = self.dirs.get_mut(dir) {
            d.preamble = len;
        }
        self
    }

    /// A connection of preamble only (a PROXY header alone in its
    /// segment), framed: the next payload says what the connection is.
    pub fn awaits_protocol(&self) -> bool {
        self.proto == AppProto::Preamble && self.dirs.iter().all(|d| d.preamble == 0)
    }

    /// Heap bytes the connection's state holds, near enough for the
    /// analysis' memory ceiling.
    pub fn held_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.dirs.iter().map(AppDir::held_bytes).sum::<usize>()
            + self.reassembler.pending_bytes().iter().sum::<usize>()
            + self.tls.held_bytes()
            + self.decrypted_bytes()
            + self.h2.as_ref().map_or(0, |h| h.held_bytes())
            + self.exchange.as_ref().map_or(0, |x| {
                x.request.as_ref().map_or(0, |r| {
                    r.2.capacity() + r.3.as_ref().map_or(0, String::capacity)
                })
            })
    }

    /// Feeds one segment (any length: an ACK may release the other side's
    /// waiting bytes) and says what its payload carries.
    pub fn segment(
        &mut self,
        at: &TransportAt,
        seg: &TcpSegment,
        a: &SegmentAnalysis,
        payload: &[u8],
        payload_at: Option<u32>,
    ) -> TcpPayload {
        let dir = usize::from(a.dir & 1);
        let cur = Current {
            frame: at.frame,
            ts_ns: at.ts_ns,
            payload,
            payload_at,
        };
        let mut out = TcpPayload {
            proto: self.proto,
            http_port: self.http_port,
            ..Default::default()
        };
        let seg_seq = if seg.has(TcpSegment::SYN) {
            seg.seq.wrapping_add(1)
        } else {
            seg.seq
        };
        let seg_offset = self.offset_of(dir, seg_seq);
        let events = self.reassemble(dir, &cur, seg, a, seg_seq);
        let held = self.dirs[dir].held_end.is_some();
        let fed_own = self.feed_events(events, &cur, &mut out);
        self.rest_after_feeding(dir, fed_own, &cur, &mut out);
        if !fed_own && !payload.is_empty() {
            self.rest_unfed(dir, held, seg_offset, a, payload.len(), &mut out);
        }
        if self.switch_to_ws {
            // The connection speaks WebSocket now (what its rest is).
            out.proto = AppProto::WebSocket;
        }
        out.version = self.tls.version;
        out.limit = self.limit_hit.take();
        // A body that lasts until the sender closes ends with its FIN.
        if seg.has(TcpSegment::FIN) {
            self.close(dir, &cur, &mut out.pdus);
        }
        out
    }

    /// Where a segment starting at `seg_seq` sits in the direction's stream,
    /// if at or before the bytes expected next (for recognising a
    /// retransmission of PDUs already shown).
    fn offset_of(&self, dir: usize, seg_seq: u32) -> Option<u64> {
        let (expected, offset) = self.reassembler.position(dir)?;
        let back = expected.wrapping_sub(seg_seq);
        if (back as i32) < 0 {
            return None;
        }
        offset.checked_sub(u64::from(back))
    }

    /// Hands the segment to the reassembler, after declaring a hole before
    /// it where the analysis saw one, and returns what the stream released.
    fn reassemble(
        &mut self,
        dir: usize,
        cur: &Current<'_>,
        seg: &TcpSegment,
        a: &SegmentAnalysis,
        seg_seq: u32,
    ) -> Vec<Event> {
        let mut events: Vec<Event> = Vec::new();
        let mut sink = |e: StreamEvent<'_>| events.extend(Event::of(e, dir, cur));
        // Where a segment ahead of the stream (after a hole) starts.
        let ahead = self
            .reassembler
            .position(dir)
            .filter(|(expected, _)| (seg_seq.wrapping_sub(*expected) as i32) > 0)
            .map(|(expected, offset)| offset + u64::from(seg_seq.wrapping_sub(expected)));
        let end = self.dirs[dir].pdu_end(self.proto_of(dir));
        if a.has(Flag::LostSegment) {
            match (end, ahead) {
                // A hole inside a PDU of known length: as Wireshark does,
                // the PDU collects its bytes by offset and completes if the
                // hole fills (segments reordered).
                (Some(end), Some(o)) if o < end => self.dirs[dir].held_end = Some(end),
                // Else a segment after a hole is new data now.
                _ => {
                    self.dirs[dir].held_end = None;
                    self.reassembler.gap_to(dir, seg_seq, cur.frame, &mut sink);
                }
            }
        } else if let Some(end) = self.dirs[dir].held_end
            && ahead.is_some_and(|o| o >= end)
        {
            // Past the held PDU with its hole still open: the PDU is never
            // complete, what follows is framed on its own.
            self.dirs[dir].held_end = None;
            self.reassembler.gap_to(dir, seg_seq, cur.frame, &mut sink);
        }
        self.reassembler.segment_at(
            dir,
            cur.frame,
            seg.seq,
            seg.has(TcpSegment::SYN),
            seg.ack,
            seg.len,
            cur.payload,
            cur.payload_at,
            &mut sink,
        );
        events
    }

    /// Frames what the stream released; returns whether any of it was the
    /// current segment's own bytes.
    fn feed_events(&mut self, events: Vec<Event>, cur: &Current<'_>, out: &mut TcpPayload) -> bool {
        let mut fed_own = false;
        for e in events {
            let d = e.dir;
            let piece_len = |n: usize| Piece {
                frame: e.frame,
                at: e.at,
                len: n as u32,
            };
            match e.data {
                EventData::Gap { limit: false } => self.lose(d),
                EventData::Gap { limit: true } => self.give_up(d, PduLimit::OutOfOrder),
                EventData::Own(start, len) => {
                    self.dirs[d].pos = e.offset;
                    let data = &cur.payload[start..start + len];
                    if self.feed(d, piece_len(len), data, cur, &mut out.pdus) {
                        out.rest = Rest::Data;
                    }
                    fed_own = true;
                }
                EventData::Late(start, len) => {
                    let data = &cur.payload[start..start + len];
                    if self.feed_late(d, piece_len(len), data, cur, &mut out.pdus) {
                        out.rest = Rest::Data;
                    }
                    fed_own = true;
                }
                EventData::Copied(bytes) => {
                    self.dirs[d].pos = e.offset;
                    self.feed(d, piece_len(bytes.len()), &bytes, cur, &mut out.pdus);
                }
            }
        }
        fed_own
    }

    /// What the rest of a segment whose bytes were framed is: data after
    /// an upgrade or an HTTP continuation, or pending in a PDU this
    /// segment began.
    fn rest_after_feeding(
        &mut self,
        dir: usize,
        fed_own: bool,
        cur: &Current<'_>,
        out: &mut TcpPayload,
    ) {
        if out.rest == Rest::Data && self.upgraded {
            out.rest = Rest::Upgraded;
        } else if out.rest == Rest::Data
            && self.proto_of(dir) == AppProto::Http
            && (self.dirs[0].framed || self.dirs[1].framed)
        {
            out.rest = Rest::Continuation;
        }
        if fed_own && out.rest != Rest::Data && out.rest != Rest::Upgraded {
            let d = &self.dirs[dir];
            // The current segment's piece, if any, is the latest.
            let here = |ps: &[Piece]| ps.iter().rev().any(|p| p.frame == cur.frame);
            if (!d.buf.is_empty() && here(&d.pieces)) || (d.body.is_some() && here(&d.head_pieces))
            {
                out.rest = Rest::Pending;
            }
        }
        if let Some(end) = self.dirs[dir].held_end
            && self
                .reassembler
                .position(dir)
                .is_some_and(|(_, o)| o >= end)
        {
            // The hole filled: the PDU is complete.
            self.dirs[dir].held_end = None;
        }
    }

    /// What a segment whose bytes the stream did not take now carries:
    /// bytes waiting in a held PDU, a keep-alive's byte, or PDUs shown again
    /// for a fast retransmission.
    fn rest_unfed(
        &mut self,
        dir: usize,
        held: bool,
        seg_offset: Option<u64>,
        a: &SegmentAnalysis,
        len: usize,
        out: &mut TcpPayload,
    ) {
        if held && seg_offset.is_none() {
            // Waiting, with the PDU it belongs to, for the hole to fill.
            out.rest = Rest::Pending;
        } else if a.has(Flag::KeepAlive) {
            // Wireshark hands a keep-alive's byte to the protocol above
            // unless it falls in a PDU still being reassembled.
            let d = &self.dirs[dir];
            if d.buf.is_empty() && d.body.is_none() {
                out.rest = Rest::Data;
            }
        } else if let Some(off) = seg_offset.filter(|_| a.has(Flag::FastRetransmission)) {
            // A fast retransmission of bytes delivered before: PDUs they
            // made on their own are shown again, as Wireshark does (it
            // leaves other retransmissions to TCP).
            out.pdus.extend(self.dirs[dir].resent(off, len));
        }
    }

    /// Bytes of a gap that arrived after all (a fast retransmission of a
    /// segment given up on): shown as Wireshark shows such a segment, framed
    /// on their own with what the connection knows, without touching its
    /// state (they come out of order).
    fn feed_late(
        &mut self,
        d: usize,
        piece: Piece,
        data: &[u8],
        cur: &Current<'_>,
        out: &mut Vec<TcpPdu>,
    ) -> bool {
        let mut tmp = AppConnection {
            proto: self.proto,
            http_port: self.http_port,
            switch_to_h2: self.switch_to_h2,
            switch_to_ws: self.switch_to_ws,
            upgraded: self.upgraded,
            tls: self.tls.copy_without_keys(),
            ..Default::default()
        };
        let before = out.len();
        let undissected = tmp.feed(d, piece, data, cur, out);
        for p in out[before..].iter_mut() {
            // Not to be counted again as a transaction.
            if let PduNote::Http(n) = &mut p.note {
                *n = HttpNote::default();
            }
        }
        undissected
    }

    /// Framing lost in direction `d`: drop what was in progress.
    fn lose(&mut self, d: usize) {
        self.dirs[d].reset();
        self.dirs[d].lost = true;
        if let Some(h2) = self.h2.as_mut() {
            h2.lose(d);
        }
    }

    fn close(&mut self, d: usize, cur: &Current<'_>, out: &mut Vec<TcpPdu>) {
        if self.dirs[d].body == Some(BodyState::UntilClose) {
            let dir = &mut self.dirs[d];
            dir.body = Some(BodyState::Done);
            // The FIN's segment completes the message (with no bytes).
            if dir.head_pieces.last().is_none_or(|p| p.frame != cur.frame) {
                dir.head_pieces.push(Piece {
                    frame: cur.frame,
                    at: cur.payload_at.map(|a| a + cur.payload.len() as u32),
                    len: 0,
                });
            }
            self.finish_body(d, cur, out);
        }
    }

    /// Takes in-order bytes of direction `d`; returns whether some of them
    /// belong to no PDU (shown as data).
    fn feed(
        &mut self,
        d: usize,
        mut piece: Piece,
        mut data: &[u8],
        cur: &Current<'_>,
        out: &mut Vec<TcpPdu>,
    ) -> bool {
        while !data.is_empty() {
            let taken = if self.upgraded {
                None
            } else if self.dirs[d].body.is_some() {
                Some(self.feed_body(d, piece, data, cur, out))
            } else {
                self.feed_pdus(d, piece, data, cur, out)
            };
            let Some(n) = taken else {
                // The rest belongs to no PDU.
                self.dirs[d].pos += data.len() as u64;
                return true;
            };
            data = &data[n..];
            piece = advance(piece, n);
        }
        false
    }

    /// An HTTP body streams by: counted, kept with its head when small.
    /// Returns the bytes it took.
    fn feed_body(
        &mut self,
        d: usize,
        piece: Piece,
        data: &[u8],
        cur: &Current<'_>,
        out: &mut Vec<TcpPdu>,
    ) -> usize {
        let dir = &mut self.dirs[d];
        let Some(body) = dir.body.as_mut() else {
            return 0;
        };
        let n = body.consume(data);
        let done = body.done();
        dir.body_len += n as u64;
        dir.pos += n as u64;
        // Small bodies are kept with their head; large ones counted.
        if dir.head.len() + n <= MAX_KEPT_MESSAGE
            && dir.head.len() == dir.head_len + (dir.body_len as usize - n)
        {
            dir.head.extend_from_slice(&data[..n]);
        } else {
            dir.head.truncate(dir.head_len);
        }
        if n > 0 && dir.head_pieces.len() < MAX_PIECES {
            let len = n as u32;
            dir.head_pieces.push(Piece { len, ..piece });
        }
        if done {
            self.finish_body(d, cur, out);
        }
        n
    }

    /// Frames PDUs from `data`: the rest of one begun before, or new ones.
    /// Returns the bytes taken, or `None` when the rest is no PDU (the
    /// direction is lost or gave up).
    fn feed_pdus(
        &mut self,
        d: usize,
        piece: Piece,
        data: &[u8],
        cur: &Current<'_>,
        out: &mut Vec<TcpPdu>,
    ) -> Option<usize> {
        let proto = self.proto_of(d);
        if self.dirs[d].lost {
            // Resume where a PDU plainly starts.
            if !starts_pdu(proto, data) {
                return None;
            }
            self.dirs[d].lost = false;
        }
        let methods = if proto == AppProto::Http {
            self.request_method().map(<[u8]>::to_vec)
        } else {
            None
        };
        if !self.dirs[d].buf.is_empty() {
            return self.continue_pdu(d, piece, data, methods.as_deref(), cur, out);
        }
        let dir = &mut self.dirs[d];
        let mut scanned = 0;
        let mut st = FramingState {
            preface_expected: dir.h2_preface_expected,
            scanned: &mut scanned,
            other_methods: methods.as_deref(),
        };
        match frame(proto, data, &mut st, dir.preamble) {
            Framing::Complete { len, body } => {
                let start = dir.pos;
                dir.pos += len as u64;
                let bytes = in_frame_or_copy(&data[..len], piece, cur);
                let head_piece = Piece {
                    len: len as u32,
                    ..piece
                };
                self.pdu_head(d, bytes, vec![head_piece], body, start, cur, out);
                Some(len)
            }
            Framing::NeedMore if data.len() <= MAX_PDU => {
                dir.buf_off = dir.pos;
                dir.pos += data.len() as u64;
                dir.buf.extend_from_slice(data);
                dir.pieces.push(piece);
                Some(data.len())
            }
            other => self.stop_framing(d, other),
        }
    }

    /// A PDU in pieces: it needs these bytes. The buffer held less than a
    /// PDU, so a PDU it completes ends in `data`; what follows is framed in
    /// place, like any new bytes. Returns the bytes taken, or `None` when
    /// the direction gave up or is lost.
    fn continue_pdu(
        &mut self,
        d: usize,
        piece: Piece,
        data: &[u8],
        methods: Option<&[u8]>,
        cur: &Current<'_>,
        out: &mut Vec<TcpPdu>,
    ) -> Option<usize> {
        let proto = self.proto_of(d);
        let dir = &mut self.dirs[d];
        let before = dir.buf.len();
        dir.buf.extend_from_slice(data);
        let mut st = FramingState {
            preface_expected: dir.h2_preface_expected,
            scanned: &mut dir.head_scanned,
            other_methods: methods,
        };
        match frame(proto, &dir.buf, &mut st, dir.preamble) {
            Framing::Complete { len, body } => {
                let used = len.saturating_sub(before).min(data.len());
                dir.buf.truncate(len);
                dir.pieces.push(Piece {
                    len: used as u32,
                    ..piece
                });
                dir.pos += used as u64;
                let pdu_bytes = std::mem::take(&mut dir.buf);
                let pieces = std::mem::take(&mut dir.pieces);
                dir.head_scanned = 0;
                let start = dir.buf_off;
                let bytes = if pieces.len() == 1 && pieces[0].frame == cur.frame {
                    in_frame_or_copy(&pdu_bytes, pieces[0], cur)
                } else {
                    PduBytes::Reassembled(pdu_bytes)
                };
                self.pdu_head(d, bytes, pieces, body, start, cur, out);
                Some(used)
            }
            Framing::NeedMore if dir.buf.len() <= MAX_PDU => {
                dir.pos += data.len() as u64;
                dir.pieces.push(piece);
                Some(data.len())
            }
            other => self.stop_framing(d, other),
        }
    }

    /// Framing that cannot go on in direction `d`: bytes that are no PDU
    /// lose the direction; a PDU past the bound gives up on it (and the
    /// segment says so). `None`: the rest is data.
    fn stop_framing(&mut self, d: usize, f: Framing) -> Option<usize> {
        if f == Framing::NotAPdu {
            self.lose(d);
        } else {
            self.give_up(d, PduLimit::TooLong);
        }
        None
    }

    /// Framing given up in direction `d` because a bound was reached: as
    /// [`AppConnection::lose`], and the segment reports it.
    fn give_up(&mut self, d: usize, why: PduLimit) {
        self.lose(d);
        self.limit_hit = Some(why);
    }

    /// The protocol direction `d` speaks now (HTTP switches to HTTP/2).
    fn proto_of(&self, d: usize) -> AppProto {
        if self.dirs[d].preamble > 0 {
            AppProto::Preamble
        } else if self.switch_to_h2[d] {
            AppProto::Http2
        } else if self.switch_to_ws {
            AppProto::WebSocket
        } else {
            self.proto
        }
    }

    /// For a response: the method of the request it answers.
    fn request_method(&self) -> Option<&[u8]> {
        self.exchange
            .as_ref()?
            .request
            .as_ref()
            .map(|r| r.2.as_slice())
    }

    /// A PDU (or an HTTP head) is complete.
    #[allow(clippy::too_many_arguments)]
    fn pdu_head(
        &mut self,
        d: usize,
        bytes: PduBytes,
        pieces: Vec<Piece>,
        body: BodyKind,
        start: u64,
        cur: &Current<'_>,
        out: &mut Vec<TcpPdu>,
    ) {
        let proto = self.proto_of(d);
        self.dirs[d].framed = true;
        if proto == AppProto::Http2 {
            self.dirs[d].h2_preface_expected = false;
        }
        if proto == AppProto::Preamble {
            // The connection's own protocol starts after it.
            self.dirs[d].preamble = 0;
            self.dirs[d].framed = false;
        }
        if proto == AppProto::Http && body != BodyKind::None {
            // The message completes when its body does.
            let dir = &mut self.dirs[d];
            dir.head = match bytes {
                PduBytes::InFrame { start, len } => {
                    cur.payload[start as usize..(start + len) as usize].to_vec()
                }
                PduBytes::Reassembled(v) => v,
            };
            dir.head_pieces = pieces;
            dir.head_len = dir.head.len();
            dir.head_off = start;
            dir.body = Some(BodyState::new(body));
            dir.body_len = 0;
            return;
        }
        let note = self.note(d, &bytes, cur);
        let pieces = pieces_if_reassembled(pieces, cur);
        if let (PduBytes::InFrame { len, .. }, true) = (&bytes, pieces.is_empty()) {
            self.dirs[d].remember(Shown {
                offset: start,
                len: *len,
                proto,
                body_len: 0,
                note: note.clone(),
            });
        }
        out.push(TcpPdu {
            proto,
            bytes,
            pieces,
            body_len: 0,
            note,
            retransmitted: false,
        });
    }

    fn finish_body(&mut self, d: usize, cur: &Current<'_>, out: &mut Vec<TcpPdu>) {
        let dir = &mut self.dirs[d];
        let head = std::mem::take(&mut dir.head);
        let pieces = std::mem::take(&mut dir.head_pieces);
        let body_len = std::mem::take(&mut dir.body_len);
        dir.body = None;
        let head_len = head.len();
        // Kept in place when head and body all lie in this segment.
        let bytes = match pieces.first() {
            Some(p) if pieces.iter().all(|q| q.frame == cur.frame) => in_frame_or_copy(
                &head,
                Piece {
                    len: head_len as u32,
                    ..*p
                },
                cur,
            ),
            _ => PduBytes::Reassembled(head),
        };
        let note = self.note(d, &bytes, cur);
        let pieces = pieces_if_reassembled(pieces, cur);
        if let (PduBytes::InFrame { len, .. }, true) = (&bytes, pieces.is_empty()) {
            let start = self.dirs[d].head_off;
            self.dirs[d].remember(Shown {
                offset: start,
                len: *len,
                proto: AppProto::Http,
                body_len,
                note: note.clone(),
            });
        }
        out.push(TcpPdu {
            proto: AppProto::Http,
            bytes,
            pieces,
            body_len,
            note,
            retransmitted: false,
        });
    }

    /// What the connection knows about a PDU as it completes.
    fn note(&mut self, d: usize, bytes: &PduBytes, cur: &Current<'_>) -> PduNote {
        let head: &[u8] = match bytes {
            PduBytes::InFrame { start, len } => {
                &cur.payload[*start as usize..(*start + *len) as usize]
            }
            PduBytes::Reassembled(v) => v,
        };
        match self.proto_of(d) {
            AppProto::Http => {
                let kind = http::message_kind(head);
                if kind == Some(true) && http::is_notification(head) {
                    PduNote::Http(HttpNote::default())
                } else if kind == Some(true) {
                    let (method, _, _) = http::first_line(head);
                    let mut x = Exchange::after(self.exchange.as_ref());
                    let uri = http::uri_after_scheme(head);
                    x.request = Some((cur.frame, cur.ts_ns, method.to_vec(), uri));
                    let note = x.note();
                    self.exchange = Some(x);
                    PduNote::Http(note)
                } else {
                    let code = http::status(head).unwrap_or(0);
                    // A final response closes the exchange; after an interim
                    // (1xx) one, the next response answers the same request.
                    let answers = self
                        .exchange
                        .as_ref()
                        .is_some_and(|x| x.response.is_none_or(|c| c < 200));
                    if !answers {
                        self.exchange = Some(Exchange::after(self.exchange.as_ref()));
                    }
                    let x = self.exchange.as_mut().expect("an exchange was begun");
                    x.response = Some(code);
                    x.response_frame = Some(cur.frame);
                    let base = x.note();
                    let req = x.request.as_ref().map(|r| (r.0, r.1));
                    let uri = x.request.as_ref().and_then(|r| r.3.clone());
                    if http::upgrade_to_h2c(head) {
                        self.switch_to_h2 = [true, true];
                        self.dirs[1 - d].h2_preface_expected = true;
                    } else if code == 101 && http::upgrade_to_websocket(head) {
                        self.switch_to_ws = true;
                    } else if code == 101 {
                        self.upgraded = true;
                    }
                    PduNote::Http(HttpNote {
                        request_in: req.map(|r| r.0),
                        time_ns: req.map(|r| cur.ts_ns.saturating_sub(r.1)),
                        uri,
                        ..base
                    })
                }
            }
            AppProto::Tls => {
                let mut note = self.tls.record(d, head);
                note.app = self.tls.app_protocol(self.ports);
                if self.tls.gave_up {
                    self.limit_hit = Some(PduLimit::TlsHandshake);
                }
                let inner = match note.decrypted.plain() {
                    Some(p) if p.content_type == 23 && !p.bytes.is_empty() => {
                        self.decrypted_data(d, &p.bytes, cur, note.alpn.as_deref())
                    }
                    _ => None,
                };
                PduNote::Tls(note, inner)
            }
            AppProto::Http2 => {
                // Seen from its start when it began with the preface or an
                // upgrade; a connection found by its frames is not.
                let synced = self.switch_to_h2[d] || head.starts_with(crate::http2::PREFACE);
                let h2 = self
                    .h2
                    .get_or_insert_with(|| Box::new(crate::http2::H2Connection::new(synced)));
                let note = h2.frame(d, head, cur.frame);
                if h2.gave_up {
                    self.limit_hit = Some(PduLimit::H2HeaderBlock);
                }
                PduNote::H2(note)
            }
            _ => PduNote::None,
        }
    }
}

impl AppConnection {
    /// Decrypt this connection's TLS records with these secrets.
    pub fn set_keys(&mut self, keys: std::sync::Arc<crate::tls::keylog::KeyLog>) {
        self.tls.set_keys(keys);
    }

    /// Whether the connection decrypts with this very key log.
    pub fn has_keys(&self, keys: &std::sync::Arc<crate::tls::keylog::KeyLog>) -> bool {
        self.tls.has_keys(keys)
    }

    /// Feeds a TLS record's decrypted application data, sent in direction
    /// `d`, to the decrypted connection: the PDUs it completes. Its
    /// protocol is ALPN's, else what the first bytes show; TLS inside TLS
    /// is not followed.
    fn decrypted_data(
        &mut self,
        d: usize,
        plain: &[u8],
        cur: &Current<'_>,
        alpn: Option<&str>,
    ) -> Option<Box<TcpPayload>> {
        if let DecryptedSide::Unknown = self.decrypted {
            let proto = match alpn {
                Some("h2") => AppProto::Http2,
                Some(a) if a.starts_with("http/1") => AppProto::Http,
                _ if http::message_kind(plain).is_some() => AppProto::Http,
                _ => match choose(self.ports.0, self.ports.1, plain, false) {
                    AppProto::Http2 => AppProto::Http2,
                    AppProto::Dns => AppProto::Dns,
                    _ => AppProto::None,
                },
            };
            self.decrypted = match proto {
                AppProto::None => DecryptedSide::Nothing,
                p => DecryptedSide::Conn {
                    conn: Box::new(AppConnection::new(p, self.ports.0, self.ports.1)),
                    pos: [0; 2],
                },
            };
        }
        let DecryptedSide::Conn { conn, pos } = &mut self.decrypted else {
            // Shown as data.
            return Some(Box::new(TcpPayload::data()));
        };
        let (sport, dport) = if d == 0 {
            self.ports
        } else {
            (self.ports.1, self.ports.0)
        };
        let seg = TcpSegment {
            src_port: sport,
            dst_port: dport,
            seq: pos[d] as u32,
            flags: TcpSegment::ACK | TcpSegment::PSH,
            len: plain.len() as u32,
            intact: true,
            ..Default::default()
        };
        let analysis = SegmentAnalysis {
            dir: d as u8,
            ..Default::default()
        };
        let unspecified = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        let at = TransportAt {
            src: unspecified,
            dst: unspecified,
            frame: cur.frame,
            ts_ns: cur.ts_ns,
            frame_len: 0,
            quoted: false,
        };
        pos[d] += plain.len() as u64;
        Some(Box::new(conn.segment(&at, &seg, &analysis, plain, None)))
    }

    /// Heap bytes of the decrypted connection.
    fn decrypted_bytes(&self) -> usize {
        match &self.decrypted {
            DecryptedSide::Conn { conn, .. } => conn.held_bytes(),
            _ => 0,
        }
    }
}

/// The pieces of a PDU worth listing: none when it lies in one piece of the
/// current frame.
fn pieces_if_reassembled(pieces: Vec<Piece>, cur: &Current<'_>) -> Vec<Piece> {
    // One entry per frame, as Wireshark lists them.
    let mut merged: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match merged.last_mut() {
            Some(last)
                if last.frame == p.frame
                    && (p.len == 0
                        || last.at.zip(p.at).is_some_and(|(a, b)| a + last.len == b)) =>
            {
                last.len += p.len;
            }
            _ => merged.push(p),
        }
    }
    if merged.iter().all(|p| p.frame == cur.frame) {
        Vec::new()
    } else {
        merged
    }
}

fn advance(p: Piece, n: usize) -> Piece {
    Piece {
        frame: p.frame,
        at: p.at.map(|a| a.saturating_add(n as u32)),
        len: p.len.saturating_sub(n as u32),
    }
}

/// Bytes that are the current segment's own are referred to, not copied.
fn in_frame_or_copy(bytes: &[u8], piece: Piece, cur: &Current<'_>) -> PduBytes {
    if piece.frame == cur.frame {
        let base = cur.payload.as_ptr() as usize;
        let p = bytes.as_ptr() as usize;
        if p >= base && p + bytes.len() <= base + cur.payload.len() {
            return PduBytes::InFrame {
                start: (p - base) as u32,
                len: bytes.len() as u32,
            };
        }
        if let (Some(at), Some(pa)) = (piece.at, cur.payload_at)
            && at >= pa
        {
            let start = (at - pa) as usize;
            if cur.payload.get(start..start + bytes.len()) == Some(bytes) {
                return PduBytes::InFrame {
                    start: start as u32,
                    len: bytes.len() as u32,
                };
            }
        }
    }
    PduBytes::Reassembled(bytes.to_vec())
}

/// Whether `b` plainly starts a PDU (to resume after lost framing).
fn starts_pdu(proto: AppProto, b: &[u8]) -> bool {
    framing_of(proto).is_some_and(|f| f.starts_pdu(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    /// Feeds one segment of a connection from 10.0.0.1:40000 (direction 0)
    /// to 10.0.0.2:80 (direction 1). `seq` is relative to an ISN of 1000.
    fn feed(
        c: &mut AppConnection,
        frame: u32,
        dir: u8,
        seq: u32,
        flags: &[Flag],
        payload: &[u8],
    ) -> TcpPayload {
        let (a, b) = (
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        );
        let at = TransportAt {
            src: if dir == 0 { a } else { b },
            dst: if dir == 0 { b } else { a },
            frame,
            ts_ns: i64::from(frame) * 1_000_000,
            frame_len: 54 + payload.len() as u32,
            quoted: false,
        };
        let seg = TcpSegment {
            src_port: if dir == 0 { 40000 } else { 80 },
            dst_port: if dir == 0 { 80 } else { 40000 },
            seq: 1000 + seq,
            ack: 1,
            flags: 0x010,
            len: payload.len() as u32,
            intact: true,
            ..Default::default()
        };
        let an = SegmentAnalysis {
            dir,
            flags: flags.iter().fold(0, |m, f| m | f.bit()),
            ..Default::default()
        };
        c.segment(&at, &seg, &an, payload, Some(54))
    }

    fn http() -> AppConnection {
        AppConnection::new(AppProto::Http, 40000, 80)
    }

    fn response(body: usize) -> Vec<u8> {
        let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {body}\r\n\r\n").into_bytes();
        r.resize(r.len() + body, b'x');
        r
    }

    #[test]
    fn a_hole_inside_a_message_of_known_length_waits_to_be_filled() {
        let mut c = http();
        feed(&mut c, 1, 0, 0, &[], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let r = response(3000);
        // Head and the start of the body, then the end of the body before
        // its middle (reordered on the way).
        let (p1, rest) = r.split_at(1000);
        let (p2, p3) = rest.split_at(1000);
        assert_eq!(feed(&mut c, 2, 1, 0, &[], p1).rest, Rest::Pending);
        let held = feed(&mut c, 3, 1, 2000, &[Flag::LostSegment], p3);
        assert!(held.pdus.is_empty());
        assert_eq!(
            held.rest,
            Rest::Pending,
            "the segment belongs to the message"
        );
        // The hole fills: the message is complete, with all three pieces.
        let done = feed(&mut c, 4, 1, 1000, &[Flag::OutOfOrder], p2);
        assert_eq!(done.pdus.len(), 1);
        let pdu = &done.pdus[0];
        assert_eq!(pdu.body_len, 3000);
        let frames: Vec<u32> = pdu.pieces.iter().map(|p| p.frame).collect();
        assert_eq!(frames, [2, 4, 3]);
        assert!(matches!(
            pdu.note,
            PduNote::Http(HttpNote {
                request_in: Some(1),
                ..
            })
        ));
    }

    #[test]
    fn past_a_message_whose_hole_never_fills_the_next_one_is_framed() {
        let mut c = http();
        feed(&mut c, 1, 0, 0, &[], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let first = response(2000);
        feed(&mut c, 2, 1, 0, &[], &first[..500]);
        // Bytes 500..1000 are never seen; the rest of the message waits.
        let tail = &first[1000..];
        assert_eq!(
            feed(&mut c, 3, 1, 1000, &[Flag::LostSegment], tail).rest,
            Rest::Pending
        );
        // The next response starts past the message's end: the message is
        // given up, the response framed on its own.
        feed(&mut c, 4, 0, 27, &[], b"GET /b HTTP/1.1\r\nHost: a\r\n\r\n");
        let second = response(10);
        let out = feed(&mut c, 5, 1, first.len() as u32, &[], &second);
        assert_eq!(out.pdus.len(), 1);
        assert!(matches!(
            out.pdus[0].note,
            PduNote::Http(HttpNote {
                request_in: Some(4),
                ..
            })
        ));
    }

    #[test]
    fn a_response_answers_the_latest_request_as_in_wireshark() {
        let mut c = http();
        feed(&mut c, 1, 0, 0, &[], b"GET /a HTTP/1.1\r\n\r\n");
        // The response to /a was not captured; /b is asked.
        feed(&mut c, 2, 0, 19, &[], b"GET /b HTTP/1.1\r\n\r\n");
        let out = feed(&mut c, 3, 1, 0, &[], &response(0));
        assert!(matches!(
            out.pdus[0].note,
            PduNote::Http(HttpNote {
                request_in: Some(2),
                ..
            })
        ));
        // A second final response has no request left to answer.
        let out = feed(&mut c, 4, 1, 38, &[], &response(0));
        assert!(matches!(
            out.pdus[0].note,
            PduNote::Http(HttpNote {
                request_in: None,
                ..
            })
        ));
    }

    #[test]
    fn an_interim_response_leaves_the_request_to_the_final_one() {
        let mut c = http();
        feed(
            &mut c,
            1,
            0,
            0,
            &[],
            b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        );
        let cont = b"HTTP/1.1 100 Continue\r\n\r\n";
        let out = feed(&mut c, 2, 1, 0, &[], cont);
        assert!(matches!(
            out.pdus[0].note,
            PduNote::Http(HttpNote {
                request_in: Some(1),
                ..
            })
        ));
        let out = feed(&mut c, 3, 1, cont.len() as u32, &[], &response(0));
        assert!(matches!(
            out.pdus[0].note,
            PduNote::Http(HttpNote {
                request_in: Some(1),
                ..
            })
        ));
    }

    #[test]
    fn a_head_that_comes_a_byte_at_a_time_is_capped_and_says_so() {
        let mut c = http();
        let start = b"GET / HTTP/1.1\r\nX: ";
        assert_eq!(feed(&mut c, 1, 0, 0, &[], start).rest, Rest::Pending);
        let mut limits = Vec::new();
        for i in 0..(http::MAX_HEAD as u32 + 100) {
            let seq = start.len() as u32 + i;
            let out = feed(&mut c, 2 + i, 0, seq, &[], b"y");
            if let Some(l) = out.limit {
                limits.push((i, l));
            }
        }
        assert_eq!(limits.len(), 1, "{limits:?}");
        assert_eq!(limits[0].1, PduLimit::TooLong);
        assert!(c.dirs[0].buf.is_empty());
    }

    #[test]
    fn an_http2_frame_longer_than_a_pdu_may_be_is_a_reassembly_error() {
        let mut c = AppConnection::new(AppProto::Http2, 40000, 80);
        let mut b = crate::http2::PREFACE.to_vec();
        // DATA on stream 1 claiming 16 MiB - 1.
        b.extend_from_slice(&[0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1]);
        let out = feed(&mut c, 1, 0, 0, &[], &b);
        assert_eq!(out.limit, Some(PduLimit::TooLong));
        assert_eq!(out.pdus.len(), 1, "the preface");
    }

    #[test]
    fn notify_is_no_request() {
        let mut c = http();
        feed(&mut c, 1, 0, 0, &[], b"NOTIFY * HTTP/1.1\r\nNT: x\r\n\r\n");
        let out = feed(&mut c, 2, 1, 0, &[], &response(0));
        assert!(matches!(
            out.pdus[0].note,
            PduNote::Http(HttpNote {
                request_in: None,
                ..
            })
        ));
    }
}
