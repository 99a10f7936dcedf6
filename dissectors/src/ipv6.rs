//! IPv6 (RFC 8200): fixed header, the extension-header chain (hop-by-hop,
//! routing, fragment, destination options) and fragments.

use std::net::{IpAddr, Ipv6Addr};

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Address, Buf, Cx, FragOutcome, Fragment};
use crate::proto::{self, ProtoDef};
use crate::sink::{Sink, Span};
use crate::{bytes, data, ip, ipproto};

static OPT_ACTIONS: &[(u64, &str)] = &[
    (0, "Skip and continue"),
    (1, "Discard and continue"),
    (2, "Discard and send ICMP Parameter Problem"),
    (3, "Discard and send ICMP if not multicast"),
];

static OPT_TYPES: &[(u64, &str)] = &[
    (0x00, "Pad1"),
    (0x01, "PadN"),
    (0x05, "Router Alert"),
    (0xc2, "Jumbo Payload"),
    (0xc9, "Home Address"),
];

static ROUTING_TYPES: &[(u64, &str)] = &[
    (0, "Source Route"),
    (2, "Type 2 Routing"),
    (3, "RPL Source Route"),
    (4, "Segment Routing"),
];

crate::fields! {
    VERSION = FieldDef::new("ipv6.version", "Version", T::U8);
    TCLASS = FieldDef::new("ipv6.tclass", "Traffic Class", T::U32).base(Base::Hex).mask(0x0ff0_0000);
    TCLASS_DSCP = FieldDef::new("ipv6.tclass.dscp", "Differentiated Services Codepoint", T::U32).mask(0x0fc0_0000).names(ip::DSCP);
    TCLASS_ECN = FieldDef::new("ipv6.tclass.ecn", "Explicit Congestion Notification", T::U32).mask(0x0030_0000).names(ip::ECN);
    FLOW = FieldDef::new("ipv6.flow", "Flow Label", T::U24).base(Base::Hex).mask(0xfffff);
    PLEN = FieldDef::new("ipv6.plen", "Payload Length", T::U16);
    NXT = FieldDef::new("ipv6.nxt", "Next Header", T::U8).names(ipproto::NAMES);
    HLIM = FieldDef::new("ipv6.hlim", "Hop Limit", T::U8);
    SRC = FieldDef::new("ipv6.src", "Source Address", T::Ipv6);
    DST = FieldDef::new("ipv6.dst", "Destination Address", T::Ipv6);
    ADDR = FieldDef::new("ipv6.addr", "Source or Destination Address", T::Ipv6);
    SRC_HOST = FieldDef::new("ipv6.src_host", "Source Host", T::String);
    DST_HOST = FieldDef::new("ipv6.dst_host", "Destination Host", T::String);
    HOST = FieldDef::new("ipv6.host", "Source or Destination Host", T::String);
    HOPOPTS_NXT = FieldDef::new("ipv6.hopopts.nxt", "Next Header", T::U8).names(ipproto::NAMES);
    HOPOPTS_LEN = FieldDef::new("ipv6.hopopts.len", "Length", T::U8);
    HOPOPTS_LEN_OCT = FieldDef::new("ipv6.hopopts.len_oct", "Length", T::U16);
    DSTOPTS_NXT = FieldDef::new("ipv6.dstopts.nxt", "Next Header", T::U8).names(ipproto::NAMES);
    DSTOPTS_LEN = FieldDef::new("ipv6.dstopts.len", "Length", T::U8);
    DSTOPTS_LEN_OCT = FieldDef::new("ipv6.dstopts.len_oct", "Length", T::U16);
    OPT_TYPE = FieldDef::new("ipv6.opt.type", "Type", T::U8).base(Base::Hex).names(OPT_TYPES);
    OPT_TYPE_ACTION = FieldDef::new("ipv6.opt.type.action", "Action", T::U8).mask(0xc0).names(OPT_ACTIONS);
    OPT_TYPE_CHANGE = FieldDef::new("ipv6.opt.type.change", "May Change", T::Boolean).tfs("Yes", "No").mask(0x20);
    OPT_TYPE_REST = FieldDef::new("ipv6.opt.type.rest", "Low-Order Bits", T::U8).base(Base::Hex).mask(0x1f);
    OPT_LENGTH = FieldDef::new("ipv6.opt.length", "Length", T::U8);
    OPT_PAD1 = FieldDef::new("ipv6.opt.pad1", "Pad1", T::None);
    OPT = FieldDef::new("ipv6.opt", "IPv6 Option", T::None);
    OPT_PADN = FieldDef::new("ipv6.opt.padn", "PadN", T::Bytes);
    OPT_ROUTER_ALERT = FieldDef::new("ipv6.opt.router_alert", "Router Alert", T::U16).names(&[(0, "MLD"), (1, "RSVP"), (2, "Active Network")]);
    OPT_JUMBO = FieldDef::new("ipv6.opt.jumbo", "Payload Length", T::U32);
    OPT_UNKNOWN = FieldDef::new("ipv6.opt.unknown", "Unknown Option Payload", T::Bytes);
    ROUTING_NXT = FieldDef::new("ipv6.routing.nxt", "Next Header", T::U8).names(ipproto::NAMES);
    ROUTING_LEN = FieldDef::new("ipv6.routing.len", "Length", T::U8);
    ROUTING_LEN_OCT = FieldDef::new("ipv6.routing.len_oct", "Length", T::U16);
    ROUTING_TYPE = FieldDef::new("ipv6.routing.type", "Type", T::U8).names(ROUTING_TYPES);
    ROUTING_SEGLEFT = FieldDef::new("ipv6.routing.segleft", "Segments Left", T::U8);
    ROUTING_UNKNOWN_DATA = FieldDef::new("ipv6.routing.unknown_data", "Type-Specific Data", T::Bytes);
    ROUTING_SRC_RESERVED = FieldDef::new("ipv6.routing.src.reserved", "Reserved", T::Bytes);
    ROUTING_SRC_ADDR = FieldDef::new("ipv6.routing.src.addr", "Address", T::Ipv6);
    ROUTING_MIPV6_RESERVED = FieldDef::new("ipv6.routing.mipv6.reserved", "Reserved", T::Bytes);
    ROUTING_MIPV6_HOME = FieldDef::new("ipv6.routing.mipv6.home_address", "Home Address", T::Ipv6);
    FRAGHDR_NXT = FieldDef::new("ipv6.fraghdr.nxt", "Next header", T::U8).names(ipproto::NAMES);
    FRAGHDR_RESERVED_OCTET = FieldDef::new("ipv6.fraghdr.reserved_octet", "Reserved octet", T::U8).base(Base::Hex);
    FRAGHDR_OFFSET = FieldDef::new("ipv6.fraghdr.offset", "Offset", T::U16).mask(0xfff8);
    FRAGHDR_RESERVED_BITS = FieldDef::new("ipv6.fraghdr.reserved_bits", "Reserved bits", T::U16).mask(0x0006);
    FRAGHDR_MORE = FieldDef::new("ipv6.fraghdr.more", "More Fragments", T::Boolean).tfs("Yes", "No").bits(16).mask(0x0001);
    FRAGHDR_IDENT = FieldDef::new("ipv6.fraghdr.ident", "Identification", T::U32).base(Base::Hex);
    FRAGMENTS = FieldDef::new("ipv6.fragments", "IPv6 Fragments", T::None).appended_label();
    FRAGMENT = FieldDef::new("ipv6.fragment", "IPv6 Fragment", T::FrameNum);
    FRAGMENT_COUNT = FieldDef::new("ipv6.fragment.count", "Fragment count", T::U32);
    REASSEMBLED_IN = FieldDef::new("ipv6.reassembled.in", "Reassembled IPv6 in frame", T::FrameNum);
    REASSEMBLED_LENGTH = FieldDef::new("ipv6.reassembled.length", "Reassembled IPv6 length", T::U32);
    REASSEMBLED_DATA = FieldDef::new("ipv6.reassembled.data", "Reassembled IPv6 data", T::Bytes);
}

