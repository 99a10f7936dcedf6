//! IPv4 (RFC 791): header, options, header checksum, fragments.

use std::net::{IpAddr, Ipv4Addr};

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::Table;
use crate::packet::{Address, Buf, Cx, FragOutcome, Fragment};
use crate::proto;
use crate::sink::{Presence, Sink, Span};
use crate::{bytes, data, ip, ipproto};

/// Option numbers by name (tshark's `ipopt_type_number_vals`).
static OPTION_NUMBERS: &[(u64, &str)] = &[
    (0, "End of Option List (EOL)"),
    (1, "No-Operation (NOP)"),
    (2, "Security"),
    (3, "Loose source route"),
    (4, "Time stamp"),
    (5, "Extended security"),
    (6, "Commercial IP security option"),
    (7, "Record route"),
    (8, "Stream identifier"),
    (9, "Strict source route"),
    (10, "Experimental Measurement"),
    (11, "MTU probe"),
    (12, "MTU Reply"),
    (13, "Experimental Flow Control"),
    (14, "Experimental Access Control"),
    (15, "Ask Estrin"),
    (16, "IMI Traffic Descriptor"),
    (17, "Extended Internet Protocol"),
    (18, "Traceroute"),
    (19, "Address Extension"),
    (20, "Router Alert"),
    (21, "Selective Directed Broadcast"),
    (22, "Unassigned"),
    (23, "Dynamic Packet State"),
    (24, "Upstream Multicast Packet"),
    (25, "Quick-Start"),
    (30, "RFC 3692-style experiment"),
];

/// Router Alert values (RFC 2113).
static ROUTER_ALERT: &[(u64, &str)] = &[(0, "Router shall examine packet")];

static OPTION_CLASSES: &[(u64, &str)] = &[
    (0, "Control"),
    (1, "Reserved for future use"),
    (2, "Debugging and measurement"),
    (3, "Reserved for future use"),
];

