//! Server-Sent Event streams: every `text/event-stream` response, over
//! HTTP/1.x (chunked or not, in clear or decrypted TLS) and HTTP/2, read
//! as it arrived. Each event is timed by the frame that completed it (its
//! dispatching empty line), which is when a client could act on it: the
//! time to first event (the first token of an LLM stream) and the gaps
//! between events come from those frames.
//!
//! HTTP/1 responses are read from the reassembled TCP byte stream here,
//! not from the HTTP dissector: that one shows a message once it is whole,
//! and an event stream may never end.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicBool;

use dissectors::http::{self, BodyState};
use dissectors::sse::{Event, EventStream};
use dissectors::tcp_reassembly::{StreamEvent, TcpReassembler};
use serde_json::{Value, json};

use super::http2_frames::frames;
use super::scan::{FrameView, scan_with};
use crate::capture::{CaptureFile, ReadNotes};
use crate::store::follow_tls::TlsPlaintext;
use crate::store::tcp_series::secs;

/// A response head kept at most this long (longer: not followed further).
const MAX_HEAD: usize = 64 << 10;
/// HTTP/2's DATA and HEADERS frame types.
const DATA: u64 = 0;
const HEADERS: u64 = 1;
/// A TLS record's first byte, opening a connection: a handshake.
const TLS_HANDSHAKE: u8 = 0x16;

/// One event stream.
#[derive(Debug)]
pub struct SseStream {
    pub tcp_stream: u32,
    /// The HTTP/2 stream; None on HTTP/1.
    pub stream_id: Option<u64>,
    pub path: Option<String>,
    /// The request's first frame and its time, when it is in the capture.
    pub request: Option<(u32, i64)>,
    /// The response head's frame and time.
    pub response: (u32, i64),
    pub events: Vec<TimedEvent>,
}

#[derive(Debug)]
pub struct TimedEvent {
    pub frame: u32,
    pub ns: i64,
    pub event: Event,
}

/// Every event stream of `file`, in the order their responses began.
/// Also the first frame's time (None for no frames).
pub fn streams(file: &CaptureFile) -> (Vec<SseStream>, Option<i64>, ReadNotes) {
    let mut finder = StreamFinder::default();
    let mut plaintext = TlsPlaintext::default();
    let stop = AtomicBool::new(false);
    let mut first_ns = None;
    let notes = scan_with(file, &["http2"], &stop, &mut plaintext, |v, tls| {
        first_ns.get_or_insert(v.ts_ns);
        finder.frame(v, &tls.records);
        tls.records.clear();
    });
    (finder.out, first_ns, notes)
}

/// Follows each TCP connection until it is known to carry neither HTTP/1
/// nor HTTP/2.
#[derive(Default)]
struct StreamFinder {
    connections: HashMap<u32, Connection>,
    /// HTTP/2 requests by (connection, stream): path, frame and time.
    h2_requests: HashMap<(u32, u64), (String, u32, i64)>,
    /// HTTP/2 event streams by (connection, stream): the stream's index
    /// and its parser.
    h2_streams: HashMap<(u32, u64), (usize, EventStream)>,
    out: Vec<SseStream>,
}

/// What one TCP connection is known to carry.
#[derive(Default)]
struct Connection {
    reassembler: TcpReassembler,
    sides: [Http1Side; 2],
    /// Requests not yet answered: method, target, frame and time.
    requests: VecDeque<(Vec<u8>, String, u32, i64)>,
    /// Its bytes come from decrypted TLS records.
    tls: bool,
    /// Neither HTTP/1 (it is HTTP/2, or no HTTP at all): no longer read.
    done: bool,
}

/// One direction's HTTP/1 messages as they stream by.
#[derive(Default)]
struct Http1Side {
    head: Vec<u8>,
    /// How much of `head` was searched for its end.
    searched: usize,
    /// Where the head being read began.
    head_at: Option<(u32, i64)>,
    body: Option<BodyState>,
    /// The event stream the body feeds (an index into the output).
    sse: Option<(usize, EventStream)>,
}