/// The fields of a datagram's list of fragments.
static PIECES: crate::pieces_tree::PiecesFields = crate::pieces_tree::PiecesFields {
    list: &FRAGMENTS,
    piece: &FRAGMENT,
    count: &FRAGMENT_COUNT,
    length: &REASSEMBLED_LENGTH,
    data: Some(&REASSEMBLED_DATA),
};

pub static ROUTING_DEPRECATED: ExpertDef = ExpertDef::new(
    "ipv6.routing.deprecated",
    Severity::Note,
    Group::Deprecated,
    "Routing header type is deprecated",
);
pub static PLEN_EXCEEDS_FRAMING: ExpertDef = ExpertDef::new(
    "ipv6.plen_exceeds_framing",
    Severity::Warning,
    Group::Protocol,
    "IPv6 payload length exceeds framing length",
);
pub static OPT_INVALID_LEN: ExpertDef = ExpertDef::new(
    "ipv6.opt.invalid_len",
    Severity::Error,
    Group::Malformed,
    "Invalid IPv6 option length",
);

/// At most this many extension headers are followed; a hostile chain can be
/// as long as the packet allows.
const MAX_EXTENSION_HEADERS: usize = 256;

/// A checked view of the fixed 40-byte IPv6 header.
#[derive(Clone, Copy)]
pub struct Ipv6Header<'a> {
    b: &'a [u8; 40],
}

