//! ICMP for IPv4 (RFC 792 and friends): echo with request/reply matching,
//! errors with the quoted datagram dissected, timestamps, redirects.

use crate::checksum_tree::{ChecksumFields, checksum_tree};
use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::icmp_echo::{self, EchoFields};
use crate::packet::{Buf, Cx, Echo, EchoMatch, Table};
use crate::proto;
use crate::sink::{Presence, Sink};
use crate::{bytes, data};

static TYPES: &[(u64, &str)] = &[
    (0, "Echo (ping) reply"),
    (3, "Destination unreachable"),
    (4, "Source quench (flow control)"),
    (5, "Redirect"),
    (8, "Echo (ping) request"),
    (9, "Router advertisement"),
    (10, "Router solicitation"),
    (11, "Time-to-live exceeded"),
    (12, "Parameter problem"),
    (13, "Timestamp request"),
    (14, "Timestamp reply"),
    (15, "Information request"),
    (16, "Information reply"),
    (17, "Address mask request"),
    (18, "Address mask reply"),
    (42, "Extended Echo request"),
    (43, "Extended Echo reply"),
];

static UNREACH: &[(u64, &str)] = &[
    (0, "Network unreachable"),
    (1, "Host unreachable"),
    (2, "Protocol unreachable"),
    (3, "Port unreachable"),
    (4, "Fragmentation needed"),
    (5, "Source route failed"),
    (6, "Destination network unknown"),
    (7, "Destination host unknown"),
    (8, "Source host isolated"),
    (9, "Network administratively prohibited"),
    (10, "Host administratively prohibited"),
    (11, "Network unreachable for TOS"),
    (12, "Host unreachable for TOS"),
    (13, "Communication administratively filtered"),
    (14, "Host precedence violation"),
    (15, "Precedence cutoff in effect"),
];

static REDIRECT: &[(u64, &str)] = &[
    (0, "Redirect for network"),
    (1, "Redirect for host"),
    (2, "Redirect for TOS and network"),
    (3, "Redirect for TOS and host"),
];

static TIME_EXCEEDED: &[(u64, &str)] = &[
    (0, "Time to live exceeded in transit"),
    (1, "Fragment reassembly time exceeded"),
];

static PARAM_PROBLEM: &[(u64, &str)] = &[
    (0, "Pointer indicates the error"),
    (1, "Required option missing"),
    (2, "Bad length"),
];

crate::fields! {
    TYPE = FieldDef::new("icmp.type", "Type", T::U8).names(TYPES);
    CODE = FieldDef::new("icmp.code", "Code", T::U8);
    CHECKSUM = FieldDef::new("icmp.checksum", "Checksum", T::U16).base(Base::Hex);
    CHECKSUM_STATUS_F = FieldDef::new("icmp.checksum.status", "Checksum Status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
    UNUSED = FieldDef::new("icmp.unused", "Unused", T::Bytes);
    IDENT = FieldDef::new("icmp.ident", "Identifier (BE)", T::U16).base(Base::DecHex);
    IDENT_LE = FieldDef::new("icmp.ident_le", "Identifier (LE)", T::U16).base(Base::DecHex);
    SEQ = FieldDef::new("icmp.seq", "Sequence Number (BE)", T::U16).base(Base::DecHex);
    SEQ_LE = FieldDef::new("icmp.seq_le", "Sequence Number (LE)", T::U16).base(Base::DecHex);
    POINTER = FieldDef::new("icmp.pointer", "Pointer", T::U32);
    REDIR_GW = FieldDef::new("icmp.redir_gw", "Gateway Address", T::Ipv4);
    MTU = FieldDef::new("icmp.mtu", "MTU of next hop", T::U16);
    LENGTH = FieldDef::new("icmp.length", "Length", T::U8);
    ORIGINATE = FieldDef::new("icmp.originate_timestamp", "Originate Timestamp", T::U32);
    RECEIVE = FieldDef::new("icmp.receive_timestamp", "Receive Timestamp", T::U32);
    TRANSMIT = FieldDef::new("icmp.transmit_timestamp", "Transmit Timestamp", T::U32);
    ADDRESS_MASK = FieldDef::new("icmp.address_mask", "Address Mask", T::Ipv4);
    RESP_IN = FieldDef::new("icmp.resp_in", "Response frame", T::FrameNum);
    RESP_TO = FieldDef::new("icmp.resp_to", "Request frame", T::FrameNum);
    RESPTIME = FieldDef::new("icmp.resptime", "Response time", T::Double);
    NO_RESP = FieldDef::new("icmp.no_resp", "No response seen", T::None);
    DATA_TIME = FieldDef::new("icmp.data_time", "Timestamp from icmp data", T::AbsTime);
    DATA_TIME_RELATIVE = FieldDef::new("icmp.data_time_relative", "Timestamp from icmp data (relative)", T::RelTime);
}

pub static BAD_CHECKSUM: ExpertDef = ExpertDef::new(
    "icmp.checksum_bad",
    Severity::Warning,
    Group::Checksum,
    "Bad checksum",
);
pub static NO_RESPONSE: ExpertDef = ExpertDef::new(
    "icmp.resp_not_found",
    Severity::Warning,
    Group::Sequence,
    "Response not found",
);

/// What request/reply matching shows in an ICMP packet.
static ECHO_FIELDS: EchoFields = EchoFields {
    resp_in: &RESP_IN,
    resp_to: &RESP_TO,
    resptime: &RESPTIME,
    no_resp: &NO_RESP,
    no_response: &NO_RESPONSE,
    words: ["Response frame", "Request frame", "Response time"],
};

pub fn code_names(t: u8) -> Option<&'static [(u64, &'static str)]> {
    match t {
        3 => Some(UNREACH),
        5 => Some(REDIRECT),
        11 => Some(TIME_EXCEEDED),
        12 => Some(PARAM_PROBLEM),
        _ => None,
    }
}

