//! Recording and replaying the analysis state's answers.
//!
//! A dissection is a pure function of a frame's bytes and of what the
//! [`State`] answers to the dissectors' questions (which stream is this
//! segment in, which fragments complete this datagram, ...). The analysis
//! pass answers from live state fed in frame order; [`Recorder`] writes each
//! answer, in the order asked, onto the frame's *tape*. Later, any single
//! frame is dissected again on its own, in any order and on any thread,
//! with [`Replay`] reading its tape: the details tree and the display
//! filters see exactly what the analysis pass saw.
//!
//! The encoding is compact (a tag byte per answer, LEB128 integers) because
//! a tape is kept for every frame of a capture. What a frame's tape holds is
//! bounded by the frame's own size: an answer longer than [`INLINE`] bytes
//! (a reassembled datagram, the handshake bytes a TLS record completes, a
//! decoded header value) goes to the *blob log* once and the tape refers to
//! it by offset; an answer many frames share ([`crate::shared`]) is put
//! there once for all of them.

use std::net::IpAddr;

use crate::dns::{DnsKey, DnsMatch};
use crate::hpack::{Header, HeaderBlock, Repr};
use crate::http::HttpNote;
use crate::http2::H2Note;
use crate::packet::{
    ArpBinding, Echo, EchoMatch, FragOutcome, FragRefusal, Fragment, State, TcpSegment,
    TransportAt, UdpDatagram,
};
use crate::shared::SharedBytes;
use crate::tcp_analysis::SegmentAnalysis;
use crate::tcp_pdu::{
    AppProto, MAX_PIECES, PduBytes, PduLimit, PduNote, Piece, Rest, TcpPayload, TcpPdu,
};
use crate::tls::{Carry, TlsNote};
use crate::udp::DatagramAnalysis;

/// Captured bytes of another frame, by number (a reassembled PDU is rebuilt
/// from its pieces rather than kept on the tape).
pub type FrameBytes<'t> = &'t dyn Fn(u32) -> Option<&'t [u8]>;

/// Answers larger than this are not kept (a hostile capture must not make
/// one frame's tape grow without bound); the replay then answers "nothing".
pub const MAX_ANSWER: usize = 1 << 20;

/// Answers up to this long are written on the tape itself.
pub const INLINE: usize = 64;

/// Bytes of the blob log, by offset and length (the store's copy).
pub type BlobBytes<'t> = &'t dyn Fn(u64, usize) -> Option<Vec<u8>>;

/// Where large answers go while frames are recorded: the log grows by
/// what each frame adds ([`BlobRecorder::new_bytes`], which the store
/// appends after the frame), and a shared answer is put there once.
#[derive(Debug, Default)]
pub struct BlobRecorder {
    /// Bytes of the log before the current frame's.
    kept: u64,
    /// What the current frame adds.
    new: Vec<u8>,
    /// Shared answers in the log, by identity: where they are. (One entry
    /// per value longer than [`INLINE`] that was put: at most a 65th of
    /// the log's size.)
    seen: std::collections::HashMap<u64, u64>,
}

impl BlobRecorder {
    /// A new frame: what the last one added is in the log now.
    pub fn begin_frame(&mut self) {
        self.kept += self.new.len() as u64;
        self.new.clear();
    }

    /// What the frame just recorded added to the log.
    pub fn new_bytes(&self) -> &[u8] {
        &self.new
    }

    /// The log's length so far.
    pub fn len(&self) -> u64 {
        self.kept + self.new.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn put(&mut self, b: &[u8]) -> u64 {
        let at = self.len();
        self.new.extend_from_slice(b);
        at
    }

    fn put_shared(&mut self, id: u64, b: &[u8]) -> u64 {
        if let Some(&at) = self.seen.get(&id) {
            return at;
        }
        let at = self.put(b);
        self.seen.insert(id, at);
        at
    }
}

mod tag {
    pub const FRAG_PENDING: u8 = 1;
    pub const FRAG_PENDING_UNTIL: u8 = 2;
    pub const FRAG_COMPLETE: u8 = 3;
    pub const TCP_NONE: u8 = 4;
    pub const TCP: u8 = 5;
    pub const UDP_NONE: u8 = 6;
    pub const UDP: u8 = 7;
    pub const ECHO: u8 = 8;
    pub const ARP_NONE: u8 = 9;
    pub const ARP: u8 = 10;
    pub const TCP_PAYLOAD: u8 = 11;
    pub const DNS: u8 = 12;
    pub const FRAG_REFUSED: u8 = 13;
    pub const CONVERSATION_FLAGS: u8 = 14;
    pub const MEMO: u8 = 15;
    pub const EXPECTED_NONE: u8 = 16;
    pub const EXPECTED: u8 = 17;
}

/// Appends answers to a tape.
#[derive(Debug)]
pub struct TapeWriter<'t> {
    out: &'t mut Vec<u8>,
    /// Where long answers go; without one they are written inline.
    blobs: Option<&'t mut BlobRecorder>,
}

