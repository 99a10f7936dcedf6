//! TCP (RFC 9293): header, options, and the per-segment results of the
//! conversation analysis (stream index, relative numbers, expert flags),
//! which the state answers.

use crate::bytes;
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, TcpOptions, TcpSegment, Transport};
use crate::proto::{self, ProtoDef};
use crate::sink::{Presence, Sink, Span};
use crate::tcp_analysis::{Closing, Flag, SegmentAnalysis, SegmentQuestion};
use crate::tcp_pdu::{AppProto, PayloadQuestion, Rest, TcpPayload};

/// `, Ack: N` in the layer's title when the ACK flag is set (formatted
/// only if a tree asks for the label).
struct AckInTitle(Option<u32>);

impl std::fmt::Display for AckInTitle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ack) => write!(f, ", Ack: {ack}"),
            None => Ok(()),
        }
    }
}

/// tshark's words for `tcp.completeness` (its `conversation_completeness_fill`).
fn completeness_name(bits: u8) -> &'static str {
    match bits {
        1 => "Incomplete, SYN_SENT",
        3 => "Incomplete, CLIENT_ESTABLISHED",
        7 => "Incomplete, ESTABLISHED",
        15 => "Incomplete, DATA",
        31 | 47 | 63 => "Complete, WITH_DATA",
        23 | 39 | 55 => "Complete, NO_DATA",
        _ => "Incomplete",
    }
}

crate::fields! {
    SRCPORT = FieldDef::new("tcp.srcport", "Source Port", T::U16);
    DSTPORT = FieldDef::new("tcp.dstport", "Destination Port", T::U16);
    PORT = FieldDef::new("tcp.port", "Source or Destination Port", T::U16);
    STREAM = FieldDef::new("tcp.stream", "Stream index", T::U32);
    COMPLETENESS_F = FieldDef::new("tcp.completeness", "Conversation completeness", T::U8);
    LEN = FieldDef::new("tcp.len", "TCP Segment Len", T::U32);
    SEQ = FieldDef::new("tcp.seq", "Sequence Number", T::U32);
    SEQ_RAW = FieldDef::new("tcp.seq_raw", "Sequence Number (raw)", T::U32);
    NXTSEQ = FieldDef::new("tcp.nxtseq", "Next Sequence Number", T::U32);
    ACK = FieldDef::new("tcp.ack", "Acknowledgment Number", T::U32);
    ACK_RAW = FieldDef::new("tcp.ack_raw", "Acknowledgment number (raw)", T::U32);
    HDR_LEN = FieldDef::new("tcp.hdr_len", "Header Length", T::U8);
    FLAGS = FieldDef::new("tcp.flags", "Flags", T::U16).base(Base::Hex).mask(0x0fff);
    FLAGS_RES = FieldDef::new("tcp.flags.res", "Reserved", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0e00);
    FLAGS_AE = FieldDef::new("tcp.flags.ae", "Accurate ECN", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0100);
    FLAGS_CWR = FieldDef::new("tcp.flags.cwr", "Congestion Window Reduced", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0080);
    FLAGS_ECE = FieldDef::new("tcp.flags.ece", "ECN-Echo", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0040);
    FLAGS_URG = FieldDef::new("tcp.flags.urg", "Urgent", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0020);
    FLAGS_ACK = FieldDef::new("tcp.flags.ack", "Acknowledgment", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0010);
    FLAGS_PUSH = FieldDef::new("tcp.flags.push", "Push", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0008);
    FLAGS_RESET = FieldDef::new("tcp.flags.reset", "Reset", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0004);
    FLAGS_SYN = FieldDef::new("tcp.flags.syn", "Syn", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0002);
    FLAGS_FIN = FieldDef::new("tcp.flags.fin", "Fin", T::Boolean).tfs("Set", "Not set").bits(12).mask(0x0001);
    FLAGS_STR = FieldDef::new("tcp.flags.str", "TCP Flags", T::String);
    WINDOW_SIZE_VALUE = FieldDef::new("tcp.window_size_value", "Window", T::U16);
    WINDOW_SIZE = FieldDef::new("tcp.window_size", "Calculated window size", T::U32);
    WINDOW_SIZE_SCALEFACTOR = FieldDef::new("tcp.window_size_scalefactor", "Window size scaling factor", T::I32);
    CHECKSUM = FieldDef::new("tcp.checksum", "Checksum", T::U16).base(Base::Hex);
    CHECKSUM_STATUS = FieldDef::new("tcp.checksum.status", "Checksum Status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
    URGENT_POINTER = FieldDef::new("tcp.urgent_pointer", "Urgent Pointer", T::U16);
    OPTIONS = FieldDef::new("tcp.options", "Options", T::Bytes);
    OPTION_KIND = FieldDef::new("tcp.option_kind", "Kind", T::U8).names(OPTION_KINDS);
    OPTION_LEN = FieldDef::new("tcp.option_len", "Length", T::U8);
    MSS_VAL = FieldDef::new("tcp.options.mss_val", "MSS Value", T::U16);
    WSCALE_SHIFT = FieldDef::new("tcp.options.wscale.shift", "Shift count", T::U8);
    WSCALE_MULTIPLIER = FieldDef::new("tcp.options.wscale.multiplier", "Multiplier", T::U16);
    SACK_LE = FieldDef::new("tcp.options.sack_le", "TCP SACK Left Edge", T::U32);
    SACK_RE = FieldDef::new("tcp.options.sack_re", "TCP SACK Right Edge", T::U32);
    SACK_COUNT = FieldDef::new("tcp.options.sack.count", "TCP SACK Count", T::U8);
    TSVAL = FieldDef::new("tcp.options.timestamp.tsval", "Timestamp value", T::U32);
    TSECR = FieldDef::new("tcp.options.timestamp.tsecr", "Timestamp echo reply", T::U32);
    UNKNOWN_PAYLOAD = FieldDef::new("tcp.options.unknown.payload", "Payload", T::Bytes);
    TIME_RELATIVE = FieldDef::new("tcp.time_relative", "Time since first frame in this TCP stream", T::RelTime);
    TIME_DELTA = FieldDef::new("tcp.time_delta", "Time since previous frame in this TCP stream", T::RelTime);
    PAYLOAD = FieldDef::new("tcp.payload", "TCP payload", T::Bytes);
    SEGMENT_DATA = FieldDef::new("tcp.segment_data", "TCP segment data", T::Bytes);
    RESET_CAUSE = FieldDef::new("tcp.reset_cause", "Reset cause", T::String);
    ANALYSIS = FieldDef::new("tcp.analysis", "SEQ/ACK analysis", T::None);
    ANALYSIS_FLAGS = FieldDef::new("tcp.analysis.flags", "TCP Analysis Flags", T::None);
    ACKS_FRAME = FieldDef::new("tcp.analysis.acks_frame", "This is an ACK to the segment in frame", T::FrameNum);
    ACK_RTT = FieldDef::new("tcp.analysis.ack_rtt", "The RTT to ACK the segment was", T::RelTime);
    INITIAL_RTT = FieldDef::new("tcp.analysis.initial_rtt", "iRTT", T::RelTime);
    BYTES_IN_FLIGHT = FieldDef::new("tcp.analysis.bytes_in_flight", "Bytes in flight", T::U32);
    PUSH_BYTES_SENT = FieldDef::new("tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag", T::U32);
    DUP_ACK_NUM = FieldDef::new("tcp.analysis.duplicate_ack_num", "Duplicate ACK #", T::U32);
    DUP_ACK_FRAME = FieldDef::new("tcp.analysis.duplicate_ack_frame", "Duplicate to the ACK in frame", T::FrameNum);
    RTO = FieldDef::new("tcp.analysis.rto", "The RTO for this segment was", T::RelTime);
    RTO_FRAME = FieldDef::new("tcp.analysis.rto_frame", "RTO based on delta from frame", T::FrameNum);
    A_RETRANSMISSION = FieldDef::new("tcp.analysis.retransmission", "This frame is a (suspected) retransmission", T::None);
    A_FAST_RETRANSMISSION = FieldDef::new("tcp.analysis.fast_retransmission", "This frame is a (suspected) fast retransmission", T::None);
    A_SPURIOUS_RETRANSMISSION = FieldDef::new("tcp.analysis.spurious_retransmission", "This frame is a (suspected) spurious retransmission", T::None);
    A_OUT_OF_ORDER = FieldDef::new("tcp.analysis.out_of_order", "This frame is a (suspected) out-of-order segment", T::None);
    A_DUPLICATE_ACK = FieldDef::new("tcp.analysis.duplicate_ack", "Duplicate ACK", T::None);
    A_LOST_SEGMENT = FieldDef::new("tcp.analysis.lost_segment", "Previous segment(s) not captured (common at capture start)", T::None);
    A_ACK_LOST_SEGMENT = FieldDef::new("tcp.analysis.ack_lost_segment", "ACKed segment that wasn't captured (common at capture start)", T::None);
    A_ZERO_WINDOW = FieldDef::new("tcp.analysis.zero_window", "TCP Zero Window segment", T::None);
    A_ZERO_WINDOW_PROBE = FieldDef::new("tcp.analysis.zero_window_probe", "TCP Zero Window Probe", T::None);
    A_ZERO_WINDOW_PROBE_ACK = FieldDef::new("tcp.analysis.zero_window_probe_ack", "ACK to a TCP Zero Window Probe", T::None);
    A_WINDOW_FULL = FieldDef::new("tcp.analysis.window_full", "TCP window specified by the receiver is now completely full", T::None);
    A_WINDOW_UPDATE = FieldDef::new("tcp.analysis.window_update", "TCP window update", T::None);
    A_KEEP_ALIVE = FieldDef::new("tcp.analysis.keep_alive", "TCP keep-alive segment", T::None);
    A_KEEP_ALIVE_ACK = FieldDef::new("tcp.analysis.keep_alive_ack", "ACK to a TCP keep-alive segment", T::None);
    A_REUSED_PORTS = FieldDef::new("tcp.analysis.reused_ports", "A new tcp session is started with the same ports as an earlier session in this trace", T::None);
}

/// The field a [`Flag`] shows as (Wireshark adds a field and an expert item of the same name).
pub fn flag_field(f: Flag) -> &'static FieldDef {
    match f {
        Flag::Retransmission => &A_RETRANSMISSION,
        Flag::FastRetransmission => &A_FAST_RETRANSMISSION,
        Flag::SpuriousRetransmission => &A_SPURIOUS_RETRANSMISSION,
        Flag::OutOfOrder => &A_OUT_OF_ORDER,
        Flag::DuplicateAck => &A_DUPLICATE_ACK,
        Flag::LostSegment => &A_LOST_SEGMENT,
        Flag::AckLostSegment => &A_ACK_LOST_SEGMENT,
        Flag::ZeroWindow => &A_ZERO_WINDOW,
        Flag::ZeroWindowProbe => &A_ZERO_WINDOW_PROBE,
        Flag::ZeroWindowProbeAck => &A_ZERO_WINDOW_PROBE_ACK,
        Flag::WindowFull => &A_WINDOW_FULL,
        Flag::WindowUpdate => &A_WINDOW_UPDATE,
        Flag::KeepAlive => &A_KEEP_ALIVE,
        Flag::KeepAliveAck => &A_KEEP_ALIVE_ACK,
        Flag::ReusedPorts => &A_REUSED_PORTS,
    }
}

