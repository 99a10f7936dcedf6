//! TCP sequence analysis with Wireshark's rules: per connection, fed
//! segment by segment in capture order, it says for each segment its stream,
//! relative numbers, calculated window and expert verdicts
//! (`tcp.analysis.*`), and keeps the per-connection handshake facts.

use crate::conversation::{ConversationTable, Endpoint};
use crate::expert::{ExpertDef, Group, Severity};
use crate::packet::{Answer, TcpSegment, TransportAt};
use crate::tape_codec::{Sources, TapeReader, TapeWriter};

/// Wireshark's `tcp.analysis.*` verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Flag {
    Retransmission = 0,
    FastRetransmission,
    SpuriousRetransmission,
    OutOfOrder,
    DuplicateAck,
    LostSegment,
    AckLostSegment,
    ZeroWindow,
    ZeroWindowProbe,
    ZeroWindowProbeAck,
    WindowFull,
    WindowUpdate,
    KeepAlive,
    KeepAliveAck,
    ReusedPorts,
}

pub static EXPERT_RETRANSMISSION: ExpertDef = ExpertDef::new(
    "tcp.analysis.retransmission",
    Severity::Note,
    Group::Sequence,
    "This frame is a (suspected) retransmission",
);
pub static EXPERT_FAST_RETRANSMISSION: ExpertDef = ExpertDef::new(
    "tcp.analysis.fast_retransmission",
    Severity::Note,
    Group::Sequence,
    "This frame is a (suspected) fast retransmission",
);
pub static EXPERT_SPURIOUS_RETRANSMISSION: ExpertDef = ExpertDef::new(
    "tcp.analysis.spurious_retransmission",
    Severity::Note,
    Group::Sequence,
    "This frame is a (suspected) spurious retransmission",
);
pub static EXPERT_OUT_OF_ORDER: ExpertDef = ExpertDef::new(
    "tcp.analysis.out_of_order",
    Severity::Warning,
    Group::Sequence,
    "This frame is a (suspected) out-of-order segment",
);
pub static EXPERT_DUPLICATE_ACK: ExpertDef = ExpertDef::new(
    "tcp.analysis.duplicate_ack",
    Severity::Note,
    Group::Sequence,
    "Duplicate ACK",
);
pub static EXPERT_LOST_SEGMENT: ExpertDef = ExpertDef::new(
    "tcp.analysis.lost_segment",
    Severity::Warning,
    Group::Sequence,
    "Previous segment(s) not captured (common at capture start)",
);
pub static EXPERT_ACK_LOST_SEGMENT: ExpertDef = ExpertDef::new(
    "tcp.analysis.ack_lost_segment",
    Severity::Warning,
    Group::Sequence,
    "ACKed segment that wasn't captured (common at capture start)",
);
pub static EXPERT_ZERO_WINDOW: ExpertDef = ExpertDef::new(
    "tcp.analysis.zero_window",
    Severity::Warning,
    Group::Sequence,
    "TCP Zero Window segment",
);
pub static EXPERT_ZERO_WINDOW_PROBE: ExpertDef = ExpertDef::new(
    "tcp.analysis.zero_window_probe",
    Severity::Note,
    Group::Sequence,
    "TCP Zero Window Probe",
);
pub static EXPERT_ZERO_WINDOW_PROBE_ACK: ExpertDef = ExpertDef::new(
    "tcp.analysis.zero_window_probe_ack",
    Severity::Note,
    Group::Sequence,
    "ACK to a TCP Zero Window Probe",
);
pub static EXPERT_WINDOW_FULL: ExpertDef = ExpertDef::new(
    "tcp.analysis.window_full",
    Severity::Warning,
    Group::Sequence,
    "TCP window specified by the receiver is now completely full",
);
pub static EXPERT_WINDOW_UPDATE: ExpertDef = ExpertDef::new(
    "tcp.analysis.window_update",
    Severity::Chat,
    Group::Sequence,
    "TCP window update",
);
pub static EXPERT_KEEP_ALIVE: ExpertDef = ExpertDef::new(
    "tcp.analysis.keep_alive",
    Severity::Note,
    Group::Sequence,
    "TCP keep-alive segment",
);
pub static EXPERT_KEEP_ALIVE_ACK: ExpertDef = ExpertDef::new(
    "tcp.analysis.keep_alive_ack",
    Severity::Note,
    Group::Sequence,
    "ACK to a TCP keep-alive segment",
);
pub static EXPERT_REUSED_PORTS: ExpertDef = ExpertDef::new(
    "tcp.analysis.reused_ports",
    Severity::Note,
    Group::Sequence,
    "A new tcp session is started with the same ports as an earlier session in this trace",
);

impl Flag {
    pub const ALL: [Flag; 15] = [
        Flag::Retransmission,
        Flag::FastRetransmission,
        Flag::SpuriousRetransmission,
        Flag::OutOfOrder,
        Flag::DuplicateAck,
        Flag::LostSegment,
        Flag::AckLostSegment,
        Flag::ZeroWindow,
        Flag::ZeroWindowProbe,
        Flag::ZeroWindowProbeAck,
        Flag::WindowFull,
        Flag::WindowUpdate,
        Flag::KeepAlive,
        Flag::KeepAliveAck,
        Flag::ReusedPorts,
    ];

    pub const fn bit(self) -> u32 {
        1 << self as u8
    }

