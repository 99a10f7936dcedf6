//! The conversation table: TCP and UDP conversations numbered like tshark's
//! `tcp.stream` / `udp.stream`, with per-direction frame, byte and payload
//! counts. Side A is the source of a conversation's first counted packet.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::net::IpAddr;

use crate::packet::{TcpSegment, TransportAt, UdpDatagram};
use crate::tcp_analysis::{SegmentAnalysis, TcpStreamAnalyzer};
use crate::udp::DatagramAnalysis;

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A small multiplicative hasher (the rustc "Fx" scheme): conversation keys
/// are hashed once per packet, and SipHash would be a third of the cost.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i.into());
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i.into());
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i.into());
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub type Endpoint = (IpAddr, u16);

/// `ip:port`, IPv6 as `[addr]:port` (as tshark's conversation tables).
pub fn endpoint_text(e: &Endpoint) -> String {
    match e.0 {
        IpAddr::V4(a) => format!("{a}:{}", e.1),
        IpAddr::V6(a) => format!("[{a}]:{}", e.1),
    }
}

/// The two endpoints in a fixed order, so both directions find the same entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key(Endpoint, Endpoint);

impl Key {
    fn new(a: Endpoint, b: Endpoint) -> Key {
        if a <= b { Key(a, b) } else { Key(b, a) }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionStats {
    pub frames: u64,
    pub bytes: u64,
    pub payload: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub proto: Proto,
    pub stream: u32,
    /// Source of the first counted packet.
    pub a: Endpoint,
    pub b: Endpoint,
    /// `[A→B, B→A]`.
    pub stats: [DirectionStats; 2],
    pub first_frame: u32,
    pub last_frame: u32,
    pub first_ts: i64,
    pub last_ts: i64,
    /// Whether any packet (not only an ICMP quote) belonged to it.
    pub counted: bool,
    /// Time of its first packet of any kind (udp.time_relative counts from it).
    pub created_ts: i64,
    /// Previous packet's time (for udp.time_delta).
    prev_ts: i64,
    /// Packets of other address/port pairs than A and B belong to it (a
    /// conversation set up for any peer or port: SDP's RTP, SNMP's agent):
    /// its ends do not stand for each packet's.
    pub mixed_peers: bool,
}

impl Conversation {
    fn new(proto: Proto, stream: u32, a: Endpoint, b: Endpoint, frame: u32, ts: i64) -> Self {
        Conversation {
            proto,
            stream,
            a,
            b,
            stats: Default::default(),
            first_frame: frame,
            last_frame: frame,
            first_ts: ts,
            last_ts: ts,
            counted: false,
            created_ts: ts,
            prev_ts: ts,
            mixed_peers: false,
        }
    }

    /// Direction of a packet from `src`: 0 for A→B.
    pub fn direction(&self, src: Endpoint) -> usize {
        if src == self.a { 0 } else { 1 }
    }

    fn count(&mut self, at: &TransportAt, src: Endpoint, dst: Endpoint, payload: u32) {
        if !self.counted {
            self.counted = true;
            self.a = src;
            self.b = dst;
            self.first_frame = at.frame;
            self.first_ts = at.ts_ns;
        }
        let d = self.direction(src);
        let s = &mut self.stats[d];
        s.frames += 1;
        s.bytes += u64::from(at.frame_len);
        s.payload += u64::from(payload);
        self.last_frame = at.frame;
        self.last_ts = at.ts_ns;
    }

    pub fn frames(&self) -> u64 {
        self.stats[0].frames + self.stats[1].frames
    }
    pub fn bytes(&self) -> u64 {
        self.stats[0].bytes + self.stats[1].bytes
    }
}

/// Every TCP and UDP conversation of a capture, fed in frame order.
#[derive(Debug, Default)]
pub struct Conversations {
    tcp_index: FastMap<Key, u32>,
    udp_index: FastMap<Key, u32>,
    /// Conversations set up ahead of their datagrams, by client address and
    /// port and server address: their stream once the first datagram came.
    udp_expected: FastMap<(IpAddr, u16, Option<IpAddr>), Option<u32>>,
    pub tcp: Vec<Conversation>,
    pub tcp_analysis: Vec<TcpStreamAnalyzer>,
    pub udp: Vec<Conversation>,
    /// Run the full TCP sequence analysis (flags, RTT, in flight); without it
    /// only what the stream numbering needs is tracked.
    analyze: bool,
}

impl Conversations {
    pub fn new(analyze_tcp: bool) -> Self {
        Conversations {
            analyze: analyze_tcp,
            ..Default::default()
        }
    }

    pub fn tcp_segment(&mut self, at: &TransportAt, seg: &TcpSegment) -> SegmentAnalysis {
        let src = (at.src, seg.src_port);
        let dst = (at.dst, seg.dst_port);
        let key = Key::new(src, dst);
        let syn_only = seg.flags & (TcpSegment::SYN | TcpSegment::ACK) == TcpSegment::SYN;
        let synack =
            seg.flags & (TcpSegment::SYN | TcpSegment::ACK) == (TcpSegment::SYN | TcpSegment::ACK);
        let mut reused = false;
        let idx = match self.tcp_index.get(&key).copied() {
            Some(i) => {
                let conv = &self.tcp[i as usize];
                let d = conv.direction(src);
                let an = &self.tcp_analysis[i as usize];
                if syn_only && an.syn_starts_new_stream(d, seg) {
                    reused = true;
                    self.new_tcp(key, src, dst, at)
                } else {
                    if synack
                        && an.dir[d].base_seq.is_some_and(|b| b != seg.seq)
                        && an.dir[d].saw_syn
                    {
                        reused = true;
                    }
                    i
                }
            }
            None => self.new_tcp(key, src, dst, at),
        };
        let conv = &mut self.tcp[idx as usize];
        if at.quoted {
            return SegmentAnalysis {
                stream: conv.stream,
                ..Default::default()
            };
        }
        conv.count(at, src, dst, seg.len);
        let d = conv.direction(src);
        let an = &mut self.tcp_analysis[idx as usize];
        if self.analyze {
            an.segment(d, at.frame, at.ts_ns, seg, reused)
        } else {
            an.segment_light(d, at.ts_ns, seg)
        }
    }

    fn new_tcp(&mut self, key: Key, src: Endpoint, dst: Endpoint, at: &TransportAt) -> u32 {
        let stream = self.tcp.len() as u32;
        self.tcp.push(Conversation::new(
            Proto::Tcp,
            stream,
            src,
            dst,
            at.frame,
            at.ts_ns,
        ));
        self.tcp_analysis
            .push(TcpStreamAnalyzer::new(stream, at.ts_ns));
        self.tcp_index.insert(key, stream);
        stream
    }

    /// The most UDP conversations set up ahead of their datagrams that are
    /// kept (a hostile capture must not grow the table without bound).
    pub const MAX_UDP_EXPECTED: usize = 1 << 16;

    /// Sets up a conversation between `end` and any port of `peer`, or
    /// anyone when `peer` is None (see
    /// [`crate::packet::State::udp_conversation`]); one already set up
    /// stays.
    pub fn expect_udp(&mut self, end: (IpAddr, u16), peer: Option<IpAddr>) {
        if self.udp_expected.len() < Self::MAX_UDP_EXPECTED {
            self.udp_expected
                .entry((end.0, end.1, peer))
                .or_insert(None);
        }
    }

    /// The set-up conversation a datagram belongs to, numbered now if this
    /// is its first.
    fn expected_udp_stream(
        &mut self,
        at: &TransportAt,
        src: (IpAddr, u16),
        dst: (IpAddr, u16),
    ) -> Option<u32> {
        if self.udp_expected.is_empty() {
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
        .find(|k| self.udp_expected.contains_key(k))?;
        let slot = self.udp_expected.get_mut(&key)?;
        if let Some(stream) = *slot {
            return Some(stream);
        }
        let stream = self.udp.len() as u32;
        *slot = Some(stream);
        self.udp.push(Conversation::new(
            Proto::Udp,
            stream,
            src,
            dst,
            at.frame,
            at.ts_ns,
        ));
        Some(stream)
    }

    pub fn udp_datagram(&mut self, at: &TransportAt, d: &UdpDatagram) -> DatagramAnalysis {
        let src = (at.src, d.src_port);
        let dst = (at.dst, d.dst_port);
        let key = Key::new(src, dst);
        let expected = self.expected_udp_stream(at, src, dst);
        let idx = match expected.or_else(|| self.udp_index.get(&key).copied()) {
            Some(i) => i,
            None => {
                let stream = self.udp.len() as u32;
                self.udp.push(Conversation::new(
                    Proto::Udp,
                    stream,
                    src,
                    dst,
                    at.frame,
                    at.ts_ns,
                ));
                self.udp_index.insert(key, stream);
                stream
            }
        };
        let conv = &mut self.udp[idx as usize];
        conv.mixed_peers |= Key::new(conv.a, conv.b) != key;
        let mut out = DatagramAnalysis {
            stream: conv.stream,
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

    /// Conversations that had at least one packet of their own, in stream order.
    pub fn counted(&self, proto: Proto) -> impl Iterator<Item = &Conversation> {
        let v = match proto {
            Proto::Tcp => &self.tcp,
            Proto::Udp => &self.udp,
        };
        v.iter().filter(|c| c.counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn at(frame: u32, src: [u8; 4], dst: [u8; 4]) -> TransportAt {
        TransportAt {
            src: IpAddr::V4(Ipv4Addr::from(src)),
            dst: IpAddr::V4(Ipv4Addr::from(dst)),
            frame,
            ts_ns: i64::from(frame) * 1000,
            frame_len: 60,
            quoted: false,
        }
    }

    fn seg(sp: u16, dp: u16, seq: u32, flags: u16) -> TcpSegment {
        TcpSegment {
            src_port: sp,
            dst_port: dp,
            seq,
            flags,
            ..Default::default()
        }
    }

    #[test]
    fn a_new_syn_after_a_fin_starts_a_new_stream() {
        let mut c = Conversations::new(true);
        let (x, y) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        assert_eq!(
            c.tcp_segment(&at(1, x, y), &seg(1000, 80, 5, TcpSegment::SYN))
                .stream,
            0
        );
        assert_eq!(
            c.tcp_segment(
                &at(2, y, x),
                &seg(80, 1000, 9, TcpSegment::SYN | TcpSegment::ACK)
            )
            .stream,
            0
        );
        // A retransmitted SYN (same sequence number) stays in the stream.
        assert_eq!(
            c.tcp_segment(&at(3, x, y), &seg(1000, 80, 5, TcpSegment::SYN))
                .stream,
            0
        );
        c.tcp_segment(
            &at(4, x, y),
            &seg(1000, 80, 6, TcpSegment::FIN | TcpSegment::ACK),
        );
        let again = c.tcp_segment(&at(5, x, y), &seg(1000, 80, 5, TcpSegment::SYN));
        assert_eq!(again.stream, 1);
        assert!(again.has(crate::tcp_analysis::Flag::ReusedPorts));
        assert_eq!(c.tcp[0].stats[0].frames, 3);
        assert_eq!(c.tcp[0].stats[1].frames, 1);
    }

    #[test]
    fn side_a_is_the_first_counted_source() {
        let mut c = Conversations::new(false);
        let (x, y) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let mut quoted = at(1, y, x);
        quoted.quoted = true;
        let d = UdpDatagram {
            src_port: 53,
            dst_port: 4000,
            len: 10,
            ..Default::default()
        };
        c.udp_datagram(&quoted, &d);
        let r = UdpDatagram {
            src_port: 4000,
            dst_port: 53,
            len: 20,
            ..Default::default()
        };
        c.udp_datagram(&at(2, x, y), &r);
        let conv = c.counted(Proto::Udp).next().unwrap();
        assert_eq!(conv.a.1, 4000);
        assert_eq!(conv.stats[0].payload, 20);
        assert_eq!(conv.frames(), 1);
    }
}
