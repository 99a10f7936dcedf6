//! WebSocket connections: each HTTP/1.1 Upgrade a `101` answered, with
//! its handshake checked (the server's `Sec-WebSocket-Accept` against the
//! client's key), the extensions agreed, and every message each way as
//! the peer received it: fragments joined, permessage-deflate inflated
//! with its context, control frames (ping, pong, close) where they came.
//! A message is given the frame that completed it.

use std::sync::atomic::AtomicBool;

use dissectors::http;
use dissectors::websocket::{self, Message, WebSocketReader};
use serde_json::{Value, json};

use super::http1_stream::{At, Http1Handler, Http1Streams, Request};
use super::scan::scan_with;
use crate::capture::{CaptureFile, ReadNotes};
use crate::store::follow_tls::TlsPlaintext;
use crate::store::tcp_series::secs;

pub struct Connection {
    pub tcp_stream: u32,
    pub path: Option<String>,
    pub extensions: Option<String>,
    pub protocol: Option<String>,
    /// The key and accept agree (None: the request was not captured).
    pub accept_ok: Option<bool>,
    pub upgrade_frame: u32,
    /// The side (0 or 1) of the client.
    client: usize,
    readers: [WebSocketReader; 2],
    pub messages: Vec<TimedMessage>,
}

pub struct TimedMessage {
    pub frame: u32,
    pub ns: i64,
    pub from_client: bool,
    pub message: Message,
}

/// Every WebSocket connection of `file`, and the first frame's time.
pub fn connections(file: &CaptureFile) -> (Vec<Connection>, Option<i64>, ReadNotes) {
    let mut finder = Finder::default();
    let mut http1 = Http1Streams::default();
    let mut plaintext = TlsPlaintext::default();
    let mut first_ns = None;
    let stop = AtomicBool::new(false);
    let notes = scan_with(file, &["websocket."], &stop, &mut plaintext, |v, tls| {
        first_ns.get_or_insert(v.ts_ns);
        http1.frame(v, &tls.records, &mut finder);
        tls.records.clear();
    });
    (finder.out, first_ns, notes)
}

#[derive(Default)]
struct Finder {
    out: Vec<Connection>,
}

impl Http1Handler for Finder {
    fn response(&mut self, _: u32, _: &[u8], _: Option<&Request>, _: At) -> Option<usize> {
        None
    }

    fn body(&mut self, _: usize, _: &[u8], _: At) {}

    fn switch(
        &mut self,
        conn: u32,
        head: &[u8],
        request: Option<&Request>,
        at: At,
    ) -> Option<usize> {
        let is_websocket = |h: &[u8]| {
            http::header(h, "Upgrade")
                .is_some_and(|u| u.trim_ascii().eq_ignore_ascii_case(b"websocket"))
        };
        if !is_websocket(head) {
            return None;
        }
        let text = |v: Option<&[u8]>| v.map(|v| String::from_utf8_lossy(v).into_owned());
        let extensions = http::header(head, "Sec-WebSocket-Extensions");
        let deflate = extensions.and_then(websocket::deflate_of);
        let key = request.and_then(|r| http::header(&r.head, "Sec-WebSocket-Key"));
        let accept = http::header(head, "Sec-WebSocket-Accept");
        let accept_ok = key
            .map(|k| accept.is_some_and(|a| a.trim_ascii() == websocket::accept_for(k).as_bytes()));
        // The client is the side that asked (side 0 when the request was not captured).
        let client = request.map_or(0, |r| r.dir);
        let mut readers = [WebSocketReader::new(None), WebSocketReader::new(None)];
        if let Some(d) = deflate {
            readers[client] = WebSocketReader::new(Some(d.client_no_context_takeover));
            readers[1 - client] = WebSocketReader::new(Some(d.server_no_context_takeover));
        }
        self.out.push(Connection {
            tcp_stream: conn,
            path: request.map(|r| r.target.clone()),
            extensions: text(extensions),
            protocol: text(http::header(head, "Sec-WebSocket-Protocol")),
            accept_ok,
            upgrade_frame: at.0,
            client,
            readers,
            messages: Vec::new(),
        });
        Some(self.out.len() - 1)
    }

    fn switched(&mut self, id: usize, dir: usize, bytes: &[u8], now: At) {
        let Some(c) = self.out.get_mut(id) else {
            return;
        };
        let from_client = dir == c.client;
        let messages = &mut c.messages;
        c.readers[dir].feed(bytes, &mut |message| {
            messages.push(TimedMessage {
                frame: now.0,
                ns: now.1,
                from_client,
                message,
            })
        });
    }
}

/// The connections as `wirelens websocket --format json` gives them; a
/// message's `time` is since the capture's first frame.
pub fn json(connections: &[Connection], first_ns: i64) -> Value {
    let list: Vec<Value> = connections
        .iter()
        .map(|c| {
            let messages: Vec<Value> = c
                .messages
                .iter()
                .map(|m| message_json(m, first_ns))
                .collect();
            json!({
                "tcp_stream": c.tcp_stream,
                "path": c.path,
                "upgrade_frame": c.upgrade_frame,
                "extensions": c.extensions,
                "protocol": c.protocol,
                "accept_ok": c.accept_ok,
                "broken": c.readers.iter().any(|r| r.broken),
                "messages": messages,
            })
        })
        .collect();
    json!({ "connections": list })
}

fn message_json(m: &TimedMessage, first_ns: i64) -> Value {
    let msg = &m.message;
    // The text as kept (its first MB).
    let text =
        (msg.opcode == websocket::TEXT).then(|| String::from_utf8_lossy(&msg.data).into_owned());
    let close = msg.close();
    json!({
        "frame": m.frame,
        "time": secs(m.ns - first_ns),
        "dir": if m.from_client { "c2s" } else { "s2c" },
        "type": msg.type_name(),
        "length": msg.length,
        "text": text,
        "close_code": close.as_ref().map(|c| c.0),
        "close_reason": close.map(|c| c.1),
        "compressed": msg.compressed,
        "fragments": msg.fragments,
        "inflate_error": msg.inflate_error,
    })
}