    /// The name after `tcp.analysis.`.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Retransmission => "retransmission",
            Flag::FastRetransmission => "fast_retransmission",
            Flag::SpuriousRetransmission => "spurious_retransmission",
            Flag::OutOfOrder => "out_of_order",
            Flag::DuplicateAck => "duplicate_ack",
            Flag::LostSegment => "lost_segment",
            Flag::AckLostSegment => "ack_lost_segment",
            Flag::ZeroWindow => "zero_window",
            Flag::ZeroWindowProbe => "zero_window_probe",
            Flag::ZeroWindowProbeAck => "zero_window_probe_ack",
            Flag::WindowFull => "window_full",
            Flag::WindowUpdate => "window_update",
            Flag::KeepAlive => "keep_alive",
            Flag::KeepAliveAck => "keep_alive_ack",
            Flag::ReusedPorts => "reused_ports",
        }
    }

    pub fn expert(self) -> &'static ExpertDef {
        match self {
            Flag::Retransmission => &EXPERT_RETRANSMISSION,
            Flag::FastRetransmission => &EXPERT_FAST_RETRANSMISSION,
            Flag::SpuriousRetransmission => &EXPERT_SPURIOUS_RETRANSMISSION,
            Flag::OutOfOrder => &EXPERT_OUT_OF_ORDER,
            Flag::DuplicateAck => &EXPERT_DUPLICATE_ACK,
            Flag::LostSegment => &EXPERT_LOST_SEGMENT,
            Flag::AckLostSegment => &EXPERT_ACK_LOST_SEGMENT,
            Flag::ZeroWindow => &EXPERT_ZERO_WINDOW,
            Flag::ZeroWindowProbe => &EXPERT_ZERO_WINDOW_PROBE,
            Flag::ZeroWindowProbeAck => &EXPERT_ZERO_WINDOW_PROBE_ACK,
            Flag::WindowFull => &EXPERT_WINDOW_FULL,
            Flag::WindowUpdate => &EXPERT_WINDOW_UPDATE,
            Flag::KeepAlive => &EXPERT_KEEP_ALIVE,
            Flag::KeepAliveAck => &EXPERT_KEEP_ALIVE_ACK,
            Flag::ReusedPorts => &EXPERT_REUSED_PORTS,
        }
    }

    /// The expert message in the details tree.
    pub fn message(self) -> &'static str {
        self.expert().summary
    }

    pub fn from_name(name: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What the analysis says about one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentAnalysis {
    pub stream: u32,
    /// 0: from side A (the connection's first source), 1: from B.
    pub dir: u8,
    /// Wireshark's `tcp.completeness` bits as they stood before this segment.
    pub completeness: u8,
    /// Relative sequence numbers are `seq - seq_base`; `None` leaves them absolute.
    pub seq_base: Option<u32>,
    pub ack_base: Option<u32>,
    /// Relative next sequence number (`tcp.nxtseq`).
    pub nxtseq: u32,
    /// Calculated window (scaled when the scale is known).
    pub window: u32,
    /// `tcp.window_size_scalefactor`: the multiplier, -1 unknown, -2 not used.
    pub scale: i32,
    pub time_relative_ns: i64,
    pub time_delta_ns: i64,
    /// Bit set of [`Flag`]s.
    pub flags: u32,
    pub acks_frame: Option<u32>,
    pub ack_rtt_ns: Option<i64>,
    pub initial_rtt_ns: Option<i64>,
    pub bytes_in_flight: Option<u32>,
    pub push_bytes_sent: Option<u32>,
    /// Duplicate ACK number and the frame it duplicates.
    pub dup_ack: Option<(u32, u32)>,
    /// Retransmission timeout and the frame it is measured from.
    pub rto: Option<(i64, u32)>,
    /// Show the analysis subtree even if it has nothing in it (Wireshark does
    /// when its per-segment record exists).
    pub shown: bool,
    /// A FIN's part in closing: whether its side began the close or
    /// answers the other's (Wireshark's `tcp.connection.fin_active` and
    /// `fin_passive`).
    pub closing: Closing,
}

/// Which side of a connection's close a FIN segment is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Closing {
    #[default]
    NoFin,
    /// No FIN came the other way first: this side closes.
    Initiates,
    /// The other side sent the first FIN.
    Undergoes,
}

impl SegmentAnalysis {
    pub fn has(&self, f: Flag) -> bool {
        self.flags & f.bit() != 0
    }

    /// The `[TCP ...] ` prefixes of the Info column. Wireshark prepends each
    /// in turn, so the last one it adds comes first.
    pub fn info_prefix(&self, out: &mut String) {
        let mut parts: Vec<String> = Vec::new();
        if self.has(Flag::Retransmission) {
            parts.push(
                if self.has(Flag::SpuriousRetransmission) {
                    "[TCP Spurious Retransmission] "
                } else if self.has(Flag::FastRetransmission) {
                    "[TCP Fast Retransmission] "
                } else {
                    "[TCP Retransmission] "
                }
                .to_string(),
            );
        }
        if self.has(Flag::LostSegment) {
            parts.push("[TCP Previous segment not captured] ".into());
        }
        if self.has(Flag::AckLostSegment) {
            parts.push("[TCP ACKed unseen segment] ".into());
        }
        if self.has(Flag::KeepAlive) {
            parts.push("[TCP Keep-Alive] ".into());
        }
        if self.has(Flag::WindowUpdate) {
            parts.push("[TCP Window Update] ".into());
        }
        if self.has(Flag::WindowFull) {
            parts.push("[TCP Window Full] ".into());
        }
        if self.has(Flag::KeepAliveAck) {
            parts.push("[TCP Keep-Alive ACK] ".into());
        }
        if self.has(Flag::DuplicateAck)
            && let Some((num, frame)) = self.dup_ack
        {
            parts.push(format!("[TCP Dup ACK {frame}#{num}] "));
        }
        if self.has(Flag::ZeroWindowProbe) {
            parts.push("[TCP ZeroWindowProbe] ".into());
        }
        if self.has(Flag::ZeroWindow) {
            parts.push("[TCP ZeroWindow] ".into());
        }
        if self.has(Flag::ZeroWindowProbeAck) {
            parts.push("[TCP ZeroWindowProbeAck] ".into());
        }
        if self.has(Flag::OutOfOrder) {
            parts.push("[TCP Out-Of-Order] ".into());
        }
        if self.has(Flag::ReusedPorts) {
            parts.push("[TCP Port numbers reused] ".into());
        }
        for p in parts.iter().rev() {
            out.push_str(p);
        }
    }
}

