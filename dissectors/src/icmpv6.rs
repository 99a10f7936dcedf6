//! ICMPv6 (RFC 4443): errors with the quoted packet, echo with matching,
//! neighbour discovery (RFC 4861) with its options, MLDv1/v2.

use std::fmt::Write;
use std::net::{IpAddr, Ipv6Addr};

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::icmp_echo::{self, EchoFields};
use crate::packet::{Buf, Cx, Echo, EchoMatch, Table};
use crate::proto;
use crate::sink::{Presence, Sink};
use crate::{bytes, data};

static TYPES: &[(u64, &str)] = &[
    (1, "Destination Unreachable"),
    (2, "Packet Too Big"),
    (3, "Time Exceeded"),
    (4, "Parameter Problem"),
    (128, "Echo (ping) request"),
    (129, "Echo (ping) reply"),
    (130, "Multicast Listener Query"),
    (131, "Multicast Listener Report"),
    (132, "Multicast Listener Done"),
    (133, "Router Solicitation"),
    (134, "Router Advertisement"),
    (135, "Neighbor Solicitation"),
    (136, "Neighbor Advertisement"),
    (137, "Redirect"),
    (143, "Multicast Listener Report Message v2"),
];

static UNREACH: &[(u64, &str)] = &[
    (0, "no route to destination"),
    (1, "Administratively prohibited"),
    (2, "beyond scope of source address"),
    (3, "Address unreachable"),
    (4, "Port unreachable"),
    (5, "Source address failed ingress/egress policy"),
    (6, "Reject route to destination"),
];
static TIME_EXCEEDED: &[(u64, &str)] = &[
    (0, "hop limit exceeded in transit"),
    (1, "fragment reassembly time exceeded"),
];
static PARAM_PROBLEM: &[(u64, &str)] = &[
    (0, "erroneous header field encountered"),
    (1, "unrecognized Next Header type encountered"),
    (2, "unrecognized IPv6 option encountered"),
];

static OPT_TYPES: &[(u64, &str)] = &[
    (1, "Source link-layer address"),
    (2, "Target link-layer address"),
    (3, "Prefix information"),
    (4, "Redirected header"),
    (5, "MTU"),
    (14, "Nonce"),
    (25, "Recursive DNS Server"),
    (31, "DNS Search List"),
];

/// `icmpv6.mldr.mar.record_type` value names (Wireshark 4.0's).
static MAR_TYPES: &[(u64, &str)] = &[
    (1, "Include"),
    (2, "Exclude"),
    (3, "Changed to include"),
    (4, "Changed to exclude"),
    (5, "Allow new sources"),
    (6, "Block old sources"),
];

/// `icmpv6.nd.ra.flag.prf` value names.
static ROUTER_PREFERENCE: &[(u64, &str)] =
    &[(0, "Medium"), (1, "High"), (2, "Reserved"), (3, "Low")];

