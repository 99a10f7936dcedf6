//! Server-Sent Event streams: every `text/event-stream` response, over
//! HTTP/1.x (chunked or not, in clear or decrypted TLS) and HTTP/2, read
//! as it arrived. Each event is timed by the frame that completed it (its
//! dispatching empty line), which is when a client could act on it: the
//! time to first event (the first token of an LLM stream) and the gaps
//! between events come from those frames.
//!
//! HTTP/1 responses are read as they stream by ([`super::http1_stream`]);
//! HTTP/2 ones from their DATA frames' payloads.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use dissectors::field::OwnedValue;
use dissectors::http;
use dissectors::sse::{Event, EventStream};
use serde_json::{Value, json};

use super::http1_stream::{At, Http1Handler, Http1Streams, Request};
use super::http2_frames::frames;
use super::scan::{FrameView, scan_with};
use crate::capture::{CaptureFile, ReadNotes};
use crate::store::follow_tls::TlsPlaintext;
use crate::store::tcp_series::secs;

/// HTTP/2's DATA and HEADERS frame types.
const DATA: u64 = 0;
const HEADERS: u64 = 1;

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
    /// A content coding (gzip...) the body came in: its events are not
    /// read (a coded event stream is rare, and its pieces do not inflate
    /// on their own).
    pub content_encoding: Option<String>,
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
    streams_with_stop(file, &AtomicBool::new(false))
}

/// `streams`, or None once `stop` is set (the app's window closed).
pub fn streams_until(file: &CaptureFile, stop: &AtomicBool) -> Option<Vec<SseStream>> {
    let (found, _, _) = streams_with_stop(file, stop);
    (!stop.load(std::sync::atomic::Ordering::Relaxed)).then_some(found)
}

fn streams_with_stop(
    file: &CaptureFile,
    stop: &AtomicBool,
) -> (Vec<SseStream>, Option<i64>, ReadNotes) {
    let mut finder = StreamFinder::default();
    let mut plaintext = TlsPlaintext::default();
    let mut first_ns = None;
    let notes = scan_with(file, &["http2"], stop, &mut plaintext, |v, tls| {
        first_ns.get_or_insert(v.ts_ns);
        finder.frame(v, &tls.records);
        tls.records.clear();
    });
    (finder.out, first_ns, notes)
}

/// The event streams found so far, and the parsers reading them.
#[derive(Default)]
struct StreamFinder {
    http1: Http1Streams,
    /// HTTP/2 requests by (connection, stream): path, frame and time.
    h2_requests: HashMap<(u32, u64), (String, u32, i64)>,
    /// HTTP/2 event streams by (connection, stream): the stream's index.
    h2_streams: HashMap<(u32, u64), usize>,
    out: Vec<SseStream>,
    /// Each stream's parser, by its index.
    parsers: Vec<EventStream>,
}

impl StreamFinder {
    fn frame(&mut self, v: &FrameView<'_>, plaintext: &[Vec<u8>]) {
        let Some((conn, _)) = v.tcp else { return };
        if v.fields.layers.contains(&"http2") {
            self.http2_frame(v, conn);
        }
        let mut http1 = std::mem::take(&mut self.http1);
        http1.frame(v, plaintext, self);
        self.http1 = http1;
    }

    fn open(&mut self, s: SseStream) -> usize {
        self.out.push(s);
        self.parsers.push(EventStream::default());
        self.out.len() - 1
    }

    /// Bytes of stream `index`'s body that arrived by frame `now`.
    fn read(&mut self, index: usize, bytes: &[u8], now: At) {
        let (Some(parser), Some(s)) = (self.parsers.get_mut(index), self.out.get_mut(index)) else {
            return;
        };
        if s.content_encoding.is_some() {
            return;
        }
        parser.feed(bytes, &mut |event| {
            s.events.push(TimedEvent {
                frame: now.0,
                ns: now.1,
                event,
            })
        });
    }

    /// HTTP/2 frames: requests remembered, `text/event-stream` responses
    /// followed, their DATA read as events.
    fn http2_frame(&mut self, v: &FrameView<'_>, conn: u32) {
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
                        let coding = header("content-encoding").filter(|c| is_coded(c.as_bytes()));
                        let s = SseStream {
                            tcp_stream: conn,
                            stream_id: Some(f.stream),
                            path: request.map(|r| r.0.clone()),
                            request: request.map(|r| (r.1, r.2)),
                            response: (v.number, v.ts_ns),
                            events: Vec::new(),
                            content_encoding: coding,
                        };
                        let index = self.open(s);
                        self.h2_streams.insert(key, index);
                    }
                }
                DATA => {
                    let Some(&index) = self.h2_streams.get(&key) else {
                        continue;
                    };
                    let payload = f.payload.and_then(|i| v.fields.fields.get(i));
                    if let Some(OwnedValue::Bytes(b)) = payload.map(|p| &p.value) {
                        self.read(index, b, (v.number, v.ts_ns));
                    }
                }
                _ => {}
            }
        }
    }
}

impl Http1Handler for StreamFinder {
    fn response(
        &mut self,
        conn: u32,
        head: &[u8],
        request: Option<&Request>,
        at: At,
    ) -> Option<usize> {
        if !http::header(head, "Content-Type").is_some_and(is_event_stream) {
            return None;
        }
        let coding = http::header(head, "Content-Encoding").filter(|c| is_coded(c));
        Some(self.open(SseStream {
            tcp_stream: conn,
            stream_id: None,
            path: request.map(|r| r.target.clone()),
            request: request.map(|r| r.at),
            response: at,
            events: Vec::new(),
            content_encoding: coding.map(|c| String::from_utf8_lossy(c).into_owned()),
        }))
    }

    fn body(&mut self, id: usize, bytes: &[u8], now: At) {
        self.read(id, bytes, now);
    }

    fn switch(&mut self, _: u32, _: &[u8], _: Option<&Request>, _: At) -> Option<usize> {
        None
    }

    fn switched(&mut self, _: usize, _: usize, _: &[u8], _: At) {}
}

/// A content coding other than `identity`.
fn is_coded(coding: &[u8]) -> bool {
    let c = coding.trim_ascii();
    !c.is_empty() && !c.eq_ignore_ascii_case(b"identity")
}

fn is_event_stream(content_type: &[u8]) -> bool {
    let t = String::from_utf8_lossy(content_type);
    t.split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
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
        "content_encoding": s.content_encoding,
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
        assert!(is_coded(b"gzip") && !is_coded(b" identity ") && !is_coded(b""));
    }
}