impl<'t> TapeWriter<'t> {
    pub fn new(out: &'t mut Vec<u8>) -> Self {
        TapeWriter { out, blobs: None }
    }

    pub fn with_blobs(out: &'t mut Vec<u8>, blobs: &'t mut BlobRecorder) -> Self {
        TapeWriter {
            out,
            blobs: Some(blobs),
        }
    }

    /// Bytes that may be long: inline up to [`INLINE`], else in the blob log.
    pub fn big(&mut self, b: &[u8]) {
        self.long(None, b);
    }

    /// A shared value: kept in the blob log once, whoever refers to it.
    pub fn shared(&mut self, id: u64, b: &[u8]) {
        self.long(Some(id), b);
    }

    fn long(&mut self, id: Option<u64>, b: &[u8]) {
        let b = &b[..b.len().min(MAX_ANSWER)];
        match self.blobs.as_deref_mut() {
            Some(blobs) if b.len() > INLINE => {
                let at = match id {
                    Some(id) => blobs.put_shared(id, b),
                    None => blobs.put(b),
                };
                self.u8(1);
                self.u64(at);
                self.u64(b.len() as u64);
            }
            _ => {
                self.u8(0);
                self.bytes(b);
            }
        }
    }
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub fn u64(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }
    pub fn i64(&mut self, v: i64) {
        self.u64(((v << 1) ^ (v >> 63)) as u64);
    }
    pub fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            None => self.u64(0),
            Some(v) => self.u64(v.saturating_add(1)),
        }
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.i64(v);
            }
        }
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.out.extend_from_slice(b);
    }
}

/// Reads answers back; every read is checked (a damaged tape reads as
/// "nothing known", never a panic).
#[derive(Debug, Clone)]
pub struct TapeReader<'t> {
    b: &'t [u8],
    pos: usize,
    /// A read went past the end or met an unexpected tag.
    pub failed: bool,
}

impl<'t> TapeReader<'t> {
    pub fn new(b: &'t [u8]) -> Self {
        TapeReader {
            b,
            pos: 0,
            failed: false,
        }
    }
    pub fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }
    pub fn u8(&mut self) -> u8 {
        match self.b.get(self.pos) {
            Some(&v) => {
                self.pos += 1;
                v
            }
            None => {
                self.failed = true;
                0
            }
        }
    }
    pub fn u64(&mut self) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8();
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
        }
        self.failed = true;
        v
    }
    pub fn u32(&mut self) -> u32 {
        let v = self.u64();
        u32::try_from(v).unwrap_or_else(|_| {
            self.failed = true;
            0
        })
    }
    pub fn i64(&mut self) -> i64 {
        let v = self.u64();
        ((v >> 1) as i64) ^ -((v & 1) as i64)
    }
    pub fn opt_u64(&mut self) -> Option<u64> {
        match self.u64() {
            0 => None,
            v => Some(v - 1),
        }
    }
    pub fn opt_u32(&mut self) -> Option<u32> {
        self.opt_u64().map(|v| {
            u32::try_from(v).unwrap_or_else(|_| {
                self.failed = true;
                0
            })
        })
    }
    pub fn opt_i64(&mut self) -> Option<i64> {
        match self.u8() {
            0 => None,
            _ => Some(self.i64()),
        }
    }
    pub fn bytes(&mut self) -> &'t [u8] {
        let n = self.u64() as usize;
        match self
            .pos
            .checked_add(n)
            .and_then(|end| self.b.get(self.pos..end))
        {
            Some(s) => {
                self.pos += n;
                s
            }
            None => {
                self.failed = true;
                self.pos = self.b.len();
                &[]
            }
        }
    }
    /// Reads the next tag; a different one than expected fails the tape.
    pub fn expect(&mut self, tags: &[u8]) -> Option<u8> {
        if self.failed {
            return None;
        }
        let t = self.u8();
        if tags.contains(&t) {
            Some(t)
        } else {
            self.failed = true;
            None
        }
    }
}

