//! What the TCP analysis keeps per segment, for the charts (throughput, RTT,
//! window, bytes in flight, the Stevens/tcptrace sequence graph) and the
//! per-connection summaries.

use dissectors::packet::TcpSegment;
use dissectors::tcp_analysis::SegmentAnalysis;

/// One TCP segment as the charts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRecord {
    pub frame: u32,
    pub stream: u32,
    pub ts_ns: i64,
    /// 0: from side A (the connection's first source), 1: from B.
    pub dir: u8,
    /// TCP flag bits (FIN..CWR, AE).
    pub tcp_flags: u16,
    /// `tcp.analysis.*` bits (dissectors::tcp_analysis::Flag).
    pub analysis: u16,
    /// Relative sequence and acknowledgement numbers.
    pub seq: u32,
    pub ack: u32,
    /// Payload length.
    pub len: u32,
    /// Calculated (scaled) receive window advertised by the sender.
    pub win: u32,
    /// Bytes in flight after this segment (`u32::MAX`: not known).
    pub in_flight: u32,
    /// RTT to the segment this one acknowledges, ns (negative: none).
    pub rtt_ns: i64,
    /// SACK blocks, relative, if any (index into [`TcpTables::sacks`]).
    pub sack: u32,
}

impl TcpRecord {
    pub const NONE: u32 = u32::MAX;

    pub fn new(frame: u32, ts_ns: i64, seg: &TcpSegment, a: &SegmentAnalysis, sack: u32) -> Self {
        let rel = |v: u32, b: Option<u32>| b.map_or(v, |b| v.wrapping_sub(b));
        TcpRecord {
            frame,
            stream: a.stream,
            ts_ns,
            dir: a.dir,
            tcp_flags: seg.flags,
            analysis: if seg.intact { a.flags as u16 } else { 0 },
            seq: rel(seg.seq, a.seq_base),
            ack: if seg.has(TcpSegment::ACK) {
                rel(seg.ack, a.ack_base)
            } else {
                0
            },
            len: seg.len,
            win: a.window,
            // tshark shows no analysis on a segment whose header is cut or malformed.
            in_flight: a
                .bytes_in_flight
                .filter(|_| seg.intact)
                .unwrap_or(Self::NONE),
            rtt_ns: a.ack_rtt_ns.filter(|_| seg.intact).unwrap_or(-1),
            sack,
        }
    }

    pub fn has(&self, f: dissectors::tcp_analysis::Flag) -> bool {
        u32::from(self.analysis) & f.bit() != 0
    }
}

/// SACK blocks of one segment, relative to the acknowledged direction's base.
pub type SackBlocks = ([(u32, u32); 4], u8);