static OPTION_KINDS: &[(u64, &str)] = &[
    (0, "End of Option List"),
    (1, "No-Operation"),
    (2, "Maximum Segment Size"),
    (3, "Window Scale"),
    (4, "SACK Permitted"),
    (5, "SACK"),
    (6, "Echo"),
    (7, "Echo Reply"),
    (8, "Time Stamp Option"),
    (9, "Partial Order Connection Permitted"),
    (10, "Partial Order Service Profile"),
    (11, "CC"),
    (12, "CC.NEW"),
    (13, "CC.ECHO"),
    (14, "TCP Alternate Checksum Request"),
    (15, "TCP Alternate Checksum Data"),
    (16, "Skeeter"),
    (17, "Bubba"),
    (18, "Trailer Checksum Option"),
    (19, "MD5 Signature Option"),
    (20, "SCPS Capabilities"),
    (21, "Selective Negative Acknowledgements"),
    (22, "Record Boundaries"),
    (23, "Corruption experienced"),
    (24, "SNAP"),
    (25, "Unassigned"),
    (26, "TCP Compression Filter"),
    (27, "Quick-Start Response"),
    (28, "User Timeout Option"),
    (29, "The TCP Authentication Option"),
    (30, "Multipath TCP"),
    (34, "TCP Fast Open Cookie"),
    (76, "Riverbed Probe"),
    (78, "Riverbed Transparency"),
    (172, "Accurate ECN Order 0"),
    (174, "Accurate ECN Order 1"),
    (253, "RFC3692-style Experiment 1"),
    (254, "RFC3692-style Experiment 2"),
];

// TCP options are protocols of their own in Wireshark (`tcp.options.mss` ...).
pub static OPT_EOL: ProtoDef = ProtoDef::new(
    "tcp.options.eol",
    "TCP Option - End of Option List (EOL)",
    "",
);
pub static OPT_NOP: ProtoDef =
    ProtoDef::new("tcp.options.nop", "TCP Option - No-Operation (NOP)", "");
pub static OPT_MSS: ProtoDef =
    ProtoDef::new("tcp.options.mss", "TCP Option - Maximum segment size", "");
pub static OPT_WSCALE: ProtoDef =
    ProtoDef::new("tcp.options.wscale", "TCP Option - Window scale", "");
pub static OPT_SACK_PERM: ProtoDef =
    ProtoDef::new("tcp.options.sack_perm", "TCP Option - SACK permitted", "");
pub static OPT_SACK: ProtoDef = ProtoDef::new("tcp.options.sack", "TCP Option - SACK", "");
pub static OPT_TIMESTAMP: ProtoDef =
    ProtoDef::new("tcp.options.timestamp", "TCP Option - Timestamps", "");
pub static OPT_UNKNOWN: ProtoDef = ProtoDef::new("tcp.options.unknown", "TCP Option - Unknown", "");
pub static OPTION_PROTOCOLS: &[&ProtoDef] = &[
    &OPT_EOL,
    &OPT_NOP,
    &OPT_MSS,
    &OPT_WSCALE,
    &OPT_SACK_PERM,
    &OPT_SACK,
    &OPT_TIMESTAMP,
    &OPT_UNKNOWN,
];

