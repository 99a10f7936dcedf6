//! HTTP requests with where their time went, in curl's and HAR's terms:
//! `dns` (the lookup that gave the server's address), `connect` (SYN to
//! the handshake's last ACK), `ssl` (ClientHello to the second Finished),
//! `send` (first to last request byte), `wait` (last request byte to the
//! first response byte) and `receive` (first to last response byte).
//!
//! Built from one analysis pass: each TCP connection keeps how it was set
//! up (`setup`), HTTP/1.x (`http1`) and HTTP/2 (`http2`) turn messages and
//! streams into exchanges, and the first exchange on a connection carries
//! the connection's setup while later ones are marked reused.

mod dns;
mod http1;
mod http2;
mod setup;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::capture::{CaptureFile, ReadNotes};

use super::scan::{FrameView, scan, scan_until};
pub use dns::DnsLookup;
pub use setup::{ConnectionSetup, TlsSetup};

/// The frames and times one message spans: its first byte's frame and
/// the frame that completed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub first_frame: u32,
    pub last_frame: u32,
    pub first_ns: i64,
    pub last_ns: i64,
}

impl Span {
    fn at(v: &FrameView<'_>) -> Span {
        Span {
            first_frame: v.number,
            last_frame: v.number,
            first_ns: v.ts_ns,
            last_ns: v.ts_ns,
        }
    }

    /// From `began` (a frame and its time), if known, to this frame.
    fn since(began: Option<(u32, i64)>, v: &FrameView<'_>) -> Span {
        let mut span = Span::at(v);
        if let Some((frame, ns)) = began {
            span.first_frame = frame;
            span.first_ns = ns;
        }
        span
    }

    fn end_at(&mut self, v: &FrameView<'_>) {
        self.last_frame = v.number;
        self.last_ns = v.ts_ns;
    }
}

/// One request and the response to it.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub tcp_stream: u32,
    /// As HAR spells it: `HTTP/1.1`, `HTTP/2`.
    pub http_version: String,
    /// The HTTP/2 stream; none for HTTP/1.x.
    pub stream_id: Option<u32>,
    pub method: String,
    /// `https` when the connection began with a TLS handshake.
    pub scheme: &'static str,
    pub authority: String,
    pub path: String,
    pub status: Option<u16>,
    pub status_text: String,
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    /// Body bytes as sent (after any transfer coding is removed).
    pub request_body: u64,
    pub response_body: u64,
    pub mime_type: String,
    pub client: Option<(IpAddr, u16)>,
    pub server: Option<(IpAddr, u16)>,
    pub request: Option<Span>,
    pub response: Option<Span>,
    /// An HTTP/1.1 request that switched the connection to HTTP/2 (`h2c`):
    /// its answer came on stream 1.
    pub answered_over_h2c: bool,
    /// HTTP/2 trailers (gRPC's status is there).
    pub trailers: Vec<(String, String)>,
    /// The stream was reset, with this error code (8: CANCEL).
    pub reset: Option<u64>,
    /// When the stream ended: the server's END_STREAM or a RST_STREAM.
    pub ended_ns: Option<i64>,
    /// Length-prefixed messages (gRPC's) each way, in order.
    pub messages: Vec<Message>,
    /// How the connection was set up, on the first exchange of a
    /// connection whose SYN the capture holds.
    pub setup: Option<ConnectionSetup>,
    /// An earlier exchange used the same connection.
    pub reused: bool,
}

/// One length-prefixed message of a stream (a gRPC message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub from_client: bool,
    /// The frame that completed it, and that frame's time.
    pub frame: u32,
    pub ns: i64,
    pub length: u64,
    pub compressed: bool,
}

/// The phases of one exchange in nanoseconds; `None` where a phase does
/// not apply (no lookup in the capture, a reused connection, no TLS, no
/// response yet). `blocked` is what lies between the phases: waiting
/// before the SYN and between the handshake and the first request byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Phases {
    /// When the exchange began: the lookup's query, the SYN, or the
    /// first request byte on a reused connection.
    pub start_ns: i64,
    pub blocked: i64,
    pub dns: Option<i64>,
    /// The TCP handshake alone (tshark's `tcp.analysis.initial_rtt`).
    pub connect: Option<i64>,
    pub ssl: Option<i64>,
    pub send: i64,
    pub wait: Option<i64>,
    pub receive: Option<i64>,
}