crate::fields! {
    HDR_LEN = FieldDef::new("ip.hdr_len", "Header Length", T::U8);
    DSFIELD = FieldDef::new("ip.dsfield", "Differentiated Services Field", T::U8).base(Base::Hex);
    DSCP_F = FieldDef::new("ip.dsfield.dscp", "Differentiated Services Codepoint", T::U8).mask(0xfc).names(ip::DSCP);
    ECN_F = FieldDef::new("ip.dsfield.ecn", "Explicit Congestion Notification", T::U8).mask(0x03).names(ip::ECN);
    LEN = FieldDef::new("ip.len", "Total Length", T::U16);
    ID = FieldDef::new("ip.id", "Identification", T::U16).base(Base::HexDec);
    FLAGS = FieldDef::new("ip.flags", "Flags", T::U8).base(Base::Hex).mask(0xe0);
    FLAGS_RB = FieldDef::new("ip.flags.rb", "Reserved bit", T::Boolean).tfs("Set", "Not set").mask(0x80);
    FLAGS_DF = FieldDef::new("ip.flags.df", "Don't fragment", T::Boolean).tfs("Set", "Not set").mask(0x40);
    FLAGS_MF = FieldDef::new("ip.flags.mf", "More fragments", T::Boolean).tfs("Set", "Not set").mask(0x20);
    FRAG_OFFSET = FieldDef::new("ip.frag_offset", "Fragment Offset", T::U16).mask(0x1fff);
    TTL = FieldDef::new("ip.ttl", "Time to Live", T::U8);
    PROTO = FieldDef::new("ip.proto", "Protocol", T::U8).names(ipproto::NAMES);
    CHECKSUM = FieldDef::new("ip.checksum", "Header Checksum", T::U16).base(Base::Hex);
    CHECKSUM_CALCULATED = FieldDef::new("ip.checksum_calculated", "Calculated Checksum", T::U16).base(Base::Hex);
    CHECKSUM_STATUS_F = FieldDef::new("ip.checksum.status", "Header checksum status", T::U8).base(Base::None).names(crate::field::CHECKSUM_STATUS);
    SRC = FieldDef::new("ip.src", "Source Address", T::Ipv4);
    DST = FieldDef::new("ip.dst", "Destination Address", T::Ipv4);
    ADDR = FieldDef::new("ip.addr", "Source or Destination Address", T::Ipv4);
    SRC_HOST = FieldDef::new("ip.src_host", "Source Host", T::String);
    DST_HOST = FieldDef::new("ip.dst_host", "Destination Host", T::String);
    HOST = FieldDef::new("ip.host", "Source or Destination Host", T::String);
    OPT_TYPE = FieldDef::new("ip.opt.type", "Type", T::U8);
    OPT_TYPE_COPY = FieldDef::new("ip.opt.type.copy", "Copy on fragmentation", T::Boolean).tfs("Yes", "No").mask(0x80);
    OPT_TYPE_CLASS = FieldDef::new("ip.opt.type.class", "Class", T::U8).mask(0x60).names(OPTION_CLASSES);
    OPT_TYPE_NUMBER = FieldDef::new("ip.opt.type.number", "Number", T::U8).mask(0x1f).names(OPTION_NUMBERS);
    OPT_LEN = FieldDef::new("ip.opt.len", "Length", T::U8);
    OPT_PTR = FieldDef::new("ip.opt.ptr", "Pointer", T::U8);
    OPT_RA = FieldDef::new("ip.opt.ra", "Router Alert", T::U16).names(ROUTER_ALERT);
    OPT_PADDING = FieldDef::new("ip.opt.padding", "Padding", T::Bytes);
    OPT_TIME_STAMP = FieldDef::new("ip.opt.time_stamp", "Time stamp", T::U32);
    OPT_TIME_STAMP_ADDR = FieldDef::new("ip.opt.time_stamp_addr", "Address", T::Ipv4);
    OPT_OVERFLOW = FieldDef::new("ip.opt.overflow", "Overflow", T::U8).mask(0xf0);
    OPT_FLAG = FieldDef::new("ip.opt.flag", "Flag", T::U8).base(Base::Hex).mask(0x0f);
    REC_RT = FieldDef::new("ip.rec_rt", "Recorded Route", T::Ipv4);
    SRC_RT = FieldDef::new("ip.src_rt", "Source Route", T::Ipv4);
    EMPTY_RT = FieldDef::new("ip.empty_rt", "Empty Route", T::Ipv4);
    OPT_EOL = FieldDef::new("ip.options.eol", "IP Option - End of Options List (EOL)", T::Bytes);
    OPT_NOP = FieldDef::new("ip.options.nop", "IP Option - No Operation (NOP)", T::Bytes);
    OPT_ROUTE = FieldDef::new("ip.options.route", "IP Option - Record Route", T::Bytes);
    OPT_TIMESTAMP = FieldDef::new("ip.options.timestamp", "IP Option - Time Stamp", T::Bytes);
    OPT_LSRR = FieldDef::new("ip.options.lsrr", "IP Option - Loose Source Route", T::Bytes);
    OPT_SSRR = FieldDef::new("ip.options.ssrr", "IP Option - Strict Source Route", T::Bytes);
    OPT_ROUTERALERT = FieldDef::new("ip.options.routeralert", "IP Option - Router Alert", T::Bytes);
    OPT_SECURITY = FieldDef::new("ip.options.security", "IP Option - Security", T::Bytes);
    OPT_UNKNOWN = FieldDef::new("ip.options.unknown", "IP Option - Unknown", T::Bytes);
    FRAGMENTS = FieldDef::new("ip.fragments", "IPv4 Fragments", T::Bytes).appended_label();
    FRAGMENT = FieldDef::new("ip.fragment", "IPv4 Fragment", T::FrameNum);
    FRAGMENT_COUNT = FieldDef::new("ip.fragment.count", "Fragment count", T::U32);
    REASSEMBLED_IN = FieldDef::new("ip.reassembled_in", "Reassembled IPv4 in frame", T::FrameNum);
    REASSEMBLED_LENGTH = FieldDef::new("ip.reassembled.length", "Reassembled IPv4 length", T::U32);
    REASSEMBLED_DATA = FieldDef::new("ip.reassembled.data", "Reassembled IPv4 data", T::Bytes);
}

/// The fields of a datagram's list of fragments.
static PIECES: crate::pieces_tree::PiecesFields = crate::pieces_tree::PiecesFields {
    list: &FRAGMENTS,
    piece: &FRAGMENT,
    count: &FRAGMENT_COUNT,
    length: &REASSEMBLED_LENGTH,
    data: Some(&REASSEMBLED_DATA),
};