fn write_expectation(w: &mut TapeWriter<'_>, e: &crate::packet::Expectation) {
    match e.addr {
        IpAddr::V4(a) => {
            w.u8(4);
            w.bytes(&a.octets());
        }
        IpAddr::V6(a) => {
            w.u8(6);
            w.bytes(&a.octets());
        }
    }
    w.u64(e.port.into());
    w.opt_u64(e.other_port.map(u64::from));
    w.u8(e.proto);
    w.u8(e.parent.tcp.into());
    w.u64(e.parent.stream.into());
    w.u8(e.parent.proto);
}

fn read_expectation(r: &mut TapeReader<'_>) -> Option<crate::packet::Expectation> {
    let v = r.u8();
    let raw = r.bytes();
    let addr = match (v, raw.len()) {
        (4, 4) => IpAddr::from(<[u8; 4]>::try_from(raw).ok()?),
        (6, 16) => IpAddr::from(<[u8; 16]>::try_from(raw).ok()?),
        _ => return None,
    };
    Some(crate::packet::Expectation {
        addr,
        port: r.u64() as u16,
        other_port: r.opt_u64().map(|p| p as u16),
        proto: r.u8(),
        parent: crate::packet::ConversationKey {
            tcp: r.u8() != 0,
            stream: r.u32(),
            proto: r.u8(),
        },
    })
}

fn write_segment_analysis(w: &mut TapeWriter<'_>, a: &SegmentAnalysis) {
    w.u64(a.stream.into());
    w.u8(a.dir);
    w.u8(a.completeness);
    w.opt_u64(a.seq_base.map(u64::from));
    w.opt_u64(a.ack_base.map(u64::from));
    w.u64(a.nxtseq.into());
    w.u64(a.window.into());
    w.i64(a.scale.into());
    w.i64(a.time_relative_ns);
    w.i64(a.time_delta_ns);
    w.u64(a.flags.into());
    w.opt_u64(a.acks_frame.map(u64::from));
    w.opt_i64(a.ack_rtt_ns);
    w.opt_i64(a.initial_rtt_ns);
    w.opt_u64(a.bytes_in_flight.map(u64::from));
    w.opt_u64(a.push_bytes_sent.map(u64::from));
    match a.dup_ack {
        None => w.u8(0),
        Some((num, frame)) => {
            w.u8(1);
            w.u64(num.into());
            w.u64(frame.into());
        }
    }
    match a.rto {
        None => w.u8(0),
        Some((rto, frame)) => {
            w.u8(1);
            w.i64(rto);
            w.u64(frame.into());
        }
    }
    w.u8(a.shown.into());
}

fn read_segment_analysis(r: &mut TapeReader<'_>) -> SegmentAnalysis {
    let mut a = SegmentAnalysis {
        stream: r.u32(),
        dir: r.u8(),
        completeness: r.u8(),
        seq_base: r.opt_u32(),
        ack_base: r.opt_u32(),
        nxtseq: r.u32(),
        window: r.u32(),
        scale: r.i64() as i32,
        time_relative_ns: r.i64(),
        time_delta_ns: r.i64(),
        flags: r.u32(),
        acks_frame: r.opt_u32(),
        ack_rtt_ns: r.opt_i64(),
        initial_rtt_ns: r.opt_i64(),
        bytes_in_flight: r.opt_u32(),
        push_bytes_sent: r.opt_u32(),
        ..Default::default()
    };
    if r.u8() == 1 {
        a.dup_ack = Some((r.u32(), r.u32()));
    }
    if r.u8() == 1 {
        a.rto = Some((r.i64(), r.u32()));
    }
    a.shown = r.u8() != 0;
    a
}