crate::fields! {
    TYPE = FieldDef::new("icmpv6.type", "Type", T::U8).names(TYPES);
    CODE = FieldDef::new("icmpv6.code", "Code", T::U8);
    CHECKSUM = FieldDef::new("icmpv6.checksum", "Checksum", T::U16).base(Base::Hex);
    CHECKSUM_STATUS = FieldDef::new("icmpv6.checksum.status", "Checksum Status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
    RESERVED = FieldDef::new("icmpv6.reserved", "Reserved", T::Bytes);
    DATA = FieldDef::new("icmpv6.data", "Data", T::Bytes);
    MTU = FieldDef::new("icmpv6.mtu", "MTU", T::U32);
    POINTER = FieldDef::new("icmpv6.pointer", "Pointer", T::U32);
    ECHO_ID = FieldDef::new("icmpv6.echo.identifier", "Identifier", T::U16).base(Base::Hex);
    ECHO_SEQ = FieldDef::new("icmpv6.echo.sequence_number", "Sequence", T::U16);
    RESP_IN = FieldDef::new("icmpv6.resp_in", "Response In", T::FrameNum);
    RESP_TO = FieldDef::new("icmpv6.resp_to", "Response To", T::FrameNum);
    RESPTIME = FieldDef::new("icmpv6.resptime", "Response Time", T::Double);
    NO_RESP = FieldDef::new("icmpv6.no_resp", "No response seen", T::None);
    RA_CUR_HOP_LIMIT = FieldDef::new("icmpv6.nd.ra.cur_hop_limit", "Cur hop limit", T::U8);
    RA_FLAG = FieldDef::new("icmpv6.nd.ra.flag", "Flags", T::U8).base(Base::Hex);
    RA_FLAG_M = FieldDef::new("icmpv6.nd.ra.flag.m", "Managed address configuration", T::Boolean).tfs("Set", "Not set").mask(0x80);
    RA_FLAG_O = FieldDef::new("icmpv6.nd.ra.flag.o", "Other configuration", T::Boolean).tfs("Set", "Not set").mask(0x40);
    RA_FLAG_H = FieldDef::new("icmpv6.nd.ra.flag.h", "Home Agent", T::Boolean).tfs("Set", "Not set").mask(0x20);
    RA_FLAG_PRF = FieldDef::new("icmpv6.nd.ra.flag.prf", "Prf (Default Router Preference)", T::U8).mask(0x18).names(ROUTER_PREFERENCE);
    RA_FLAG_P = FieldDef::new("icmpv6.nd.ra.flag.p", "Proxy", T::Boolean).tfs("Set", "Not set").mask(0x04);
    RA_FLAG_RSV = FieldDef::new("icmpv6.nd.ra.flag.rsv", "Reserved", T::U8).mask(0x03);
    RA_ROUTER_LIFETIME = FieldDef::new("icmpv6.nd.ra.router_lifetime", "Router lifetime (s)", T::U16);
    RA_REACHABLE_TIME = FieldDef::new("icmpv6.nd.ra.reachable_time", "Reachable time (ms)", T::U32);
    RA_RETRANS_TIMER = FieldDef::new("icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)", T::U32);
    NS_TARGET = FieldDef::new("icmpv6.nd.ns.target_address", "Target Address", T::Ipv6);
    NA_FLAG = FieldDef::new("icmpv6.nd.na.flag", "Flags", T::U32).base(Base::Hex);
    NA_FLAG_R = FieldDef::new("icmpv6.nd.na.flag.r", "Router", T::Boolean).tfs("Set", "Not set").mask(0x8000_0000);
    NA_FLAG_S = FieldDef::new("icmpv6.nd.na.flag.s", "Solicited", T::Boolean).tfs("Set", "Not set").mask(0x4000_0000);
    NA_FLAG_O = FieldDef::new("icmpv6.nd.na.flag.o", "Override", T::Boolean).tfs("Set", "Not set").mask(0x2000_0000);
    NA_FLAG_RSV = FieldDef::new("icmpv6.nd.na.flag.rsv", "Reserved", T::U32).mask(0x1fff_ffff);
    NA_TARGET = FieldDef::new("icmpv6.nd.na.target_address", "Target Address", T::Ipv6);
    RD_TARGET = FieldDef::new("icmpv6.nd.rd.target_address", "Target Address", T::Ipv6);
    RD_DESTINATION = FieldDef::new("icmpv6.nd.rd.destination_address", "Destination Address", T::Ipv6);
    OPT_TYPE = FieldDef::new("icmpv6.opt.type", "Type", T::U8).names(OPT_TYPES);
    OPT = FieldDef::new("icmpv6.opt", "ICMPv6 Option", T::None);
    OPT_LENGTH = FieldDef::new("icmpv6.opt.length", "Length", T::U8);
    OPT_RESERVED = FieldDef::new("icmpv6.opt.reserved", "Reserved", T::None);
    OPT_LINKADDR = FieldDef::new("icmpv6.opt.linkaddr", "Link-layer address", T::Ether);
    OPT_SRC_LINKADDR = FieldDef::new("icmpv6.opt.src_linkaddr", "Source Link-layer address", T::Ether);
    OPT_TARGET_LINKADDR = FieldDef::new("icmpv6.opt.target_linkaddr", "Target Link-layer address", T::Ether);
    OPT_PREFIX_LENGTH = FieldDef::new("icmpv6.opt.prefix.length", "Prefix Length", T::U8);
    OPT_PREFIX_FLAG = FieldDef::new("icmpv6.opt.prefix.flag", "Flag", T::U8).base(Base::Hex);
    OPT_PREFIX_FLAG_L = FieldDef::new("icmpv6.opt.prefix.flag.l", "On-link flag(L)", T::Boolean).tfs("Set", "Not set").mask(0x80);
    OPT_PREFIX_FLAG_A = FieldDef::new("icmpv6.opt.prefix.flag.a", "Autonomous address-configuration flag(A)", T::Boolean).tfs("Set", "Not set").mask(0x40);
    OPT_PREFIX_FLAG_R = FieldDef::new("icmpv6.opt.prefix.flag.r", "Router address flag(R)", T::Boolean).tfs("Set", "Not set").mask(0x20);
    OPT_PREFIX_FLAG_RESERVED = FieldDef::new("icmpv6.opt.prefix.flag.reserved", "Reserved", T::U8).mask(0x1f);
    OPT_PREFIX_VALID = FieldDef::new("icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", T::U32);
    OPT_PREFIX_PREFERRED = FieldDef::new("icmpv6.opt.prefix.preferred_lifetime", "Preferred Lifetime", T::U32);
    OPT_PREFIX = FieldDef::new("icmpv6.opt.prefix", "Prefix", T::Ipv6);
    OPT_MTU = FieldDef::new("icmpv6.opt.mtu", "MTU", T::U32);
    OPT_NONCE = FieldDef::new("icmpv6.opt.nonce", "Nonce", T::Bytes);
    OPT_RDNSS_LIFETIME = FieldDef::new("icmpv6.opt.rdnss.lifetime", "Lifetime", T::U32);
    OPT_RDNSS = FieldDef::new("icmpv6.opt.rdnss", "Recursive DNS Servers", T::Ipv6);
    MLD_MAX_RESPONSE_DELAY = FieldDef::new("icmpv6.mld.maximum_response_delay", "Maximum Response Delay [ms]", T::U16);
    MLD_MULTICAST_ADDRESS = FieldDef::new("icmpv6.mld.multicast_address", "Multicast Address", T::Ipv6);
    MLD_MAX_RESPONSE_CODE = FieldDef::new("icmpv6.mld.maximum_response_code", "Maximum Response Code", T::U16);
    MLD_FLAG = FieldDef::new("icmpv6.mld.flag", "Flags", T::U8).base(Base::Hex);
    MLD_FLAG_S = FieldDef::new("icmpv6.mld.flag.s", "Suppress Router-Side Processing", T::Boolean).mask(0x08);
    MLD_FLAG_QRV = FieldDef::new("icmpv6.mld.flag.qrv", "QRV (Querier's Robustness Variable)", T::U8).mask(0x07);
    MLD_FLAG_RESERVED = FieldDef::new("icmpv6.mld.flag.reserved", "Reserved", T::U8).mask(0xf0);
    MLD_QQI = FieldDef::new("icmpv6.mld.qqi", "QQIC (Querier's Query Interval Code)", T::U8);
    MLD_NB_SOURCES = FieldDef::new("icmpv6.mld.nb_sources", "Number of Sources", T::U16);
    MLD_SOURCE_ADDRESS = FieldDef::new("icmpv6.mld.source_address", "Source Address", T::Ipv6);
    MLDR_NB_RECORDS = FieldDef::new("icmpv6.mldr.nb_mcast_records", "Number of Multicast Address Records", T::U16);
    MLDR_MAR = FieldDef::new("icmpv6.mldr.mar", "Multicast Address Record", T::None);
    MLDR_MAR_TYPE = FieldDef::new("icmpv6.mldr.mar.record_type", "Record Type", T::U8).names(MAR_TYPES);
    MLDR_MAR_AUX_LEN = FieldDef::new("icmpv6.mldr.mar.aux_data_len", "Aux Data Len", T::U8);
    MLDR_MAR_NB_SOURCES = FieldDef::new("icmpv6.mldr.mar.nb_sources", "Number of Sources", T::U16);
    MLDR_MAR_ADDRESS = FieldDef::new("icmpv6.mldr.mar.multicast_address", "Multicast Address", T::Ipv6);
    MLDR_MAR_SOURCE = FieldDef::new("icmpv6.mldr.mar.source_address", "Source Address", T::Ipv6);
    MLDR_MAR_AUX_DATA = FieldDef::new("icmpv6.mldr.mar.auxiliary_data", "Auxiliary Data", T::Bytes);
}

pub static BAD_CHECKSUM: ExpertDef = ExpertDef::new(
    "icmpv6.checksum_bad.expert",
    Severity::Error,
    Group::Checksum,
    "Bad checksum",
);
pub static NO_RESPONSE: ExpertDef = ExpertDef::new(
    "icmpv6.resp_not_found",
    Severity::Warning,
    Group::Sequence,
    "Response not found",
);

/// What request/reply matching shows in an ICMPv6 packet.
static ECHO_FIELDS: EchoFields = EchoFields {
    resp_in: &RESP_IN,
    resp_to: &RESP_TO,
    resptime: &RESPTIME,
    no_resp: &NO_RESP,
    no_response: &NO_RESPONSE,
    words: ["Response In", "Response To", "Response Time"],
};

fn code_names(t: u8) -> Option<&'static [(u64, &'static str)]> {
    match t {
        1 => Some(UNREACH),
        3 => Some(TIME_EXCEEDED),
        4 => Some(PARAM_PROBLEM),
        _ => None,
    }
}