/// A connection's state at the end of the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndState {
    /// A SYN without an answer.
    SynSent,
    /// SYN and SYN/ACK, no handshake ACK or data yet.
    SynReceived,
    /// Handshake seen, no FIN or RST.
    Established,
    /// Picked up after its handshake, no FIN or RST seen.
    MidStream,
    /// FIN from one side only.
    HalfClosed,
    /// FIN from both sides.
    Closed,
    /// Ended by a RST.
    Reset,
}

impl EndState {
    pub fn name(self) -> &'static str {
        match self {
            EndState::SynSent => "syn_sent",
            EndState::SynReceived => "syn_received",
            EndState::Established => "established",
            EndState::MidStream => "mid_stream",
            EndState::HalfClosed => "half_closed",
            EndState::Closed => "closed",
            EndState::Reset => "reset",
        }
    }
}

/// Wireshark's `tcp.completeness` bits.
pub mod completeness {
    pub const SYN: u8 = 1;
    pub const SYN_ACK: u8 = 2;
    pub const ACK: u8 = 4;
    pub const DATA: u8 = 8;
    pub const FIN: u8 = 16;
    pub const RST: u8 = 32;
}

/// At most this many unacknowledged segments are remembered per direction,
/// as in Wireshark (a capture that never shows the ACKs must not grow memory).
const MAX_UNACKED: usize = 1000;

#[derive(Debug, Clone, Copy)]
struct Unacked {
    frame: u32,
    seq: u32,
    nextseq: u32,
    ts: i64,
}

fn gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
fn le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

/// One direction of a connection.
#[derive(Debug, Clone)]
pub struct Direction {
    pub base_seq: Option<u32>,
    pub saw_syn: bool,
    /// The base sequence number was set before this segment.
    saw_syn_or_base: bool,
    /// This side sent a SYN without ACK.
    pub sent_syn: bool,
    /// -1: unknown, -2: not used, else the shift.
    pub win_scale: i8,
    pub mss: Option<u16>,
    pub sack_perm: bool,
    pub timestamps: bool,
    pub fin: bool,
    pub rst: bool,
    window: u32,
    nextseq: u32,
    nextseq_frame: u32,
    nextseq_time: i64,
    maxseq_to_be_acked: u32,
    lastack: u32,
    lastack_time: i64,
    last_non_dup_ack: u32,
    /// Duplicate ACKs in a row; -1 after an "ACKed unseen segment" that
    /// reached no further than before (Wireshark's marker: the next such
    /// ACK is not reported again, the next duplicate ACK counts 1).
    dup_ack_num: i32,
    unacked: Vec<Unacked>,
    valid_bif: bool,
    /// Bytes of this direction the other side's latest ACK reported in SACK blocks.
    sacked_by_peer: u32,
    push_bytes_sent: u32,
    push_set_last: bool,
    last_segment_flags: u32,
}

impl Default for Direction {
    fn default() -> Self {
        Direction {
            base_seq: None,
            saw_syn: false,
            saw_syn_or_base: false,
            sent_syn: false,
            win_scale: -1,
            mss: None,
            sack_perm: false,
            timestamps: false,
            fin: false,
            rst: false,
            window: 0,
            nextseq: 0,
            nextseq_frame: 0,
            nextseq_time: 0,
            maxseq_to_be_acked: 0,
            lastack: 0,
            lastack_time: 0,
            last_non_dup_ack: 0,
            dup_ack_num: 0,
            unacked: Vec::new(),
            valid_bif: true,
            sacked_by_peer: 0,
            push_bytes_sent: 0,
            push_set_last: false,
            last_segment_flags: 0,
        }
    }
}

/// TCP's conversations: the table, each stream's analyzer, and Wireshark's
/// rule for when a SYN between known ends starts a new stream.
#[derive(Debug, Default)]
pub struct TcpConversations {
    pub table: ConversationTable,
    /// The analyzer of stream `i` at `i`.
    pub analyzers: Vec<TcpStreamAnalyzer>,
    /// Run the full TCP sequence analysis (flags, RTT, in flight); without it
    /// only what the stream numbering needs is tracked.
    analyze: bool,
}

impl TcpConversations {
    pub fn new(analyze: bool) -> Self {
        TcpConversations {
            analyze,
            ..Default::default()
        }
    }

    /// The segment's stream (a new one when a SYN reuses a closed
    /// connection's ports), counted and analysed.
    pub fn segment(&mut self, at: &TransportAt, seg: &TcpSegment) -> SegmentAnalysis {
        let src = (at.src, seg.src_port);
        let dst = (at.dst, seg.dst_port);
        let (stream, reused) = match self.table.find(src, dst) {
            Some(i) => self.known_ends(i, src, dst, at, seg),
            None => (self.open(src, dst, at), false),
        };
        let (Some(conv), Some(an)) = (
            self.table.get_mut(stream),
            self.analyzers.get_mut(stream as usize),
        ) else {
            return SegmentAnalysis::default();
        };
        if at.quoted {
            return SegmentAnalysis {
                stream,
                ..Default::default()
            };
        }
        conv.count(at, src, dst, seg.len);
        let d = conv.direction(src);
        if self.analyze {
            an.segment(d, at.frame, at.ts_ns, seg, reused)
        } else {
            an.segment_light(d, at.ts_ns, seg)
        }
    }

    /// A segment between the ends of stream `i`: its stream, and whether
    /// it reuses the ports of a connection before (a SYN that starts a new
    /// stream, or a SYN-ACK whose sequence number is not the one seen).
    fn known_ends(
        &mut self,
        i: u32,
        src: Endpoint,
        dst: Endpoint,
        at: &TransportAt,
        seg: &TcpSegment,
    ) -> (u32, bool) {
        let syn_ack = seg.flags & (TcpSegment::SYN | TcpSegment::ACK);
        let (Some(conv), Some(an)) = (
            self.table.list.get(i as usize),
            self.analyzers.get(i as usize),
        ) else {
            return (i, false);
        };
        let d = conv.direction(src);
        if syn_ack == TcpSegment::SYN && an.syn_starts_new_stream(d, seg) {
            return (self.open(src, dst, at), true);
        }
        let other_syn = syn_ack == (TcpSegment::SYN | TcpSegment::ACK)
            && an.dir[d].base_seq.is_some_and(|b| b != seg.seq)
            && an.dir[d].saw_syn;
        (i, other_syn)
    }