fn write_pdu(w: &mut TapeWriter<'_>, p: &TcpPdu) {
    w.u8(p.proto.as_u8());
    let listed = &p.pieces[..p.pieces.len().min(MAX_PIECES)];
    match &p.bytes {
        PduBytes::InFrame { start, len } => {
            w.u8(0);
            w.u64((*start).into());
            w.u64((*len).into());
        }
        PduBytes::Reassembled(b) => {
            // Rebuilt from the frames when the pieces say where every byte is.
            let located: u64 = listed
                .iter()
                .take_while(|x| x.at.is_some())
                .map(|x| u64::from(x.len))
                .sum();
            if located >= b.len() as u64 {
                w.u8(1);
                w.u64(b.len() as u64);
            } else {
                w.u8(2);
                w.big(b);
            }
        }
    }
    w.u64(listed.len() as u64);
    for x in listed {
        w.u64(x.frame.into());
        w.opt_u64(x.at.map(u64::from));
        w.u64(x.len.into());
    }
    w.u64(p.body_len);
    w.u8(p.retransmitted.into());
    match &p.note {
        PduNote::None => w.u8(0),
        PduNote::Http(n) => {
            w.u8(1);
            w.opt_u64(n.request_in.map(u64::from));
            w.opt_i64(n.time_ns);
        }
        PduNote::Dns(m) => {
            w.u8(2);
            write_dns_match(w, m);
        }
        PduNote::Tls(n) => {
            w.u8(3);
            w.u64(n.version.into());
            w.u8(n.encrypted.into());
            match &n.carry {
                Carry::None => w.u8(0),
                Carry::Continued { head, len } => {
                    w.u8(1);
                    w.bytes(head);
                    w.u64((*len).into());
                }
                Carry::Whole(b) => {
                    w.u8(2);
                    w.big(b);
                }
            }
            w.u64(n.cipher.into());
            w.bytes(n.alpn.as_deref().unwrap_or("").as_bytes());
        }
        PduNote::H2(n) => {
            w.u8(4);
            w.u8(n.from_client.into());
            for s in [&n.content_type, &n.path] {
                match s {
                    None => w.u8(0),
                    Some(s) => {
                        w.u8(1);
                        w.shared(s.id(), s.as_bytes());
                    }
                }
            }
            write_header_block(w, n.headers.as_ref());
            match &n.body {
                None => w.u8(0),
                Some(b) => {
                    w.u8(1);
                    w.big(b);
                }
            }
            w.u64(n.body_len);
            match &n.dns {
                None => w.u8(0),
                Some(m) => {
                    w.u8(1);
                    write_dns_match(w, m);
                }
            }
        }
    }
}

/// Why a block was not decoded, as a code on the tape.
const UNKNOWN_REASONS: [&str; 3] = [
    "damaged header block",
    "refers to header table entries from before the capture",
    "not decoded",
];

fn write_header_block(w: &mut TapeWriter<'_>, b: Option<&HeaderBlock>) {
    match b {
        None => w.u8(0),
        Some(HeaderBlock::Unknown(why)) => {
            w.u8(1);
            w.u8(UNKNOWN_REASONS.iter().position(|r| r == why).unwrap_or(2) as u8);
        }
        Some(HeaderBlock::Decoded {
            headers,
            size_updates,
            truncated,
        }) => {
            w.u8(2);
            w.u8((*truncated).into());
            w.u64(size_updates.len() as u64);
            for s in size_updates {
                w.u64(*s);
            }
            w.u64(headers.len() as u64);
            for h in headers {
                w.shared(h.name.id(), &h.name);
                w.shared(h.value.id(), &h.value);
                w.u8(h.repr.as_u8());
                w.u64(h.index);
            }
        }
    }
}

