//! One QUIC connection's packets as its sequence diagram and charts show
//! them, and what RFC 9002's loss recovery makes of their ACK frames: RTT
//! samples (latest, min and smoothed, the peer's ack_delay taken off as
//! §5.3 says), bytes in flight per sender, packets declared lost, and
//! bytes sent per interval. Worked out as each endpoint would, from the
//! capture's times: the capture point stands in for both endpoints, which
//! is exact on an endpoint's host and close beside one.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use dissectors::field::OwnedValue;

use super::Snapshot;
use super::frame::PacketBytes;
use super::quic_pass::{ConnectionPacket, each_packet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
    VersionNegotiation,
    OneRtt,
}

impl PacketKind {
    pub fn name(self) -> &'static str {
        match self {
            PacketKind::Initial => "Initial",
            PacketKind::ZeroRtt => "0-RTT",
            PacketKind::Handshake => "Handshake",
            PacketKind::Retry => "Retry",
            PacketKind::VersionNegotiation => "Version Negotiation",
            PacketKind::OneRtt => "1-RTT",
        }
    }

    /// The packet number space (RFC 9000 §12.3): Initial, Handshake,
    /// application data; none for Retry and Version Negotiation.
    fn space(self) -> Option<usize> {
        match self {
            PacketKind::Initial => Some(0),
            PacketKind::Handshake => Some(1),
            PacketKind::ZeroRtt | PacketKind::OneRtt => Some(2),
            PacketKind::Retry | PacketKind::VersionNegotiation => None,
        }
    }

    /// The type a long header's type bits name: v2 (RFC 9369) numbers
    /// them one up from v1.
    pub fn long(v2: bool, bits: u64) -> PacketKind {
        let bits = if v2 { (bits + 3) & 3 } else { bits & 3 };
        [
            PacketKind::Initial,
            PacketKind::ZeroRtt,
            PacketKind::Handshake,
            PacketKind::Retry,
        ][bits as usize]
    }
}

/// An ACK frame: the ranges it acknowledges, (smallest, largest), largest
/// first, and its ACK Delay as sent (before the sender's exponent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub largest: u64,
    pub delay: u64,
    pub ranges: Vec<(u64, u64)>,
}

/// One QUIC packet (a datagram may hold several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuicPacket {
    pub frame: u32,
    pub ts_ns: i64,
    /// 0: from the client, 1: from the server.
    pub dir: u8,
    pub kind: PacketKind,
    /// None where the packet was not opened (no keys).
    pub pn: Option<u64>,
    /// Its length in the datagram (`quic.packet_length`).
    pub len: u32,
    /// Its frames' types, in order.
    pub frame_types: Vec<u64>,
    pub acks: Vec<Ack>,
    /// The HTTP/3 frames it completes: type, and a request's method and
    /// path or a response's status.
    pub http3: Vec<String>,
}

impl QuicPacket {
    /// RFC 9002 §2: a packet with a frame other than ACK, PADDING and
    /// CONNECTION_CLOSE asks for an acknowledgement.
    pub fn ack_eliciting(&self) -> bool {
        self.frame_types
            .iter()
            .any(|t| !matches!(t, 0x00 | 0x02 | 0x03 | 0x1c | 0x1d))
    }

    /// Counted in bytes in flight: ack-eliciting, or padded (§2).
    fn in_flight(&self) -> bool {
        self.ack_eliciting() || self.frame_types.contains(&0)
    }

    /// `Initial PN=0: CRYPTO, PADDING` (a run of one frame type once).
    pub fn label(&self) -> String {
        let mut s = self.kind.name().to_string();
        if let Some(pn) = self.pn {
            s.push_str(&format!(" PN={pn}"));
        }
        let mut names: Vec<String> = Vec::new();
        for &t in &self.frame_types {
            let name = frame_name(t);
            if names.last() != Some(&name) {
                names.push(name);
            }
        }
        if !names.is_empty() {
            s.push_str(": ");
            s.push_str(&names.join(", "));
        }
        s
    }
}