    fn open(&mut self, src: Endpoint, dst: Endpoint, at: &TransportAt) -> u32 {
        let stream = self.table.open("tcp", (src, dst), at, true);
        self.analyzers
            .push(TcpStreamAnalyzer::new(stream, at.ts_ns));
        stream
    }
}

/// The analysis of one TCP connection (one `tcp.stream`).
#[derive(Debug, Clone)]
pub struct TcpStreamAnalyzer {
    pub stream: u32,
    /// The direction that sent the first FIN (Wireshark's per-flow
    /// `closing_initiator`; only one side can be it).
    closing_initiator: Option<usize>,
    /// Directions: 0 is from side A (the first packet's source) to B.
    pub dir: [Direction; 2],
    pub completeness: u8,
    pub first_ts: i64,
    last_ts: i64,
    mru_syn_ts: Option<i64>,
    pub initial_rtt_ns: Option<i64>,
    /// The iRTT as a segment first showed it (tshark shows it only in
    /// segments with an analysis; measured last, it may never show).
    pub shown_initial_rtt_ns: Option<i64>,
    /// Whether the first segment seen was a SYN without ACK.
    pub syn_seen: bool,
    pub synack_seen: bool,
    pub handshake_ack_seen: bool,
    pub simultaneous_open: bool,
    /// Segments carrying each [`Flag`] (those whose analysis was shown).
    pub counts: [u32; 15],
    /// Segments seen.
    pub packets: u64,
    /// ACK RTT samples: count, min, max, sum (ns).
    pub rtt_count: u64,
    pub rtt_min_ns: i64,
    pub rtt_max_ns: i64,
    pub rtt_sum_ns: i64,
}

impl TcpStreamAnalyzer {
    /// Heap bytes the stream's state holds (the segments awaiting ACKs).
    pub fn held_bytes(&self) -> usize {
        self.dir
            .iter()
            .map(|d| d.unacked.capacity() * std::mem::size_of::<Unacked>())
            .sum()
    }

    /// Lets go of the segments awaiting ACKs (the memory ceiling was
    /// reached): later ACKs find nothing to time.
    pub fn forget_unacked(&mut self) {
        for d in &mut self.dir {
            d.unacked = Vec::new();
        }
    }

    pub fn new(stream: u32, first_ts: i64) -> Self {
        TcpStreamAnalyzer {
            stream,
            closing_initiator: None,
            dir: [Direction::default(), Direction::default()],
            completeness: 0,
            first_ts,
            last_ts: first_ts,
            mru_syn_ts: None,
            initial_rtt_ns: None,
            shown_initial_rtt_ns: None,
            syn_seen: false,
            synack_seen: false,
            handshake_ack_seen: false,
            simultaneous_open: false,
            counts: [0; 15],
            packets: 0,
            rtt_count: 0,
            rtt_min_ns: i64::MAX,
            rtt_max_ns: 0,
            rtt_sum_ns: 0,
        }
    }

    /// Whether a SYN (without ACK) on this connection starts a new one, as
    /// Wireshark decides: the direction already has a base sequence number
    /// and the SYN's differs, or the connection was closed by FIN or RST.
    pub fn syn_starts_new_stream(&self, d: usize, seg: &TcpSegment) -> bool {
        let f = &self.dir[d];
        match f.base_seq {
            Some(base) => {
                seg.seq != base || self.completeness & (completeness::RST | completeness::FIN) != 0
            }
            None => false,
        }
    }

    /// Analyses a segment travelling in direction `d` (0: A→B).
    pub fn segment(
        &mut self,
        d: usize,
        frame: u32,
        ts: i64,
        seg: &TcpSegment,
        reused: bool,
    ) -> SegmentAnalysis {
        self.segment_impl(d, frame, ts, seg, reused, true)
    }

    /// Counts a segment's verdicts into the connection's totals; `shown`:
    /// its analysis was shown (Wireshark shows none for a segment whose TCP
    /// header is malformed, and its counts leave those out).
    pub fn record(&mut self, a: &SegmentAnalysis, shown: bool) {
        if !shown {
            return;
        }
        if self.shown_initial_rtt_ns.is_none() {
            self.shown_initial_rtt_ns = a.initial_rtt_ns;
        }
        for f in Flag::ALL {
            if a.has(f) {
                self.counts[f as usize] += 1;
            }
        }
        if let Some(r) = a.ack_rtt_ns {
            self.rtt_count += 1;
            self.rtt_min_ns = self.rtt_min_ns.min(r);
            self.rtt_max_ns = self.rtt_max_ns.max(r);
            self.rtt_sum_ns += r;
        }
    }

    pub fn count(&self, f: Flag) -> u32 {
        self.counts[f as usize]
    }

    /// How the connection stands at the end of what was captured.
    pub fn end_state(&self) -> EndState {
        let fin = [self.dir[0].fin, self.dir[1].fin];
        if self.dir[0].rst || self.dir[1].rst {
            EndState::Reset
        } else if fin[0] && fin[1] {
            EndState::Closed
        } else if fin[0] || fin[1] {
            EndState::HalfClosed
        } else if self.syn_seen && !self.synack_seen {
            EndState::SynSent
        } else if self.synack_seen
            && !self.handshake_ack_seen
            && self.completeness & completeness::DATA == 0
        {
            EndState::SynReceived
        } else if self.syn_seen || self.synack_seen {
            EndState::Established
        } else {
            EndState::MidStream
        }
    }