fn read_header_block(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Option<HeaderBlock> {
    match r.u8() {
        1 => Some(HeaderBlock::Unknown(
            UNKNOWN_REASONS[(r.u8() as usize).min(UNKNOWN_REASONS.len() - 1)],
        )),
        2 => {
            let truncated = r.u8() != 0;
            let n = r.u64() as usize;
            let mut size_updates = Vec::new();
            for _ in 0..n {
                if r.failed {
                    break;
                }
                size_updates.push(r.u64());
            }
            let n = r.u64() as usize;
            let mut headers = Vec::new();
            for _ in 0..n {
                if r.failed {
                    break;
                }
                headers.push(Header {
                    name: src.shared(r),
                    value: src.shared(r),
                    repr: Repr::from_u8(r.u8()),
                    index: r.u64(),
                });
            }
            Some(HeaderBlock::Decoded {
                headers,
                size_updates,
                truncated,
            })
        }
        _ => None,
    }
}

fn write_dns_match(w: &mut TapeWriter<'_>, m: &DnsMatch) {
    w.opt_u64(m.request_in.map(u64::from));
    w.opt_i64(m.time_ns);
    w.opt_u64(m.retransmission_of.map(u64::from));
    w.u8(m.unsolicited.into());
}

fn read_dns_match(r: &mut TapeReader<'_>) -> DnsMatch {
    DnsMatch {
        request_in: r.opt_u32(),
        time_ns: r.opt_i64(),
        retransmission_of: r.opt_u32(),
        unsolicited: r.u8() != 0,
    }
}

fn read_pdu(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> TcpPdu {
    let proto = AppProto::from_u8(r.u8());
    let kind = r.u8();
    let (mut bytes, rebuild) = match kind {
        0 => (
            PduBytes::InFrame {
                start: r.u32(),
                len: r.u32(),
            },
            None,
        ),
        1 => (PduBytes::Reassembled(Vec::new()), Some(r.u64() as usize)),
        _ => (PduBytes::Reassembled(src.big(r)), None),
    };
    let n = r.u64() as usize;
    let mut pieces = Vec::with_capacity(n.min(MAX_PIECES));
    for _ in 0..n.min(MAX_PIECES) {
        if r.failed {
            break;
        }
        pieces.push(Piece {
            frame: r.u32(),
            at: r.opt_u32(),
            len: r.u32(),
        });
    }
    if let Some(len) = rebuild {
        let mut v = Vec::with_capacity(len.min(MAX_ANSWER));
        for p in &pieces {
            if v.len() >= len {
                break;
            }
            let part = src
                .frames
                .and_then(|f| f(p.frame))
                .zip(p.at)
                .and_then(|(b, at)| b.get(at as usize..at as usize + p.len as usize));
            match part {
                Some(part) => v.extend_from_slice(&part[..part.len().min(len - v.len())]),
                None => {
                    r.failed = true;
                    break;
                }
            }
        }
        if v.len() != len {
            r.failed = true;
        }
        bytes = PduBytes::Reassembled(v);
    }
    let body_len = r.u64();
    let retransmitted = r.u8() != 0;
    let note = match r.u8() {
        1 => PduNote::Http(HttpNote {
            request_in: r.opt_u32(),
            time_ns: r.opt_i64(),
        }),
        2 => PduNote::Dns(read_dns_match(r)),
        4 => {
            let from_client = r.u8() != 0;
            let mut text = |r: &mut TapeReader<'_>| {
                (r.u8() == 1).then(|| {
                    crate::shared::SharedStr::from(
                        String::from_utf8_lossy(&src.shared(r)).into_owned(),
                    )
                })
            };
            let content_type = text(r);
            let path = text(r);
            let headers = read_header_block(r, src);
            let body = (r.u8() == 1).then(|| src.big(r));
            let body_len = r.u64();
            let dns = (r.u8() == 1).then(|| read_dns_match(r));
            PduNote::H2(H2Note {
                headers,
                content_type,
                path,
                from_client,
                body,
                body_len,
                dns,
            })
        }
        3 => PduNote::Tls(TlsNote {
            version: r.u64() as u16,
            encrypted: r.u8() != 0,
            carry: match r.u8() {
                1 => Carry::Continued {
                    head: r.bytes().iter().take(4).copied().collect(),
                    len: r.u32(),
                },
                2 => Carry::Whole(src.big(r)),
                _ => Carry::None,
            },
            cipher: r.u64() as u16,
            alpn: Some(String::from_utf8_lossy(r.bytes()).into_owned()).filter(|s| !s.is_empty()),
        }),
        _ => PduNote::None,
    };
    TcpPdu {
        proto,
        bytes,
        pieces,
        body_len,
        note,
        retransmitted,
    }
}

/// Answers from `inner` (the live analysis), written onto `tape` as they
/// go; long ones into `blobs`.
pub struct Recorder<'a> {
    pub inner: &'a mut dyn State,
    pub tape: &'a mut Vec<u8>,
    pub blobs: &'a mut BlobRecorder,
}