/// curl's `-w` figures: seconds from the start, each including the ones
/// before it. As curl, `appconnect` is 0 without TLS, and a phase the
/// exchange lacks adds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CurlTimes {
    pub namelookup: f64,
    pub connect: f64,
    pub appconnect: f64,
    pub pretransfer: f64,
    pub starttransfer: f64,
    pub total: f64,
}

impl Exchange {
    /// The URL as a browser shows it.
    pub fn url(&self) -> String {
        if self.path.contains("://") {
            return self.path.clone();
        }
        format!("{}://{}{}", self.scheme, self.authority, self.path)
    }

    pub fn phases(&self) -> Option<Phases> {
        let request = self.request?;
        let setup = self.setup.as_ref();
        let lookup = setup.and_then(|s| s.dns.as_ref());
        let start_ns = lookup
            .map(|d| d.query_ns)
            .or(setup.map(|s| s.syn_ns))
            .unwrap_or(request.first_ns);
        let dns = lookup.map(|d| d.answer_ns.saturating_sub(d.query_ns));
        let connect = setup.map(|s| s.connected_ns - s.syn_ns);
        let ssl = setup.and_then(|s| s.tls).map(|t| t.done_ns - t.hello_ns);
        // Times are the capture's own: a damaged one may hold any.
        let setup_total = [dns, connect, ssl]
            .iter()
            .fold(0i64, |a, p| a.saturating_add(p.unwrap_or(0)));
        let blocked = request
            .first_ns
            .saturating_sub(start_ns)
            .saturating_sub(setup_total)
            .max(0);
        let response = self.response;
        // A response that begins before the request ends (a streaming
        // call, both ways at once) ends the sending phase: no wait.
        let sent_ns = response.map_or(request.last_ns, |r| r.first_ns.min(request.last_ns));
        Some(Phases {
            start_ns,
            blocked,
            dns,
            connect,
            ssl,
            send: (sent_ns - request.first_ns).max(0),
            wait: response.map(|r| (r.first_ns - sent_ns).max(0)),
            receive: response.map(|r| (r.last_ns - r.first_ns).max(0)),
        })
    }

    /// The figures `curl -w` prints for this exchange.
    pub fn curl_times(&self) -> Option<CurlTimes> {
        let request = self.request?;
        let start = self.phases()?.start_ns;
        let since = |ns: i64| crate::store::tcp_series::secs(ns.saturating_sub(start));
        let setup = self.setup.as_ref();
        let namelookup = setup
            .and_then(|s| s.dns.as_ref())
            .map_or(0.0, |d| since(d.answer_ns));
        let connect = setup.map_or(namelookup, |s| since(s.connected_ns));
        let appconnect = setup.and_then(|s| s.tls).map_or(0.0, |t| since(t.done_ns));
        let pretransfer = since(request.first_ns);
        let starttransfer = self.response.map_or(0.0, |r| since(r.first_ns));
        let total = self
            .response
            .map_or(since(request.last_ns), |r| since(r.last_ns));
        Some(CurlTimes {
            namelookup,
            connect,
            appconnect,
            pretransfer,
            starttransfer,
            total,
        })
    }
}

/// What a capture's HTTP exchanges were, in the order their requests
/// began, and what the reader noted.
pub fn exchanges(file: &CaptureFile) -> (Vec<Exchange>, ReadNotes) {
    let mut timeline = Timeline::default();
    let notes = scan(file, PREFIXES, |v| timeline.frame(v));
    (timeline.finish(), notes)
}

/// `exchanges`, or None once `stop` is set.
pub fn exchanges_until(file: &CaptureFile, stop: &AtomicBool) -> Option<Vec<Exchange>> {
    let mut timeline = Timeline::default();
    scan_until(file, PREFIXES, stop, |v| timeline.frame(v));
    (!stop.load(Ordering::Relaxed)).then(|| timeline.finish())
}