    /// Only what stream numbering and relative numbers need: base sequence
    /// numbers, window scale, completeness, times.
    pub fn segment_light(&mut self, d: usize, ts: i64, seg: &TcpSegment) -> SegmentAnalysis {
        self.segment_impl(d, 0, ts, seg, false, false)
    }

    fn segment_impl(
        &mut self,
        d: usize,
        frame: u32,
        ts: i64,
        seg: &TcpSegment,
        reused: bool,
        full: bool,
    ) -> SegmentAnalysis {
        let r = 1 - d;
        let syn = seg.has(TcpSegment::SYN);
        let ack_flag = seg.has(TcpSegment::ACK);
        let fin = seg.has(TcpSegment::FIN);
        let rst = seg.has(TcpSegment::RST);
        let mut out = SegmentAnalysis {
            stream: self.stream,
            dir: d as u8,
            completeness: self.completeness,
            time_relative_ns: ts.saturating_sub(self.first_ts),
            time_delta_ns: ts.saturating_sub(self.last_ts),
            ..Default::default()
        };
        self.last_ts = ts;
        if reused {
            out.flags |= Flag::ReusedPorts.bit();
        }

        // Options from the handshake: window scale and friends.
        if syn {
            let o = &seg.options;
            let f = &mut self.dir[d];
            if let Some(shift) = o.wscale {
                f.win_scale = shift.min(14) as i8;
            }
            f.mss = o.mss.or(f.mss);
            f.sack_perm |= o.sack_perm;
            f.timestamps |= o.timestamp.is_some();
            // Scaling is used only when both ends offer it.
            if self.dir[d].win_scale == -1 {
                self.dir[d].win_scale = -2;
                self.dir[r].win_scale = -2;
            } else if ack_flag && self.dir[r].win_scale == -2 {
                self.dir[d].win_scale = -2;
            }
            if ack_flag {
                self.synack_seen = true;
            } else {
                self.dir[d].sent_syn = true;
                // Both sides opening at once (RFC 9293 §3.5): a SYN from each, no SYN/ACK between.
                if self.dir[r].sent_syn {
                    self.simultaneous_open = true;
                }
                self.syn_seen = true;
                self.mru_syn_ts = Some(ts);
            }
        }

        // A SYN again on a connection whose start was seen: a retransmitted or
        // reattempted handshake. Wireshark restores the next expected sequence
        // number (a RST may have moved it) and shows an (empty) analysis.
        if syn && !ack_flag && self.dir[d].base_seq == Some(seg.seq) && self.dir[d].saw_syn_or_base
        {
            self.dir[d].nextseq = self.dir[d].maxseq_to_be_acked;
            out.shown = true;
        }

        // Calculated window.
        let scale = self.dir[d].win_scale;
        let window = if !syn && scale >= 0 {
            u32::from(seg.window) << scale
        } else {
            u32::from(seg.window)
        };
        out.window = window;
        out.scale = if scale >= 0 { 1 << scale } else { scale as i32 };

        if self.dir[d].base_seq.is_none() {
            self.dir[d].base_seq = Some(if syn {
                seg.seq
            } else {
                seg.seq.wrapping_sub(1)
            });
            if syn {
                self.dir[d].saw_syn = true;
            }
        }
        if self.dir[r].base_seq.is_none() && ack_flag {
            self.dir[r].base_seq = Some(seg.ack.wrapping_sub(1));
        }
        self.dir[d].saw_syn_or_base = true;
        self.dir[r].saw_syn_or_base |= ack_flag;
        if full {
            self.analyze(d, frame, ts, seg, window, &mut out);
        }
        // After the analysis, as in Wireshark (its out-of-order test uses
        // the iRTT known before this segment).
        if ack_flag && !syn {
            self.measure_initial_rtt(ts);
        }

        // Completeness, after the segment is shown with the old value, with
        // Wireshark's rules: a SYN counts when it starts the conversation; of
        // the first segment nothing else counts; the handshake ACK is a bare
        // ACK (a FIN may ride on it, data may not); a FIN counts with an ACK.
        let first = self.packets == 0;
        self.packets += 1;
        let c = &mut self.completeness;
        if syn && !ack_flag && (first || reused) {
            *c |= completeness::SYN;
        }
        if !first {
            if syn && ack_flag {
                *c |= completeness::SYN_ACK;
            }
            if ack_flag && !syn && !rst && seg.len == 0 {
                *c |= completeness::ACK;
            }
            if seg.len > 0 {
                *c |= completeness::DATA;
            }
            if fin && ack_flag {
                *c |= completeness::FIN;
            }
            if rst {
                *c |= completeness::RST;
            }
        }
        self.finish(d, seg, out)
    }

    /// Wireshark's iRTT: from the latest SYN to the first ACK without SYN
    /// (in either direction; usually the third packet of the handshake).
    /// tshark keeps it as a time where zero means "not measured": when SYN
    /// and ACK carry the same timestamp (coarse clocks), the next ACK with a
    /// later one measures it instead, and so do we (issue 23; the golden
    /// tcp_irtt_equal_timestamps.pcap shows it). A SYN stamped at the epoch
    /// counts as none, for the same reason.
    fn measure_initial_rtt(&mut self, ts: i64) {
        if self.initial_rtt_ns.is_some_and(|r| r != 0) {
            return;
        }
        if let Some(t) = self.mru_syn_ts.filter(|&t| t != 0) {
            if self.initial_rtt_ns.is_none() {
                self.handshake_ack_seen = self.synack_seen;
            }
            self.initial_rtt_ns = Some(ts.saturating_sub(t));
        }
    }