impl State for Recorder<'_> {
    fn ip_fragment(&mut self, frag: &Fragment<'_>) -> FragOutcome {
        let out = self.inner.ip_fragment(frag);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        match &out {
            FragOutcome::Pending => w.u8(tag::FRAG_PENDING),
            FragOutcome::PendingUntil(n) => {
                w.u8(tag::FRAG_PENDING_UNTIL);
                w.u64((*n).into());
            }
            FragOutcome::Complete { payload, frames } if payload.len() <= MAX_ANSWER => {
                w.u8(tag::FRAG_COMPLETE);
                w.big(payload);
                w.u64(frames.len() as u64);
                for &(f, n) in frames {
                    w.u64(f.into());
                    w.u64(n.into());
                }
            }
            FragOutcome::Complete { .. } => w.u8(tag::FRAG_PENDING),
            FragOutcome::Refused(why) => {
                w.u8(tag::FRAG_REFUSED);
                w.u8(why.as_u8());
            }
        }
        out
    }

    fn tcp(&mut self, at: &TransportAt, seg: &TcpSegment) -> Option<SegmentAnalysis> {
        let out = self.inner.tcp(at, seg);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        match &out {
            None => w.u8(tag::TCP_NONE),
            Some(a) => {
                w.u8(tag::TCP);
                write_segment_analysis(&mut w, a);
            }
        }
        out
    }

    fn udp(&mut self, at: &TransportAt, d: &UdpDatagram) -> Option<DatagramAnalysis> {
        let out = self.inner.udp(at, d);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        match &out {
            None => w.u8(tag::UDP_NONE),
            Some(a) => {
                w.u8(tag::UDP);
                w.u64(a.stream.into());
                w.i64(a.time_relative_ns);
                w.i64(a.time_delta_ns);
            }
        }
        out
    }

    fn icmp_echo(&mut self, e: &Echo) -> EchoMatch {
        let out = self.inner.icmp_echo(e);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        w.u8(tag::ECHO);
        match out {
            EchoMatch::None => w.u8(0),
            EchoMatch::Answered { reply } => {
                w.u8(1);
                w.u64(reply.into());
            }
            EchoMatch::Unanswered => w.u8(2),
            EchoMatch::ReplyTo { request, rtt_ns } => {
                w.u8(3);
                w.u64(request.into());
                w.i64(rtt_ns);
            }
        }
        out
    }

    fn tcp_payload(
        &mut self,
        at: &TransportAt,
        seg: &TcpSegment,
        a: &SegmentAnalysis,
        payload: &[u8],
        payload_at: Option<u32>,
    ) -> TcpPayload {
        let out = self.inner.tcp_payload(at, seg, a, payload, payload_at);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        w.u8(tag::TCP_PAYLOAD);
        w.u8(out.proto.as_u8());
        w.u8(u8::from(out.http_port));
        w.u8(match out.rest {
            Rest::None => 0,
            Rest::Pending => 1,
            Rest::Data => 2,
            Rest::Upgraded => 3,
            Rest::Continuation => 4,
        });
        w.u64(out.version.into());
        w.u8(out.limit.map_or(0, PduLimit::as_u8));
        w.u8(out.state_dropped.into());
        w.u64(out.pdus.len() as u64);
        for p in &out.pdus {
            write_pdu(&mut w, p);
        }
        out
    }

    fn dns_message(&mut self, key: DnsKey, response: bool, frame: u32, ts_ns: i64) -> DnsMatch {
        let out = self.inner.dns_message(key, response, frame, ts_ns);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        w.u8(tag::DNS);
        write_dns_match(&mut w, &out);
        out
    }

    fn conversation_memo(
        &mut self,
        key: crate::packet::ConversationKey,
        set: Option<&[u8]>,
    ) -> Vec<u8> {
        let out = self.inner.conversation_memo(key, set);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        w.u8(tag::MEMO);
        w.bytes(&out);
        out
    }

    fn expect_connection(&mut self, e: crate::packet::Expectation) {
        self.inner.expect_connection(e);
    }

    fn expected_connection(
        &mut self,
        a: (IpAddr, u16),
        b: (IpAddr, u16),
    ) -> Option<crate::packet::Expectation> {
        let out = self.inner.expected_connection(a, b);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        match out {
            None => w.u8(tag::EXPECTED_NONE),
            Some(e) => {
                w.u8(tag::EXPECTED);
                write_expectation(&mut w, &e);
            }
        }
        out
    }

    fn conversation_flags(&mut self, key: crate::packet::ConversationKey, set: u32) -> u32 {
        let out = self.inner.conversation_flags(key, set);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        w.u8(tag::CONVERSATION_FLAGS);
        w.u64(out.into());
        out
    }

    fn arp_binding(
        &mut self,
        ip: [u8; 4],
        mac: [u8; 6],
        frame: u32,
        secs: i64,
    ) -> Option<ArpBinding> {
        let out = self.inner.arp_binding(ip, mac, frame, secs);
        let mut w = TapeWriter::with_blobs(self.tape, self.blobs);
        match out {
            None => w.u8(tag::ARP_NONE),
            Some(b) => {
                w.u8(tag::ARP);
                w.out.extend_from_slice(&b.mac);
                w.u64(b.frame.into());
                w.i64(b.secs);
            }
        }
        out
    }
}

/// Answers read back from a frame's tape.
pub struct Replay<'t> {
    pub r: TapeReader<'t>,
    src: Sources<'t>,
}

/// What a replay reads besides its tape.
struct Sources<'t> {
    frames: Option<FrameBytes<'t>>,
    blobs: Option<BlobBytes<'t>>,
    /// Shared values read so far, by where they are in the blob log (a
    /// value several answers share is read once).
    cache: std::collections::HashMap<u64, SharedBytes>,
}