/// Whether an ICMP type quotes the datagram that caused it.
fn is_error(t: u8) -> bool {
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    if b.len() < 4 {
        cx.layer(
            &proto::ICMP,
            buf.span(off, b.len()),
            format_args!("Internet Control Message Protocol"),
        );
        cx.truncated("ICMP", buf.span(off, b.len()), buf.len());
        cx.end_layer();
        return;
    }
    cx.layer(
        &proto::ICMP,
        buf.span(off, b.len()),
        format_args!("Internet Control Message Protocol"),
    );
    let names = header(cx, buf, off);
    match b[0] {
        0 | 8 | 13 | 14 | 15 | 16 | 17 | 18 if b.len() >= 8 => query(cx, buf, off, names.0),
        t if is_error(t) && b.len() >= 8 => error_message(cx, buf, off, names),
        _ => {
            cx.set_info(format_args!("{}", names.0));
            cx.end_layer();
            if b.len() > 4 {
                data::dissect(cx, buf, off + 4);
            }
        }
    }
}

/// Type, code and checksum; returns the type's and the code's names.
fn header<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
) -> (&'static str, Option<&'static str>) {
    let b = buf.rest(off);
    let (t, code) = (b[0], b[1]);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let type_name =
        crate::field::lookup(TYPES, t.into()).unwrap_or("Unknown ICMP (obsolete or malformed?)");
    let text = format_args!("Type: {t} ({type_name})");
    cx.labeled(&TYPE, s(0, 1), Value::U64(t.into()), text);
    let code_name = code_names(t).and_then(|n| crate::field::lookup(n, code.into()));
    match code_name {
        Some(n) => {
            let text = format_args!("Code: {code} ({n})");
            cx.labeled(&CODE, s(1, 1), Value::U64(code.into()), text)
        }
        None => cx.field(&CODE, s(1, 1), Value::U64(code.into())),
    }
    // The checksum covers the whole message; it can only be checked when
    // all of it was captured.
    static CHECKSUM_FIELDS: ChecksumFields = ChecksumFields {
        checksum: &CHECKSUM,
        status: &CHECKSUM_STATUS_F,
        bad: &BAD_CHECKSUM,
    };
    let whole = buf.reported.saturating_sub(off) == b.len();
    let computed = bytes::fold_checksum(bytes::ones_complement_sum(
        bytes::ones_complement_sum(0, &b[..2]),
        &b[4..],
    ));
    let checksum = u16::from_be_bytes([b[2], b[3]]);
    checksum_tree(
        cx,
        &CHECKSUM_FIELDS,
        s(2, 2),
        checksum,
        whole.then_some(computed),
    );
    (type_name, code_name)
}