impl StreamFinder {
    fn frame(&mut self, v: &FrameView<'_>, plaintext: &[Vec<u8>]) {
        let Some((stream, dir)) = v.tcp else { return };
        if v.fields.layers.contains(&"http2") {
            self.http2_frame(v, stream, dir);
        }
        let c = self.connections.entry(stream).or_default();
        if c.done {
            return;
        }
        let now = (v.number, v.ts_ns);
        if !plaintext.is_empty() || v.fields.layers.contains(&"tls") {
            c.tls = true;
        }
        if c.tls {
            for p in plaintext {
                c.side_bytes(usize::from(dir & 1), p, now, &mut self.out, stream);
            }
            return;
        }
        let Some((seg, payload)) = v.segment else {
            return;
        };
        if v.resent {
            return;
        }
        let mut delivered: Vec<(usize, Vec<u8>)> = Vec::new();
        c.reassembler.segment(
            usize::from(dir & 1),
            v.number,
            seg.seq,
            seg.has(dissectors::packet::TcpSegment::SYN),
            seg.ack,
            seg.len,
            payload,
            &mut |e| match e {
                StreamEvent::Data { dir, bytes, .. } => delivered.push((dir, bytes.to_vec())),
                // Bytes never captured: what is being read of that side
                // cannot go on.
                StreamEvent::Gap { dir, .. } => delivered.push((dir, Vec::new())),
                StreamEvent::Late { .. } => {}
            },
        );
        for (d, b) in delivered {
            if b.is_empty() {
                c.sides[d] = Http1Side::default();
                c.sides[d].body = Some(BodyState::Done);
                continue;
            }
            c.side_bytes(d, &b, now, &mut self.out, stream);
        }
    }

