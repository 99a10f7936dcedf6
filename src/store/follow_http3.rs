//! One QUIC connection's HTTP/3 request streams, as Follow HTTP/3 Stream
//! shows them: each HEADERS frame as its decoded header lines, each DATA
//! frame as its body, with the side and the packet that completed it.
//!
//! The STREAM data of each request stream and direction is put back in
//! order here (a DATA frame is mostly spread over many packets, and the
//! packet dissection, as tshark's, shows an HTTP/3 frame only in a STREAM
//! frame that holds it whole); the header lines come from the dissection,
//! which decoded them with the connection's QPACK state. The packets of
//! the connection's UDP conversations (more than one when it migrated) go
//! through a pass of their own, in order.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use dissectors::bytes::varint;
use dissectors::collect::FieldCollector;
use dissectors::field::OwnedValue;

use super::Snapshot;
use super::follow_http2::{DATA_CAP, H2Content, H2Part};
use super::frame::PacketBytes;
use super::quic_pass::each_packet;

/// What stands for a header section the dissection did not decode.
pub const NOT_DECODED: &str = "[HEADERS not decoded]";

/// A section the dissection did not decode (sent in 0-RTT, before the
/// ALPN was known, or spread over packets), decoded here if it uses no
/// dynamic table entry (a Required Insert Count of 0, as a client's 0-RTT
/// request has when it does not remember the server's settings); else
/// said so.
fn static_only(section: &[u8]) -> Vec<(String, String)> {
    use dissectors::qpack::{QpackTable, Section};
    match QpackTable::default().decode(section) {
        Section::Decoded { lines, .. } => lines
            .iter()
            .map(|l| {
                (
                    String::from_utf8_lossy(&l.name).into_owned(),
                    String::from_utf8_lossy(&l.value).into_owned(),
                )
            })
            .collect(),
        _ => vec![(NOT_DECODED.into(), String::new())],
    }
}

/// One direction of one request stream, put back in order.
#[derive(Default)]
struct StreamBytes {
    /// Bytes from `base` on not yet read as whole frames.
    buf: Vec<u8>,
    base: u64,
    /// A gap came: the stream is not followed further.
    broken: bool,
    /// Decoded header sections of this direction's HEADERS, in order.
    sections: std::collections::VecDeque<Vec<(String, String)>>,
}

/// The HEADERS and DATA frames of the HTTP/3 request streams of QUIC
/// connection `connection` (`quic.connection.number`; the key log must be
/// the snapshot's). None when cancelled.
pub fn follow_http3(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    connection: u32,
    cancel: &AtomicBool,
) -> Option<Vec<H2Part>> {
    let mut streams: HashMap<(u64, u8), StreamBytes> = HashMap::new();
    let mut out = Vec::new();
    let mut kept = 0usize;
    let done = each_packet(snap, source, connection, &["quic", "http3"], cancel, |p| {
        let dir = u8::from(p.from_server);
        take_packet(p.fields, dir, p.frame, &mut streams, &mut out, &mut kept);
    });
    done.then_some(out)
}