impl<'a> Ipv6Header<'a> {
    pub const LEN: usize = 40;
    pub fn new_checked(b: &'a [u8]) -> Option<Self> {
        let b: &[u8; 40] = b.get(..Self::LEN)?.try_into().ok()?;
        (b[0] >> 4 == 6).then_some(Ipv6Header { b })
    }
    pub fn word0(&self) -> u32 {
        u32::from_be_bytes([self.b[0], self.b[1], self.b[2], self.b[3]])
    }
    pub fn traffic_class(&self) -> u8 {
        (self.word0() >> 20) as u8
    }
    pub fn flow_label(&self) -> u32 {
        self.word0() & 0xfffff
    }
    pub fn payload_len(&self) -> u16 {
        u16::from_be_bytes([self.b[4], self.b[5]])
    }
    pub fn next_header(&self) -> u8 {
        self.b[6]
    }
    pub fn hop_limit(&self) -> u8 {
        self.b[7]
    }
    pub fn src(&self) -> [u8; 16] {
        self.b[8..24].try_into().unwrap_or([0; 16])
    }
    pub fn dst(&self) -> [u8; 16] {
        self.b[24..40].try_into().unwrap_or([0; 16])
    }
}

/// Next header 59: nothing follows the headers.
const NO_NEXT_HEADER: u8 = 59;