pub static BAD_CHECKSUM: ExpertDef = ExpertDef::new(
    "ip.checksum_bad.expert",
    Severity::Error,
    Group::Checksum,
    "Bad checksum",
);
pub static BOGUS_LENGTH: ExpertDef = ExpertDef::new(
    "ip.bogus_ip_length",
    Severity::Error,
    Group::Protocol,
    "Bogus IP length",
);
pub static BOGUS_HEADER_LENGTH: ExpertDef = ExpertDef::new(
    "ip.bogus_header_length",
    Severity::Error,
    Group::Protocol,
    "Bogus IP header length",
);
pub static TTL_LNCB: ExpertDef = ExpertDef::new(
    "ip.ttl.lncb",
    Severity::Note,
    Group::Sequence,
    "Time To Live",
);
pub static TTL_TOO_SMALL: ExpertDef = ExpertDef::new(
    "ip.ttl.too_small",
    Severity::Note,
    Group::Sequence,
    "Time To Live",
);
pub static BOGUS_VERSION: ExpertDef = ExpertDef::new(
    "ip.bogus_ip_version",
    Severity::Error,
    Group::Protocol,
    "Bogus IP version",
);
pub static OPT_LEN_INVALID: ExpertDef = ExpertDef::new(
    "ip.opt.len.invalid",
    Severity::Error,
    Group::Protocol,
    "Invalid length for option",
);

/// Byte ranges of the fixed header.
mod field {
    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLG_OFF: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
    pub const HEADER_LEN: usize = 20;
}

/// A checked view of an IPv4 header: after [`Ipv4Header::new_checked`] the
/// whole header (options included) is inside the slice.
#[derive(Clone, Copy)]
pub struct Ipv4Header<'a> {
    b: &'a [u8],
}

impl<'a> Ipv4Header<'a> {
    pub fn new_checked(b: &'a [u8]) -> Result<Self, HeaderError> {
        let first = *b.get(field::VER_IHL).ok_or(HeaderError::Truncated)?;
        if first >> 4 != 4 {
            return Err(HeaderError::Version(first >> 4));
        }
        let hlen = (first & 0x0f) as usize * 4;
        if hlen < field::HEADER_LEN {
            return Err(HeaderError::HeaderLength(hlen));
        }
        if b.len() < hlen {
            return Err(HeaderError::Truncated);
        }
        Ok(Ipv4Header { b: &b[..hlen] })
    }
    fn be16(&self, off: usize) -> u16 {
        u16::from_be_bytes([self.b[off], self.b[off + 1]])
    }
    pub fn header_len(&self) -> usize {
        self.b.len()
    }
    pub fn dscp_ecn(&self) -> u8 {
        self.b[field::DSCP_ECN]
    }
    pub fn total_len(&self) -> u16 {
        self.be16(field::LENGTH)
    }
    pub fn ident(&self) -> u16 {
        self.be16(field::IDENT)
    }
    pub fn flags(&self) -> u8 {
        self.b[field::FLG_OFF] >> 5
    }
    pub fn dont_frag(&self) -> bool {
        self.b[field::FLG_OFF] & 0x40 != 0
    }
    pub fn more_frags(&self) -> bool {
        self.b[field::FLG_OFF] & 0x20 != 0
    }
    /// In 8-byte units, as on the wire.
    pub fn frag_offset(&self) -> u16 {
        self.be16(field::FLG_OFF) & 0x1fff
    }
    pub fn ttl(&self) -> u8 {
        self.b[field::TTL]
    }
    pub fn protocol(&self) -> u8 {
        self.b[field::PROTOCOL]
    }
    pub fn checksum(&self) -> u16 {
        self.be16(field::CHECKSUM)
    }
    pub fn src(&self) -> [u8; 4] {
        let s = field::SRC;
        [self.b[s], self.b[s + 1], self.b[s + 2], self.b[s + 3]]
    }
    pub fn dst(&self) -> [u8; 4] {
        let d = field::DST;
        [self.b[d], self.b[d + 1], self.b[d + 2], self.b[d + 3]]
    }
    pub fn options(&self) -> &'a [u8] {
        &self.b[field::HEADER_LEN..]
    }
    /// The checksum the header should carry.
    pub fn computed_checksum(&self) -> u16 {
        let sum = bytes::ones_complement_sum(0, &self.b[..field::CHECKSUM]);
        bytes::fold_checksum(bytes::ones_complement_sum(
            sum,
            &self.b[field::CHECKSUM + 2..],
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    Truncated,
    Version(u8),
    HeaderLength(usize),
}

/// Dissects the IPv4 datagram at `off`; returns its length (the bytes after it
/// are a link-layer trailer).
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let rest = buf.rest(off);
    let avail_reported = buf.reported.saturating_sub(off);
    let h = match Ipv4Header::new_checked(rest) {
        Ok(h) => h,
        Err(e) => return header_error(cx, buf, off, e),
    };
    let hlen = h.header_len();
    let src = Ipv4Addr::from(h.src());
    let dst = Ipv4Addr::from(h.dst());
    let mut total = h.total_len() as usize;
    // A zero length is what TCP segmentation offload leaves: use what was captured.
    if total == 0 {
        total = avail_reported;
    }
    let bogus_len = total < hlen;
    let end = if bogus_len {
        off + hlen
    } else {
        off + total.min(avail_reported)
    };
    cx.ip_current = Some((IpAddr::V4(src), IpAddr::V4(dst)));
    if cx.quote_depth == 0 {
        cx.pi.src = Address::Ip(IpAddr::V4(src));
        cx.pi.dst = Address::Ip(IpAddr::V4(dst));
        cx.pi.ip = Some((IpAddr::V4(src), IpAddr::V4(dst)));
        cx.pi.ttl = h.ttl();
    }

    cx.layer(
        &proto::IP,
        buf.span(off, hlen),
        format_args!("Internet Protocol Version 4, Src: {src}, Dst: {dst}"),
    );
    header_fields(cx, buf, off, &h, bogus_len);
    if bogus_len {
        cx.end_layer();
        return end - off;
    }
    let payload = buf.limit(end);
    let proto_num = h.protocol();
    let frag_off = u32::from(h.frag_offset()) * 8;
    if h.more_frags() || frag_off != 0 {
        fragment(cx, buf, off, &h, payload);
        return end - off;
    }
    cx.end_layer();
    if cx.enter_encapsulation() {
        ipproto::dispatch(cx, payload, off + hlen, proto_num);
        cx.leave_encapsulation();
    }
    end - off
}

/// The header's fields after the layer's title, options included.
fn header_fields<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    h: &Ipv4Header<'_>,
    bogus_len: bool,
) {
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let hlen = h.header_len();
    let words = hlen / 4;
    let text = format_args!("0100 .... = Version: 4");
    cx.labeled(&ip::VERSION, s(0, 1), Value::U64(4), text);
    let text = format_args!(".... {words:04b} = Header Length: {hlen} bytes ({words})");
    cx.labeled(&HDR_LEN, s(0, 1), Value::U64(hlen as u64), text);
    ds_field(cx, s(1, 1), h.dscp_ecn());
    cx.field(&LEN, s(2, 2), Value::U64(h.total_len().into()));
    length_expert(cx, buf, off, h, bogus_len);
    cx.field(&ID, s(4, 2), Value::U64(h.ident().into()));
    flags_field(cx, s(6, 1), h);
    frag_offset_field(cx, s(6, 2), h.frag_offset());
    cx.field(&TTL, s(8, 1), Value::U64(h.ttl().into()));
    ttl_expert(cx, s(8, 1), h);
    cx.field(&PROTO, s(9, 1), Value::U64(h.protocol().into()));
    checksum_fields(cx, buf, off, h);
    address_fields(cx, buf, off, h);
    if hlen > field::HEADER_LEN {
        options(cx, buf, off + field::HEADER_LEN, h.options());
    }
}

