//! The conversation table: one transport's conversations numbered like
//! tshark's `tcp.stream` / `udp.stream`, with per-direction frame, byte and
//! payload counts. Side A is the source of a conversation's first counted
//! packet. The transports' own rules (when a TCP SYN starts a new stream,
//! UDP conversations set up ahead of their datagrams) live in their modules;
//! this table names no protocol.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::net::IpAddr;

use crate::packet::TransportAt;

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

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
pub struct Key(Endpoint, Endpoint);

impl Key {
    pub fn new(a: Endpoint, b: Endpoint) -> Key {
        if a <= b { Key(a, b) } else { Key(b, a) }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionStats {
    pub frames: u64,
    pub bytes: u64,
    pub payload: u64,
}

/// One conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The transport's name as a filter spells it ("tcp", "udp").
    pub proto: &'static str,
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
    pub(crate) prev_ts: i64,
    /// Packets of other address/port pairs than A and B belong to it (a
    /// conversation set up for any peer or port: SDP's RTP, SNMP's agent):
    /// its ends do not stand for each packet's.
    pub mixed_peers: bool,
}

impl Conversation {
    fn new(
        proto: &'static str,
        stream: u32,
        a: Endpoint,
        b: Endpoint,
        frame: u32,
        ts: i64,
    ) -> Self {
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

    /// Counts a packet of its own (not an ICMP quote) from `src`.
    pub fn count(&mut self, at: &TransportAt, src: Endpoint, dst: Endpoint, payload: u32) {
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

/// The conversations of one transport, in stream order, found by their two
/// ends in either order.
#[derive(Debug, Default)]
pub struct ConversationTable {
    index: FastMap<Key, u32>,
    pub list: Vec<Conversation>,
}

impl ConversationTable {
    /// The stream of the conversation last opened between `a` and `b`.
    pub fn find(&self, a: Endpoint, b: Endpoint) -> Option<u32> {
        self.index.get(&Key::new(a, b)).copied()
    }

    /// A new conversation from `src` to `dst`, numbered next; `indexed`: the
    /// one [`ConversationTable::find`] gives for these ends from now on.
    pub fn open(
        &mut self,
        proto: &'static str,
        (src, dst): (Endpoint, Endpoint),
        at: &TransportAt,
        indexed: bool,
    ) -> u32 {
        let stream = self.list.len() as u32;
        let c = Conversation::new(proto, stream, src, dst, at.frame, at.ts_ns);
        self.list.push(c);
        if indexed {
            self.index.insert(Key::new(src, dst), stream);
        }
        stream
    }

    /// The conversation numbered `stream` (one this table opened).
    pub fn get_mut(&mut self, stream: u32) -> Option<&mut Conversation> {
        self.list.get_mut(stream as usize)
    }

    /// Conversations that had at least one packet of their own, in stream order.
    pub fn counted(&self) -> impl Iterator<Item = &Conversation> {
        self.list.iter().filter(|c| c.counted)
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

    #[test]
    fn both_directions_find_the_conversation_and_side_a_is_the_first_counted_source() {
        let mut t = ConversationTable::default();
        let (x, y) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        let (ex, ey) = (
            (IpAddr::V4(Ipv4Addr::from(x)), 53),
            (IpAddr::V4(Ipv4Addr::from(y)), 4000),
        );
        let s = t.open("udp", (ex, ey), &at(1, x, y), true);
        assert_eq!(t.find(ey, ex), Some(s));
        // Opened from a quote: nothing counted, so side A is still open.
        let c = t.get_mut(s).unwrap();
        c.count(&at(2, y, x), ey, ex, 20);
        assert_eq!(c.a, ey);
        assert_eq!(c.stats[0].payload, 20);
        let unindexed = t.open("udp", (ex, ey), &at(3, x, y), false);
        assert_eq!(t.find(ex, ey), Some(s));
        assert_eq!(t.counted().count(), 1);
        assert_eq!(unindexed, 1);
    }
}