/// Dissects the IPv6 packet at `off`; returns its length.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let rest = buf.rest(off);
    let avail = buf.reported.saturating_sub(off);
    let Some(h) = Ipv6Header::new_checked(rest) else {
        short_header(cx, buf, off);
        return avail;
    };
    let plen = h.payload_len() as usize;
    let total = if plen == 0 {
        avail
    } else {
        (Ipv6Header::LEN + plen).min(avail)
    };
    let (src, dst) = (Ipv6Addr::from(h.src()), Ipv6Addr::from(h.dst()));
    cx.ip_current = Some((IpAddr::V6(src), IpAddr::V6(dst)));
    if cx.quote_depth == 0 {
        cx.pi.src = Address::Ip(IpAddr::V6(src));
        cx.pi.dst = Address::Ip(IpAddr::V6(dst));
        cx.pi.ip = Some((IpAddr::V6(src), IpAddr::V6(dst)));
        cx.pi.ttl = h.hop_limit();
    }
    header_fields(cx, buf, off, &h);
    let payload = buf.limit(off + total);
    let mut nxt = h.next_header();
    let mut pos = off + Ipv6Header::LEN;
    for _ in 0..MAX_EXTENSION_HEADERS {
        let step = match nxt {
            0 | 60 | 43 => extension(cx, payload, pos, nxt),
            44 => match fragment_header(cx, buf.len(), payload, pos, (src, dst)) {
                Some(next) => Some((next, 8)),
                // The fragment header closed both layers.
                None => return total,
            },
            _ => break,
        };
        let Some((next, len)) = step else {
            cx.end_layer();
            return total;
        };
        nxt = next;
        pos += len;
    }
    cx.end_layer();
    if nxt == NO_NEXT_HEADER {
        cx.set_info(format_args!("IPv6 no next header"));
    }
    if cx.enter_encapsulation() {
        ipproto::dispatch(cx, payload, pos, nxt);
        cx.leave_encapsulation();
    }
    total
}

/// Fewer bytes than the fixed header: a bad version or a cut header.
fn short_header<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let rest = buf.rest(off);
    cx.layer(
        &proto::IPV6,
        buf.span(off, rest.len().min(40)),
        format_args!("Internet Protocol Version 6"),
    );
    if rest.first().is_some_and(|b| b >> 4 != 6) {
        cx.expert(
            &crate::expert::MALFORMED,
            buf.span(off, 1),
            format_args!("Bogus IP version"),
        );
    } else {
        cx.truncated("IPv6", buf.span(off, rest.len()), buf.len());
    }
    cx.end_layer();
}

/// The layer and the fixed header's fields.
fn header_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, h: &Ipv6Header<'_>) {
    let (src, dst) = (Ipv6Addr::from(h.src()), Ipv6Addr::from(h.dst()));
    cx.layer(
        &proto::IPV6,
        buf.span(off, Ipv6Header::LEN),
        format_args!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
    );
    let s = |o: usize, l: usize| buf.span(off + o, l);
    cx.labeled(
        &VERSION,
        s(0, 1),
        Value::U64(6),
        format_args!("0110 .... = Version: 6"),
    );
    // `ip.version == 6` matches IPv6 too, as in Wireshark.
    cx.hidden(&ip::VERSION, s(0, 1), Value::U64(6));
    traffic_class(cx, s(0, 4), h.traffic_class());
    cx.field(&FLOW, s(1, 3), Value::U64(h.flow_label().into()));
    let plen = h.payload_len() as usize;
    cx.field(&PLEN, s(4, 2), Value::U64(plen as u64));
    // A length the frame cannot hold (a jumbogram's 0 aside).
    let room = buf.reported.saturating_sub(off + Ipv6Header::LEN);
    if plen > room {
        cx.push();
        cx.expert(
            &PLEN_EXCEEDS_FRAMING,
            s(4, 2),
            format_args!("IPv6 payload length exceeds framing length ({room} bytes)"),
        );
        cx.pop();
    }
    cx.field(&NXT, s(6, 1), Value::U64(h.next_header().into()));
    cx.field(&HLIM, s(7, 1), Value::U64(h.hop_limit().into()));
    address(cx, s(8, 16), h.src(), (&SRC, &SRC_HOST));
    address(cx, s(24, 16), h.dst(), (&DST, &DST_HOST));
    crate::ipv6_embedded::embedded(cx, buf, off + 8, h.src(), false);
    crate::ipv6_embedded::embedded(cx, buf, off + 24, h.dst(), true);
}