/// The Differentiated Services field with its DSCP and ECN parts.
fn ds_field<S: Sink>(cx: &mut Cx<'_, S>, at: Span, ds: u8) {
    cx.labeled(
        &DSFIELD,
        at,
        Value::U64(ds.into()),
        format_args!(
            "Differentiated Services Field: 0x{ds:02x} (DSCP: {}, ECN: {})",
            crate::field::lookup(ip::DSCP_SHORT, (ds >> 2).into()).unwrap_or("Unknown"),
            ["Not-ECT", "ECT(1)", "ECT(0)", "CE"][(ds & 3) as usize]
        ),
    );
    cx.push();
    cx.field(&DSCP_F, at, Value::U64((ds >> 2).into()));
    cx.field(&ECN_F, at, Value::U64((ds & 3).into()));
    cx.pop();
}

/// A total length past the packet's end (under the length, not for a
/// quoted datagram) or shorter than the header (beside it).
fn length_expert<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    h: &Ipv4Header<'_>,
    bogus_len: bool,
) {
    let at = buf.span(off + 2, 2);
    let (total, hlen) = (h.total_len(), h.header_len());
    let avail = buf.reported.saturating_sub(off);
    if bogus_len {
        let text = format_args!("Bogus IP length ({total}, less than header length {hlen})");
        cx.expert(&BOGUS_LENGTH, at, text);
    } else if total as usize > avail && cx.quote_depth == 0 {
        cx.push();
        let text = format_args!("IPv4 total length exceeds packet length ({avail} bytes)");
        cx.expert(&BOGUS_LENGTH, at, text);
        cx.pop();
    }
}