/// The fields the timeline reads.
const PREFIXES: &[&str] = &[
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.len",
    "tcp.segment",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tls.handshake.type",
    "tls.record.content_type",
    "http",
    "grpc.frame_type",
    "grpc.compressed_flag",
    "grpc.message_length",
    "dns.flags.response",
    "dns.qry.name",
    "dns.a",
    "dns.time",
];

/// Everything the pass has seen so far.
#[derive(Default)]
struct Timeline {
    lookups: dns::Lookups,
    connections: BTreeMap<u32, Connection>,
    exchanges: Vec<Exchange>,
    /// Every frame's time, by number less one: where a reassembled
    /// message began.
    times: Vec<i64>,
}

/// One TCP connection: how it was set up, and its exchanges in progress.
struct Connection {
    setup: setup::SetupTracker,
    http1: http1::Http1Connection,
    http2: http2::Http2Connection,
}

impl Timeline {
    fn frame(&mut self, v: &FrameView<'_>) {
        // Frames the pass skips (retransmitted PDUs) keep their place.
        self.times
            .resize(v.number.saturating_sub(1) as usize, v.ts_ns);
        self.times.push(v.ts_ns);
        self.lookups.frame(v);
        let Some((stream, dir)) = v.tcp else {
            return;
        };
        let c = self
            .connections
            .entry(stream)
            .or_insert_with(|| Connection {
                setup: setup::SetupTracker::default(),
                http1: http1::Http1Connection::default(),
                http2: http2::Http2Connection::default(),
            });
        c.setup.frame(v, dir);
        let layers = &v.fields.layers;
        if !layers.iter().any(|l| *l == "http" || *l == "http2") {
            return;
        }
        // A new exchange starts at its request: the sender is the client.
        let new = Exchange {
            tcp_stream: stream,
            scheme: if c.setup.is_tls() { "https" } else { "http" },
            client: v.ip.zip(v.ports).map(|(ip, p)| (ip.0, p.0)),
            server: v.ip.zip(v.ports).map(|(ip, p)| (ip.1, p.1)),
            ..Default::default()
        };
        let first = c.setup.message_start(dir);
        if c.http1.frame(v, first, &new, &mut self.exchanges) {
            c.setup.message_ended(dir);
        }
        if let Some(i) = c.http1.upgraded.take() {
            c.http2.adopt_upgrade(i);
            if let Some(e) = self.exchanges.get_mut(i) {
                e.answered_over_h2c = true;
            }
        }
        let reassembled = v
            .fields
            .values("tcp.segment")
            .filter_map(|n| super::scan::as_u64(Some(n)))
            .min()
            .and_then(|n| u32::try_from(n).ok())
            .and_then(|n| Some((n, *self.times.get(n.checked_sub(1)? as usize)?)));
        c.http2
            .frame(v, dir, reassembled, &new, &mut self.exchanges);
    }

    /// Gives each connection's first exchange the connection's setup and
    /// marks the rest reused.
    fn finish(mut self) -> Vec<Exchange> {
        self.exchanges
            .sort_by_key(|e| e.request.map_or(u32::MAX, |r| r.first_frame));
        let mut seen = std::collections::BTreeSet::new();
        for e in &mut self.exchanges {
            if !seen.insert(e.tcp_stream) {
                e.reused = true;
                continue;
            }
            e.setup = self
                .connections
                .get(&e.tcp_stream)
                .and_then(|c| c.setup.setup());
        }
        // Lookups go to connections in the order their SYNs went out.
        let mut fresh: Vec<usize> = (0..self.exchanges.len())
            .filter(|&i| self.exchanges[i].setup.is_some())
            .collect();
        fresh.sort_by_key(|&i| self.exchanges[i].setup.as_ref().map(|s| s.syn_ns));
        for i in fresh {
            let e = &mut self.exchanges[i];
            if let (Some(s), Some(server)) = (&mut e.setup, e.server) {
                s.dns = self.lookups.take(server.0, s.syn_ns);
            }
        }
        self.exchanges
    }
}