/// The ICMPv6 checksum over the IPv6 pseudo-header and the message.
pub fn checksum(src: &[u8; 16], dst: &[u8; 16], next_header: u8, msg: &[u8]) -> u16 {
    let mut sum = bytes::ones_complement_sum(0, src);
    sum = bytes::ones_complement_sum(sum, dst);
    sum += (msg.len() as u32 >> 16) + (msg.len() as u32 & 0xffff) + u32::from(next_header);
    bytes::fold_checksum(bytes::ones_complement_sum(sum, msg))
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    if b.len() < 4 {
        cx.layer(
            &proto::ICMPV6,
            buf.span(off, b.len()),
            format_args!("Internet Control Message Protocol v6"),
        );
        cx.truncated("ICMPv6", buf.span(off, b.len()), buf.len());
        cx.end_layer();
        return;
    }
    let (t, code) = (b[0], b[1]);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.layer(
        &proto::ICMPV6,
        s(0, b.len()),
        format_args!("Internet Control Message Protocol v6"),
    );
    cx.field(&TYPE, s(0, 1), Value::U64(t.into()));
    let code_name = code_names(t).and_then(|n| crate::field::lookup(n, code.into()));
    match code_name {
        Some(n) => cx.labeled(
            &CODE,
            s(1, 1),
            Value::U64(code.into()),
            format_args!("Code: {code} ({n})"),
        ),
        None => cx.field(&CODE, s(1, 1), Value::U64(code.into())),
    }
    checksum_fields(cx, buf, off);
    let m = Message {
        buf,
        off,
        b,
        t,
        type_name: crate::field::lookup(TYPES, t.into()).unwrap_or("Unknown"),
        code_name,
    };
    let need = |n: usize| b.len() >= n;
    match t {
        1..=4 if need(8) => error_message(cx, &m),
        128 | 129 if need(8) => echo(cx, &m),
        130..=132 if need(24) => mld(cx, &m),
        143 if need(8) => mldv2_report(cx, &m),
        133..=137 => neighbor_discovery(cx, &m),
        _ => other(cx, &m),
    }
}