/// The flags byte and its three bits.
fn flags_field<S: Sink>(cx: &mut Cx<'_, S>, at: Span, h: &Ipv4Header<'_>) {
    let flags = h.flags();
    let flag_names = match (h.dont_frag(), h.more_frags()) {
        (true, true) => ", Don't fragment, More fragments",
        (true, false) => ", Don't fragment",
        (false, true) => ", More fragments",
        (false, false) => "",
    };
    let text = format_args!("{flags:03b}. .... = Flags: 0x{flags}{flag_names}");
    cx.labeled(&FLAGS, at, Value::U64(flags.into()), text);
    cx.push();
    cx.field(&FLAGS_RB, at, Value::Bool(flags & 4 != 0));
    cx.field(&FLAGS_DF, at, Value::Bool(flags & 2 != 0));
    cx.field(&FLAGS_MF, at, Value::Bool(flags & 1 != 0));
    cx.pop();
}

/// A header that does not read: what of it does, and why not.
fn header_error<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, e: HeaderError) -> usize {
    let rest = buf.rest(off);
    let avail_reported = buf.reported.saturating_sub(off);
    cx.layer(
        &proto::IP,
        buf.span(off, rest.len().min(20)),
        format_args!("Internet Protocol Version 4"),
    );
    match e {
        HeaderError::Truncated => {
            partial_header(cx, buf, off, rest);
            cx.truncated("IPv4", buf.span(off, rest.len()), buf.len());
        }
        HeaderError::Version(v) => {
            cx.labeled(
                &ip::VERSION,
                buf.span(off, 1),
                Value::U64(v.into()),
                format_args!("Version: {v}"),
            );
            cx.expert(
                &BOGUS_VERSION,
                buf.span(off, 1),
                format_args!("Bogus IPv4 version"),
            );
            cx.set_info(format_args!("Bogus IPv4 version ({v}, must be 4)"));
            if v == 6 {
                // What claims to be IPv4 is IPv6: Wireshark reads it as such.
                cx.end_layer();
                return cx
                    .dissect_by(Table::IpVersion, 6, buf, off)
                    .unwrap_or_else(|| buf.reported.saturating_sub(off));
            }
        }
        HeaderError::HeaderLength(l) => {
            cx.labeled(
                &HDR_LEN,
                buf.span(off, 1),
                Value::U64(l as u64),
                format_args!("Header Length: {l} bytes"),
            );
            cx.expert(
                &BOGUS_HEADER_LENGTH,
                buf.span(off, 1),
                format_args!("Bogus IP header length ({l}, must be at least 20)"),
            );
            cx.set_info(format_args!(
                "Bogus IP header length ({l}, must be at least 20)"
            ));
        }
    }
    cx.end_layer();
    avail_reported
}

/// The offset in 8-byte units, which tshark's label shows in bytes.
fn frag_offset_field<S: Sink>(cx: &mut Cx<'_, S>, span: Span, units: u16) {
    let v = Value::U64(units.into());
    if cx.sink.wants_text() {
        let bits = crate::tree::bit_pattern(&FRAG_OFFSET, units.into());
        let bytes = u32::from(units) * 8;
        let text = format_args!("{bits} = Fragment Offset: {bytes}");
        cx.labeled(&FRAG_OFFSET, span, v, text);
    } else {
        cx.field(&FRAG_OFFSET, span, v);
    }
}

/// tshark's notes on a TTL unlikely to arrive: not the one the Local
/// Network Control Block (224.0.0.0/24) expects, or under 5 to a unicast
/// address (PIM and OSPF excepted).
fn ttl_expert<S: Sink>(cx: &mut Cx<'_, S>, span: Span, h: &Ipv4Header<'_>) {
    let (ttl, dst) = (h.ttl(), h.dst());
    cx.push();
    if dst[..3] == [224, 0, 0] {
        let valid = match dst[3] {
            18 | 102 | 251 => Some(255), // VRRP, GLBP, mDNS
            252 => None,                 // LLMNR: any
            _ => Some(1),
        };
        if let Some(v) = valid.filter(|&v| v != ttl) {
            let text = format_args!(
                "\"Time To Live\" != {v} for a packet sent to the Local Network Control Block \
                 (see RFC 3171)"
            );
            cx.expert(&TTL_LNCB, span, text);
        }
    } else if !(224..240).contains(&dst[0]) && ttl < 5 && !matches!(h.protocol(), 89 | 103) {
        cx.expert(
            &TTL_TOO_SMALL,
            span,
            format_args!("\"Time To Live\" only {ttl}"),
        );
    }
    cx.pop();
}

