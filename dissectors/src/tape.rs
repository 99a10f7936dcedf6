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
//! The recording names no protocol: the core's own answers (IP fragments,
//! echo and ARP matching, conversation flags, memos and expectations) are
//! written here, and a protocol's own question carries how its answer is
//! written and read back ([`crate::packet::Answer`], in the protocol's
//! module). The encoding is [`crate::tape_codec`]'s.

use std::any::Any;
use std::net::IpAddr;

use crate::packet::{
    ArpBinding, Echo, EchoMatch, FragOutcome, FragRefusal, Fragment, Question, State,
};
pub use crate::tape_codec::{
    BlobBytes, BlobRecorder, FrameBytes, INLINE, MAX_ANSWER, Sources, TapeReader, TapeWriter,
};

/// The core's tags. Protocols' answers carry their own tags (TCP's 4 and 5,
/// UDP's 6 and 7, TCP payloads' 11, DNS's 12, and from 32 up): a test in
/// the `analysis` module checks that no two answers share one.
pub mod tag {
    pub const FRAG_PENDING: u8 = 1;
    pub const FRAG_PENDING_UNTIL: u8 = 2;
    pub const FRAG_COMPLETE: u8 = 3;
    pub const ECHO: u8 = 8;
    pub const ARP_NONE: u8 = 9;
    pub const ARP: u8 = 10;
    pub const FRAG_REFUSED: u8 = 13;
    pub const CONVERSATION_FLAGS: u8 = 14;
    pub const MEMO: u8 = 15;
    pub const EXPECTED_NONE: u8 = 16;
    pub const EXPECTED: u8 = 17;
}
/// A reassembly's outcome on the tape (IP fragments, protocol messages).
fn write_fragment(w: &mut TapeWriter<'_>, out: &FragOutcome) {
    match out {
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
}

fn read_fragment(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> FragOutcome {
    match r.expect(&[
        tag::FRAG_PENDING,
        tag::FRAG_PENDING_UNTIL,
        tag::FRAG_COMPLETE,
        tag::FRAG_REFUSED,
    ]) {
        Some(tag::FRAG_PENDING_UNTIL) => FragOutcome::PendingUntil(r.u32()),
        Some(tag::FRAG_REFUSED) => FragOutcome::Refused(FragRefusal::from_u8(r.u8())),
        Some(tag::FRAG_COMPLETE) => {
            let payload = src.big(r);
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

/// Answers from `inner` (the live analysis), written onto `tape` as they
/// go; long ones into `blobs`.
pub struct Recorder<'a> {
    pub inner: &'a mut dyn State,
    pub tape: &'a mut Vec<u8>,
    pub blobs: &'a mut BlobRecorder,
}

impl State for Recorder<'_> {
    fn analyses_applications(&self) -> bool {
        self.inner.analyses_applications()
    }
    fn ask(&mut self, q: &Question<'_>, answer: &mut dyn Any) {
        self.inner.ask(q, answer);
        (q.write)(answer, &mut TapeWriter::with_blobs(self.tape, self.blobs));
    }

    fn ip_fragment(&mut self, frag: &Fragment<'_>) -> FragOutcome {
        let out = self.inner.ip_fragment(frag);
        write_fragment(&mut TapeWriter::with_blobs(self.tape, self.blobs), &out);
        out
    }

    fn message_fragment(
        &mut self,
        key: crate::packet::ConversationKey,
        frame: u32,
        bytes: &[u8],
        last: bool,
    ) -> FragOutcome {
        let out = self.inner.message_fragment(key, frame, bytes, last);
        write_fragment(&mut TapeWriter::with_blobs(self.tape, self.blobs), &out);
        out
    }

    fn switch_tcp_protocol(
        &mut self,
        stream: u32,
        name: &str,
        by: &'static crate::proto::ProtoDef,
    ) {
        // Nothing to record: the segments that follow carry the change.
        self.inner.switch_tcp_protocol(stream, name, by);
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

    fn udp_conversation(&mut self, end: (IpAddr, u16), peer: Option<IpAddr>) {
        self.inner.udp_conversation(end, peer);
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
                for m in b.mac {
                    w.u8(m);
                }
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

impl<'t> Replay<'t> {
    /// A replay that cannot rebuild PDUs from other frames (they then read
    /// as not known).
    pub fn new(tape: &'t [u8]) -> Self {
        Replay {
            r: TapeReader::new(tape),
            src: Sources::new(None, None),
        }
    }

    /// A replay that reads other frames' bytes with `frames`.
    pub fn with_frames(tape: &'t [u8], frames: FrameBytes<'t>) -> Self {
        Replay {
            r: TapeReader::new(tape),
            src: Sources::new(Some(frames), None),
        }
    }

    /// A replay that reads other frames' bytes with `frames` and the blob
    /// log with `blobs`.
    pub fn with_sources(tape: &'t [u8], frames: FrameBytes<'t>, blobs: BlobBytes<'t>) -> Self {
        Replay {
            r: TapeReader::new(tape),
            src: Sources::new(Some(frames), Some(blobs)),
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
    fn ask(&mut self, q: &Question<'_>, answer: &mut dyn Any) {
        (q.read)(&mut self.r, &mut self.src, answer);
    }
    fn ip_fragment(&mut self, _frag: &Fragment<'_>) -> FragOutcome {
        read_fragment(&mut self.r, &mut self.src)
    }

    fn message_fragment(
        &mut self,
        _key: crate::packet::ConversationKey,
        _frame: u32,
        _bytes: &[u8],
        _last: bool,
    ) -> FragOutcome {
        read_fragment(&mut self.r, &mut self.src)
    }

    fn icmp_echo(&mut self, _e: &Echo) -> EchoMatch {
        let r = &mut self.r;
        if r.expect(&[tag::ECHO]).is_none() {
            return EchoMatch::None;
        }
        let m = match r.u8() {
            1 => EchoMatch::Answered { reply: r.u32() },
            2 => EchoMatch::Unanswered,
            3 => EchoMatch::ReplyTo {
                request: r.u32(),
                rtt_ns: r.i64(),
            },
            _ => EchoMatch::None,
        };
        if r.failed { EchoMatch::None } else { m }
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

    #[test]
    fn a_damaged_tape_reads_as_nothing_known() {
        // An echo answer whose request frame number runs past the tape.
        let mut replay = Replay::new(&[tag::ECHO, 3, 0x80]);
        let echo = Echo {
            v6: false,
            src: IpAddr::from([0, 0, 0, 0]),
            dst: IpAddr::from([0, 0, 0, 0]),
            ident: 1,
            seq: 1,
            request: false,
            frame: 2,
            ts_ns: 0,
        };
        assert_eq!(replay.icmp_echo(&echo), EchoMatch::None);
        assert!(!replay.consistent());
    }
}