/// The traffic class with its DSCP and ECN parts.
fn traffic_class<S: Sink>(cx: &mut Cx<'_, S>, at: Span, tc: u8) {
    let bits = if cx.sink.wants_text() {
        crate::tree::bit_pattern(&TCLASS, tc.into())
    } else {
        String::new()
    };
    cx.labeled(
        &TCLASS,
        at,
        Value::U64(tc.into()),
        format_args!(
            "{bits} = Traffic Class: 0x{tc:02x} (DSCP: {}, ECN: {})",
            crate::field::lookup(ip::DSCP_SHORT, (tc >> 2).into()).unwrap_or("Unknown"),
            ["Not-ECT", "ECT(1)", "ECT(0)", "CE"][(tc & 3) as usize]
        ),
    );
    cx.push();
    cx.field(&TCLASS_DSCP, at, Value::U64((tc >> 2).into()));
    cx.field(&TCLASS_ECN, at, Value::U64((tc & 3).into()));
    cx.pop();
}

/// A source or destination address, with `ipv6.addr` and the host names
/// (the address as text: we resolve no names).
fn address<S: Sink>(
    cx: &mut Cx<'_, S>,
    at: Span,
    a: [u8; 16],
    (def, host): (&'static FieldDef, &'static FieldDef),
) {
    cx.field(def, at, Value::Ipv6(a));
    cx.hidden(&ADDR, at, Value::Ipv6(a));
    if cx.sink.wants(host) || cx.sink.wants(&HOST) {
        let t = Ipv6Addr::from(a).to_string();
        cx.hidden(host, at, Value::Str(&t));
        cx.hidden(&HOST, at, Value::Str(&t));
    }
}

/// The fragment header at `pos`: `Some(next header)` for an atomic
/// fragment, after which the chain goes on; otherwise the fragment is
/// reassembled or shown as data, both layers closed, and `None`.
fn fragment_header<S: Sink>(
    cx: &mut Cx<'_, S>,
    frame_len: usize,
    payload: Buf<'_>,
    pos: usize,
    (src, dst): (Ipv6Addr, Ipv6Addr),
) -> Option<u8> {
    let Some(hdr) = bytes::array::<8>(payload.bytes, pos) else {
        cx.layer(
            &proto::IPV6_FRAGHDR,
            payload.span(pos, payload.rest(pos).len()),
            format_args!("Fragment Header for IPv6"),
        );
        cx.truncated("IPv6 fragment header", payload.span(pos, 0), frame_len);
        cx.end_layer();
        cx.end_layer();
        return None;
    };
    let next = hdr[0];
    let offw = u16::from_be_bytes([hdr[2], hdr[3]]);
    let more = offw & 1 != 0;
    let ident = u32::from_be_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]);
    cx.layer(
        &proto::IPV6_FRAGHDR,
        payload.span(pos, 8),
        format_args!("Fragment Header for IPv6"),
    );
    let fs = |o: usize, l: usize| payload.span(pos + o, l);
    cx.field(&FRAGHDR_NXT, fs(0, 1), Value::U64(next.into()));
    cx.field(&FRAGHDR_RESERVED_OCTET, fs(1, 1), Value::U64(hdr[1].into()));
    fragment_offset(cx, fs(2, 2), offw >> 3);
    let reserved = Value::U64(((offw >> 1) & 3).into());
    cx.field(&FRAGHDR_RESERVED_BITS, fs(2, 2), reserved);
    cx.field(&FRAGHDR_MORE, fs(2, 2), Value::Bool(more));
    cx.field(&FRAGHDR_IDENT, fs(4, 4), Value::U64(ident.into()));
    let frag_off = u32::from(offw & 0xfff8);
    if frag_off == 0 && !more {
        // An atomic fragment (RFC 6946): nothing to reassemble.
        cx.end_layer();
        return Some(next);
    }
    let fragment = Fragment {
        frame: cx.frame.number,
        v6: true,
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        id: ident,
        protocol: next,
        offset: frag_off,
        more,
        payload: payload.rest(pos + 8),
    };
    fragment_payload(cx, payload, pos + 8, &fragment);
    None
}

