//! HTTP/1 messages read from each TCP connection's byte streams as they
//! arrive (reassembled, or the decrypted TLS records), for reports that
//! need a response's body piece by piece with the frame each piece came
//! in (Server-Sent Events), or the bytes after a `101 Switching Protocols`
//! (WebSocket). The HTTP dissector shows a message only once it is whole,
//! and such a response may never end.

use std::collections::{HashMap, VecDeque};

use dissectors::http::{self, BodyState};
use dissectors::packet::TcpSegment;
use dissectors::tcp_reassembly::{StreamEvent, TcpReassembler};

use super::scan::FrameView;

/// A head kept at most this long (longer: the connection is not followed).
const MAX_HEAD: usize = 64 << 10;
/// A TLS record's first byte, opening a connection: a handshake.
const TLS_HANDSHAKE: u8 = 0x16;
/// Bytes a client sends after asking to switch protocols, held until the
/// answer says what they are.
const MAX_HELD: usize = 256 << 10;
/// Unanswered requests remembered per connection.
const MAX_PENDING: usize = 1024;

/// A frame's number and time.
pub type At = (u32, i64);

/// A request, as a response finds it.
#[derive(Debug, Clone)]
pub struct Request {
    pub head: Vec<u8>,
    pub target: String,
    /// Where its head began.
    pub at: At,
    /// The side (0 or 1) that sent it.
    pub dir: usize,
}

/// What a report does with the messages.
pub trait Http1Handler {
    /// A response's head (the request it answers, if seen): a number to
    /// hand its body to [`Http1Handler::body`] under, or None to skip it.
    fn response(
        &mut self,
        conn: u32,
        head: &[u8],
        request: Option<&Request>,
        at: At,
    ) -> Option<usize>;
    fn body(&mut self, id: usize, bytes: &[u8], now: At);
    /// A `101 Switching Protocols`: a number to hand every byte after it,
    /// of either side, to [`Http1Handler::switched`], or None.
    fn switch(
        &mut self,
        conn: u32,
        head: &[u8],
        request: Option<&Request>,
        at: At,
    ) -> Option<usize>;
    fn switched(&mut self, id: usize, dir: usize, bytes: &[u8], now: At);
}

/// Every connection's state.
#[derive(Default)]
pub struct Http1Streams {
    connections: HashMap<u32, Connection>,
}

#[derive(Default)]
struct Connection {
    reassembler: TcpReassembler,
    sides: [Side; 2],
    requests: VecDeque<Request>,
    /// Its bytes come from decrypted TLS records.
    tls: bool,
    /// Not HTTP/1 (HTTP/2, no HTTP, a head too long): no longer read.
    done: bool,
    /// After a 101: where both sides' bytes go.
    switched: Option<usize>,
}

#[derive(Default)]
struct Side {
    head: Vec<u8>,
    /// How much of `head` was searched for its end.
    searched: usize,
    head_at: Option<At>,
    body: Option<(BodyState, Option<usize>)>,
    /// Asked to switch protocols: what follows waits for the answer.
    held: Option<Vec<u8>>,
    /// Bytes were never captured: nothing more is read on this side.
    lost: bool,
}

impl Http1Streams {
    /// One frame of the scan, with the plaintext of its TLS records.
    pub fn frame(&mut self, v: &FrameView<'_>, plaintext: &[Vec<u8>], h: &mut dyn Http1Handler) {
        let Some((conn, dir)) = v.tcp else { return };
        let c = self.connections.entry(conn).or_default();
        if c.done {
            return;
        }
        let now = (v.number, v.ts_ns);
        let dir = usize::from(dir & 1);
        if !plaintext.is_empty() || v.fields.layers.contains(&"tls") {
            c.tls = true;
        }
        if c.tls {
            for p in plaintext {
                c.bytes(conn, dir, p, now, h);
            }
            return;
        }
        let (Some((seg, payload)), false) = (v.segment, v.resent) else {
            return;
        };
        let mut delivered: Vec<(usize, Option<Vec<u8>>)> = Vec::new();
        c.reassembler.segment(
            dir,
            v.number,
            seg.seq,
            seg.has(TcpSegment::SYN),
            seg.ack,
            seg.len,
            payload,
            &mut |e| match e {
                StreamEvent::Data { dir, bytes, .. } => delivered.push((dir, Some(bytes.to_vec()))),
                StreamEvent::Gap { dir, .. } => delivered.push((dir, None)),
                StreamEvent::Late { .. } => {}
            },
        );
        for (d, b) in delivered {
            match b {
                Some(b) => c.bytes(conn, d, &b, now, h),
                None => c.sides[d].lost = true,
            }
        }
    }
}