/// A packet's STREAM frames and decoded header sections.
fn take_packet(
    fields: &FieldCollector,
    dir: u8,
    frame: u32,
    streams: &mut HashMap<(u64, u8), StreamBytes>,
    out: &mut Vec<H2Part>,
    kept: &mut usize,
) {
    let mut stream = None;
    let mut offset = 0;
    // Whether the STREAM frame brought bytes not seen: a retransmission's
    // HEADERS, shown again, is not a new section.
    let mut fresh = false;
    let mut touched = Vec::new();
    for c in &fields.fields {
        match (c.def.name, &c.value) {
            ("quic.stream.stream_id", OwnedValue::U64(id)) => {
                // Request streams are the client's bidirectional ones.
                stream = (id & 3 == 0).then_some(*id);
                offset = 0;
            }
            ("quic.stream.offset", OwnedValue::U64(o)) => offset = *o,
            ("quic.stream_data", OwnedValue::Bytes(b)) => {
                if let Some(id) = stream {
                    let s = streams.entry((id, dir)).or_default();
                    fresh = s.append(offset, b, kept);
                    s.frames(id, dir, frame, false, out);
                    if !touched.contains(&id) {
                        touched.push(id);
                    }
                }
            }
            ("http3.headers.count", _) if fresh => {
                if let Some(id) = stream {
                    let s = streams.entry((id, dir)).or_default();
                    s.sections.push_back(Vec::new());
                }
            }
            ("http3.headers.header.name", OwnedValue::Str(name)) => {
                if let Some(section) = stream
                    .and_then(|id| streams.get_mut(&(id, dir)))
                    .and_then(|s| s.sections.back_mut())
                {
                    section.push((name.clone(), String::new()));
                }
            }
            ("http3.headers.header.value", OwnedValue::Str(v)) => {
                if let Some(line) = stream
                    .and_then(|id| streams.get_mut(&(id, dir)))
                    .and_then(|s| s.sections.back_mut())
                    .and_then(|s| s.last_mut())
                {
                    line.1 = v.clone();
                }
            }
            _ => {}
        }
    }
    // A HEADERS frame's section comes after its STREAM data (the same
    // STREAM frame): the packet's frames are read once both are in.
    for id in touched {
        if let Some(s) = streams.get_mut(&(id, dir)) {
            s.frames(id, dir, frame, true, out);
        }
    }
}

impl StreamBytes {
    /// STREAM data at `offset`: what it adds past the bytes held. Whether
    /// it added any.
    fn append(&mut self, offset: u64, b: &[u8], kept: &mut usize) -> bool {
        let end = self.base + self.buf.len() as u64;
        if self.broken || offset + b.len() as u64 <= end {
            return false;
        }
        if offset > end || *kept + b.len() > DATA_CAP {
            self.broken = true;
            return false;
        }
        let new = &b[(end - offset) as usize..];
        *kept += new.len();
        self.buf.extend_from_slice(new);
        true
    }

    /// The whole HTTP/3 frames held, as parts. A HEADERS frame waits for
    /// its decoded section until the packet's end (`last`): one the
    /// dissection did not decode is decoded here if it can be alone.
    fn frames(&mut self, id: u64, dir: u8, frame: u32, last: bool, out: &mut Vec<H2Part>) {
        let mut at = 0;
        while let Some((ty, n1)) = varint(&self.buf, at)
            && let Some((len, n2)) = varint(&self.buf, at + n1)
        {
            let start = at + n1 + n2;
            let Some(end) = usize::try_from(len)
                .ok()
                .and_then(|l| start.checked_add(l))
                .filter(|&e| e <= self.buf.len())
            else {
                break;
            };
            let content = match ty {
                0x00 => H2Content::Data(self.buf[start..end].to_vec()),
                0x01 => match self.sections.pop_front() {
                    Some(lines) => H2Content::Headers(lines),
                    None if last => H2Content::Headers(static_only(&self.buf[start..end])),
                    None => break,
                },
                _ => {
                    at = end;
                    continue;
                }
            };
            out.push(H2Part {
                dir,
                frame,
                stream: id as u32,
                content,
            });
            at = end;
        }
        self.buf.drain(..at);
        self.base += at as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_needing_no_table_decodes_alone_and_one_needing_it_says_so() {
        // RFC 9204 B.1: `:path: /index.html` by static name reference.
        let alone = [
            0x00, 0x00, 0x51, 0x0b, b'/', b'i', b'n', b'd', b'e', b'x', b'.', b'h', b't', b'm',
            b'l',
        ];
        assert_eq!(
            static_only(&alone),
            [(":path".to_string(), "/index.html".to_string())]
        );
        // B.2's section: two dynamic entries (Required Insert Count 2).
        assert_eq!(
            static_only(&[0x03, 0x81, 0x10, 0x11]),
            [(NOT_DECODED.to_string(), String::new())]
        );
    }
}