fn frame_name(t: u64) -> String {
    let name = dissectors::field::lookup(dissectors::quic::frames::FRAME_TYPES, t);
    name.map_or_else(|| format!("0x{t:x}"), str::to_string)
}

/// One RTT sample, taken when an ACK newly acknowledged the largest packet
/// it names (and that packet, or another it newly acknowledged, was
/// ack-eliciting): RFC 9002 §5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RttSample {
    /// The packet that carried the ACK, and when.
    pub frame: u32,
    pub ts_ns: i64,
    /// The side whose packet was acknowledged (the side measuring).
    pub dir: u8,
    /// The acknowledged packet's frame.
    pub acked_frame: u32,
    pub latest_ns: i64,
    /// The ACK Delay the peer reported, as taken off (0 outside the
    /// application data space, for the first sample, and where taking it
    /// off would go below the least RTT; at most the peer's max_ack_delay).
    pub ack_delay_ns: i64,
    pub adjusted_ns: i64,
    pub min_ns: i64,
    pub smoothed_ns: i64,
    pub rttvar_ns: i64,
}

/// A side's bytes in flight after it sent a packet or an ACK came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    pub frame: u32,
    pub ts_ns: i64,
    /// The sending side.
    pub dir: u8,
    pub bytes: u64,
}

/// A packet RFC 9002's loss detection (§6.1: three packets or 9/8 of an
/// RTT behind one acknowledged) declares lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lost {
    pub frame: u32,
    pub dir: u8,
    pub pn: u64,
    /// The packet whose ACK declared it lost.
    pub declared_in: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuicSeries {
    pub connection: u32,
    pub packets: Vec<QuicPacket>,
    pub rtt: Vec<RttSample>,
    pub in_flight: Vec<InFlight>,
    pub lost: Vec<Lost>,
}

/// QUIC connection `connection`'s packets and series (None: cancelled).
pub fn quic_series(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    connection: u32,
    cancel: &AtomicBool,
) -> Option<QuicSeries> {
    let mut packets = Vec::new();
    let mut params = TransportParams::default();
    let prefixes = ["quic", "http3", "tls.quic.parameter"];
    let done = each_packet(snap, source, connection, &prefixes, cancel, |p| {
        params.take(p);
        packets.extend(packets_of(p));
    });
    if !done {
        return None;
    }
    let mut series = Recovery::new(params).run(&packets);
    series.connection = connection;
    series.packets = packets;
    Some(series)
}

/// The packets of one datagram, from its fields (each packet's fields
/// begin with its generated `quic.packet_length`).
pub fn packets_of(p: &ConnectionPacket<'_>) -> Vec<QuicPacket> {
    let mut out: Vec<QuicPacket> = Vec::new();
    let mut long = false;
    let mut ack_at: Option<u64> = None;
    for c in &p.fields.fields {
        let n = match &c.value {
            OwnedValue::U64(n) => *n,
            OwnedValue::Bool(b) => u64::from(*b),
            _ => 0,
        };
        if c.def.name == "quic.packet_length" {
            out.push(QuicPacket {
                frame: p.frame,
                ts_ns: p.ts_ns,
                dir: u8::from(p.from_server),
                kind: PacketKind::OneRtt,
                pn: None,
                len: n as u32,
                frame_types: Vec::new(),
                acks: Vec::new(),
                http3: Vec::new(),
            });
            continue;
        }
        let Some(q) = out.last_mut() else {
            continue;
        };
        take_field(q, c.def.name, n, &c.value, &mut long, &mut ack_at);
    }
    out
}

