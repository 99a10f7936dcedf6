//! HTTP/2 exchanges: one per stream, the request from the client's
//! HEADERS to its END_STREAM, the response from the server's first frame
//! on the stream to its END_STREAM (or a RST_STREAM).

use std::collections::BTreeMap;

use super::super::http2_frames::{Frame, frames};
use super::super::scan::FrameView;
use super::{Exchange, Message, Span};

const DATA: u64 = 0;
const HEADERS: u64 = 1;
const RST_STREAM: u64 = 3;
const CLIENT: u8 = 0;

/// A connection's streams, each by the exchange it is.
#[derive(Default)]
pub struct Http2Connection {
    streams: BTreeMap<u64, usize>,
}

impl Http2Connection {
    pub fn frame(
        &mut self,
        v: &FrameView<'_>,
        dir: u8,
        began: Option<(u32, i64)>,
        template: &Exchange,
        out: &mut Vec<Exchange>,
    ) {
        if !v.fields.layers.contains(&"http2") {
            return;
        }
        for (i, f) in frames(v)
            .1
            .iter()
            .enumerate()
            .filter(|(_, f)| f.stream != 0)
        {
            // The packet's first HTTP/2 frame may have begun packets
            // before, when it was reassembled.
            let began = if i == 0 { began } else { None };
            if dir == CLIENT {
                self.client_frame(v, f, began, template, out);
            } else if let Some(e) = self.streams.get(&f.stream).and_then(|&i| out.get_mut(i)) {
                server_frame(v, f, e);
            }
        }
    }

    /// The HTTP/1.1 request an `h2c` upgrade turned into stream 1.
    pub fn adopt_upgrade(&mut self, index: usize) {
        self.streams.entry(1).or_insert(index);
    }

    fn client_frame(
        &mut self,
        v: &FrameView<'_>,
        f: &Frame,
        began: Option<(u32, i64)>,
        template: &Exchange,
        out: &mut Vec<Exchange>,
    ) {
        let index = match self.streams.get(&f.stream) {
            Some(&i) => i,
            None if f.kind == HEADERS => {
                let mut e = template.clone();
                e.http_version = "HTTP/2".into();
                e.stream_id = u32::try_from(f.stream).ok();
                e.request = Some(Span::since(began, v));
                self.streams.insert(f.stream, out.len());
                out.push(e);
                out.len() - 1
            }
            None => return,
        };
        let Some(e) = out.get_mut(index) else { return };
        match f.kind {
            HEADERS if e.request_headers.is_empty() => request_headers(e, f),
            DATA => {
                e.request_body += f.length;
                messages(v, f, true, &mut e.messages);
            }
            RST_STREAM => return reset(v, f, e),
            _ => {}
        }
        if f.end_stream
            && let Some(r) = &mut e.request
        {
            r.end_at(v);
        }
    }
}

fn request_headers(e: &mut Exchange, f: &Frame) {
    for (name, value, _) in &f.headers {
        match name.as_str() {
            ":method" => e.method = value.clone(),
            ":path" => e.path = value.clone(),
            ":authority" => e.authority = value.clone(),
            _ => {}
        }
    }
    e.request_headers = plain(f);
}

fn server_frame(v: &FrameView<'_>, f: &Frame, e: &mut Exchange) {
    if f.kind == RST_STREAM {
        return reset(v, f, e);
    }
    if !matches!(f.kind, DATA | HEADERS) {
        return;
    }
    let status = f
        .headers
        .iter()
        .find(|h| h.0 == ":status")
        .and_then(|h| h.1.parse::<u16>().ok());
    // An interim answer (100 Continue) is not the response.
    if status.is_some_and(|s| s < 200) {
        return;
    }
    let span = e.response.get_or_insert_with(|| Span::at(v));
    if f.kind == HEADERS && e.status.is_none() {
        e.status = status;
        e.response_headers = plain(f);
        e.mime_type = header(f, "content-type").unwrap_or_default();
    } else if f.kind == HEADERS {
        e.trailers = plain(f);
    }
    if f.kind == DATA {
        e.response_body += f.length;
        messages(v, f, false, &mut e.messages);
    }
    if f.end_stream {
        span.end_at(v);
        e.ended_ns.get_or_insert(v.ts_ns);
    }
}

/// RST_STREAM from either side: the stream ends there.
fn reset(v: &FrameView<'_>, f: &Frame, e: &mut Exchange) {
    e.reset = Some(f.rst_error.unwrap_or(0));
    e.ended_ns.get_or_insert(v.ts_ns);
    if let Some(r) = &mut e.response {
        r.end_at(v);
    }
}

/// The length-prefixed (gRPC) messages a DATA frame completed.
fn messages(v: &FrameView<'_>, f: &Frame, from_client: bool, out: &mut Vec<Message>) {
    out.extend(f.grpc.iter().map(|&(compressed, length)| Message {
        from_client,
        frame: v.number,
        ns: v.ts_ns,
        length,
        compressed,
    }));
}

/// Header fields as sent, pseudo-headers included (as HAR keeps them).
fn plain(f: &Frame) -> Vec<(String, String)> {
    f.headers
        .iter()
        .map(|(n, v, _)| (n.clone(), v.clone()))
        .collect()
}

fn header(f: &Frame, name: &str) -> Option<String> {
    f.headers.iter().find(|h| h.0 == name).map(|h| h.1.clone())
}
