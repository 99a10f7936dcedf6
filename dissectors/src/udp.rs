//! UDP (RFC 768).

use std::net::IpAddr;

use crate::bytes;
use crate::conversation::{ConversationTable, Endpoint, FastMap, Key};
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Answer, Buf, Cx, Transport, TransportAt, UdpDatagram};
use crate::proto;
use crate::sink::{Sink, Span};
use crate::tape_codec::{Sources, TapeReader, TapeWriter};

crate::fields! {
    SRCPORT = FieldDef::new("udp.srcport", "Source Port", T::U16);
    DSTPORT = FieldDef::new("udp.dstport", "Destination Port", T::U16);
    PORT = FieldDef::new("udp.port", "Source or Destination Port", T::U16);
    LENGTH = FieldDef::new("udp.length", "Length", T::U16);
    CHECKSUM = FieldDef::new("udp.checksum", "Checksum", T::U16).base(Base::Hex);
    CHECKSUM_STATUS = FieldDef::new("udp.checksum.status", "Checksum Status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
    STREAM = FieldDef::new("udp.stream", "Stream index", T::U32);
    TIME_RELATIVE = FieldDef::new("udp.time_relative", "Time since first frame", T::RelTime);
    TIME_DELTA = FieldDef::new("udp.time_delta", "Time since previous frame", T::RelTime);
    PAYLOAD = FieldDef::new("udp.payload", "Payload", T::Bytes);
}

pub static POSSIBLE_TRACEROUTE: ExpertDef = ExpertDef::new(
    "udp.possible_traceroute",
    Severity::Chat,
    Group::Sequence,
    "Possible traceroute",
);
pub static BAD_LENGTH: ExpertDef = ExpertDef::new(
    "udp.length.bad",
    Severity::Error,
    Group::Malformed,
    "Bad length value",
);

/// What the conversation tracker says about a datagram.
#[derive(Debug, Clone, Copy, Default)]
pub struct DatagramAnalysis {
    pub stream: u32,
    pub time_relative_ns: i64,
    pub time_delta_ns: i64,
}

/// What UDP asks the analysis about a datagram.
#[derive(Debug, Clone, Copy)]
pub struct DatagramQuestion {
    pub at: TransportAt,
    pub dgram: UdpDatagram,
}

/// The tags of UDP's answers on a tape: no analysis, an analysis.
pub const TAG_NONE: u8 = 6;
pub const TAG: u8 = 7;

/// UDP's conversations: the table, and those set up ahead of their
/// datagrams (SDP's RTP, SNMP's agent: see
/// [`crate::packet::State::udp_conversation`]).
#[derive(Debug, Default)]
pub struct UdpConversations {
    pub table: ConversationTable,
    /// By client address and port and server address: the stream once the
    /// first datagram came.
    expected: FastMap<(IpAddr, u16, Option<IpAddr>), Option<u32>>,
}

impl UdpConversations {
    /// The most conversations set up ahead of their datagrams that are
    /// kept (a hostile capture must not grow the table without bound).
    pub const MAX_EXPECTED: usize = 1 << 16;

    /// Sets up a conversation between `end` and any port of `peer`, or
    /// anyone when `peer` is None; one already set up stays.
    pub fn expect(&mut self, end: (IpAddr, u16), peer: Option<IpAddr>) {
        if self.expected.len() < Self::MAX_EXPECTED {
            self.expected.entry((end.0, end.1, peer)).or_insert(None);
        }
    }

    /// The set-up conversation a datagram belongs to, numbered now if this
    /// is its first.
    fn expected_stream(&mut self, at: &TransportAt, src: Endpoint, dst: Endpoint) -> Option<u32> {
        if self.expected.is_empty() {
            return None;
        }
        // As Wireshark's conversation lookup: a peer's address known before
        // any peer, the source end before the destination.
        let key = [
            (src.0, src.1, Some(dst.0)),
            (dst.0, dst.1, Some(src.0)),
            (src.0, src.1, None),
            (dst.0, dst.1, None),
        ]
        .into_iter()
        .find(|k| self.expected.contains_key(k))?;
        let slot = self.expected.get_mut(&key)?;
        if slot.is_none() {
            *slot = Some(self.table.open("udp", (src, dst), at, false));
        }
        *slot
    }

    /// The datagram's stream, counted, with its times in the conversation.
    pub fn datagram(&mut self, at: &TransportAt, d: &UdpDatagram) -> DatagramAnalysis {
        let src = (at.src, d.src_port);
        let dst = (at.dst, d.dst_port);
        let stream = match self.expected_stream(at, src, dst) {
            Some(s) => s,
            None => match self.table.find(src, dst) {
                Some(s) => s,
                None => self.table.open("udp", (src, dst), at, true),
            },
        };
        let Some(conv) = self.table.get_mut(stream) else {
            return DatagramAnalysis::default();
        };
        conv.mixed_peers |= Key::new(conv.a, conv.b) != Key::new(src, dst);
        let mut out = DatagramAnalysis {
            stream,
            ..Default::default()
        };
        if !at.quoted {
            conv.count(at, src, dst, d.len);
            out.time_relative_ns = at.ts_ns.saturating_sub(conv.created_ts);
            out.time_delta_ns = at.ts_ns.saturating_sub(conv.prev_ts);
            conv.prev_ts = at.ts_ns;
        }
        out
    }
}

impl Answer for Option<DatagramAnalysis> {
    fn unknown() -> Self {
        None
    }

    fn write(&self, w: &mut TapeWriter<'_>) {
        match self {
            None => w.u8(TAG_NONE),
            Some(a) => {
                w.u8(TAG);
                w.u64(a.stream.into());
                w.i64(a.time_relative_ns);
                w.i64(a.time_delta_ns);
            }
        }
    }

    fn read(r: &mut TapeReader<'_>, _src: &mut Sources<'_>) -> Self {
        match r.expect(&[TAG, TAG_NONE])? {
            TAG => Some(DatagramAnalysis {
                stream: r.u32(),
                time_relative_ns: r.i64(),
                time_delta_ns: r.i64(),
            }),
            _ => None,
        }
    }
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let (Some(sp), Some(dp), Some(len), Some(cks)) = (
        bytes::be16(b, 0),
        bytes::be16(b, 2),
        bytes::be16(b, 4),
        bytes::be16(b, 6),
    ) else {
        cx.layer(
            &proto::UDP,
            buf.span(off, b.len()),
            format_args!("User Datagram Protocol"),
        );
        cx.truncated("UDP", buf.span(off, b.len()), buf.len());
        cx.end_layer();
        return;
    };
    let reported = buf.reported.saturating_sub(off);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.layer(
        &proto::UDP,
        s(0, 8),
        format_args!("User Datagram Protocol, Src Port: {sp}, Dst Port: {dp}"),
    );
    cx.field(&SRCPORT, s(0, 2), Value::U64(sp.into()));
    traceroute(cx, s(0, 2), sp);
    cx.field(&DSTPORT, s(2, 2), Value::U64(dp.into()));
    traceroute(cx, s(2, 2), dp);
    cx.hidden(&PORT, s(0, 2), Value::U64(sp.into()));
    cx.hidden(&PORT, s(2, 2), Value::U64(dp.into()));
    let bad = (len as usize) < 8 || (len as usize) > reported;
    if bad && cx.quote_depth == 0 {
        length_bogus(cx, s(4, 2), len, reported);
    } else {
        cx.field(&LENGTH, s(4, 2), Value::U64(len.into()));
    }
    // tshark does not verify UDP checksums by default; zero over IPv4
    // means "no checksum" (status 3, "Not present", under the checksum).
    let v4 = matches!(cx.ip_current, Some((std::net::IpAddr::V4(_), _)));
    if cks == 0 && v4 {
        cx.labeled(
            &CHECKSUM,
            s(6, 2),
            Value::U64(0),
            format_args!("Checksum: 0x0000 [zero-value ignored]"),
        );
        cx.push();
        cx.generated(&CHECKSUM_STATUS, s(6, 2), Value::U64(3));
        cx.pop();
    } else {
        cx.labeled(
            &CHECKSUM,
            s(6, 2),
            Value::U64(cks.into()),
            format_args!("Checksum: 0x{cks:04x} [unverified]"),
        );
        cx.generated(&CHECKSUM_STATUS, s(6, 0), Value::U64(2));
    }
    // A quoted datagram is usually cut; its length field still tells its size.
    let end = if bad && cx.quote_depth == 0 {
        reported
    } else {
        (len as usize).max(8).min(reported.max(8))
    };
    let payload_len = end.saturating_sub(8);
    let dgram = UdpDatagram {
        src_port: sp,
        dst_port: dp,
        len: payload_len as u32,
        payload: s(8, b.len().min(end).saturating_sub(8)),
    };
    let quoted = cx.quote_depth > 0;
    let a = cx.transport_at().and_then(|at| {
        let q = DatagramQuestion { at, dgram };
        cx.state.ask_for::<Option<DatagramAnalysis>>(&q, &[])
    });
    if !quoted {
        cx.pi.transport = Transport::Udp(dgram);
    }
    if let Some(a) = a {
        cx.generated(&STREAM, s(0, 0), Value::U64(a.stream.into()));
        if !quoted {
            cx.text(s(0, 0), format_args!("[Timestamps]"));
            cx.push();
            cx.generated(&TIME_RELATIVE, s(0, 0), Value::RelTime(a.time_relative_ns));
            cx.generated(&TIME_DELTA, s(0, 0), Value::RelTime(a.time_delta_ns));
            cx.pop();
        }
    }
    if dgram.payload.len > 0 {
        cx.labeled(
            &PAYLOAD,
            dgram.payload,
            Value::Bytes(buf.get(off + 8, dgram.payload.len as usize)),
            format_args!("UDP payload ({} bytes)", dgram.payload.len),
        );
    }
    cx.end_layer();
    if bad && (len as usize) > reported {
        cx.set_info(format_args!(
            "{sp} \u{2192} {dp} [BAD UDP LENGTH {len} > IP PAYLOAD LENGTH] Len={}",
            len.saturating_sub(8)
        ));
    } else {
        cx.set_info(format_args!("{sp} \u{2192} {dp} Len={payload_len}"));
    }
    // Never skipped: a UDP payload may be a tunnel (VXLAN, Geneve,
    // MPLS, Teredo) whose own Ethernet, IP and UDP layers a filter on
    // addresses and ports reads.
    if payload_len > 0 {
        let limited = buf.limit(off + 8 + payload_len);
        crate::app::udp_payload(cx, limited, off + 8, sp, dp, a.map(|a| a.stream));
    }
}

/// A length that does not fit the IP payload, with the expert under it as
/// tshark's.
fn length_bogus<S: Sink>(cx: &mut Cx<'_, S>, span: Span, len: u16, reported: usize) {
    let v = Value::U64(len.into());
    if (len as usize) < 8 {
        cx.labeled(
            &LENGTH,
            span,
            v,
            format_args!("Length: {len} (bogus, must be >= 8)"),
        );
    } else {
        let why = format_args!("Length: {len} (bogus, payload length {reported})");
        cx.labeled(&LENGTH, span, v, why);
    }
    cx.push();
    if (len as usize) < 8 {
        cx.expert(
            &BAD_LENGTH,
            span,
            format_args!("Bad length value {len} < 8"),
        );
    } else {
        let msg = format_args!("Bad length value {len} > IP payload length");
        cx.expert(&BAD_LENGTH, span, msg);
    }
    cx.pop();
}

/// LBL traceroute's ports (33435 on, three probes a hop): tshark notes the
/// hop and attempt under the port.
fn traceroute<S: Sink>(cx: &mut Cx<'_, S>, span: Span, port: u16) {
    const BASE: u16 = 32768 + 666;
    if port > BASE && port <= BASE + 30 {
        let (hop, attempt) = ((port - BASE - 1) / 3 + 1, (port - BASE - 1) % 3 + 1);
        cx.push();
        let text = format_args!("Possible traceroute: hop #{hop}, attempt #{attempt}");
        cx.expert(&POSSIBLE_TRACEROUTE, span, text);
        cx.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(frame: u32, src: [u8; 4], dst: [u8; 4]) -> TransportAt {
        TransportAt {
            src: IpAddr::V4(std::net::Ipv4Addr::from(src)),
            dst: IpAddr::V4(std::net::Ipv4Addr::from(dst)),
            frame,
            ts_ns: i64::from(frame) * 1000,
            frame_len: 60,
            quoted: false,
        }
    }

    #[test]
    fn side_a_is_the_first_counted_source() {
        let mut c = UdpConversations::default();
        let (x, y) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let mut quoted = at(1, y, x);
        quoted.quoted = true;
        let d = UdpDatagram {
            src_port: 53,
            dst_port: 4000,
            len: 10,
            ..Default::default()
        };
        c.datagram(&quoted, &d);
        let r = UdpDatagram {
            src_port: 4000,
            dst_port: 53,
            len: 20,
            ..Default::default()
        };
        c.datagram(&at(2, x, y), &r);
        let conv = c.table.counted().next().unwrap();
        assert_eq!(conv.a.1, 4000);
        assert_eq!(conv.stats[0].payload, 20);
        assert_eq!(conv.frames(), 1);
    }
}