/// One field of packet `q`. `ack_at`: the smallest packet number of the
/// ACK range read last (the next range counts down from it).
fn take_field(
    q: &mut QuicPacket,
    name: &str,
    n: u64,
    value: &OwnedValue,
    long: &mut bool,
    ack_at: &mut Option<u64>,
) {
    match name {
        "quic.header_form" => *long = n == 1,
        "quic.version" if n == 0 => q.kind = PacketKind::VersionNegotiation,
        "quic.long.packet_type" | "quic.long.packet_type_v2" if *long => {
            q.kind = PacketKind::long(name.ends_with("_v2"), n)
        }
        "quic.packet_number" => q.pn = Some(n),
        "quic.frame_type" => {
            q.frame_types.push(n);
            if matches!(n, 0x02 | 0x03) {
                q.acks.push(Ack {
                    largest: 0,
                    delay: 0,
                    ranges: Vec::new(),
                });
            }
        }
        "quic.ack.largest_acknowledged" => {
            if let Some(a) = q.acks.last_mut() {
                a.largest = n;
            }
        }
        "quic.ack.ack_delay" => {
            if let Some(a) = q.acks.last_mut() {
                a.delay = n;
            }
        }
        "quic.ack.first_ack_range" => {
            if let Some(a) = q.acks.last_mut() {
                *ack_at = a.largest.checked_sub(n);
                a.ranges.extend(ack_at.map(|lo| (lo, a.largest)));
            }
        }
        // RFC 9000 §19.3.1: each Gap and ACK Range count down from the
        // previous range's smallest.
        "quic.ack.gap" => *ack_at = ack_at.and_then(|lo| lo.checked_sub(n + 2)),
        "quic.ack.ack_range" => {
            if let (Some(a), Some(hi)) = (q.acks.last_mut(), *ack_at) {
                *ack_at = hi.checked_sub(n);
                a.ranges.extend(ack_at.map(|lo| (lo, hi)));
            }
        }
        "http3.frame_type" => q.http3.push(
            dissectors::field::lookup(dissectors::http3::FRAME_TYPES, n)
                .map_or_else(|| format!("0x{n:x}"), str::to_string),
        ),
        "http3.headers.method" | "http3.headers.path" | "http3.headers.status" => {
            if let Some(last) = q.http3.last_mut() {
                match value {
                    OwnedValue::Str(v) => last.push_str(&format!(" {v}")),
                    OwnedValue::U64(v) => last.push_str(&format!(" {v}")),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The transport parameters loss recovery reads, per side (RFC 9000
/// §18.2's defaults until a side says otherwise).
#[derive(Debug, Clone, Copy)]
struct TransportParams {
    ack_delay_exponent: [u64; 2],
    max_ack_delay_ms: [u64; 2],
}

impl Default for TransportParams {
    fn default() -> Self {
        TransportParams {
            ack_delay_exponent: [3; 2],
            max_ack_delay_ms: [25; 2],
        }
    }
}

impl TransportParams {
    fn take(&mut self, p: &ConnectionPacket<'_>) {
        let side = usize::from(p.from_server);
        for c in &p.fields.fields {
            match (c.def.name, &c.value) {
                ("tls.quic.parameter.ack_delay_exponent", OwnedValue::U64(n)) => {
                    // At most 20 (§18.2): anything more is a broken peer.
                    self.ack_delay_exponent[side] = (*n).min(20)
                }
                ("tls.quic.parameter.max_ack_delay", OwnedValue::U64(n)) => {
                    self.max_ack_delay_ms[side] = (*n).min(1 << 14)
                }
                _ => {}
            }
        }
    }

    /// An ACK Delay field from `side`, in ns.
    fn ack_delay_ns(&self, side: usize, raw: u64) -> i64 {
        let us = raw.saturating_mul(1 << self.ack_delay_exponent[side]);
        i64::try_from(us.saturating_mul(1000)).unwrap_or(i64::MAX)
    }
}

/// A packet a side sent that counts in flight, until acknowledged or lost.
#[derive(Debug, Clone, Copy)]
struct Sent {
    frame: u32,
    ts_ns: i64,
    len: u32,
    ack_eliciting: bool,
}

#[derive(Debug, Clone, Copy)]
struct Rtt {
    latest: i64,
    min: i64,
    smoothed: i64,
    var: i64,
}

/// One side's recovery state, per packet number space.
#[derive(Default)]
struct Side {
    sent: [BTreeMap<u64, Sent>; 3],
    largest_acked: [Option<u64>; 3],
    discarded: [bool; 3],
    in_flight: u64,
    rtt: Option<Rtt>,
}

/// kGranularity (§6.1.2): the least time threshold for loss.
const GRANULARITY_NS: i64 = 1_000_000;
/// kPacketThreshold (§6.1.1).
const PACKET_THRESHOLD: u64 = 3;

struct Recovery {
    params: TransportParams,
    sides: [Side; 2],
    confirmed: bool,
    out: QuicSeries,
}

impl Recovery {
    fn new(params: TransportParams) -> Recovery {
        Recovery {
            params,
            sides: Default::default(),
            confirmed: false,
            out: QuicSeries::default(),
        }
    }

    fn run(mut self, packets: &[QuicPacket]) -> QuicSeries {
        for p in packets {
            self.packet(p);
        }
        self.out
    }

    fn packet(&mut self, p: &QuicPacket) {
        let (Some(space), Some(pn)) = (p.kind.space(), p.pn) else {
            return;
        };
        let d = usize::from(p.dir);
        // RFC 9001 §4.9: Initial keys go when the client first sends a
        // Handshake packet (the server's on receiving it), Handshake keys
        // once the handshake is confirmed (HANDSHAKE_DONE).
        if p.kind == PacketKind::Handshake && d == 0 {
            self.discard(0);
        }
        if p.frame_types.contains(&0x1e) {
            self.confirmed = true;
            self.discard(1);
        }
        for ack in &p.acks {
            self.ack(p, space, ack);
        }
        let side = &mut self.sides[d];
        if p.in_flight() && !side.discarded[space] {
            side.sent[space].insert(
                pn,
                Sent {
                    frame: p.frame,
                    ts_ns: p.ts_ns,
                    len: p.len,
                    ack_eliciting: p.ack_eliciting(),
                },
            );
            side.in_flight += u64::from(p.len);
            self.in_flight_now(p.frame, p.ts_ns, d);
        }
    }

    /// Both sides' packets of `space` stop counting.
    fn discard(&mut self, space: usize) {
        for side in &mut self.sides {
            if !side.discarded[space] {
                side.discarded[space] = true;
                let gone: u64 = side.sent[space].values().map(|s| u64::from(s.len)).sum();
                side.in_flight -= gone;
                side.sent[space].clear();
            }
        }
    }

    fn in_flight_now(&mut self, frame: u32, ts_ns: i64, side: usize) {
        self.out.in_flight.push(InFlight {
            frame,
            ts_ns,
            dir: side as u8,
            bytes: self.sides[side].in_flight,
        });
    }

    /// An ACK frame `p` carries, for the peer's packets of `space`.
    fn ack(&mut self, p: &QuicPacket, space: usize, ack: &Ack) {
        let s = 1 - usize::from(p.dir);
        let side = &mut self.sides[s];
        let mut newly: Vec<(u64, Sent)> = Vec::new();
        for &(lo, hi) in &ack.ranges {
            let pns: Vec<u64> = side.sent[space].range(lo..=hi).map(|(&n, _)| n).collect();
            for n in pns {
                if let Some(sent) = side.sent[space].remove(&n) {
                    side.in_flight -= u64::from(sent.len);
                    newly.push((n, sent));
                }
            }
        }
        let largest = side.largest_acked[space].map_or(ack.largest, |l| l.max(ack.largest));
        side.largest_acked[space] = Some(largest);
        let eliciting = newly.iter().any(|(_, s)| s.ack_eliciting);
        if let Some(&(_, acked)) = newly.iter().find(|(n, _)| *n == ack.largest)
            && eliciting
        {
            self.rtt_sample(p, space, ack, s, acked);
        }
        let lost = self.detect_lost(p, space, s);
        if !newly.is_empty() || lost {
            self.in_flight_now(p.frame, p.ts_ns, s);
        }
    }

    /// §5.3: latest, min and smoothed RTT and its variation.
    fn rtt_sample(&mut self, p: &QuicPacket, space: usize, ack: &Ack, s: usize, acked: Sent) {
        let latest = p.ts_ns.saturating_sub(acked.ts_ns).max(0);
        // The peer's ACK Delay counts in the application data space only,
        // at most its max_ack_delay once the handshake is confirmed.
        let peer = 1 - s;
        let mut ack_delay = if space == 2 {
            self.params.ack_delay_ns(peer, ack.delay)
        } else {
            0
        };
        if self.confirmed {
            ack_delay = ack_delay.min(self.params.max_ack_delay_ms[peer] as i64 * 1_000_000);
        }
        let side = &mut self.sides[s];
        // The first sample sets all (§5.3); later ones take the ACK Delay
        // off when that leaves no less than the least RTT seen.
        let (rtt, adjusted, ack_delay) = match side.rtt {
            None => {
                let first = Rtt {
                    latest,
                    min: latest,
                    smoothed: latest,
                    var: latest / 2,
                };
                (first, latest, 0)
            }
            Some(r) => {
                let min = r.min.min(latest);
                let (adjusted, used) = if latest >= min.saturating_add(ack_delay) {
                    (latest - ack_delay, ack_delay)
                } else {
                    (latest, 0)
                };
                let next = Rtt {
                    latest,
                    min,
                    var: (3 * r.var + (r.smoothed - adjusted).abs()) / 4,
                    smoothed: (7 * r.smoothed + adjusted) / 8,
                };
                (next, adjusted, used)
            }
        };
        side.rtt = Some(rtt);
        self.out.rtt.push(RttSample {
            frame: p.frame,
            ts_ns: p.ts_ns,
            dir: s as u8,
            acked_frame: acked.frame,
            latest_ns: latest,
            ack_delay_ns: ack_delay,
            adjusted_ns: adjusted,
            min_ns: rtt.min,
            smoothed_ns: rtt.smoothed,
            rttvar_ns: rtt.var,
        });
    }

    /// §6.1: packets of side `s` behind the largest acknowledged by three
    /// packet numbers, or sent 9/8 of an RTT before this ACK, are lost.
    fn detect_lost(&mut self, p: &QuicPacket, space: usize, s: usize) -> bool {
        let side = &mut self.sides[s];
        let Some(largest) = side.largest_acked[space] else {
            return false;
        };
        let delay = side.rtt.map_or(i64::MAX, |r| {
            (r.smoothed.max(r.latest) * 9 / 8).max(GRANULARITY_NS)
        });
        let lost: Vec<u64> = side.sent[space]
            .range(..largest)
            .filter(|(n, sent)| {
                largest >= *n + PACKET_THRESHOLD || sent.ts_ns <= p.ts_ns.saturating_sub(delay)
            })
            .map(|(&n, _)| n)
            .collect();
        for n in &lost {
            if let Some(sent) = side.sent[space].remove(n) {
                side.in_flight -= u64::from(sent.len);
                self.out.lost.push(Lost {
                    frame: sent.frame,
                    dir: s as u8,
                    pn: *n,
                    declared_in: p.frame,
                });
            }
        }
        !lost.is_empty()
    }
}

/// Bytes each side sent per interval (its packets' lengths), as the TCP
/// charts' throughput: see [`super::tcp_series::bins`].
pub fn throughput(packets: &[QuicPacket], start_ns: i64, interval_ns: i64) -> Vec<(f64, u8, u64)> {
    let items = packets.iter().map(|p| (p.ts_ns, p.dir, u64::from(p.len)));
    super::tcp_series::bins(items, start_ns, interval_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(frame: u32, ms: i64, dir: u8, pn: u64, types: &[u64]) -> QuicPacket {
        QuicPacket {
            frame,
            ts_ns: ms * 1_000_000,
            dir,
            kind: PacketKind::OneRtt,
            pn: Some(pn),
            len: 1000,
            frame_types: types.to_vec(),
            acks: Vec::new(),
            http3: Vec::new(),
        }
    }

    fn acking(mut p: QuicPacket, largest: u64, delay: u64, ranges: &[(u64, u64)]) -> QuicPacket {
        p.frame_types.insert(0, 0x02);
        p.acks.push(Ack {
            largest,
            delay,
            ranges: ranges.to_vec(),
        });
        p
    }

    #[test]
    fn rtt_follows_rfc_9002_with_ack_delay_taken_off_after_the_first_sample() {
        // Client sends pn 0 at 0 ms and pn 1 at 10 ms (STREAM); the server
        // acknowledges 0 at 100 ms, then 0..1 at 130 ms with an ACK Delay of
        // 1000 << 3 µs = 8 ms.
        let packets = [
            packet(1, 0, 0, 0, &[0x08]),
            packet(2, 10, 0, 1, &[0x08]),
            acking(packet(3, 100, 1, 0, &[]), 0, 0, &[(0, 0)]),
            acking(packet(4, 130, 1, 1, &[]), 1, 1000, &[(0, 1)]),
        ];
        let s = Recovery::new(TransportParams::default()).run(&packets);
        assert_eq!(s.rtt.len(), 2);
        let ms = 1_000_000;
        let first = s.rtt[0];
        assert_eq!(
            (first.latest_ns, first.smoothed_ns, first.rttvar_ns),
            (100 * ms, 100 * ms, 50 * ms)
        );
        let second = s.rtt[1];
        // latest 120 ms; adjusted 120 - 8 = 112; smoothed 7/8·100 + 1/8·112
        // = 101.5; rttvar 3/4·50 + 1/4·|100 - 112| = 40.5.
        assert_eq!(second.latest_ns, 120 * ms);
        assert_eq!(second.adjusted_ns, 112 * ms);
        assert_eq!(second.smoothed_ns, 101_500_000);
        assert_eq!(second.rttvar_ns, 40_500_000);
        assert_eq!(second.min_ns, 100 * ms);
        assert_eq!((second.dir, second.acked_frame), (0, 2));
        // The ACK-only packets are not in flight; both STREAM packets were,
        // and are no more.
        let client: Vec<u64> = s
            .in_flight
            .iter()
            .filter(|f| f.dir == 0)
            .map(|f| f.bytes)
            .collect();
        assert_eq!(client, [1000, 2000, 1000, 0]);
    }

    #[test]
    fn a_packet_three_behind_the_largest_acknowledged_is_lost() {
        let mut packets: Vec<QuicPacket> = (0..5)
            .map(|n| packet(n as u32 + 1, n as i64, 0, n, &[0x08]))
            .collect();
        // pn 1 never arrives: the peer acknowledges 0 and 2..4.
        packets.push(acking(packet(6, 50, 1, 0, &[]), 4, 0, &[(2, 4), (0, 0)]));
        let s = Recovery::new(TransportParams::default()).run(&packets);
        assert_eq!(
            s.lost,
            [Lost {
                frame: 2,
                dir: 0,
                pn: 1,
                declared_in: 6
            }]
        );
        assert_eq!(s.in_flight.last().map(|f| f.bytes), Some(0));
        // A range that names packets never sent does no harm.
        let wild = [acking(
            packet(1, 0, 1, 0, &[]),
            u64::MAX >> 2,
            9,
            &[(0, u64::MAX >> 2)],
        )];
        assert!(
            Recovery::new(TransportParams::default())
                .run(&wild)
                .rtt
                .is_empty()
        );
    }

    #[test]
    fn labels_name_frames_once_per_run() {
        let p = packet(1, 0, 0, 7, &[0x06, 0x00, 0x00]);
        assert_eq!(p.label(), "1-RTT PN=7: CRYPTO, PADDING");
        assert_eq!(PacketKind::long(true, 1), PacketKind::Initial);
        assert_eq!(PacketKind::long(false, 2), PacketKind::Handshake);
    }
}