/// The message being dissected: its bytes, type and code's name.
#[derive(Clone, Copy)]
struct Message<'a> {
    buf: Buf<'a>,
    off: usize,
    b: &'a [u8],
    t: u8,
    type_name: &'static str,
    code_name: Option<&'static str>,
}

/// The checksum, verified over the pseudo-header when the message is whole.
fn checksum_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let cks = u16::from_be_bytes([b[2], b[3]]);
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let whole = buf.reported.saturating_sub(off) == b.len();
    match (cx.ip_current, whole) {
        (Some((IpAddr::V6(src), IpAddr::V6(dst))), true) => {
            let mut zeroed = b.to_vec();
            zeroed[2] = 0;
            zeroed[3] = 0;
            let computed = checksum(&src.octets(), &dst.octets(), 58, &zeroed);
            let good = computed == cks;
            if good {
                cx.labeled(
                    &CHECKSUM,
                    s(2, 2),
                    Value::U64(cks.into()),
                    format_args!("Checksum: 0x{cks:04x} [correct]"),
                );
            } else {
                cx.labeled(
                    &CHECKSUM,
                    s(2, 2),
                    Value::U64(cks.into()),
                    format_args!("Checksum: 0x{cks:04x} incorrect, should be 0x{computed:04x}"),
                );
            }
            // The expert is the checksum's child, the status its sibling.
            if !good {
                cx.push();
                cx.expert(
                    &BAD_CHECKSUM,
                    s(2, 2),
                    format_args!("Bad checksum [should be 0x{computed:04x}]"),
                );
                cx.pop();
            }
            cx.sink.field(
                &CHECKSUM_STATUS,
                s(2, 0),
                Value::U64(good as u64),
                Presence::Generated,
            );
        }
        _ => {
            cx.field(&CHECKSUM, s(2, 2), Value::U64(cks.into()));
            cx.sink.field(
                &CHECKSUM_STATUS,
                s(2, 0),
                Value::U64(2),
                Presence::Generated,
            );
        }
    }
}

/// An error (unreachable, too big, time exceeded, parameter problem): its
/// field, then the packet in error, quoted.
fn error_message<S: Sink>(cx: &mut Cx<'_, S>, m: &Message<'_>) {
    let Message {
        buf,
        off,
        b,
        t,
        type_name,
        code_name,
        ..
    } = *m;
    let s = |o: usize, l: usize| buf.span(off + o, l);
    match t {
        2 => cx.field(
            &MTU,
            s(4, 4),
            Value::U64(bytes::be32(b, 4).unwrap_or(0).into()),
        ),
        4 => cx.field(
            &POINTER,
            s(4, 4),
            Value::U64(bytes::be32(b, 4).unwrap_or(0).into()),
        ),
        _ => cx.field(&RESERVED, s(4, 4), Value::Bytes(&b[4..8])),
    }
    match code_name {
        Some(n) => cx.set_info(format_args!("{type_name} ({n})")),
        None => cx.set_info(format_args!("{type_name}")),
    }
    if cx.quote_depth < 2 {
        cx.quote_depth += 1;
        cx.dissect_by(Table::IpVersion, 6, buf, off + 8);
        cx.quote_depth -= 1;
    }
    cx.end_layer();
}