    /// HTTP/2 frames: requests remembered, `text/event-stream` responses
    /// followed, their DATA read as events.
    fn http2_frame(&mut self, v: &FrameView<'_>, conn: u32, _dir: u8) {
        for f in frames(v).1 {
            let key = (conn, f.stream);
            match f.kind {
                HEADERS => {
                    let header = |n: &str| {
                        f.headers
                            .iter()
                            .find(|h| h.0.eq_ignore_ascii_case(n))
                            .map(|h| h.1.clone())
                    };
                    if let Some(path) = header(":path") {
                        self.h2_requests.insert(key, (path, v.number, v.ts_ns));
                    } else if header(":status").is_some()
                        && header("content-type").is_some_and(|t| is_event_stream(t.as_bytes()))
                    {
                        let request = self.h2_requests.get(&key);
                        self.out.push(SseStream {
                            tcp_stream: conn,
                            stream_id: Some(f.stream),
                            path: request.map(|r| r.0.clone()),
                            request: request.map(|r| (r.1, r.2)),
                            response: (v.number, v.ts_ns),
                            events: Vec::new(),
                        });
                        let index = self.out.len() - 1;
                        self.h2_streams.insert(key, (index, EventStream::default()));
                    }
                }
                DATA => {
                    let Some((index, parser)) = self.h2_streams.get_mut(&key) else {
                        continue;
                    };
                    let Some(payload) = f.payload.and_then(|i| v.fields.fields.get(i)) else {
                        continue;
                    };
                    if let dissectors::field::OwnedValue::Bytes(b) = &payload.value {
                        let events = &mut self.out[*index].events;
                        parser.feed(b, &mut |event| {
                            events.push(TimedEvent {
                                frame: v.number,
                                ns: v.ts_ns,
                                event,
                            })
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

fn is_event_stream(content_type: &[u8]) -> bool {
    let t = String::from_utf8_lossy(content_type);
    t.split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
}

impl Connection {
    /// Bytes of side `dir`, in order, that became readable in frame `now`.
    fn side_bytes(
        &mut self,
        dir: usize,
        mut b: &[u8],
        now: (u32, i64),
        out: &mut Vec<SseStream>,
        conn: u32,
    ) {
        while !b.is_empty() && !self.done {
            let side = &mut self.sides[dir];
            match side.body.as_mut() {
                Some(body) if !body.done() => {
                    let n = match side.sse.as_mut() {
                        Some((index, parser)) => {
                            let events = &mut out[*index].events;
                            body.consume_with(b, &mut |d| {
                                parser.feed(d, &mut |event| {
                                    events.push(TimedEvent {
                                        frame: now.0,
                                        ns: now.1,
                                        event,
                                    })
                                })
                            })
                        }
                        None => body.consume(b),
                    };
                    b = &b[n..];
                    if body.done() {
                        side.body = None;
                        side.sse = None;
                    }
                }
                Some(_) => return,
                None => b = self.head_bytes(dir, b, now, out, conn),
            }
        }
    }

    /// Reads a message head from `b`; returns what follows it (empty
    /// while the head is incomplete).
    fn head_bytes<'b>(
        &mut self,
        dir: usize,
        b: &'b [u8],
        now: (u32, i64),
        out: &mut Vec<SseStream>,
        conn: u32,
    ) -> &'b [u8] {
        let side = &mut self.sides[dir];
        if side.head.is_empty() {
            if b.starts_with(b"PRI * HTTP/2.0") {
                self.done = true;
                return &[];
            }
            if b[0] == TLS_HANDSHAKE && !self.tls {
                // Read from its decrypted records from now on, if any.
                self.tls = true;
                return &[];
            }
            side.head_at = Some(now);
        }
        let kept = side.head.len();
        side.head
            .extend_from_slice(&b[..b.len().min(MAX_HEAD - kept)]);
        let len = match http::head_len_from(&side.head, side.searched) {
            Ok(len) => len,
            Err(searched) => {
                side.searched = searched;
                if side.head.len() >= MAX_HEAD || http::is_not_http(&side.head) {
                    self.done = true;
                }
                return &[];
            }
        };
        side.searched = 0;
        let head = std::mem::take(&mut side.head);
        let head = &head[..len];
        let at = side.head_at.take().unwrap_or(now);
        let rest = &b[len - kept..];
        match http::message_kind(head) {
            Some(true) => self.request(dir, head, at),
            Some(false) => self.response(dir, head, at, out, conn),
            None => self.done = true,
        }
        rest
    }

    fn request(&mut self, dir: usize, head: &[u8], at: (u32, i64)) {
        let (method, target, _) = http::first_line(head);
        self.requests.push_back((
            method.to_vec(),
            String::from_utf8_lossy(target).into_owned(),
            at.0,
            at.1,
        ));
        // A client pipelining without end is not remembered without end.
        if self.requests.len() > 1024 {
            self.requests.pop_front();
        }
        self.sides[dir].body = Some(BodyState::new(http::body_kind(head, true, None)));
    }

    fn response(
        &mut self,
        dir: usize,
        head: &[u8],
        at: (u32, i64),
        out: &mut Vec<SseStream>,
        conn: u32,
    ) {
        let status = http::status(head).unwrap_or(0);
        if status == 101 {
            // Switched to another protocol (WebSocket, h2c): no HTTP/1 after.
            self.done = true;
            return;
        }
        let request = if status >= 200 {
            self.requests.pop_front()
        } else {
            self.requests.front().cloned()
        };
        let kind = http::body_kind(head, false, request.as_ref().map(|r| &r.0[..]));
        let side = &mut self.sides[dir];
        side.body = Some(BodyState::new(kind));
        if http::header(head, "Content-Type").is_some_and(is_event_stream) {
            out.push(SseStream {
                tcp_stream: conn,
                stream_id: None,
                path: request.as_ref().map(|r| r.1.clone()),
                request: request.as_ref().map(|r| (r.2, r.3)),
                response: at,
                events: Vec::new(),
            });
            side.sse = Some((out.len() - 1, EventStream::default()));
        }
    }
}

/// The streams as `wirelens sse --format json` gives them. Times are in
/// seconds: an event's `time` since the capture's first frame (the Time
/// column's), the others since the request (or the response head, when
/// the request is not in the capture).
pub fn json(streams: &[SseStream], first_ns: i64) -> Value {
    let list: Vec<Value> = streams.iter().map(|s| stream_json(s, first_ns)).collect();
    json!({ "streams": list })
}

fn stream_json(s: &SseStream, first_ns: i64) -> Value {
    let start = s.request.map_or(s.response.1, |r| r.1);
    let gaps: Vec<f64> = s
        .events
        .windows(2)
        .map(|w| secs(w[1].ns - w[0].ns))
        .collect();
    let span = match (s.events.first(), s.events.last()) {
        (Some(a), Some(b)) if b.ns > a.ns => Some(secs(b.ns - a.ns)),
        _ => None,
    };
    let events: Vec<Value> = s
        .events
        .iter()
        .map(|e| {
            json!({
                "frame": e.frame,
                "time": secs(e.ns - first_ns),
                "type": e.event.kind,
                "data": e.event.data,
                "id": e.event.id,
                "retry": e.event.retry,
            })
        })
        .collect();
    json!({
        "tcp_stream": s.tcp_stream,
        "stream_id": s.stream_id,
        "path": s.path,
        "request_frame": s.request.map(|r| r.0),
        "response_frame": s.response.0,
        "start": secs(start - first_ns),
        "time_to_first_event": s.events.first().map(|e| secs(e.ns - start)),
        "events_per_second": span.map(|t| (s.events.len() - 1) as f64 / t),
        "gap_p50": percentile(&gaps, 50.0),
        "gap_p90": percentile(&gaps, 90.0),
        "gap_p99": percentile(&gaps, 99.0),
        "events": events,
    })
}

/// The `p`th percentile of `xs`, interpolating between the two nearest
/// ranks (numpy's default); None for no values.
pub fn percentile(xs: &[f64], p: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (rank - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_as_numpy() {
        let xs = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&xs, 50.0), Some(2.5));
        assert_eq!(percentile(&xs, 0.0), Some(1.0));
        assert_eq!(percentile(&xs, 100.0), Some(4.0));
        assert!((percentile(&xs, 90.0).unwrap() - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn media_types_with_parameters() {
        assert!(is_event_stream(b"text/event-stream"));
        assert!(is_event_stream(b"Text/Event-Stream; charset=utf-8"));
        assert!(!is_event_stream(b"text/plain"));
    }
}