pub static FOUR_NOPS: ExpertDef = ExpertDef::new(
    "tcp.nop",
    Severity::Warning,
    Group::Protocol,
    "4 NOP in a row - a router may have removed some options",
);
pub static MSS_ABSENT: ExpertDef = ExpertDef::new(
    "tcp.options.mss.absent",
    Severity::Note,
    Group::Protocol,
    "The SYN packet does not contain a MSS option",
);
pub static WSCALE_SHIFT_INVALID: ExpertDef = ExpertDef::new(
    "tcp.options.wscale.shift.invalid",
    Severity::Warning,
    Group::Protocol,
    "Window scale shift exceeds 14",
);
pub static CONNECTION_SYN: ExpertDef = ExpertDef::new(
    "tcp.connection.syn",
    Severity::Chat,
    Group::Sequence,
    "Connection establish request (SYN)",
);
pub static CONNECTION_SYNACK: ExpertDef = ExpertDef::new(
    "tcp.connection.synack",
    Severity::Chat,
    Group::Sequence,
    "Connection establish acknowledge (SYN+ACK)",
);
pub static CONNECTION_FIN: ExpertDef = ExpertDef::new(
    "tcp.connection.fin",
    Severity::Chat,
    Group::Sequence,
    "Connection finish (FIN)",
);
pub static CONNECTION_FIN_ACTIVE: ExpertDef = ExpertDef::new(
    "tcp.connection.fin_active",
    Severity::Note,
    Group::Sequence,
    "This frame initiates the connection closing",
);
pub static CONNECTION_FIN_PASSIVE: ExpertDef = ExpertDef::new(
    "tcp.connection.fin_passive",
    Severity::Note,
    Group::Sequence,
    "This frame undergoes the connection closing",
);
pub static CONNECTION_RST: ExpertDef = ExpertDef::new(
    "tcp.connection.rst",
    Severity::Warning,
    Group::Sequence,
    "Connection reset (RST)",
);
pub static ACK_NONZERO: ExpertDef = ExpertDef::new(
    "tcp.ack.nonzero",
    Severity::Note,
    Group::Protocol,
    "The acknowledgment number field is nonzero while the ACK flag is not set",
);
pub static OPTION_LEN_INVALID: ExpertDef = ExpertDef::new(
    "tcp.option.len.invalid",
    Severity::Note,
    Group::Sequence,
    "Invalid length for option",
);
pub static BAD_HEADER_LENGTH: ExpertDef = ExpertDef::new(
    "tcp.bogus_header_length",
    Severity::Error,
    Group::Malformed,
    "Bogus TCP header length",
);

/// Byte offsets of the fixed header.
mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    pub const FLAGS: usize = 12;
    pub const WINDOW: usize = 14;
    pub const CHECKSUM: usize = 16;
    pub const URGENT: usize = 18;
    pub const HEADER_LEN: usize = 20;
}

/// A checked view of the fixed 20-byte header (options are parsed on their own,
/// since snaplen can cut them).
#[derive(Clone, Copy)]
pub struct TcpHeader<'a> {
    b: &'a [u8],
}

impl<'a> TcpHeader<'a> {
    pub fn new_checked(b: &'a [u8]) -> Option<Self> {
        (b.len() >= field::HEADER_LEN).then_some(TcpHeader { b })
    }
    fn be16(&self, o: usize) -> u16 {
        u16::from_be_bytes([self.b[o], self.b[o + 1]])
    }
    fn be32(&self, o: usize) -> u32 {
        u32::from_be_bytes([self.b[o], self.b[o + 1], self.b[o + 2], self.b[o + 3]])
    }
    pub fn src_port(&self) -> u16 {
        self.be16(field::SRC_PORT)
    }
    pub fn dst_port(&self) -> u16 {
        self.be16(field::DST_PORT)
    }
    pub fn seq(&self) -> u32 {
        self.be32(field::SEQ)
    }
    pub fn ack(&self) -> u32 {
        self.be32(field::ACK)
    }
    pub fn header_len(&self) -> usize {
        (self.b[field::FLAGS] >> 4) as usize * 4
    }
    pub fn flags(&self) -> u16 {
        self.be16(field::FLAGS) & 0x0fff
    }
    pub fn window(&self) -> u16 {
        self.be16(field::WINDOW)
    }
    pub fn checksum(&self) -> u16 {
        self.be16(field::CHECKSUM)
    }
    pub fn urgent(&self) -> u16 {
        self.be16(field::URGENT)
    }
}

/// Wireshark's flags list in the Info column: `SYN, ACK`.
pub fn flag_names(flags: u16, out: &mut String) {
    const NAMES: [(u16, &str); 9] = [
        (0x001, "FIN"),
        (0x002, "SYN"),
        (0x004, "RST"),
        (0x008, "PSH"),
        (0x010, "ACK"),
        (0x020, "URG"),
        (0x040, "ECE"),
        (0x080, "CWR"),
        (0x100, "AE"),
    ];
    let mut first = true;
    for (bit, name) in NAMES {
        if flags & bit != 0 {
            if !first {
                out.push_str(", ");
            }
            out.push_str(name);
            first = false;
        }
    }
    if flags & 0x0e00 != 0 {
        if !first {
            out.push_str(", ");
        }
        out.push_str("Reserved");
        first = false;
    }
    if first {
        out.push_str("<None>");
    }
}

fn flags_letters(flags: u16) -> String {
    const LETTERS: &[u8; 12] = b"RRRACEUAPRSF";
    (0..12)
        .map(|i| {
            let bit = 1u16 << (11 - i);
            if flags & bit != 0 {
                LETTERS[i] as char
            } else {
                '\u{b7}'
            }
        })
        .collect()
}

/// Parses the options into what the analysis needs (the tree comes later).
pub fn parse_options(opts: &[u8]) -> TcpOptions {
    let mut o = TcpOptions::default();
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => break,
            1 => i += 1,
            kind => {
                let Some(&len) = opts.get(i + 1) else { break };
                let len = len as usize;
                if len < 2 || i + len > opts.len() {
                    break;
                }
                let v = &opts[i + 2..i + len];
                match (kind, len) {
                    (2, 4) => o.mss = Some(u16::from_be_bytes([v[0], v[1]])),
                    (3, 3) => o.wscale = Some(v[0]),
                    (4, 2) => o.sack_perm = true,
                    (8, 10) => {
                        o.timestamp = Some((
                            u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
                            u32::from_be_bytes([v[4], v[5], v[6], v[7]]),
                        ))
                    }
                    (5, _) => {
                        for blk in v.chunks_exact(8).take(4) {
                            let le = u32::from_be_bytes([blk[0], blk[1], blk[2], blk[3]]);
                            let re = u32::from_be_bytes([blk[4], blk[5], blk[6], blk[7]]);
                            o.sack[o.sack_count as usize] = (le, re);
                            o.sack_count += 1;
                        }
                    }
                    _ => {}
                }
                i += len;
            }
        }
    }
    o
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let Some(h) = TcpHeader::new_checked(b) else {
        return short_header(cx, buf, off);
    };
    let hlen = h.header_len();
    let bad_hlen = hlen < field::HEADER_LEN || hlen > buf.reported.saturating_sub(off);
    let seg = segment_of(&h, buf, off, bad_hlen);
    let quoted = cx.quote_depth > 0;
    let analysis = match cx.transport_at() {
        Some(at) if !bad_hlen => {
            let q = SegmentQuestion { at, seg };
            cx.state.ask_for::<Option<SegmentAnalysis>>(&q, &[])
        }
        _ => None,
    };
    if !quoted {
        cx.pi.transport = Transport::Tcp(seg);
    }
    let a = analysis.as_ref();
    let rel = |v: u32, base: Option<u32>| base.map_or(v, |b| v.wrapping_sub(b));
    let numbers = Numbers {
        seq: rel(seg.seq, a.and_then(|a| a.seq_base)),
        ack: rel(seg.ack, a.and_then(|a| a.ack_base)),
        win: a.map_or(u32::from(seg.window), |a| a.window),
        urgent: h.urgent(),
        payload_len: seg.len,
    };
    numbers_fields(cx, buf, off, &seg, a, &numbers);
    header_rest(cx, buf, off, &h, &seg, a, numbers.win);
    let mut info_opts = String::new();
    let intact = !bad_hlen && options_and_analysis(cx, buf, off, &h, &seg, a, &mut info_opts);
    if cx.columns() {
        info_column(cx, &seg, a, &numbers, &info_opts);
    }
    if !intact {
        cx.end_layer();
        return;
    }
    payload_and_above(cx, buf, off + hlen, &seg, a);
}