    fn finish(&mut self, d: usize, seg: &TcpSegment, mut out: SegmentAnalysis) -> SegmentAnalysis {
        let r = 1 - d;
        let flags = seg.flags;
        if flags & TcpSegment::FIN != 0 {
            self.dir[d].fin = true;
            out.closing = if self.closing_initiator == Some(r) {
                Closing::Undergoes
            } else {
                self.closing_initiator = Some(d);
                Closing::Initiates
            };
        }
        if flags & TcpSegment::RST != 0 {
            self.dir[d].rst = true;
        }
        out.seq_base = self.dir[d].base_seq;
        out.ack_base = self.dir[r].base_seq;
        let base = self.dir[d].base_seq.unwrap_or(0);
        let mut nxt = seg.seq.wrapping_add(seg.len).wrapping_sub(base);
        if flags & (TcpSegment::SYN | TcpSegment::FIN) != 0 {
            nxt = nxt.wrapping_add(1);
        }
        out.nxtseq = nxt;
        out.shown |= out.flags != 0
            || out.acks_frame.is_some()
            || out.bytes_in_flight.is_some()
            || out.push_bytes_sent.is_some();
        if out.shown {
            out.initial_rtt_ns = self.initial_rtt_ns.filter(|&r| r != 0);
        }
        out
    }

    /// Whether a segment that carries data (or SYN/FIN) repeats what was
    /// sent before, and as which kind (Wireshark's order: spurious, fast,
    /// out of order, plain retransmission); its RTO when plain.
    fn retransmission(
        &self,
        d: usize,
        ts: i64,
        seg: &TcpSegment,
        fwd_nextseq: u32,
        out: &mut SegmentAnalysis,
    ) -> u32 {
        let r = 1 - d;
        let (seq, seglen, flags) = (seg.seq, seg.len, seg.flags);
        // A segment of more than one byte starting one before the next
        // expected byte adds new data (the byte before may have been a
        // zero window probe's): no retransmission (a spurious one yet).
        let not_advanced = fwd_nextseq != 0
            && lt(seq, fwd_nextseq)
            && !(seglen > 1 && fwd_nextseq.wrapping_sub(1) == seq);
        // Bytes the other side already acknowledged come again:
        // Wireshark asks this first.
        let rev_lastack = self.dir[r].lastack;
        if seglen > 0 && rev_lastack != 0 && le(seq.wrapping_add(seglen), rev_lastack) {
            return Flag::SpuriousRetransmission.bit() | Flag::Retransmission.bit();
        }
        let since_dup = ts.saturating_sub(self.dir[r].lastack_time);
        if not_advanced
            // Wireshark keeps the count unsigned, so its "ACKed
            // unseen segment" marker (-1) reads as very many
            // duplicate ACKs here: a segment resent right after such
            // an ACK is a fast retransmission to tshark (a FIN
            // retransmission, typically). We follow its verdict so
            // the two agree; tests/golden's
            // tcp_fin_fast_retransmission.pcap shows the case.
            && (self.dir[r].dup_ack_num >= 2 || self.dir[r].dup_ack_num < 0)
            && self.dir[r].lastack == seq
            && since_dup < 20_000_000
        {
            return Flag::FastRetransmission.bit() | Flag::Retransmission.bit();
        }
        let since_highest = ts.saturating_sub(self.dir[d].nextseq_time);
        // The iRTT, or 3 ms while none (a zero one) is known; tshark
        // compares unsigned, so a negative one lets anything in.
        let threshold = match self.initial_rtt_ns {
            Some(r) if r > 0 => r,
            Some(r) if r < 0 => i64::MAX,
            _ => 3_000_000,
        };
        let mut end = seq.wrapping_add(seglen);
        if flags & (TcpSegment::SYN | TcpSegment::FIN) != 0 {
            end = end.wrapping_add(1);
        }
        if not_advanced && since_highest < threshold && fwd_nextseq != end {
            return Flag::OutOfOrder.bit();
        }
        if not_advanced {
            // Wireshark measures from the eldest unacknowledged
            // segment (likely the one retransmitted), else from the
            // highest one seen.
            out.rto = Some(match self.dir[d].unacked.first() {
                Some(u) => (ts.saturating_sub(u.ts), u.frame),
                None => (
                    ts.saturating_sub(self.dir[d].nextseq_time),
                    self.dir[d].nextseq_frame,
                ),
            });
            return Flag::Retransmission.bit();
        }
        0
    }

    /// Wireshark's `tcp_analyze_sequence_number`, in its order: what the
    /// segment says of the windows and ACKs, an ACK of unseen data,
    /// retransmissions, then the direction's state moved on, the other
    /// direction's segments this one acknowledges, and bytes in flight.
    fn analyze(
        &mut self,
        d: usize,
        frame: u32,
        ts: i64,
        seg: &TcpSegment,
        window: u32,
        out: &mut SegmentAnalysis,
    ) {
        if seg.has(TcpSegment::ACK) {
            self.dir[1 - d].valid_bif = true;
        }
        let fwd_nextseq = self.dir[d].nextseq;
        let mut fl = self.window_and_ack_flags(d, seg, window, out);
        // Only a new acknowledgment number ends a run of duplicate ACKs (data
        // segments repeating the same ACK do not).
        if seg.ack != self.dir[d].lastack {
            self.dir[d].last_non_dup_ack = frame;
            self.dir[d].dup_ack_num = 0;
        }
        fl |= self.ack_of_unseen(d, seg, out);
        let syn_fin = seg.flags & (TcpSegment::SYN | TcpSegment::FIN) != 0;
        if (seg.len > 0 || syn_fin) && fl & Flag::KeepAlive.bit() == 0 {
            fl |= self.retransmission(d, ts, seg, fwd_nextseq, out);
        }
        self.move_on(d, frame, ts, seg, window, fl);
        self.acknowledge(1 - d, seg.ack, ts, out);
        self.bytes_in_flight(d, seg, out);
        out.flags |= fl;
        self.dir[d].last_segment_flags = out.flags;
    }