/// The header checksum, verified, as tshark's `proto_tree_add_checksum`
/// lays it out: the checksum (an expert under it when bad), then its
/// status and the computed value beside it.
fn checksum_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, h: &Ipv4Header<'_>) {
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let computed = h.computed_checksum();
    let good = computed == h.checksum();
    if good {
        cx.labeled(
            &CHECKSUM,
            s(10, 2),
            Value::U64(h.checksum().into()),
            format_args!("Header Checksum: 0x{:04x} [correct]", h.checksum()),
        );
    } else {
        cx.labeled(
            &CHECKSUM,
            s(10, 2),
            Value::U64(h.checksum().into()),
            format_args!(
                "Header Checksum: 0x{:04x} incorrect, should be 0x{computed:04x}\
                 (may be caused by \"IP checksum offload\"?)",
                h.checksum()
            ),
        );
        cx.push();
        cx.expert(
            &BAD_CHECKSUM,
            s(10, 2),
            format_args!("Bad checksum [should be 0x{computed:04x}]"),
        );
        cx.pop();
    }
    cx.sink.field(
        &CHECKSUM_STATUS_F,
        s(10, 0),
        Value::U64(if good { 1 } else { 0 }),
        Presence::Generated,
    );
    cx.sink.field(
        &CHECKSUM_CALCULATED,
        s(10, 2),
        Value::U64(computed.into()),
        Presence::Generated,
    );
}

/// Source and destination, with the hidden `ip.addr` and host names.
fn address_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, h: &Ipv4Header<'_>) {
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let (src, dst) = (Ipv4Addr::from(h.src()), Ipv4Addr::from(h.dst()));
    let src_str = FmtAddr(src);
    let dst_str = FmtAddr(dst);
    cx.field(&SRC, s(12, 4), Value::Ipv4(h.src()));
    cx.hidden(&ADDR, s(12, 4), Value::Ipv4(h.src()));
    if cx.sink.wants(&SRC_HOST) || cx.sink.wants(&HOST) {
        let t = src_str.to_string();
        cx.hidden(&SRC_HOST, s(12, 4), Value::Str(&t));
        cx.hidden(&HOST, s(12, 4), Value::Str(&t));
    }
    cx.field(&DST, s(16, 4), Value::Ipv4(h.dst()));
    cx.hidden(&ADDR, s(16, 4), Value::Ipv4(h.dst()));
    if cx.sink.wants(&DST_HOST) || cx.sink.wants(&HOST) {
        let t = dst_str.to_string();
        cx.hidden(&DST_HOST, s(16, 4), Value::Str(&t));
        cx.hidden(&HOST, s(16, 4), Value::Str(&t));
    }
}

/// A fragment: into reassembly; the datagram it completes goes on to its
/// protocol, else the fragment shows as data.
fn fragment<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    h: &Ipv4Header<'_>,
    payload: Buf<'_>,
) {
    let hlen = h.header_len();
    let (src, dst) = (Ipv4Addr::from(h.src()), Ipv4Addr::from(h.dst()));
    let proto_num = h.protocol();
    let frag_off = u32::from(h.frag_offset()) * 8;
    let outcome = if cx.quote_depth == 0 {
        let frag = Fragment {
            frame: cx.frame.number,
            v6: false,
            src: IpAddr::V4(src),
            dst: IpAddr::V4(dst),
            id: h.ident().into(),
            protocol: proto_num,
            offset: frag_off,
            more: h.more_frags(),
            payload: payload.rest(off + hlen),
        };
        cx.state.ip_fragment(&frag)
    } else {
        FragOutcome::Pending
    };
    match outcome {
        FragOutcome::Complete {
            payload: whole,
            frames,
        } => {
            let source = cx.sink.source("Reassembled IPv4", &whole).max(1);
            crate::pieces_tree::pieces_tree(
                cx,
                &PIECES,
                crate::sink::Span::in_source(source, 0, 0),
                &frames,
                Some((source, &whole)),
            );
            cx.end_layer();
            ipproto::dispatch(cx, Buf::source(&whole, source), 0, proto_num);
            if cx.pi.reassembled.is_none() {
                cx.pi.reassembled = Some(whole);
            }
        }
        other => {
            if let FragOutcome::PendingUntil(n) = other {
                cx.generated(&REASSEMBLED_IN, buf.span(off, 0), Value::U64(n.into()));
            }
            if let FragOutcome::Refused(why) = other {
                cx.reassembly_error("IPv4", buf.span(off, hlen), &why.text());
            }
            cx.end_layer();
            cx.set_info(format_args!(
                "Fragmented IP protocol (proto={} {proto_num}, off={frag_off}, ID={:04x})",
                ipproto::name(proto_num),
                h.ident()
            ));
            data::dissect(cx, payload, off + hlen);
        }
    }
}