/// A header too short for its fixed part: the ports if they are there.
fn short_header<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let ports = bytes::be16(b, 0).zip(bytes::be16(b, 2));
    match ports {
        // tshark titles the layer with the ports before it reads on.
        Some((sp, dp)) => cx.layer(
            &proto::TCP,
            buf.span(off, b.len()),
            format_args!("Transmission Control Protocol, Src Port: {sp}, Dst Port: {dp}"),
        ),
        None => cx.layer(
            &proto::TCP,
            buf.span(off, b.len()),
            format_args!("Transmission Control Protocol"),
        ),
    }
    if let Some((sp, dp)) = ports {
        cx.field(&SRCPORT, buf.span(off, 2), Value::U64(sp.into()));
        cx.field(&DSTPORT, buf.span(off + 2, 2), Value::U64(dp.into()));
        cx.hidden(&PORT, buf.span(off, 2), Value::U64(sp.into()));
        cx.hidden(&PORT, buf.span(off + 2, 2), Value::U64(dp.into()));
        cx.set_info(format_args!("{sp} \u{2192} {dp}"));
    }
    cx.truncated("TCP", buf.span(off, b.len()), buf.len());
    cx.end_layer();
}

/// The segment as TCP analysis sees it; a bad header length leaves it
/// without options or payload.
fn segment_of(h: &TcpHeader<'_>, buf: Buf<'_>, off: usize, bad_hlen: bool) -> TcpSegment {
    let b = buf.rest(off);
    let hlen = h.header_len();
    let reported = buf.reported.saturating_sub(off);
    let opts = if bad_hlen {
        &[][..]
    } else {
        bytes::clamp(b, field::HEADER_LEN, hlen - field::HEADER_LEN)
    };
    TcpSegment {
        src_port: h.src_port(),
        dst_port: h.dst_port(),
        seq: h.seq(),
        ack: h.ack(),
        flags: h.flags(),
        window: h.window(),
        header_len: hlen as u8,
        len: if bad_hlen {
            0
        } else {
            (reported - hlen) as u32
        },
        payload: buf.span(off + hlen.min(b.len()), b.len().saturating_sub(hlen)),
        options: parse_options(opts),
        intact: !bad_hlen,
    }
}

/// The layer's title, ports, stream, sequence and acknowledgment numbers.
fn numbers_fields<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    seg: &TcpSegment,
    a: Option<&SegmentAnalysis>,
    n: &Numbers,
) {
    let b = buf.rest(off);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let (sp, dp, seq, len) = (seg.src_port, seg.dst_port, n.seq, n.payload_len);
    let hlen = usize::from(seg.header_len);
    let acked = AckInTitle(seg.has(TcpSegment::ACK).then_some(n.ack));
    cx.layer(
        &proto::TCP,
        s(0, hlen.clamp(20, b.len().max(20)).min(b.len())),
        format_args!(
            "Transmission Control Protocol, Src Port: {sp}, Dst Port: {dp}, Seq: {seq}{acked}, Len: {len}"
        ),
    );
    cx.field(&SRCPORT, s(0, 2), Value::U64(sp.into()));
    cx.field(&DSTPORT, s(2, 2), Value::U64(dp.into()));
    cx.hidden(&PORT, s(0, 2), Value::U64(sp.into()));
    cx.hidden(&PORT, s(2, 2), Value::U64(dp.into()));
    if let Some(a) = a {
        cx.generated(&STREAM, s(0, 0), Value::U64(a.stream.into()));
        let c = a.completeness;
        cx.generated_labeled(
            &COMPLETENESS_F,
            s(0, 0),
            Value::U64(c.into()),
            format_args!("Conversation completeness: {} ({c})", completeness_name(c)),
        );
    }
    cx.generated(&LEN, s(0, 0), Value::U64(len.into()));
    cx.labeled(
        &SEQ,
        s(4, 4),
        Value::U64(seq.into()),
        format_args!("Sequence Number: {seq}    (relative sequence number)"),
    );
    cx.field(&SEQ_RAW, s(4, 4), Value::U64(seg.seq.into()));
    if let Some(a) = a {
        let nxt = a.nxtseq;
        cx.generated_labeled(
            &NXTSEQ,
            s(0, 0),
            Value::U64(nxt.into()),
            format_args!("Next Sequence Number: {nxt}    (relative sequence number)"),
        );
    }
    ack_fields(cx, buf, off, seg, n.ack);
}

/// Header length, flags, window, checksum and urgent pointer.
fn header_rest<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    h: &TcpHeader<'_>,
    seg: &TcpSegment,
    a: Option<&SegmentAnalysis>,
    win: u32,
) {
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let hlen = h.header_len();
    let words = hlen / 4;
    cx.labeled(
        &HDR_LEN,
        s(12, 1),
        Value::U64(hlen as u64),
        format_args!("{words:04b} .... = Header Length: {hlen} bytes ({words})"),
    );
    if !seg.intact {
        cx.expert(
            &BAD_HEADER_LENGTH,
            s(12, 1),
            format_args!("Bogus TCP header length ({hlen}, must be at least 20)"),
        );
    }
    let closing = a.map_or(Closing::NoFin, |a| a.closing);
    let ports = (seg.src_port, seg.dst_port);
    flags(cx, buf, off, seg.flags, ports, closing);
    cx.field(&WINDOW_SIZE_VALUE, s(14, 2), Value::U64(seg.window.into()));
    cx.generated_at(&WINDOW_SIZE, s(14, 2), Value::U64(win.into()));
    if let Some(a) = a
        && !seg.has(TcpSegment::SYN)
    {
        let f = a.scale;
        let why = match f {
            -1 => " (unknown)",
            -2 => " (no window scaling used)",
            _ => "",
        };
        cx.generated_labeled(
            &WINDOW_SIZE_SCALEFACTOR,
            s(14, 2),
            Value::I64(f.into()),
            format_args!("Window size scaling factor: {f}{why}"),
        );
    }
    let sum = h.checksum();
    cx.labeled(
        &CHECKSUM,
        s(16, 2),
        Value::U64(sum.into()),
        format_args!("Checksum: 0x{sum:04x} [unverified]"),
    );
    let unverified = Value::U64(2);
    cx.sink
        .field(&CHECKSUM_STATUS, s(16, 0), unverified, Presence::Generated);
    cx.field(&URGENT_POINTER, s(18, 2), Value::U64(h.urgent().into()));
}