impl Sources<'_> {
    /// Bytes written by [`TapeWriter::big`].
    fn big(&mut self, r: &mut TapeReader<'_>) -> Vec<u8> {
        match r.u8() {
            0 => r.bytes().to_vec(),
            1 => {
                let (at, len) = (r.u64(), r.u64() as usize);
                match self
                    .blobs
                    .filter(|_| len <= MAX_ANSWER)
                    .and_then(|b| b(at, len))
                {
                    Some(v) => v,
                    None => {
                        r.failed = true;
                        Vec::new()
                    }
                }
            }
            _ => {
                r.failed = true;
                Vec::new()
            }
        }
    }

    /// A value written by [`TapeWriter::shared`].
    fn shared(&mut self, r: &mut TapeReader<'_>) -> SharedBytes {
        match r.u8() {
            0 => SharedBytes::from(r.bytes()),
            1 => {
                let (at, len) = (r.u64(), r.u64() as usize);
                if let Some(v) = self.cache.get(&at).filter(|v| v.len() == len) {
                    return v.clone();
                }
                match self
                    .blobs
                    .filter(|_| len <= MAX_ANSWER)
                    .and_then(|b| b(at, len))
                {
                    Some(v) => {
                        let v = SharedBytes::from(v);
                        self.cache.insert(at, v.clone());
                        v
                    }
                    None => {
                        r.failed = true;
                        SharedBytes::from(&[][..])
                    }
                }
            }
            _ => {
                r.failed = true;
                SharedBytes::from(&[][..])
            }
        }
    }
}

impl<'t> Replay<'t> {
    /// A replay that cannot rebuild PDUs from other frames (they then read
    /// as not known).
    pub fn new(tape: &'t [u8]) -> Self {
        Replay {
            r: TapeReader::new(tape),
            src: Sources {
                frames: None,
                blobs: None,
                cache: Default::default(),
            },
        }
    }

    /// A replay that reads other frames' bytes with `frames`.
    pub fn with_frames(tape: &'t [u8], frames: FrameBytes<'t>) -> Self {
        Replay {
            r: TapeReader::new(tape),
            src: Sources {
                frames: Some(frames),
                blobs: None,
                cache: Default::default(),
            },
        }
    }

    /// A replay that reads other frames' bytes with `frames` and the blob
    /// log with `blobs`.
    pub fn with_sources(tape: &'t [u8], frames: FrameBytes<'t>, blobs: BlobBytes<'t>) -> Self {
        Replay {
            r: TapeReader::new(tape),
            src: Sources {
                frames: Some(frames),
                blobs: Some(blobs),
                cache: Default::default(),
            },
        }
    }

    /// Every answer was read and matched what was asked.
    pub fn consistent(&self) -> bool {
        !self.r.failed && self.r.at_end()
    }
}