/// A fragment's payload: the reassembled packet dispatched if this
/// fragment completes it, otherwise data and the fragment's Info.
fn fragment_payload<S: Sink>(cx: &mut Cx<'_, S>, payload: Buf<'_>, pos: usize, f: &Fragment<'_>) {
    let outcome = if cx.quote_depth == 0 {
        cx.state.ip_fragment(f)
    } else {
        FragOutcome::Pending
    };
    let FragOutcome::Complete {
        payload: whole,
        frames,
    } = outcome
    else {
        if let FragOutcome::PendingUntil(n) = outcome {
            cx.generated(&REASSEMBLED_IN, payload.span(pos, 0), Value::U64(n.into()));
        }
        if let FragOutcome::Refused(why) = outcome {
            cx.reassembly_error("IPv6", payload.span(pos, 0), &why.text());
        }
        cx.end_layer();
        cx.end_layer();
        let (off, more, ident, next) = (f.offset, f.more, f.id, f.protocol);
        cx.set_info(format_args!(
            "IPv6 fragment (off={off} more={} ident=0x{ident:08x} nxt={next})",
            if more { "y" } else { "n" }
        ));
        data::dissect(cx, payload, pos);
        return;
    };
    let source = cx.sink.source("Reassembled IPv6", &whole).max(1);
    // The list closes the IPv6 item, after the fragment header's
    // (Wireshark hands it the IPv6 tree).
    cx.end_layer();
    crate::pieces_tree::pieces_tree(
        cx,
        &PIECES,
        crate::sink::Span::in_source(source, 0, 0),
        &frames,
        Some((source, &whole)),
    );
    cx.end_layer();
    ipproto::dispatch(
        cx,
        crate::packet::Buf::source(&whole, source),
        0,
        f.protocol,
    );
    if cx.pi.reassembled.is_none() {
        cx.pi.reassembled = Some(whole);
    }
}

/// Hop-by-hop, destination options and routing headers. Returns the next
/// header and this header's length, or `None` when it does not fit.
fn extension<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    pos: usize,
    kind: u8,
) -> Option<(u8, usize)> {
    let (proto, nxt_f, len_f, oct_f): (&'static ProtoDef, _, _, _) = match kind {
        0 => (
            &proto::IPV6_HOPOPTS,
            &HOPOPTS_NXT,
            &HOPOPTS_LEN,
            &HOPOPTS_LEN_OCT,
        ),
        60 => (
            &proto::IPV6_DSTOPTS,
            &DSTOPTS_NXT,
            &DSTOPTS_LEN,
            &DSTOPTS_LEN_OCT,
        ),
        _ => (
            &proto::IPV6_ROUTING,
            &ROUTING_NXT,
            &ROUTING_LEN,
            &ROUTING_LEN_OCT,
        ),
    };
    let title = proto.field.title;
    if kind == 0 {
        // Shown when nothing above says more.
        cx.set_info(format_args!("IPv6 hop-by-hop options"));
    }
    let (Some(next), Some(len_units)) = (
        bytes::u8_at(buf.bytes, pos),
        bytes::u8_at(buf.bytes, pos + 1),
    ) else {
        cx.layer(
            proto,
            buf.span(pos, buf.rest(pos).len()),
            format_args!("{title}"),
        );
        cx.truncated(title, buf.span(pos, 0), usize::MAX);
        cx.end_layer();
        return None;
    };
    let len = (len_units as usize + 1) * 8;
    // A length past the end of the packet is shown up to the end.
    let shown = len
        .min(buf.reported.saturating_sub(pos))
        .max(buf.rest(pos).len().min(len));
    // A routing header's title names its type, as Wireshark appends it.
    let rtype = bytes::u8_at(buf.bytes, pos + 2).filter(|_| kind == 43 && len <= shown);
    match rtype.map(|t| crate::field::lookup(ROUTING_TYPES, t.into()).ok_or(t)) {
        Some(Ok(name)) => cx.layer(
            proto,
            buf.span(pos, shown),
            format_args!("{title} ({name})"),
        ),
        Some(Err(t)) => cx.layer(
            proto,
            buf.span(pos, shown),
            format_args!("{title} (Unknown type {t})"),
        ),
        None => cx.layer(proto, buf.span(pos, shown), format_args!("{title}")),
    }
    cx.field(nxt_f, buf.span(pos, 1), Value::U64(next.into()));
    cx.field(len_f, buf.span(pos + 1, 1), Value::U64(len_units.into()));
    // Wireshark's unit string: "[Length: 8 bytes]".
    cx.generated_labeled(
        oct_f,
        buf.span(pos + 1, 1),
        Value::U64(len as u64),
        format_args!("Length: {len} bytes"),
    );
    if buf.bytes.len() < pos + len {
        cx.truncated(title, buf.span(pos, buf.rest(pos).len()), usize::MAX);
        cx.end_layer();
        return None;
    }
    let body = &buf.bytes[pos + 2..pos + len];
    let intact = if kind == 43 {
        routing(cx, buf, pos, body);
        true
    } else {
        let short = if kind == 0 {
            "IPv6 Hop-by-Hop"
        } else {
            "IPv6 Destination Options"
        };
        options(cx, buf, pos + 2, body, short)
    };
    cx.end_layer();
    // An option running past its header ends the dissection, as
    // Wireshark's exception does.
    intact.then_some((next, len))
}