/// The options, then the timestamps and, if the options read, the
/// analysis. Returns whether the options read to their end.
fn options_and_analysis<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    h: &TcpHeader<'_>,
    seg: &TcpSegment,
    a: Option<&SegmentAnalysis>,
    info_opts: &mut String,
) -> bool {
    let b = buf.rest(off);
    let hlen = h.header_len();
    let mut intact = true;
    if hlen > field::HEADER_LEN {
        let opts = bytes::clamp(b, field::HEADER_LEN, hlen - field::HEADER_LEN);
        let captured = b.len().min(hlen) - field::HEADER_LEN;
        let cut = captured < hlen - field::HEADER_LEN;
        let syn = seg.has(TcpSegment::SYN);
        let at = off + field::HEADER_LEN;
        intact = options(cx, buf, at, opts, cut, syn, a, info_opts);
        if !intact
            && cx.quote_depth == 0
            && let Transport::Tcp(t) = &mut cx.pi.transport
        {
            t.intact = false;
        }
    }
    if let Some(a) = a {
        // After the options item, before the analysis (tshark adds them
        // before dissecting the options, so a bad option does not hide them).
        let z = buf.span(off, 0);
        cx.text(z, format_args!("[Timestamps]"));
        cx.push();
        cx.generated(&TIME_RELATIVE, z, Value::RelTime(a.time_relative_ns));
        cx.generated(&TIME_DELTA, z, Value::RelTime(a.time_delta_ns));
        cx.pop();
        if intact {
            analysis_fields(cx, buf, off, seg, a);
        }
    }
    intact
}

/// The payload item, the TCP layer closed, then what the application
/// layer makes of the segment (asked for every segment: an ACK may
/// complete the other side's PDU).
fn payload_and_above<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    seg: &TcpSegment,
    a: Option<&SegmentAnalysis>,
) {
    let payload = seg.payload;
    let skip = cx.skip_payload();
    let plan = match (cx.transport_at(), a) {
        (Some(t), Some(a)) if cx.quote_depth == 0 && !skip && cx.state.analyses_applications() => {
            let bytes = buf.get(at, payload.len as usize);
            let q = PayloadQuestion {
                at: t,
                seg: *seg,
                analysis: a.clone(),
                payload_at: (buf.source == 0).then_some(at as u32),
            };
            cx.state.ask_for::<TcpPayload>(&q, bytes)
        }
        _ => TcpPayload::data(),
    };
    if plan.limit.is_some() || plan.state_dropped {
        bounds_reached(cx, payload, &plan);
    }
    if payload.len > 0 && seg.has(TcpSegment::RST) {
        reset_cause(cx, buf, at, payload);
        cx.end_layer();
        return;
    }
    if payload.len > 0 {
        let n = payload.len;
        cx.labeled(
            &PAYLOAD,
            payload,
            Value::Bytes(buf.get(at, n as usize)),
            format_args!("TCP payload ({n} byte{})", crate::field::plural(n.into())),
        );
    }
    let tcp_item = cx.sink.layer_handle();
    cx.end_layer();
    if skip {
        return;
    }
    let passed_up = application_payload(cx, buf, at, seg, a, &plan, tcp_item);
    // tshark words a spurious retransmission's or an out-of-order
    // segment's payload not at all (mostly: see tests/golden.rs).
    let unworded = a.is_some_and(|a| {
        a.has(Flag::SpuriousRetransmission)
            || (a.has(Flag::OutOfOrder) && !a.has(Flag::Retransmission))
    });
    if !unworded {
        held_data(cx, buf, tcp_item, seg, &plan, passed_up);
    }
}

/// What tshark adds to the TCP tree for payload it did not dissect in
/// this frame's own bytes: this segment's share of a PDU it completes
/// (dissected from the reassembled source), the tail of a PDU still
/// waiting for more segments, or a resent segment kept from the protocols
/// of a connection being reassembled.
fn held_data<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    tcp_item: u32,
    seg: &TcpSegment,
    plan: &TcpPayload,
    passed_up: bool,
) {
    let p = seg.payload;
    cx.sink.reenter(tcp_item);
    if !passed_up {
        segment_data(cx, buf, p, "Retransmitted ");
    } else {
        for share in plan.completed_here() {
            segment_data(cx, buf, Span { len: share, ..p }, "");
        }
        let held = p.len.saturating_sub(plan.consumed_here());
        if plan.rest == Rest::Pending && held > 0 {
            let tail = Span {
                start: p.start + (p.len - held),
                len: held,
                ..p
            };
            segment_data(cx, buf, tail, "");
        }
    }
    cx.sink.pop();
}

/// One `tcp.segment_data` item: `[Retransmitted ]TCP segment data (N bytes)`.
fn segment_data<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, span: Span, prefix: &str) {
    if span.len == 0 {
        return;
    }
    let n = span.len;
    let plural = crate::field::plural(n.into());
    let bytes = buf.get(span.start as usize, n as usize);
    cx.sink.field_with_label(
        &SEGMENT_DATA,
        span,
        Value::Bytes(bytes),
        Presence::Normal,
        format_args!("{prefix}TCP segment data ({n} byte{plural})"),
    );
}

/// The analysis flags in Wireshark's order: a fast or spurious
/// retransmission's own item comes before the plain retransmission item
/// it also carries.
fn shown_order(a: &SegmentAnalysis) -> impl Iterator<Item = Flag> + '_ {
    let special = a.has(Flag::FastRetransmission) || a.has(Flag::SpuriousRetransmission);
    // (Wireshark never marks a segment both fast and spurious.)
    Flag::ALL.into_iter().flat_map(move |f| {
        let (first, then) = match f {
            Flag::Retransmission if special => (None, None),
            Flag::FastRetransmission | Flag::SpuriousRetransmission if a.has(f) => {
                (Some(f), Some(Flag::Retransmission))
            }
            _ => (Some(f), None),
        };
        first.into_iter().chain(then)
    })
}

/// The numbers the Info column shows, relative where the analysis makes
/// them so.
struct Numbers {
    seq: u32,
    ack: u32,
    win: u32,
    urgent: u16,
    payload_len: u32,
}

/// The Info column: the analysis' words (which protocols above keep),
/// ports, flags and numbers, then the options.
fn info_column<S: Sink>(
    cx: &mut Cx<'_, S>,
    seg: &TcpSegment,
    a: Option<&SegmentAnalysis>,
    n: &Numbers,
    info_opts: &str,
) {
    let mut prefix = String::new();
    if let Some(a) = a {
        a.info_prefix(&mut prefix);
    }
    let mut fl = String::new();
    flag_names(seg.flags, &mut fl);
    cx.set_info(format_args!("{prefix}"));
    // Protocols above replace the rest, not the analysis words.
    cx.fence_info();
    cx.append_info(format_args!(
        "{} \u{2192} {} [{fl}] Seq={}",
        seg.src_port, seg.dst_port, n.seq
    ));
    if seg.has(TcpSegment::ACK) {
        cx.append_info(format_args!(" Ack={}", n.ack));
    }
    cx.append_info(format_args!(" Win={}", n.win));
    if seg.has(TcpSegment::URG) {
        cx.append_info(format_args!(" Urg={}", n.urgent));
    }
    cx.append_info(format_args!(" Len={}{info_opts}", n.payload_len));
}