/// What fits of a header the capture cut short, field by field.
fn partial_header<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, b: &[u8]) {
    let s = |o: usize, l: usize| buf.span(off + o, l);
    let Some(&vi) = b.first() else { return };
    let hlen = (vi & 0x0f) as usize * 4;
    cx.labeled(
        &ip::VERSION,
        s(0, 1),
        Value::U64((vi >> 4).into()),
        format_args!("Version: {}", vi >> 4),
    );
    cx.labeled(
        &HDR_LEN,
        s(0, 1),
        Value::U64(hlen as u64),
        format_args!("Header Length: {hlen} bytes"),
    );
    let Some(&ds) = b.get(1) else { return };
    cx.field(&DSFIELD, s(1, 1), Value::U64(ds.into()));
    cx.push();
    cx.field(&DSCP_F, s(1, 1), Value::U64((ds >> 2).into()));
    cx.field(&ECN_F, s(1, 1), Value::U64((ds & 3).into()));
    cx.pop();
    let Some(len) = bytes::be16(b, 2) else { return };
    cx.field(&LEN, s(2, 2), Value::U64(len.into()));
    let Some(id) = bytes::be16(b, 4) else { return };
    cx.field(&ID, s(4, 2), Value::U64(id.into()));
    let Some(fo) = bytes::be16(b, 6) else { return };
    cx.field(&FLAGS, s(6, 1), Value::U64((fo >> 13).into()));
    cx.field(&FRAG_OFFSET, s(6, 2), Value::U64((fo & 0x1fff).into()));
    let Some(&ttl) = b.get(8) else { return };
    cx.field(&TTL, s(8, 1), Value::U64(ttl.into()));
    let Some(&p) = b.get(9) else { return };
    cx.field(&PROTO, s(9, 1), Value::U64(p.into()));
    let Some(c) = bytes::be16(b, 10) else { return };
    cx.field(&CHECKSUM, s(10, 2), Value::U64(c.into()));
    let Some(a) = bytes::array::<4>(b, 12) else {
        return;
    };
    cx.field(&SRC, s(12, 4), Value::Ipv4(a));
    let Some(a) = bytes::array::<4>(b, 16) else {
        return;
    };
    cx.field(&DST, s(16, 4), Value::Ipv4(a));
}

struct FmtAddr(Ipv4Addr);
impl std::fmt::Display for FmtAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// IPv4 options: each as a subtree with its type byte decoded, the common
/// ones with their contents.
fn options<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, base: usize, opts: &[u8]) {
    let total = opts.len();
    cx.text(
        buf.span(base, total),
        format_args!("Options: ({total} bytes)"),
    );
    // tshark appends each option's name to the Options line.
    let item = cx.sink.last_handle();
    let mut names = String::new();
    cx.push();
    each_option(
        cx,
        buf,
        base,
        opts,
        &mut |cx: &mut Cx<'_, S>, name: &str| {
            if cx.sink.wants_text() {
                names.push_str(", ");
                names.push_str(name);
                cx.sink
                    .relabel(item, format_args!("Options: ({total} bytes){names}"));
            }
        },
    );
    cx.pop();
}

fn each_option<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    base: usize,
    opts: &[u8],
    named: &mut dyn FnMut(&mut Cx<'_, S>, &str),
) {
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        let (def, name) = option_def(kind);
        let Some(len) = option_len(cx, buf, base, opts, i, name) else {
            return;
        };
        let o = base + i;
        let body = &opts[i..i + len];
        named(cx, name);
        if len == 1 {
            let text = format_args!("IP Option - {name}");
            cx.labeled(def, buf.span(o, len), Value::Bytes(body), text);
        } else {
            let text = format_args!("IP Option - {name} ({len} bytes)");
            cx.labeled(def, buf.span(o, len), Value::Bytes(body), text);
        }
        let option_item = cx.sink.last_handle();
        cx.push();
        option_type(cx, buf.span(o, 1), kind);
        if len > 1 {
            cx.field(&OPT_LEN, buf.span(o + 1, 1), Value::U64(len as u64));
        }
        match kind {
            148 if len == 4 => {
                let v = u16::from_be_bytes([body[2], body[3]]);
                cx.field(&OPT_RA, buf.span(o + 2, 2), Value::U64(v.into()));
                let what = crate::field::lookup(ROUTER_ALERT, v.into()).unwrap_or("Unknown");
                let text = format_args!("IP Option - {name} ({len} bytes): {what} ({v})");
                cx.sink.relabel(option_item, text);
            }
            7 | 131 | 137 if len >= 3 => route(cx, buf, o, body),
            68 if len >= 4 => timestamps(cx, buf, o, body),
            _ => {}
        }
        cx.pop();
        i += len;
        if kind == 0 {
            if i < opts.len() {
                let padding = buf.span(base + i, opts.len() - i);
                cx.field(&OPT_PADDING, padding, Value::Bytes(&opts[i..]));
            }
            break;
        }
    }
}