/// Echo, timestamp, information and address mask messages: identifier and
/// sequence number (both byte orders), the echo's request/reply match, and
/// what follows by type. Closes the layer.
fn query<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, type_name: &str) {
    let b = buf.rest(off);
    let t = b[0];
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let ident = u16::from_be_bytes([b[4], b[5]]);
    let seq = u16::from_be_bytes([b[6], b[7]]);
    cx.field(&IDENT, s(4, 2), Value::U64(ident.into()));
    cx.field(&IDENT_LE, s(4, 2), Value::U64(ident.swap_bytes().into()));
    cx.field(&SEQ, s(6, 2), Value::U64(seq.into()));
    cx.field(&SEQ_LE, s(6, 2), Value::U64(seq.swap_bytes().into()));
    let mut matched = EchoMatch::None;
    if matches!(t, 0 | 8) && cx.quote_depth == 0 {
        if let Some((src, dst)) = cx.pi.ip {
            matched = cx.state.icmp_echo(&Echo {
                v6: false,
                src,
                dst,
                ident,
                seq,
                request: t == 8,
                frame: cx.frame.number,
                ts_ns: cx.frame.ts_ns,
            });
        }
        icmp_echo::show(cx, buf, off, &matched, &ECHO_FIELDS);
    }
    if cx.columns() {
        let ttl = ttl_of(cx);
        cx.set_info(format_args!(
            "{type_name:<20} id=0x{ident:04x}, seq={seq}/{}, ttl={ttl}",
            seq.swap_bytes()
        ));
        match matched {
            EchoMatch::ReplyTo { request, .. } => {
                cx.append_info(format_args!(" (request in {request})"))
            }
            EchoMatch::Answered { reply } => cx.append_info(format_args!(" (reply in {reply})")),
            EchoMatch::Unanswered => cx.append_info(format_args!(" (no response found!)")),
            EchoMatch::None => {}
        }
    }
    match t {
        13 | 14 if b.len() >= 20 => {
            for (i, f) in [&ORIGINATE, &RECEIVE, &TRANSMIT].into_iter().enumerate() {
                let v = bytes::be32(b, 8 + 4 * i).unwrap_or(0);
                cx.field(f, s(8 + 4 * i, 4), Value::U64(v.into()));
            }
        }
        17 | 18 if b.len() >= 12 => {
            if let Some(m) = bytes::array::<4>(b, 8) {
                cx.field(&ADDRESS_MASK, s(8, 4), Value::Ipv4(m));
            }
        }
        0 | 8 => {
            // The echoed data sits in the ICMP tree, as Wireshark's.
            let payload_at = echo_timestamp(cx, buf, off, b);
            data::dissect(cx, buf, off + payload_at);
        }
        _ => {}
    }
    cx.end_layer();
}

/// An error message: the fields of its second word by type, then the
/// datagram it quotes. Closes the layer.
fn error_message<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    (type_name, code_name): (&str, Option<&str>),
) {
    let b = buf.rest(off);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    match (b[0], b[1]) {
        (5, _) => {
            if let Some(gw) = bytes::array::<4>(b, 4) {
                cx.field(&REDIR_GW, s(4, 4), Value::Ipv4(gw));
            }
        }
        (12, _) => {
            cx.field(&POINTER, s(4, 1), Value::U64(b[4].into()));
            cx.field(&UNUSED, s(5, 3), Value::Bytes(&b[5..8]));
        }
        (3, 4) => {
            cx.field(&UNUSED, s(4, 2), Value::Bytes(&b[4..6]));
            let mtu = u16::from_be_bytes([b[6], b[7]]);
            cx.field(&MTU, s(6, 2), Value::U64(mtu.into()));
        }
        _ => cx.field(&UNUSED, s(4, 4), Value::Bytes(&b[4..8])),
    }
    match code_name {
        Some(n) => cx.set_info(format_args!("{type_name} ({n})")),
        None => cx.set_info(format_args!("{type_name}")),
    }
    // The quoted datagram: dissected as a packet of its own, but it does
    // not change the columns or the conversations.
    if cx.quote_depth < 2 {
        cx.quote_depth += 1;
        cx.dissect_by(Table::IpVersion, 4, buf, off + 8);
        cx.quote_depth -= 1;
    }
    cx.end_layer();
}

fn ttl_of<S: Sink>(cx: &Cx<'_, S>) -> u8 {
    cx.pi.ttl
}

/// Wireshark reads the first 8 payload bytes of an echo as a timeval when
/// that lands within a day of the capture time (BSD and Linux ping do this).
/// Returns where the remaining data starts.
fn echo_timestamp<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, b: &[u8]) -> usize {
    let (Some(be_s), Some(be_u), Some(le_s), Some(le_u)) = (
        bytes::be32(b, 8),
        bytes::be32(b, 12),
        bytes::le32(b, 8),
        bytes::le32(b, 12),
    ) else {
        return 8;
    };
    let frame_secs = cx.frame.ts_ns.div_euclid(1_000_000_000) as u32;
    let plausible = |secs: u32, usecs: u32| {
        secs.wrapping_sub(frame_secs).wrapping_abs_i32() < 86_400 && usecs < 1_000_000
    };
    let (secs, usecs) = if plausible(be_s, be_u) {
        (be_s, be_u)
    } else {
        (le_s, le_u)
    };
    if !plausible(secs, usecs) {
        return 8;
    }
    let ts = i64::from(secs) * 1_000_000_000 + i64::from(usecs) * 1000;
    cx.field(&DATA_TIME, buf.span(off + 8, 8), Value::AbsTime(ts));
    cx.sink.field(
        &DATA_TIME_RELATIVE,
        buf.span(off + 8, 8),
        Value::RelTime(cx.frame.ts_ns.saturating_sub(ts)),
        Presence::Generated,
    );
    16
}

trait WrappingAbs {
    fn wrapping_abs_i32(self) -> u32;
}
impl WrappingAbs for u32 {
    /// `abs((int)x)` as C computes it on the difference of two `u32`s.
    fn wrapping_abs_i32(self) -> u32 {
        (self as i32).unsigned_abs()
    }
}