/// The acknowledgment number: relative with the ACK flag; raw, and noted
/// when not zero, without it.
fn ack_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, seg: &TcpSegment, ack: u32) {
    let s = |o: usize, l: usize| buf.span(off + o, l);
    if seg.has(TcpSegment::ACK) {
        cx.labeled(
            &ACK,
            s(8, 4),
            Value::U64(ack.into()),
            format_args!("Acknowledgment Number: {ack}    (relative ack number)"),
        );
        cx.field(&ACK_RAW, s(8, 4), Value::U64(seg.ack.into()));
    } else {
        // Without the ACK flag the field means nothing; Wireshark shows it raw and notes a non-zero value.
        cx.labeled(
            &ACK,
            s(8, 4),
            Value::U64(seg.ack.into()),
            format_args!("Acknowledgment Number: {}", seg.ack),
        );
        if seg.ack != 0 {
            cx.push();
            cx.expert(
                &ACK_NONZERO,
                s(8, 4),
                format_args!(
                    "The acknowledgment number field is nonzero while the ACK flag is not set"
                ),
            );
            cx.pop();
        }
        cx.field(&ACK_RAW, s(8, 4), Value::U64(seg.ack.into()));
    }
}

/// RFC 1122's diagnostic text in a reset's payload (Wireshark's "Reset
/// cause").
fn reset_cause<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, payload: Span) {
    // RFC 1122 diagnostic text in a reset (Wireshark's "Reset cause").
    let bytes = buf.get(at, payload.len as usize);
    let text: String = bytes
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as char
            } else {
                '\u{fffd}'
            }
        })
        .collect();
    cx.sink
        .field(&RESET_CAUSE, payload, Value::Str(&text), Presence::Normal);
}

/// The payload to the application: the PDUs the analysis framed, or the
/// segment to whoever its ports name; never data seen before.
fn application_payload<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    seg: &TcpSegment,
    a: Option<&SegmentAnalysis>,
    plan: &TcpPayload,
    tcp_item: u32,
) -> bool {
    let payload = seg.payload;
    // Like Wireshark, retransmitted and out-of-order data is not handed
    // to the protocols above: they would see it twice.
    // A fast retransmission's data goes up: tshark marks it with a
    // flag of its own, not the retransmission one its desegmentation
    // and its "no subdissector on error" look at.
    let resent = a.is_some_and(|a| {
        (a.has(Flag::Retransmission) && !a.has(Flag::FastRetransmission)) || a.has(Flag::OutOfOrder)
    });
    // Line protocols see a segment once, as on the segment-by-segment path
    // (even one whose original was never captured).
    let resent_lines = resent && plan.proto == AppProto::Lines;
    if plan.proto != AppProto::None && !resent_lines {
        cx.tcp_stream = a.map(|a| a.stream);
        crate::app::tcp_payload(cx, buf, at, plan, tcp_item);
        !resent || !plan.pdus.is_empty()
    } else if payload.len > 0 && plan.proto == AppProto::None && !resent {
        let stream = a.map(|a| a.stream);
        crate::app::tcp_segment(cx, buf, at, (seg.src_port, seg.dst_port), stream);
        true
    } else {
        !resent
    }
}

/// What the analysis' bounds did to this segment's connection, as expert
/// items in the TCP layer.
#[cold]
fn bounds_reached<S: Sink>(cx: &mut Cx<'_, S>, payload: Span, plan: &TcpPayload) {
    if let Some(limit) = plan.limit {
        cx.reassembly_error("TCP", payload, &limit.text());
    }
    if plan.state_dropped {
        cx.expert(
            &crate::expert::STATE_DROPPED,
            payload,
            format_args!(
                "Analysis state dropped at the memory limit: this connection is followed \
                 afresh from here"
            ),
        );
    }
}

impl<S: Sink> Cx<'_, S> {
    /// A generated field that still points at bytes (`tcp.window_size`).
    fn generated_at(&mut self, def: &'static FieldDef, span: Span, v: Value<'_>) {
        self.sink.field(def, span, v, Presence::Generated);
    }
}

/// `ports`: (source, destination), for the server port Wireshark names
/// in the handshake's expert items.
fn flags<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    f: u16,
    ports: (u16, u16),
    closing: Closing,
) {
    let s12 = buf.span(off + 12, 2);
    let mut names = String::new();
    if cx.sink.wants_text() {
        flag_names(f, &mut names);
    }
    cx.labeled(
        &FLAGS,
        s12,
        Value::U64(f.into()),
        format_args!("Flags: 0x{f:03x} ({names})"),
    );
    cx.push();
    let byte0 = buf.span(off + 12, 1);
    let byte1 = buf.span(off + 13, 1);
    cx.field(&FLAGS_RES, byte0, Value::Bool(f & 0x0e00 != 0));
    cx.field(&FLAGS_AE, byte0, Value::Bool(f & 0x0100 != 0));
    cx.field(&FLAGS_CWR, byte1, Value::Bool(f & 0x0080 != 0));
    cx.field(&FLAGS_ECE, byte1, Value::Bool(f & 0x0040 != 0));
    cx.field(&FLAGS_URG, byte1, Value::Bool(f & 0x0020 != 0));
    cx.field(&FLAGS_ACK, byte1, Value::Bool(f & 0x0010 != 0));
    cx.field(&FLAGS_PUSH, byte1, Value::Bool(f & 0x0008 != 0));
    cx.field(&FLAGS_RESET, byte1, Value::Bool(f & 0x0004 != 0));
    if f & 0x0004 != 0 {
        cx.push();
        cx.expert(
            &CONNECTION_RST,
            byte1,
            format_args!("Connection reset (RST)"),
        );
        cx.pop();
    }
    cx.field(&FLAGS_SYN, byte1, Value::Bool(f & 0x0002 != 0));
    if f & 0x0002 != 0 {
        cx.push();
        if f & 0x0010 != 0 {
            cx.expert(
                &CONNECTION_SYNACK,
                byte1,
                format_args!(
                    "Connection establish acknowledge (SYN+ACK): server port {}",
                    ports.0
                ),
            );
        } else {
            cx.expert(
                &CONNECTION_SYN,
                byte1,
                format_args!(
                    "Connection establish request (SYN): server port {}",
                    ports.1
                ),
            );
        }
        cx.pop();
    }
    cx.field(&FLAGS_FIN, byte1, Value::Bool(f & 0x0001 != 0));
    if f & 0x0001 != 0 {
        cx.push();
        cx.expert(
            &CONNECTION_FIN,
            byte1,
            format_args!("Connection finish (FIN)"),
        );
        cx.pop();
    }
    if cx.sink.wants(&FLAGS_STR) {
        let letters = flags_letters(f);
        cx.generated(&FLAGS_STR, s12, Value::Str(&letters));
    }
    // tshark hangs who closes under the flags string (its `tf` by then).
    cx.push();
    match closing {
        Closing::Initiates => cx.expert(&CONNECTION_FIN_ACTIVE, byte1, format_args!("")),
        Closing::Undergoes => cx.expert(&CONNECTION_FIN_PASSIVE, byte1, format_args!("")),
        Closing::NoFin => {}
    }
    cx.pop();
    cx.pop();
}