    /// Zero window (probe and its ACK), lost segment, keep-alive (and its
    /// ACK), window update and full, duplicate ACK: the flags one segment
    /// earns against the state before it.
    fn window_and_ack_flags(
        &mut self,
        d: usize,
        seg: &TcpSegment,
        window: u32,
        out: &mut SegmentAnalysis,
    ) -> u32 {
        let r = 1 - d;
        let (seq, ack, seglen, flags) = (seg.seq, seg.ack, seg.len, seg.flags);
        let sfr = flags & (TcpSegment::SYN | TcpSegment::FIN | TcpSegment::RST) != 0;
        let fwd_nextseq = self.dir[d].nextseq;
        let fwd_lastack = self.dir[d].lastack;
        let fwd_window = self.dir[d].window;
        let rev_window = self.dir[r].window;
        let mut fl = 0u32;
        // Zero window probe: one byte at the next expected sequence number
        // while the other side advertises a zero window.
        if seglen == 1 && seq == fwd_nextseq && rev_window == 0 {
            return Flag::ZeroWindowProbe.bit();
        }
        if window == 0 && !sfr {
            fl |= Flag::ZeroWindow.bit();
        }
        if fwd_nextseq != 0 && gt(seq, fwd_nextseq) && flags & TcpSegment::RST == 0 {
            fl |= Flag::LostSegment.bit();
            self.dir[d].valid_bif = false;
        }
        if (seglen == 0 || seglen == 1) && seq == fwd_nextseq.wrapping_sub(1) && !sfr {
            fl |= Flag::KeepAlive.bit();
        }
        // A bare ACK repeating this direction's last one, whatever its window.
        let same_place = seglen == 0 && seq == fwd_nextseq && ack == fwd_lastack && !sfr;
        if same_place && window != 0 && window != fwd_window {
            fl |= Flag::WindowUpdate.bit();
        }
        if seglen > 0 && self.dir[r].win_scale != -1 && !sfr {
            let edge = self.dir[r].lastack.wrapping_add(rev_window);
            if seq.wrapping_add(seglen) == edge {
                fl |= Flag::WindowFull.bit();
            }
        }
        let peer_flags = self.dir[r].last_segment_flags;
        if same_place
            && window != 0
            && window == fwd_window
            && peer_flags & Flag::KeepAlive.bit() != 0
        {
            return fl | Flag::KeepAliveAck.bit();
        }
        if seglen == 0
            && window == 0
            && window == fwd_window
            && seq == fwd_nextseq
            && (ack == fwd_lastack || ack == fwd_lastack.wrapping_add(1))
            && peer_flags & Flag::ZeroWindowProbe.bit() != 0
            && !sfr
        {
            if ack == fwd_lastack.wrapping_add(1) {
                // The receiver took the probe's byte: move the other side on.
                let rev = &mut self.dir[r];
                rev.nextseq = rev.nextseq.wrapping_add(1);
                rev.maxseq_to_be_acked = rev.maxseq_to_be_acked.wrapping_add(1);
            }
            return fl | Flag::ZeroWindowProbeAck.bit();
        }
        if same_place && window != 0 && window == fwd_window {
            // After the "ACKed unseen segment" marker (-1), the first
            // duplicate counts 1.
            let n = &mut self.dir[d].dup_ack_num;
            *n = if *n < 0 { 1 } else { *n + 1 };
            fl |= Flag::DuplicateAck.bit();
            out.dup_ack = Some((*n as u32, self.dir[d].last_non_dup_ack));
        }
        fl
    }

    /// An ACK beyond the highest sequence number seen without a gap in the
    /// other direction, with Wireshark's bookkeeping: if segments beyond a
    /// gap were seen, the bound moves up to them and the ACK is flagged; if
    /// not, it is flagged only if the other side has not repeated an ACK
    /// since the last one flagged (its duplicate-ACK count doubles as the
    /// marker), so one missing segment is reported once however many ACKs
    /// cover it.
    fn ack_of_unseen(&mut self, d: usize, seg: &TcpSegment, out: &mut SegmentAnalysis) -> u32 {
        let rev = &mut self.dir[1 - d];
        let rev_max = rev.maxseq_to_be_acked;
        if rev_max == 0 || !gt(seg.ack, rev_max) || !seg.has(TcpSegment::ACK) {
            return 0;
        }
        // Wireshark makes the segment's analysis record here, flagged or
        // not, so its (maybe empty) analysis shows.
        out.shown = true;
        if lt(rev_max, rev.nextseq) {
            rev.maxseq_to_be_acked = rev.nextseq;
            return Flag::AckLostSegment.bit();
        }
        let first = rev.dup_ack_num == 0;
        rev.dup_ack_num = -1;
        if first { Flag::AckLostSegment.bit() } else { 0 }
    }

    /// The direction's state after the segment: its unacknowledged
    /// segments, next and highest gapless sequence numbers, window, last
    /// ACK, and what its SACK blocks cover of the other direction.
    fn move_on(&mut self, d: usize, frame: u32, ts: i64, seg: &TcpSegment, window: u32, fl: u32) {
        let (seq, seglen) = (seg.seq, seg.len);
        let syn_fin = seg.flags & (TcpSegment::SYN | TcpSegment::FIN) != 0;
        let mut nextseq = seq.wrapping_add(seglen);
        if (seglen > 0 || syn_fin) && self.dir[d].unacked.len() < MAX_UNACKED {
            if syn_fin {
                nextseq = nextseq.wrapping_add(1);
            }
            let u = Unacked {
                frame,
                seq,
                nextseq,
                ts,
            };
            self.dir[d].unacked.push(u);
        }
        let zwp = fl & Flag::ZeroWindowProbe.bit() != 0;
        let f = &mut self.dir[d];
        if (gt(nextseq, f.nextseq) || f.nextseq == 0) && !zwp {
            f.nextseq = nextseq;
            f.nextseq_frame = frame;
            f.nextseq_time = ts;
        }
        // The highest sequence number seen without a gap; after a gap it
        // waits for the missing bytes.
        let gap = fl & Flag::LostSegment.bit() != 0;
        if (seq == f.maxseq_to_be_acked || f.maxseq_to_be_acked == 0) && !zwp && !gap {
            f.maxseq_to_be_acked = f.nextseq;
        }
        f.window = window;
        f.lastack = seg.ack;
        f.lastack_time = ts;
        if seg.has(TcpSegment::ACK) {
            let total: u32 = seg
                .options
                .sack_blocks()
                .iter()
                .map(|(l, r)| r.wrapping_sub(*l))
                .fold(0, u32::wrapping_add);
            self.dir[1 - d].sacked_by_peer = total;
        }
    }

