//! What a TCP payload's application view ([`TcpPayload`]) leaves on a
//! frame's tape: the PDUs the segment completes, where their bytes are and
//! the notes of the protocols that framed them, so that a frame dissected
//! again alone shows the same messages.

use crate::dns::DnsMatch;
use crate::hpack::{Header, HeaderBlock, Repr};
use crate::http::HttpNote;
use crate::http2::H2Note;
use crate::packet::Answer;
use crate::tape_codec::{MAX_ANSWER, Sources, TapeReader, TapeWriter};
use crate::tcp_pdu::{
    AppProto, MAX_PIECES, PduBytes, PduLimit, PduNote, Piece, Rest, TcpPayload, TcpPdu,
};
use crate::tls::decrypt::{DecryptError, Plaintext};
use crate::tls::{Carry, Decrypted, TlsNote};

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
            w.opt_u64(n.request_in.map(u64::from));
            w.opt_i64(n.time_ns);
            w.u64(n.number.into());
            w.opt_u64(n.prev_request.map(u64::from));
            w.opt_u64(n.prev_response.map(u64::from));
            w.bytes(n.uri.as_deref().map_or(&[][..], |u| u.as_bytes()));
            w.u8(n.uri.is_some().into());
        }
        PduNote::Dns(m) => {
            w.u8(2);
            m.write_fields(w);
        }
        PduNote::Tls(n, inner) => {
            w.u8(3);
            w.u64(n.version.into());
            w.u8(u8::from(n.encrypted) | (u8::from(n.resumed) << 1));
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
            w.u8(n.app.map_or(0, |a| a + 1));
            write_decrypted(w, &n.decrypted);
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
                    m.write_fields(w);
                }
            }
            w.u8(n.body_part.as_u8());
            write_body_pieces(w, n.pieces.as_deref());
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
        1 => PduNote::Http(HttpNote {
            request_in: r.opt_u32(),
            time_ns: r.opt_i64(),
            number: r.u32(),
            prev_request: r.opt_u32(),
            prev_response: r.opt_u32(),
            uri: {
                let uri = String::from_utf8_lossy(r.bytes()).into_owned();
                (r.u8() == 1).then_some(uri)
            },
        }),
        2 => PduNote::Dns(DnsMatch::read_fields(r)),
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
            let dns = (r.u8() == 1).then(|| DnsMatch::read_fields(r));
            let body_part = crate::http2_body::BodyPart::from_u8(r.u8());
            let pieces = read_body_pieces(r);
            PduNote::H2(H2Note {
                headers,
                content_type,
                path,
                from_client,
                body,
                body_len,
                dns,
                body_part,
                pieces,
            })
        }
        3 => {
            let version = r.u64() as u16;
            let flags = r.u8();
            PduNote::Tls(
                TlsNote {
                    version,
                    encrypted: flags & 1 != 0,
                    resumed: flags & 2 != 0,
                    carry: match r.u8() {
                        1 => Carry::Continued {
                            head: r.bytes().iter().take(4).copied().collect(),
                            len: r.u32(),
                        },
                        2 => Carry::Whole(src.big(r)),
                        _ => Carry::None,
                    },
                    cipher: r.u64() as u16,
                    alpn: Some(String::from_utf8_lossy(r.bytes()).into_owned())
                        .filter(|s| !s.is_empty()),
                    app: r.u8().checked_sub(1),
                    decrypted: read_decrypted(r, src),
                    quic: false,
                },
                (r.u8() == 1 && depth == 0).then(|| Box::new(read_payload(r, src, depth + 1))),
            )
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

fn write_decrypted(w: &mut TapeWriter<'_>, d: &Decrypted) {
    match d {
        Decrypted::None => w.u8(0),
        Decrypted::NoKey => w.u8(1),
        Decrypted::Plain(p) => {
            w.u8(2);
            w.u8(p.content_type);
            w.big(&p.bytes);
        }
        Decrypted::Failed(e) => {
            w.u8(3);
            w.u8(e.as_u8());
        }
    }
}

fn read_decrypted(r: &mut TapeReader<'_>, src: &mut Sources<'_>) -> Decrypted {
    match r.u8() {
        1 => Decrypted::NoKey,
        2 => Decrypted::Plain(Plaintext {
            content_type: r.u8(),
            bytes: src.big(r),
        }),
        3 => Decrypted::Failed(DecryptError::from_u8(r.u8())),
        _ => Decrypted::None,
    }
}

/// A body's pieces: their count (0: none), then each frame as the step
/// from the one before (they rise) and its length.
fn write_body_pieces(w: &mut TapeWriter, pieces: Option<&[crate::http2_body::BodyPiece]>) {
    let Some(pieces) = pieces else {
        w.u64(0);
        return;
    };
    w.u64(pieces.len() as u64);
    let mut last = 0u32;
    for &(frame, len) in pieces {
        w.u64(frame.wrapping_sub(last).into());
        w.u64(len.into());
        last = frame;
    }
}

fn read_body_pieces(r: &mut TapeReader<'_>) -> Option<Vec<crate::http2_body::BodyPiece>> {
    let n = r.u64() as usize;
    if n == 0 {
        return None;
    }
    let n = n.min(crate::http2_body::MAX_PIECES);
    let mut last = 0u32;
    let pieces = (0..n)
        .map(|_| {
            last = last.wrapping_add(r.u64() as u32);
            (last, r.u64() as u32)
        })
        .collect();
    Some(pieces)
}