/// The options as a tree, each a protocol of its own as in Wireshark; the
/// Info text gets `MSS=1460 SACK_PERM WS=128`. A SYN's options read to
/// their end without an MSS get tshark's note that it has none.
#[allow(clippy::too_many_arguments)]
fn options<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    base: usize,
    opts: &[u8],
    cut: bool,
    syn: bool,
    a: Option<&SegmentAnalysis>,
    info: &mut String,
) -> bool {
    let total = opts.len();
    cx.labeled(
        &OPTIONS,
        buf.span(base, total),
        Value::Bytes(opts),
        format_args!("Options: ({total} bytes)"),
    );
    let mut walk = OptionsWalk {
        buf,
        base,
        opts,
        cut,
        item: cx.sink.last_handle(),
        names: String::new(),
        nops: 0,
        mss_seen: false,
    };
    cx.push();
    let mut i = 0;
    while i < opts.len() {
        match walk.option(cx, i, a, info) {
            Ok(len) => i += len,
            Err(intact) => {
                cx.pop();
                return intact;
            }
        }
    }
    if cut {
        // The options end where the capture does: reading on throws in Wireshark.
        cx.truncated("TCP", buf.span(base + opts.len(), 0), buf.len());
        cx.pop();
        return false;
    }
    if syn && !walk.mss_seen {
        cx.expert(&MSS_ABSENT, buf.span(base, total), format_args!(""));
    }
    cx.pop();
    true
}

/// What reading the options carries from one option to the next.
struct OptionsWalk<'a> {
    buf: Buf<'a>,
    base: usize,
    opts: &'a [u8],
    /// The options run past the captured bytes.
    cut: bool,
    /// The Options item, whose label lists the options' names.
    item: u32,
    names: String,
    /// NOPs in a row, as tshark counts them.
    nops: u32,
    mss_seen: bool,
}

impl OptionsWalk<'_> {
    /// Shows the option at `i`: `Ok` with its length, or `Err` when the
    /// list stops there (`true` if the rest of the segment is still read).
    fn option<S: Sink>(
        &mut self,
        cx: &mut Cx<'_, S>,
        i: usize,
        a: Option<&SegmentAnalysis>,
        info: &mut String,
    ) -> Result<usize, bool> {
        let (buf, kind, o) = (self.buf, self.opts[i], self.base + i);
        if kind == 0 || kind == 1 {
            self.padding(cx, i);
            return Ok(1);
        }
        let Some(&len) = self.opts.get(i + 1) else {
            let bound = if self.cut { usize::MAX } else { 0 };
            cx.truncated("TCP option", buf.span(o, 1), bound);
            return Err(false);
        };
        let len = usize::from(len);
        let p = option_proto(kind);
        self.unreadable(cx, i, p, len)?;
        let whole = &self.opts[i..i + len];
        self.mss_seen |= kind == 2;
        self.name(cx, p);
        cx.sink.field_with_label(
            &p.field,
            buf.span(o, len),
            Value::Bytes(whole),
            Presence::Normal,
            format_args!("{}", p.field.title),
        );
        let option = OptionItem {
            kind,
            p,
            at: o,
            handle: cx.sink.last_handle(),
        };
        cx.push();
        cx.field(&OPTION_KIND, buf.span(o, 1), Value::U64(kind.into()));
        cx.field(&OPTION_LEN, buf.span(o + 1, 1), Value::U64(len as u64));
        match expected_len(kind) {
            Some(want) if want != len => cx.expert(
                &OPTION_LEN_INVALID,
                buf.span(o + 1, 1),
                format_args!("option length should be {want}"),
            ),
            _ => option_value(cx, buf, &option, &whole[2..], a, info),
        }
        cx.pop();
        Ok(len)
    }

    /// End of list and NOP: one byte each. Wireshark reads on after an
    /// end-of-list: every zero is another.
    fn padding<S: Sink>(&mut self, cx: &mut Cx<'_, S>, i: usize) {
        let (kind, o) = (self.opts[i], self.base + i);
        if kind == 1 {
            self.count_nop(cx, i);
        }
        let p = if kind == 0 { &OPT_EOL } else { &OPT_NOP };
        self.name(cx, p);
        cx.sink.field_with_label(
            &p.field,
            self.buf.span(o, 1),
            Value::Bytes(&self.opts[i..i + 1]),
            Presence::Normal,
            format_args!("{}", p.field.title),
        );
        cx.push();
        cx.field(&OPTION_KIND, self.buf.span(o, 1), Value::U64(kind.into()));
        cx.pop();
    }

    /// tshark counts NOPs within a 32-bit word (and a run into the next
    /// word only from its first byte), warning at the fourth.
    fn count_nop<S: Sink>(&mut self, cx: &mut Cx<'_, S>, i: usize) {
        if self.nops == 0 || !i.is_multiple_of(4) {
            self.nops += 1;
            if self.nops == 4 {
                let all = self.buf.span(self.base, self.opts.len());
                cx.expert(&FOUR_NOPS, all, format_args!(""));
            }
        } else {
            self.nops = 0;
        }
    }

    /// tshark appends each option's name to the Options item.
    fn name<S: Sink>(&mut self, cx: &mut Cx<'_, S>, p: &ProtoDef) {
        if !cx.sink.wants_text() {
            return;
        }
        let name = p.field.title.trim_start_matches("TCP Option - ");
        self.names.push_str(", ");
        self.names.push_str(name);
        let total = self.opts.len();
        let names = &self.names;
        cx.sink
            .relabel(self.item, format_args!("Options: ({total} bytes){names}"));
    }

    /// An option whose length cannot be read as given stops the list: an
    /// empty SACK is an exception in Wireshark (the rest of the header is
    /// not shown, the segment not followed); an option claiming more than
    /// the header holds only stops the option list.
    fn unreadable<S: Sink>(
        &self,
        cx: &mut Cx<'_, S>,
        i: usize,
        p: &'static ProtoDef,
        len: usize,
    ) -> Result<(), bool> {
        let (buf, o) = (self.buf, self.base + i);
        let fits = i + len <= self.opts.len();
        if self.opts[i] == 5 && (2..10).contains(&len) && fits {
            empty_sack(cx, buf, o, &self.opts[i..i + len]);
            return Err(false);
        }
        if len >= 2 && fits {
            return Ok(());
        }
        let have = &self.opts[i..];
        if self.cut && len >= 2 {
            // Cut by the snaplen: what was captured of the option, then the note.
            cx.sink.field_with_label(
                &p.field,
                buf.span(o, have.len()),
                Value::Bytes(have),
                Presence::Normal,
                format_args!("{}", p.field.title),
            );
            cx.truncated("TCP option", buf.span(o, have.len()), usize::MAX);
            return Err(false);
        }
        cx.expert(
            &OPTION_LEN_INVALID,
            buf.span(o, have.len()),
            format_args!("option length {len} says option goes past end of options"),
        );
        Err(true)
    }
}

/// One option's item: its protocol, where it starts and its handle, whose
/// label the value completes.
struct OptionItem {
    kind: u8,
    p: &'static ProtoDef,
    at: usize,
    handle: u32,
}

fn option_proto(kind: u8) -> &'static ProtoDef {
    match kind {
        2 => &OPT_MSS,
        3 => &OPT_WSCALE,
        4 => &OPT_SACK_PERM,
        5 => &OPT_SACK,
        8 => &OPT_TIMESTAMP,
        _ => &OPT_UNKNOWN,
    }
}

/// The length an option of fixed size must have.
fn expected_len(kind: u8) -> Option<usize> {
    match kind {
        2 => Some(4),
        3 => Some(3),
        4 => Some(2),
        8 => Some(10),
        _ => None,
    }
}