    /// Direction `r`'s segments that `ack` covers: the one it ends gives
    /// the ACK's RTT; one it cuts into keeps its rest.
    fn acknowledge(&mut self, r: usize, ack: u32, ts: i64, out: &mut SegmentAnalysis) {
        let rv = &mut self.dir[r].unacked;
        let mut i = rv.len();
        while i > 0 {
            i -= 1;
            let u = rv[i];
            if ack == u.nextseq {
                out.acks_frame = Some(u.frame);
                out.ack_rtt_ns = (ts != u.ts).then_some(ts.saturating_sub(u.ts));
                rv.remove(i);
            } else if gt(ack, u.seq) && le(ack, u.nextseq) {
                rv[i].seq = ack;
            } else if gt(u.nextseq, ack) {
                continue;
            } else {
                rv.remove(i);
            }
        }
    }

    /// Bytes in flight and bytes sent since the last PSH, after a segment
    /// with data.
    fn bytes_in_flight(&mut self, d: usize, seg: &TcpSegment, out: &mut SegmentAnalysis) {
        let f = &mut self.dir[d];
        if seg.len == 0 || f.unacked.is_empty() || !f.valid_bif {
            return;
        }
        let base = f.base_seq.unwrap_or(0);
        if let Some(last) = f.unacked.last().copied() {
            let mut first_seq = last.seq.wrapping_sub(base);
            let mut last_seq = last.nextseq.wrapping_sub(base);
            for u in &f.unacked {
                last_seq = last_seq.max(u.nextseq.wrapping_sub(base));
                first_seq = first_seq.min(u.seq.wrapping_sub(base));
            }
            let mut in_flight = last_seq.wrapping_sub(first_seq);
            if in_flight > 0 && in_flight < 2_000_000_000 {
                // Bytes the receiver reported in SACK blocks have arrived;
                // a FIN's sequence number is no byte.
                in_flight = in_flight.saturating_sub(f.sacked_by_peer);
                if seg.has(TcpSegment::FIN) {
                    in_flight = in_flight.saturating_sub(1);
                }
                out.bytes_in_flight = Some(in_flight);
            }
        }
        let push = seg.has(TcpSegment::PSH);
        match (push, f.push_set_last) {
            (true, false) => {
                f.push_bytes_sent = f.push_bytes_sent.wrapping_add(seg.len);
                f.push_set_last = true;
            }
            (true, true) => f.push_bytes_sent = seg.len,
            (false, true) => {
                f.push_bytes_sent = seg.len;
                f.push_set_last = false;
            }
            (false, false) => f.push_bytes_sent = f.push_bytes_sent.wrapping_add(seg.len),
        }
        out.push_bytes_sent = Some(f.push_bytes_sent);
    }
}

/// What TCP asks the analysis about a segment: where it is and its header.
#[derive(Debug, Clone, Copy)]
pub struct SegmentQuestion {
    pub at: TransportAt,
    pub seg: TcpSegment,
}

/// The tags of TCP's answers on a tape: no analysis, an analysis.
pub const TAG_NONE: u8 = 4;
pub const TAG: u8 = 5;

impl Answer for Option<SegmentAnalysis> {
    fn unknown() -> Self {
        None
    }

    fn write(&self, w: &mut TapeWriter<'_>) {
        match self {
            None => w.u8(TAG_NONE),
            Some(a) => {
                w.u8(TAG);
                a.write(w);
            }
        }
    }

    fn read(r: &mut TapeReader<'_>, _src: &mut Sources<'_>) -> Self {
        match r.expect(&[TAG, TAG_NONE])? {
            TAG => Some(SegmentAnalysis::read(r)),
            _ => None,
        }
    }
}

impl SegmentAnalysis {
    fn write(&self, w: &mut TapeWriter<'_>) {
        let a = self;
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
        w.u8(a.closing as u8);
    }

    fn read(r: &mut TapeReader<'_>) -> SegmentAnalysis {
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
        a.closing = match r.u8() {
            1 => Closing::Initiates,
            2 => Closing::Undergoes,
            _ => Closing::NoFin,
        };
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(frame: u32, src: [u8; 4], dst: [u8; 4]) -> TransportAt {
        TransportAt {
            src: std::net::IpAddr::V4(std::net::Ipv4Addr::from(src)),
            dst: std::net::IpAddr::V4(std::net::Ipv4Addr::from(dst)),
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
        let mut c = TcpConversations::new(true);
        let (x, y) = ([10, 0, 0, 1], [10, 0, 0, 2]);
        assert_eq!(
            c.segment(&at(1, x, y), &seg(1000, 80, 5, TcpSegment::SYN))
                .stream,
            0
        );
        assert_eq!(
            c.segment(
                &at(2, y, x),
                &seg(80, 1000, 9, TcpSegment::SYN | TcpSegment::ACK)
            )
            .stream,
            0
        );
        // A retransmitted SYN (same sequence number) stays in the stream.
        assert_eq!(
            c.segment(&at(3, x, y), &seg(1000, 80, 5, TcpSegment::SYN))
                .stream,
            0
        );
        c.segment(
            &at(4, x, y),
            &seg(1000, 80, 6, TcpSegment::FIN | TcpSegment::ACK),
        );
        let again = c.segment(&at(5, x, y), &seg(1000, 80, 5, TcpSegment::SYN));
        assert_eq!(again.stream, 1);
        assert!(again.has(Flag::ReusedPorts));
        assert_eq!(c.table.list[0].stats[0].frames, 3);
        assert_eq!(c.table.list[0].stats[1].frames, 1);
    }
}