impl Connection {
    /// Bytes of side `dir`, in order, readable since frame `now`.
    fn bytes(&mut self, conn: u32, dir: usize, mut b: &[u8], now: At, h: &mut dyn Http1Handler) {
        while !b.is_empty() && !self.done && !self.sides[dir].lost {
            if let Some(id) = self.switched {
                h.switched(id, dir, b, now);
                return;
            }
            let side = &mut self.sides[dir];
            if let Some(held) = side.held.as_mut() {
                held.extend_from_slice(&b[..b.len().min(MAX_HELD.saturating_sub(held.len()))]);
                return;
            }
            match side.body.as_mut() {
                Some((body, id)) => {
                    let n = match *id {
                        Some(id) => body.consume_with(b, &mut |d| h.body(id, d, now)),
                        None => body.consume(b),
                    };
                    b = &b[n..];
                    if body.done() {
                        side.body = None;
                    }
                }
                None => b = self.head(conn, dir, b, now, h),
            }
        }
    }

    /// Reads a message head from `b`; returns what follows it (nothing
    /// while the head is incomplete).
    fn head<'b>(
        &mut self,
        conn: u32,
        dir: usize,
        b: &'b [u8],
        now: At,
        h: &mut dyn Http1Handler,
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
        let mut head = std::mem::take(&mut side.head);
        head.truncate(len);
        let at = side.head_at.take().unwrap_or(now);
        let rest = &b[len - kept..];
        match http::message_kind(&head) {
            Some(true) => self.request(dir, head, at),
            Some(false) => self.response(conn, dir, &head, at, h),
            None => self.done = true,
        }
        rest
    }

    fn request(&mut self, dir: usize, head: Vec<u8>, at: At) {
        let (_, target, _) = http::first_line(&head);
        let target = String::from_utf8_lossy(target).into_owned();
        let body = BodyState::new(http::body_kind(&head, true, None));
        if http::header(&head, "Upgrade").is_some() {
            self.sides[dir].held = Some(Vec::new());
        }
        self.sides[dir].body = Some((body, None));
        self.requests.push_back(Request {
            head,
            target,
            at,
            dir,
        });
        if self.requests.len() > MAX_PENDING {
            self.requests.pop_front();
        }
    }

    fn response(&mut self, conn: u32, dir: usize, head: &[u8], at: At, h: &mut dyn Http1Handler) {
        let status = http::status(head).unwrap_or(0);
        let request = if status >= 200 || status == 101 {
            self.requests.pop_front()
        } else {
            self.requests.front().cloned()
        };
        if status == 101 {
            self.switched = h.switch(conn, head, request.as_ref(), at);
            if self.switched.is_none() {
                self.done = true;
                return;
            }
        }
        // What the asking side held goes where the answer says.
        let held: Vec<(usize, Vec<u8>)> = (0..2)
            .filter_map(|d| Some((d, self.sides[d].held.take()?)))
            .collect();
        if status != 101 {
            let method = request.as_ref().map(|r| http::first_line(&r.head).0);
            let kind = http::body_kind(head, false, method);
            let id = h.response(conn, head, request.as_ref(), at);
            self.sides[dir].body = Some((BodyState::new(kind), id));
        }
        for (d, b) in held {
            self.bytes(conn, d, &b, at, h);
        }
    }
}