/// A SACK option too short for one block: Wireshark's exception.
fn empty_sack<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, o: usize, whole: &[u8]) {
    let len = whole.len();
    cx.sink.field_with_label(
        &OPT_SACK.field,
        buf.span(o, len),
        Value::Bytes(whole),
        Presence::Normal,
        format_args!("{}", OPT_SACK.field.title),
    );
    cx.push();
    cx.field(&OPTION_KIND, buf.span(o, 1), Value::U64(5));
    cx.field(&OPTION_LEN, buf.span(o + 1, 1), Value::U64(len as u64));
    cx.generated(&SACK_COUNT, buf.span(o, 0), Value::U64(0));
    cx.pop();
    cx.malformed(
        buf.span(o, len),
        format_args!("[Malformed Packet: TCP SACK option of {len} bytes]"),
    );
}

/// An option's value (after kind and length) under its item, the item's
/// label completed and the Info text extended.
fn option_value<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    option: &OptionItem,
    v: &[u8],
    a: Option<&SegmentAnalysis>,
    info: &mut String,
) {
    use std::fmt::Write;
    let vs = |x: usize, l: usize| buf.span(option.at + 2 + x, l);
    let title = option.p.field.title;
    let columns = cx.columns();
    match (option.kind, v) {
        (2, &[hi, lo]) => {
            let mss = u16::from_be_bytes([hi, lo]);
            cx.field(&MSS_VAL, vs(0, 2), Value::U64(mss.into()));
            cx.sink
                .relabel(option.handle, format_args!("{title}: {mss} bytes"));
            if columns {
                let _ = write!(info, " MSS={mss}");
            }
        }
        (3, &[shift]) => {
            cx.field(&WSCALE_SHIFT, vs(0, 1), Value::U64(shift.into()));
            if shift > 14 {
                cx.push();
                let text = format_args!("Window scale shift exceeds 14");
                cx.expert(&WSCALE_SHIFT_INVALID, vs(0, 1), text);
                cx.pop();
            }
            let mult = 1u32 << shift.min(14);
            cx.generated(&WSCALE_MULTIPLIER, vs(0, 1), Value::U64(mult.into()));
            let text = format_args!("{title}: {shift} (multiply by {mult})");
            cx.sink.relabel(option.handle, text);
            if columns {
                let _ = write!(info, " WS={mult}");
            }
        }
        (4, []) => {
            if columns {
                info.push_str(" SACK_PERM");
            }
        }
        (8, &[a0, a1, a2, a3, b0, b1, b2, b3]) => {
            let tsval = u32::from_be_bytes([a0, a1, a2, a3]);
            let tsecr = u32::from_be_bytes([b0, b1, b2, b3]);
            cx.field(&TSVAL, vs(0, 4), Value::U64(tsval.into()));
            cx.field(&TSECR, vs(4, 4), Value::U64(tsecr.into()));
            let text = format_args!("{title}: TSval {tsval}, TSecr {tsecr}");
            cx.sink.relabel(option.handle, text);
            if columns {
                let _ = write!(info, " TSval={tsval} TSecr={tsecr}");
            }
        }
        (5, _) => sack_blocks(cx, buf, option, v, a, info),
        (_, []) => {}
        _ => cx.field(&UNKNOWN_PAYLOAD, vs(0, v.len()), Value::Bytes(v)),
    }
}

/// A SACK option's blocks. Their edges acknowledge the other direction's
/// sequence space, so they are relative to this segment's ACK base.
fn sack_blocks<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    option: &OptionItem,
    v: &[u8],
    a: Option<&SegmentAnalysis>,
    info: &mut String,
) {
    use std::fmt::Write;
    let vs = |x: usize, l: usize| buf.span(option.at + 2 + x, l);
    let base_ack = a.and_then(|a| a.ack_base);
    let mut n = 0u64;
    let mut edges = String::new();
    for (k, blk) in v.chunks_exact(8).enumerate() {
        let le = u32::from_be_bytes([blk[0], blk[1], blk[2], blk[3]]);
        let re = u32::from_be_bytes([blk[4], blk[5], blk[6], blk[7]]);
        let (le, re) = match base_ack {
            Some(b) => (le.wrapping_sub(b), re.wrapping_sub(b)),
            None => (le, re),
        };
        let text = format_args!("left edge = {le} (relative)");
        cx.labeled(&SACK_LE, vs(8 * k, 4), Value::U64(le.into()), text);
        let text = format_args!("right edge = {re} (relative)");
        cx.labeled(&SACK_RE, vs(8 * k + 4, 4), Value::U64(re.into()), text);
        if cx.columns() {
            let _ = write!(info, " SLE={le} SRE={re}");
        }
        let _ = write!(edges, " {le}-{re}");
        n += 1;
    }
    let title = option.p.field.title;
    cx.sink
        .relabel(option.handle, format_args!("{title}{edges}"));
    cx.generated(&SACK_COUNT, vs(0, 0), Value::U64(n));
}

/// Time, RTT and expert fields from the conversation analysis.
fn analysis_fields<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    seg: &TcpSegment,
    a: &SegmentAnalysis,
) {
    let z = buf.span(off, 0);
    if !a.shown {
        return;
    }
    cx.generated_labeled(&ANALYSIS, z, Value::None, format_args!("SEQ/ACK analysis"));
    cx.push();
    if let Some(f) = a.acks_frame {
        cx.generated(&ACKS_FRAME, z, Value::U64(f.into()));
    }
    if let Some(rtt) = a.ack_rtt_ns {
        cx.generated(&ACK_RTT, z, Value::RelTime(rtt));
    }
    if let Some(irtt) = a.initial_rtt_ns {
        cx.generated(&INITIAL_RTT, z, Value::RelTime(irtt));
    }
    if let Some(b) = a.bytes_in_flight {
        cx.generated(&BYTES_IN_FLIGHT, z, Value::U64(b.into()));
    }
    if let Some(b) = a.push_bytes_sent {
        cx.generated(&PUSH_BYTES_SENT, z, Value::U64(b.into()));
    }
    if a.flags != 0 {
        cx.generated_labeled(
            &ANALYSIS_FLAGS,
            z,
            Value::None,
            format_args!("TCP Analysis Flags"),
        );
        cx.push();
        for flag in shown_order(a) {
            if a.has(flag) {
                // The duplicate-ACK item carries its expert on the frame it
                // duplicates; tshark words it apart from the field's title.
                if flag == Flag::DuplicateAck {
                    let text = format_args!("This is a TCP duplicate ack");
                    let none = Value::None;
                    cx.generated_labeled(flag_field(flag), z, none, text);
                } else {
                    cx.generated(flag_field(flag), z, Value::None);
                    cx.push();
                    cx.expert(flag.expert(), z, format_args!("{}", flag.message()));
                    cx.pop();
                }
            }
        }
        // Wireshark shows an RTO only when it is not zero.
        if let Some((rto, frame)) = a.rto.filter(|&(rto, _)| rto != 0) {
            cx.generated(&RTO, z, Value::RelTime(rto));
            cx.generated(&RTO_FRAME, z, Value::U64(frame.into()));
        }
        cx.pop();
        if let Some((num, frame)) = a.dup_ack {
            cx.generated(&DUP_ACK_NUM, z, Value::U64(num.into()));
            cx.generated(&DUP_ACK_FRAME, z, Value::U64(frame.into()));
            cx.push();
            cx.expert(
                Flag::DuplicateAck.expert(),
                z,
                format_args!("Duplicate ACK (#{num})"),
            );
            cx.pop();
        }
    }
    let _ = seg;
    cx.pop();
}