impl State for Replay<'_> {
    fn is_replay(&self) -> bool {
        true
    }
    fn ip_fragment(&mut self, _frag: &Fragment<'_>) -> FragOutcome {
        let r = &mut self.r;
        match r.expect(&[
            tag::FRAG_PENDING,
            tag::FRAG_PENDING_UNTIL,
            tag::FRAG_COMPLETE,
            tag::FRAG_REFUSED,
        ]) {
            Some(tag::FRAG_PENDING_UNTIL) => FragOutcome::PendingUntil(r.u32()),
            Some(tag::FRAG_REFUSED) => FragOutcome::Refused(FragRefusal::from_u8(r.u8())),
            Some(tag::FRAG_COMPLETE) => {
                let payload = self.src.big(r);
                let n = r.u64() as usize;
                let mut frames = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    if r.failed {
                        break;
                    }
                    frames.push((r.u32(), r.u32()));
                }
                FragOutcome::Complete { payload, frames }
            }
            _ => FragOutcome::Pending,
        }
    }

    fn tcp(&mut self, _at: &TransportAt, _seg: &TcpSegment) -> Option<SegmentAnalysis> {
        match self.r.expect(&[tag::TCP, tag::TCP_NONE])? {
            tag::TCP => Some(read_segment_analysis(&mut self.r)).filter(|_| !self.r.failed),
            _ => None,
        }
    }

    fn udp(&mut self, _at: &TransportAt, _d: &UdpDatagram) -> Option<DatagramAnalysis> {
        match self.r.expect(&[tag::UDP, tag::UDP_NONE])? {
            tag::UDP => Some(DatagramAnalysis {
                stream: self.r.u32(),
                time_relative_ns: self.r.i64(),
                time_delta_ns: self.r.i64(),
            })
            .filter(|_| !self.r.failed),
            _ => None,
        }
    }

    fn icmp_echo(&mut self, _e: &Echo) -> EchoMatch {
        let r = &mut self.r;
        if r.expect(&[tag::ECHO]).is_none() {
            return EchoMatch::None;
        }
        match r.u8() {
            1 => EchoMatch::Answered { reply: r.u32() },
            2 => EchoMatch::Unanswered,
            3 => EchoMatch::ReplyTo {
                request: r.u32(),
                rtt_ns: r.i64(),
            },
            _ => EchoMatch::None,
        }
    }

    fn tcp_payload(
        &mut self,
        _at: &TransportAt,
        _seg: &TcpSegment,
        _a: &SegmentAnalysis,
        _payload: &[u8],
        _payload_at: Option<u32>,
    ) -> TcpPayload {
        if self.r.expect(&[tag::TCP_PAYLOAD]).is_none() {
            return TcpPayload::data();
        }
        let r = &mut self.r;
        let proto = AppProto::from_u8(r.u8());
        let http_port = r.u8() != 0;
        let rest = match r.u8() {
            0 => Rest::None,
            1 => Rest::Pending,
            3 => Rest::Upgraded,
            4 => Rest::Continuation,
            _ => Rest::Data,
        };
        let version = r.u64() as u16;
        let limit = PduLimit::from_u8(r.u8());
        let state_dropped = r.u8() != 0;
        let n = r.u64() as usize;
        let mut pdus = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            if self.r.failed {
                break;
            }
            pdus.push(read_pdu(&mut self.r, &mut self.src));
        }
        if self.r.failed {
            return TcpPayload::data();
        }
        TcpPayload {
            proto,
            http_port,
            pdus,
            rest,
            version,
            limit,
            state_dropped,
        }
    }

    fn dns_message(&mut self, _key: DnsKey, _response: bool, _frame: u32, _ts_ns: i64) -> DnsMatch {
        if self.r.expect(&[tag::DNS]).is_none() {
            return DnsMatch::default();
        }
        let m = read_dns_match(&mut self.r);
        if self.r.failed {
            DnsMatch::default()
        } else {
            m
        }
    }

    fn conversation_memo(
        &mut self,
        _key: crate::packet::ConversationKey,
        _set: Option<&[u8]>,
    ) -> Vec<u8> {
        if self.r.expect(&[tag::MEMO]).is_none() {
            return Vec::new();
        }
        let v = self.r.bytes().to_vec();
        if self.r.failed { Vec::new() } else { v }
    }

    fn expected_connection(
        &mut self,
        _a: (IpAddr, u16),
        _b: (IpAddr, u16),
    ) -> Option<crate::packet::Expectation> {
        match self.r.expect(&[tag::EXPECTED, tag::EXPECTED_NONE])? {
            tag::EXPECTED => read_expectation(&mut self.r).filter(|_| !self.r.failed),
            _ => None,
        }
    }

    fn conversation_flags(&mut self, _key: crate::packet::ConversationKey, _set: u32) -> u32 {
        if self.r.expect(&[tag::CONVERSATION_FLAGS]).is_none() {
            return 0;
        }
        let v = self.r.u64();
        if self.r.failed { 0 } else { v as u32 }
    }

    fn arp_binding(
        &mut self,
        _ip: [u8; 4],
        _mac: [u8; 6],
        _frame: u32,
        _secs: i64,
    ) -> Option<ArpBinding> {
        match self.r.expect(&[tag::ARP, tag::ARP_NONE])? {
            tag::ARP => {
                let mut mac = [0u8; 6];
                for m in &mut mac {
                    *m = self.r.u8();
                }
                Some(ArpBinding {
                    mac,
                    frame: self.r.u32(),
                    secs: self.r.i64(),
                })
                .filter(|_| !self.r.failed)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn integers_round_trip() {
        let mut tape = Vec::new();
        let mut w = TapeWriter::new(&mut tape);
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            w.u64(v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            w.i64(v);
        }
        w.opt_u64(None);
        w.opt_u64(Some(u64::MAX));
        let mut r = TapeReader::new(&tape);
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(r.u64(), v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            assert_eq!(r.i64(), v);
        }
        assert_eq!(r.opt_u64(), None);
        // saturated: u64::MAX + 1 does not fit, the largest value comes back
        assert_eq!(r.opt_u64(), Some(u64::MAX - 1));
        assert!(r.at_end() && !r.failed);
    }

    #[test]
    fn a_damaged_tape_reads_as_nothing_known() {
        let mut r = TapeReader::new(&[0xff, 0xff]);
        let _ = r.u64();
        assert!(r.failed);
        let mut replay = Replay::new(&[tag::TCP, 0x80]);
        let seg = TcpSegment::default();
        let at = TransportAt {
            src: IpAddr::from([0, 0, 0, 0]),
            dst: IpAddr::from([0, 0, 0, 0]),
            frame: 1,
            ts_ns: 0,
            frame_len: 0,
            quoted: false,
        };
        assert!(replay.tcp(&at, &seg).is_none());
        assert!(!replay.consistent());
    }
}
