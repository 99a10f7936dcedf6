//! What a TCP payload's application view ([`TcpPayload`]) leaves on a
//! frame's tape: the PDUs the segment completes, where their bytes are and
//! the notes of the protocols that framed them, so that a frame dissected
//! again alone shows the same messages.

use crate::dns::DnsMatch;
use crate::http::HttpNote;
use crate::http2::H2Note;
use crate::packet::Answer;
use crate::tape_codec::{MAX_ANSWER, Recorded, Sources, TapeReader, TapeWriter};
use crate::tcp_pdu::{
    AppProto, MAX_PIECES, PduBytes, PduLimit, PduNote, Piece, Rest, TcpPayload, TcpPdu,
};
use crate::tls::TlsNote;

/// The tag of a payload's answer on a tape.
pub const TAG: u8 = 11;

impl Answer for TcpPayload {
    fn unknown() -> Self {
        TcpPayload::data()
    }

    fn write(&self, w: &mut TapeWriter<'_>) {
        w.u8(TAG);
        w.u8(self.proto.as_u8());
        w.u8(u8::from(self.http_port));
        w.u8(match self.rest {
            Rest::None => 0,
            Rest::Pending => 1,
            Rest::Data => 2,
            Rest::Upgraded => 3,
            Rest::Continuation => 4,
        });
        w.u64(self.version.into());
        w.u8(self.limit.map_or(0, PduLimit::as_u8));
        w.u8(self.state_dropped.into());
        w.u64(self.pdus.len() as u64);
        for p in &self.pdus {
            write_pdu(w, p);
        }
    }

    fn read(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Self {
        read_payload(r, src, 0)
    }
}

/// A payload from the tape; `depth` 1 is the decrypted payload of a TLS
/// record, which holds none of its own.
fn read_payload(r: &mut TapeReader<'_>, src: &mut Sources<'_>, depth: u8) -> TcpPayload {
    {
        if r.expect(&[TAG]).is_none() {
            return TcpPayload::data();
        }
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
            if r.failed {
                break;
            }
            pdus.push(read_pdu(r, src, depth));
        }
        if r.failed {
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
            n.record(w);
        }
        PduNote::Dns(m) => {
            w.u8(2);
            m.record(w);
        }
        PduNote::Tls(n, inner) => {
            w.u8(3);
            n.record(w);
            match inner {
                Some(payload) => {
                    w.u8(1);
                    payload.write(w);
                }
                None => w.u8(0),
            }
        }
        PduNote::H2(n) => {
            w.u8(4);
            n.record(w);
        }
    }
}

fn read_pdu(r: &mut TapeReader<'_>, src: &mut Sources<'_>, depth: u8) -> TcpPdu {
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
                .frame(p.frame)
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
        1 => PduNote::Http(HttpNote::replay(r, src)),
        2 => PduNote::Dns(DnsMatch::replay(r, src)),
        4 => PduNote::H2(H2Note::replay(r, src)),
        3 => {
            let note = TlsNote::replay(r, src);
            // A decrypted record's payload holds none of its own.
            let inner = (r.u8() == 1 && depth == 0).then(|| Box::new(read_payload(r, src, 1)));
            PduNote::Tls(note, inner)
        }
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