/// The offset in 8-byte units, which Wireshark's label also shows in bytes.
fn fragment_offset<S: Sink>(cx: &mut Cx<'_, S>, span: Span, units: u16) {
    let v = Value::U64(units.into());
    if cx.sink.wants_text() {
        let bits = crate::tree::bit_pattern(&FRAGHDR_OFFSET, units.into());
        let bytes = u32::from(units) * 8;
        let text = format_args!("{bits} = Offset: {units} ({bytes} bytes)");
        cx.labeled(&FRAGHDR_OFFSET, span, v, text);
    } else {
        cx.field(&FRAGHDR_OFFSET, span, v);
    }
}

fn routing<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, pos: usize, body: &[u8]) {
    let (rtype, segleft) = (body[0], body[1]);
    cx.field(
        &ROUTING_TYPE,
        buf.span(pos + 2, 1),
        Value::U64(rtype.into()),
    );
    // Type 0 is deprecated (RFC 5095); the note sits under Type.
    if rtype == 0 {
        cx.push();
        cx.expert(
            &ROUTING_DEPRECATED,
            buf.span(pos + 2, 1),
            format_args!("Routing header type is deprecated"),
        );
        cx.pop();
    }
    cx.field(
        &ROUTING_SEGLEFT,
        buf.span(pos + 3, 1),
        Value::U64(segleft.into()),
    );
    let data = &body[2..];
    let at = pos + 4;
    match rtype {
        0 => {
            cx.field(
                &ROUTING_SRC_RESERVED,
                buf.span(at, 4.min(data.len())),
                Value::Bytes(bytes::clamp(data, 0, 4)),
            );
            for (i, a) in data.get(4..).unwrap_or(&[]).chunks_exact(16).enumerate() {
                if let Ok(a) = <[u8; 16]>::try_from(a) {
                    cx.field(
                        &ROUTING_SRC_ADDR,
                        buf.span(at + 4 + 16 * i, 16),
                        Value::Ipv6(a),
                    );
                }
            }
        }
        2 => {
            cx.field(
                &ROUTING_MIPV6_RESERVED,
                buf.span(at, 4.min(data.len())),
                Value::Bytes(bytes::clamp(data, 0, 4)),
            );
            if let Some(a) = bytes::array::<16>(data, 4) {
                cx.field(&ROUTING_MIPV6_HOME, buf.span(at + 4, 16), Value::Ipv6(a));
            }
        }
        _ => cx.field(
            &ROUTING_UNKNOWN_DATA,
            buf.span(at, data.len()),
            Value::Bytes(data),
        ),
    }
}