/// An option's field and name, by its type.
fn option_def(kind: u8) -> (&'static FieldDef, &'static str) {
    match kind {
        0 => (&OPT_EOL, "End of Options List (EOL)"),
        1 => (&OPT_NOP, "No-Operation (NOP)"),
        7 => (&OPT_ROUTE, "Record Route"),
        68 => (&OPT_TIMESTAMP, "Time Stamp"),
        130 => (&OPT_SECURITY, "Security"),
        131 => (&OPT_LSRR, "Loose Source Route"),
        137 => (&OPT_SSRR, "Strict Source Route"),
        148 => (&OPT_ROUTERALERT, "Router Alert"),
        _ => (&OPT_UNKNOWN, "Unknown"),
    }
}

/// The length of the option at `i` (EOL and NOP: one byte), or `None`
/// with tshark's note when it is missing or runs past the options.
fn option_len<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    base: usize,
    opts: &[u8],
    i: usize,
    name: &str,
) -> Option<usize> {
    let kind = opts[i];
    if kind == 0 || kind == 1 {
        return Some(1);
    }
    match opts.get(i + 1) {
        Some(&l) if l >= 2 && i + l as usize <= opts.len() => Some(l as usize),
        Some(&l) => {
            let rest = buf.span(base + i, opts.len() - i);
            cx.expert(
                &OPT_LEN_INVALID,
                rest,
                format_args!("{name} (0x{kind:02x}) (option length = {l} bytes says option goes past end of options)"),
            );
            cx.truncated("IPv4 option", rest, usize::MAX);
            None
        }
        None => {
            cx.expert(
                &OPT_LEN_INVALID,
                buf.span(base + i, 1),
                format_args!("{name}: option length missing"),
            );
            None
        }
    }
}

/// The type byte and its copy, class and number bits.
fn option_type<S: Sink>(cx: &mut Cx<'_, S>, at: Span, kind: u8) {
    let text = format_args!("Type: {kind}");
    cx.labeled(&OPT_TYPE, at, Value::U64(kind.into()), text);
    cx.push();
    cx.field(&OPT_TYPE_COPY, at, Value::Bool(kind & 0x80 != 0));
    cx.field(&OPT_TYPE_CLASS, at, Value::U64(((kind >> 5) & 3).into()));
    cx.field(&OPT_TYPE_NUMBER, at, Value::U64((kind & 0x1f).into()));
    cx.pop();
}

/// Record Route and the source routes: the pointer, then each address
/// (an unfilled Record Route slot is an empty route).
fn route<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, o: usize, body: &[u8]) {
    let kind = body[0];
    cx.field(&OPT_PTR, buf.span(o + 2, 1), Value::U64(body[2].into()));
    let route_def = if kind == 7 { &REC_RT } else { &SRC_RT };
    for (k, ip) in body[3..].chunks_exact(4).enumerate() {
        let ip = [ip[0], ip[1], ip[2], ip[3]];
        let def = if kind == 7 && ip == [0; 4] {
            &EMPTY_RT
        } else {
            route_def
        };
        cx.field(def, buf.span(o + 3 + 4 * k, 4), Value::Ipv4(ip));
    }
}

/// Time Stamp: pointer, overflow and flag, then the timestamps, each after
/// its address when the flag asks for addresses.
fn timestamps<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, o: usize, body: &[u8]) {
    let len = body.len();
    cx.field(&OPT_PTR, buf.span(o + 2, 1), Value::U64(body[2].into()));
    let overflow = Value::U64((body[3] >> 4).into());
    cx.field(&OPT_OVERFLOW, buf.span(o + 3, 1), overflow);
    let flag = body[3] & 0x0f;
    cx.field(&OPT_FLAG, buf.span(o + 3, 1), Value::U64(flag.into()));
    let word = |a: usize| [body[a], body[a + 1], body[a + 2], body[a + 3]];
    let mut a = 4;
    while a + 4 <= len {
        if flag != 0 && a + 8 <= len {
            let ip = word(a);
            cx.field(&OPT_TIME_STAMP_ADDR, buf.span(o + a, 4), Value::Ipv4(ip));
            a += 4;
        }
        let ts = u32::from_be_bytes(word(a));
        cx.field(&OPT_TIME_STAMP, buf.span(o + a, 4), Value::U64(ts.into()));
        a += 4;
    }
}