/// Echo request or reply, matched with its partner.
fn echo<S: Sink>(cx: &mut Cx<'_, S>, m: &Message<'_>) {
    let Message {
        buf,
        off,
        b,
        t,
        type_name,
        ..
    } = *m;
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let ident = u16::from_be_bytes([b[4], b[5]]);
    let seq = u16::from_be_bytes([b[6], b[7]]);
    cx.field(&ECHO_ID, s(4, 2), Value::U64(ident.into()));
    cx.field(&ECHO_SEQ, s(6, 2), Value::U64(seq.into()));
    let mut matched = EchoMatch::None;
    if cx.quote_depth == 0
        && let Some((src, dst)) = cx.pi.ip
    {
        matched = cx.state.icmp_echo(&Echo {
            v6: true,
            src,
            dst,
            ident,
            seq,
            request: t == 128,
            frame: cx.frame.number,
            ts_ns: cx.frame.ts_ns,
        });
        icmp_echo::show(cx, buf, off, &matched, &ECHO_FIELDS);
    }
    if cx.columns() {
        let hl = cx.pi.ttl;
        cx.set_info(format_args!(
            "{type_name} id=0x{ident:04x}, seq={seq}, hop limit={hl}"
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
    // The echoed data is shown inside the ICMPv6 item, as ICMP's is.
    data::dissect(cx, buf, off + 8);
    cx.end_layer();
}

/// Multicast Listener Query, Report or Done (v1, and v2's query).
fn mld<S: Sink>(cx: &mut Cx<'_, S>, m: &Message<'_>) {
    let Message {
        buf,
        off,
        b,
        t,
        type_name,
        ..
    } = *m;
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let need = |n: usize| b.len() >= n;
    cx.field(
        &MLD_MAX_RESPONSE_DELAY,
        s(4, 2),
        Value::U64(u16::from_be_bytes([b[4], b[5]]).into()),
    );
    cx.field(&RESERVED, s(6, 2), Value::Bytes(&b[6..8]));
    let a = bytes::array::<16>(b, 8).unwrap_or([0; 16]);
    cx.field(&MLD_MULTICAST_ADDRESS, s(8, 16), Value::Ipv6(a));
    if t == 130 && need(28) {
        let f = b[24];
        cx.field(&MLD_FLAG, s(24, 1), Value::U64(f.into()));
        cx.push();
        cx.field(&MLD_FLAG_RESERVED, s(24, 1), Value::U64((f >> 4).into()));
        cx.field(&MLD_FLAG_S, s(24, 1), Value::Bool(f & 0x08 != 0));
        cx.field(&MLD_FLAG_QRV, s(24, 1), Value::U64((f & 7).into()));
        cx.pop();
        cx.field(&MLD_QQI, s(25, 1), Value::U64(b[25].into()));
        let n = u16::from_be_bytes([b[26], b[27]]);
        cx.field(&MLD_NB_SOURCES, s(26, 2), Value::U64(n.into()));
        for (i, a) in b[28..].chunks_exact(16).take(n as usize).enumerate() {
            let a: [u8; 16] = a.try_into().unwrap_or([0; 16]);
            cx.field(&MLD_SOURCE_ADDRESS, s(28 + 16 * i, 16), Value::Ipv6(a));
        }
    }
    cx.set_info(format_args!("{type_name}"));
    cx.end_layer();
}

/// MLDv2 Report: its multicast address records.
fn mldv2_report<S: Sink>(cx: &mut Cx<'_, S>, m: &Message<'_>) {
    let Message {
        buf,
        off,
        b,
        type_name,
        ..
    } = *m;
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.field(&RESERVED, s(4, 2), Value::Bytes(&b[4..6]));
    let n = u16::from_be_bytes([b[6], b[7]]);
    cx.field(&MLDR_NB_RECORDS, s(6, 2), Value::U64(n.into()));
    let mut o = 8;
    for _ in 0..n {
        let Some(hdr) = bytes::array::<4>(b, o) else {
            break;
        };
        let nsrc = u16::from_be_bytes([hdr[2], hdr[3]]) as usize;
        let aux = hdr[1] as usize * 4;
        let rec_len = 20 + 16 * nsrc + aux;
        if b.len() < o + rec_len {
            cx.truncated("MLDv2 record", s(o, b.len() - o), buf.len());
            break;
        }
        let a = bytes::array::<16>(b, o + 4).unwrap_or([0; 16]);
        let kind = crate::field::lookup(MAR_TYPES, hdr[0].into()).unwrap_or("Unknown");
        cx.sink.field_with_label(
            &MLDR_MAR,
            s(o, rec_len),
            Value::None,
            Presence::Normal,
            format_args!("Multicast Address Record {kind}: {}", Ipv6Addr::from(a)),
        );
        cx.push();
        cx.field(&MLDR_MAR_TYPE, s(o, 1), Value::U64(hdr[0].into()));
        cx.field(&MLDR_MAR_AUX_LEN, s(o + 1, 1), Value::U64(hdr[1].into()));
        cx.field(&MLDR_MAR_NB_SOURCES, s(o + 2, 2), Value::U64(nsrc as u64));
        cx.field(&MLDR_MAR_ADDRESS, s(o + 4, 16), Value::Ipv6(a));
        for i in 0..nsrc {
            let a = bytes::array::<16>(b, o + 20 + 16 * i).unwrap_or([0; 16]);
            cx.field(&MLDR_MAR_SOURCE, s(o + 20 + 16 * i, 16), Value::Ipv6(a));
        }
        if aux > 0 {
            let at = o + 20 + 16 * nsrc;
            cx.field(
                &MLDR_MAR_AUX_DATA,
                s(at, aux),
                Value::Bytes(&b[at..at + aux]),
            );
        }
        cx.pop();
        o += rec_len;
    }
    cx.set_info(format_args!("{type_name}"));
    cx.end_layer();
}

/// Router and neighbour solicitations and advertisements, redirects: the
/// message's fields, then its options.
fn neighbor_discovery<S: Sink>(cx: &mut Cx<'_, S>, m: &Message<'_>) {
    let Message {
        buf,
        off,
        b,
        t,
        type_name,
        ..
    } = *m;
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let need = |n: usize| b.len() >= n;
    let mut info = String::new();
    let opts_at = match t {
        133 if need(8) => {
            cx.field(&RESERVED, s(4, 4), Value::Bytes(&b[4..8]));
            let _ = write!(info, "{type_name}");
            8
        }
        134 if need(16) => {
            cx.field(&RA_CUR_HOP_LIMIT, s(4, 1), Value::U64(b[4].into()));
            let f = b[5];
            let prf = crate::field::lookup(ROUTER_PREFERENCE, ((f >> 3) & 3).into()).unwrap_or("");
            let words = flag_words(
                u32::from(f),
                &[
                    (0x80, "Managed address configuration"),
                    (0x40, "Other configuration"),
                    (0x20, "Home Agent"),
                ],
            );
            let proxy = if f & 0x04 != 0 { ", Proxy" } else { "" };
            cx.labeled(
                &RA_FLAG,
                s(5, 1),
                Value::U64(f.into()),
                format_args!(
                    "Flags: 0x{f:02x}{words}, Prf (Default Router Preference): {prf}{proxy}"
                ),
            );
            cx.push();
            cx.field(&RA_FLAG_M, s(5, 1), Value::Bool(f & 0x80 != 0));
            cx.field(&RA_FLAG_O, s(5, 1), Value::Bool(f & 0x40 != 0));
            cx.field(&RA_FLAG_H, s(5, 1), Value::Bool(f & 0x20 != 0));
            cx.field(&RA_FLAG_PRF, s(5, 1), Value::U64(((f >> 3) & 3).into()));
            cx.field(&RA_FLAG_P, s(5, 1), Value::Bool(f & 0x04 != 0));
            cx.field(&RA_FLAG_RSV, s(5, 1), Value::U64((f & 3).into()));
            cx.pop();
            cx.field(
                &RA_ROUTER_LIFETIME,
                s(6, 2),
                Value::U64(u16::from_be_bytes([b[6], b[7]]).into()),
            );
            cx.field(
                &RA_REACHABLE_TIME,
                s(8, 4),
                Value::U64(bytes::be32(b, 8).unwrap_or(0).into()),
            );
            cx.field(
                &RA_RETRANS_TIMER,
                s(12, 4),
                Value::U64(bytes::be32(b, 12).unwrap_or(0).into()),
            );
            let _ = write!(info, "{type_name}");
            16
        }
        135 if need(24) => {
            cx.field(&RESERVED, s(4, 4), Value::Bytes(&b[4..8]));
            let a = bytes::array::<16>(b, 8).unwrap_or([0; 16]);
            cx.field(&NS_TARGET, s(8, 16), Value::Ipv6(a));
            let _ = write!(info, "{type_name} for {}", Ipv6Addr::from(a));
            24
        }
        136 if need(24) => {
            let flags = bytes::be32(b, 4).unwrap_or(0);
            let words = flag_words(
                flags,
                &[
                    (0x8000_0000, "Router"),
                    (0x4000_0000, "Solicited"),
                    (0x2000_0000, "Override"),
                ],
            );
            cx.labeled(
                &NA_FLAG,
                s(4, 4),
                Value::U64(flags.into()),
                format_args!("Flags: 0x{flags:08x}{words}"),
            );
            cx.push();
            cx.field(&NA_FLAG_R, s(4, 4), Value::Bool(flags & 0x8000_0000 != 0));
            cx.field(&NA_FLAG_S, s(4, 4), Value::Bool(flags & 0x4000_0000 != 0));
            cx.field(&NA_FLAG_O, s(4, 4), Value::Bool(flags & 0x2000_0000 != 0));
            cx.field(
                &NA_FLAG_RSV,
                s(4, 4),
                Value::U64((flags & 0x1fff_ffff).into()),
            );
            cx.pop();
            let a = bytes::array::<16>(b, 8).unwrap_or([0; 16]);
            cx.field(&NA_TARGET, s(8, 16), Value::Ipv6(a));
            let names: Vec<&str> = [
                (0x8000_0000u32, "rtr"),
                (0x4000_0000, "sol"),
                (0x2000_0000, "ovr"),
            ]
            .iter()
            .filter(|(m, _)| flags & m != 0)
            .map(|(_, n)| *n)
            .collect();
            let _ = write!(info, "{type_name} {}", Ipv6Addr::from(a));
            if !names.is_empty() {
                let _ = write!(info, " ({})", names.join(", "));
            }
            24
        }
        137 if need(40) => {
            cx.field(&RESERVED, s(4, 4), Value::Bytes(&b[4..8]));
            let tgt = bytes::array::<16>(b, 8).unwrap_or([0; 16]);
            let dst = bytes::array::<16>(b, 24).unwrap_or([0; 16]);
            cx.field(&RD_TARGET, s(8, 16), Value::Ipv6(tgt));
            cx.field(&RD_DESTINATION, s(24, 16), Value::Ipv6(dst));
            let _ = write!(info, "{type_name}");
            40
        }
        _ => {
            cx.truncated("ICMPv6", s(0, b.len()), buf.len());
            cx.end_layer();
            return;
        }
    };
    nd_options(cx, buf, off + opts_at, &b[opts_at..], t, &mut info);
    if cx.columns() {
        cx.set_info(format_args!("{info}"));
    }
    cx.end_layer();
}

/// A type without fields of its own: its data.
fn other<S: Sink>(cx: &mut Cx<'_, S>, m: &Message<'_>) {
    let Message {
        buf,
        off,
        b,
        type_name,
        ..
    } = *m;
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.set_info(format_args!("{type_name}"));
    if b.len() > 4 {
        cx.field(&DATA, s(4, b.len() - 4), Value::Bytes(&b[4..]));
    }
    cx.end_layer();
}

/// Neighbour discovery options; adds " from/is at <link address>" to the Info text.
fn nd_options<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    base: usize,
    opts: &[u8],
    t: u8,
    info: &mut String,
) {
    let mut i = 0;
    while i + 2 <= opts.len() {
        let (ot, ol) = (opts[i], opts[i + 1] as usize * 8);
        let o = base + i;
        if ol == 0 || i + ol > opts.len() {
            cx.expert(
                &crate::expert::MALFORMED,
                buf.span(o, opts.len() - i),
                format_args!("Invalid option length"),
            );
            return;
        }
        let body = &opts[i + 2..i + ol];
        let name = crate::field::lookup(OPT_TYPES, ot.into()).unwrap_or("Unknown");
        let what = option_summary(ot, body, ol);
        cx.sink.field_with_label(
            &OPT,
            buf.span(o, ol),
            Value::None,
            Presence::Normal,
            format_args!("ICMPv6 Option ({name}{what})"),
        );
        cx.push();
        cx.field(&OPT_TYPE, buf.span(o, 1), Value::U64(ot.into()));
        cx.labeled(
            &OPT_LENGTH,
            buf.span(o + 1, 1),
            Value::U64((ol / 8) as u64),
            format_args!("Length: {} ({ol} bytes)", ol / 8),
        );
        let at = |x: usize, l: usize| buf.span(o + 2 + x, l);
        match ot {
            1 | 2 => {
                // Ethernet: 6 bytes of address, the rest padding.
                let addr = if body.len() >= 6 { &body[..6] } else { body };
                // An Ethernet address, as Wireshark's FT_ETHER (a short
                // option's bytes as they are).
                let value = match <[u8; 6]>::try_from(addr) {
                    Ok(mac) => Value::Ether(mac),
                    Err(_) => Value::Bytes(addr),
                };
                cx.field(&OPT_LINKADDR, at(0, addr.len()), value);
                let specific = if ot == 1 {
                    &OPT_SRC_LINKADDR
                } else {
                    &OPT_TARGET_LINKADDR
                };
                cx.hidden(specific, at(0, addr.len()), value);
                let mut hex = String::new();
                let _ = crate::field::write_hex_colon(&mut hex, addr);
                match (t, ot) {
                    (133, 1) => {
                        let _ = write!(info, " from {hex}");
                    }
                    (134, 1) => {
                        let _ = write!(info, " from {hex}");
                    }
                    (135, 1) => {
                        let _ = write!(info, " from {hex}");
                    }
                    (136, 2) => {
                        let _ = write!(info, " is at {hex}");
                    }
                    _ => {}
                }
            }
            3 if body.len() >= 30 => {
                cx.field(&OPT_PREFIX_LENGTH, at(0, 1), Value::U64(body[0].into()));
                let f = body[1];
                let words = flag_words(
                    u32::from(f),
                    &[
                        (0x80, "On-link flag(L)"),
                        (0x40, "Autonomous address-configuration flag(A)"),
                        (0x20, "Router address flag(R)"),
                    ],
                );
                cx.labeled(
                    &OPT_PREFIX_FLAG,
                    at(1, 1),
                    Value::U64(f.into()),
                    format_args!("Flag: 0x{f:02x}{words}"),
                );
                cx.push();
                cx.field(&OPT_PREFIX_FLAG_L, at(1, 1), Value::Bool(f & 0x80 != 0));
                cx.field(&OPT_PREFIX_FLAG_A, at(1, 1), Value::Bool(f & 0x40 != 0));
                cx.field(&OPT_PREFIX_FLAG_R, at(1, 1), Value::Bool(f & 0x20 != 0));
                cx.field(
                    &OPT_PREFIX_FLAG_RESERVED,
                    at(1, 1),
                    Value::U64((f & 0x1f).into()),
                );
                cx.pop();
                cx.field(
                    &OPT_PREFIX_VALID,
                    at(2, 4),
                    Value::U64(bytes::be32(body, 2).unwrap_or(0).into()),
                );
                cx.field(
                    &OPT_PREFIX_PREFERRED,
                    at(6, 4),
                    Value::U64(bytes::be32(body, 6).unwrap_or(0).into()),
                );
                cx.field(&OPT_RESERVED, at(10, 4), Value::None);
                cx.field(
                    &OPT_PREFIX,
                    at(14, 16),
                    Value::Ipv6(bytes::array::<16>(body, 14).unwrap_or([0; 16])),
                );
            }
            5 if body.len() >= 6 => {
                cx.field(&OPT_RESERVED, at(0, 2), Value::None);
                cx.field(
                    &OPT_MTU,
                    at(2, 4),
                    Value::U64(bytes::be32(body, 2).unwrap_or(0).into()),
                );
            }
            14 => cx.field(&OPT_NONCE, at(0, body.len()), Value::Bytes(body)),
            25 if body.len() >= 6 => {
                cx.field(&OPT_RESERVED, at(0, 2), Value::None);
                cx.field(
                    &OPT_RDNSS_LIFETIME,
                    at(2, 4),
                    Value::U64(bytes::be32(body, 2).unwrap_or(0).into()),
                );
                for (k, a) in body[6..].chunks_exact(16).enumerate() {
                    let a: [u8; 16] = a.try_into().unwrap_or([0; 16]);
                    cx.field(&OPT_RDNSS, at(6 + 16 * k, 16), Value::Ipv6(a));
                }
            }
            _ => {}
        }
        cx.pop();
        i += ol;
    }
}

/// Wireshark's bitmask label words: ", Name" for each set flag.
fn flag_words(v: u32, flags: &[(u32, &str)]) -> String {
    let mut out = String::new();
    for (bit, name) in flags {
        if v & bit != 0 {
            out.push_str(", ");
            out.push_str(name);
        }
    }
    out
}

/// What Wireshark appends to an option's title: a link-layer address of
/// an Ethernet-sized option, the MTU, the prefix and its length, the
/// recursive DNS servers.
fn option_summary(ot: u8, body: &[u8], ol: usize) -> String {
    let mut out = String::new();
    match ot {
        1 | 2 if ol == 8 => {
            out.push_str(" : ");
            let _ = crate::field::write_hex_colon(&mut out, body.get(..6).unwrap_or(body));
        }
        3 if body.len() >= 30 => {
            let prefix = bytes::array::<16>(body, 14).unwrap_or([0; 16]);
            let _ = write!(out, " : {}/{}", Ipv6Addr::from(prefix), body[0]);
        }
        5 if body.len() >= 6 => {
            let _ = write!(out, " : {}", bytes::be32(body, 2).unwrap_or(0) as i32);
        }
        25 if body.len() >= 6 => {
            for a in body[6..].chunks_exact(16) {
                let a: [u8; 16] = a.try_into().unwrap_or([0; 16]);
                let _ = write!(out, " {}", Ipv6Addr::from(a));
            }
        }
        _ => {}
    }
    out
}