/// TLV options of hop-by-hop and destination-options headers; false when
/// an option overruns the header.
/// `short`: the header's name in exception notes.
fn options<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    base: usize,
    opts: &[u8],
    short: &str,
) -> bool {
    let mut i = 0;
    while i < opts.len() {
        let t = opts[i];
        let o = base + i;
        let name = crate::field::lookup(OPT_TYPES, t.into()).unwrap_or("Unknown");
        if t == 0 {
            cx.labeled(&OPT, buf.span(o, 1), Value::None, format_args!("Pad1"));
            cx.push();
            option_type(cx, buf, o, t);
            cx.field(&OPT_PAD1, buf.span(o, 1), Value::None);
            cx.pop();
            i += 1;
            continue;
        }
        let Some(&len) = opts.get(i + 1) else {
            cx.expert(
                &OPT_INVALID_LEN,
                buf.span(o, 1),
                format_args!("Invalid IPv6 option length"),
            );
            return false;
        };
        let len = len as usize;
        if i + 2 + len > opts.len() {
            cx.labeled(
                &OPT,
                buf.span(o, opts.len() - i),
                Value::None,
                format_args!("{name}"),
            );
            cx.push();
            option_type(cx, buf, o, t);
            cx.field(&OPT_LENGTH, buf.span(o + 1, 1), Value::U64(len as u64));
            cx.expert(
                &OPT_INVALID_LEN,
                buf.span(o, opts.len() - i),
                format_args!("Invalid IPv6 option length"),
            );
            cx.pop();
            if o + 2 + len > buf.bytes.len() {
                // Wireshark reads on past the header into bytes not captured.
                cx.truncated(short, buf.span(o, buf.rest(o).len()), buf.len());
            }
            return false;
        }
        let val = &opts[i + 2..i + 2 + len];
        cx.labeled(
            &OPT,
            buf.span(o, 2 + len),
            Value::None,
            format_args!("{name}"),
        );
        cx.push();
        option_type(cx, buf, o, t);
        cx.field(&OPT_LENGTH, buf.span(o + 1, 1), Value::U64(len as u64));
        let vs = buf.span(o + 2, len);
        match t {
            // Wireshark's field allows zero bytes: "<none>", not missing.
            1 if val.is_empty() => cx.labeled(
                &OPT_PADN,
                vs,
                Value::Bytes(val),
                format_args!("PadN: <none>"),
            ),
            1 => cx.field(&OPT_PADN, vs, Value::Bytes(val)),
            5 if len == 2 => cx.field(
                &OPT_ROUTER_ALERT,
                vs,
                Value::U64(u16::from_be_bytes([val[0], val[1]]).into()),
            ),
            0xc2 if len == 4 => cx.field(
                &OPT_JUMBO,
                vs,
                Value::U64(u32::from_be_bytes([val[0], val[1], val[2], val[3]]).into()),
            ),
            _ => cx.field(&OPT_UNKNOWN, vs, Value::Bytes(val)),
        }
        cx.pop();
        i += 2 + len;
    }
    true
}

fn option_type<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, o: usize, t: u8) {
    cx.field(&OPT_TYPE, buf.span(o, 1), Value::U64(t.into()));
    cx.push();
    cx.field(
        &OPT_TYPE_ACTION,
        buf.span(o, 1),
        Value::U64((t >> 6).into()),
    );
    cx.field(&OPT_TYPE_CHANGE, buf.span(o, 1), Value::Bool(t & 0x20 != 0));
    cx.field(
        &OPT_TYPE_REST,
        buf.span(o, 1),
        Value::U64((t & 0x1f).into()),
    );
    cx.pop();
}
