//! ARP (RFC 826), with Wireshark's gratuitous / probe / announcement verdicts.

use crate::ethernet::ETHERTYPES;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::{Presence, Sink};

static HW_TYPES: &[(u64, &str)] = &[
    (1, "Ethernet"),
    (6, "IEEE 802"),
    (15, "Frame Relay"),
    (16, "ATM"),
    (20, "Serial Line"),
    (24, "IEEE 1394.1995"),
    (32, "InfiniBand"),
];

static OPCODES: &[(u64, &str)] = &[
    (1, "request"),
    (2, "reply"),
    (3, "reverse request"),
    (4, "reverse reply"),
    (8, "inverse request"),
    (9, "inverse reply"),
];

crate::fields! {
    HW_TYPE = FieldDef::new("arp.hw.type", "Hardware type", T::U16).names(HW_TYPES);
    PROTO_TYPE = FieldDef::new("arp.proto.type", "Protocol type", T::U16).base(Base::Hex).names(ETHERTYPES);
    HW_SIZE = FieldDef::new("arp.hw.size", "Hardware size", T::U8);
    PROTO_SIZE = FieldDef::new("arp.proto.size", "Protocol size", T::U8);
    OPCODE = FieldDef::new("arp.opcode", "Opcode", T::U16).names(OPCODES);
    IS_GRATUITOUS = FieldDef::new("arp.isgratuitous", "Is gratuitous", T::Boolean);
    IS_PROBE = FieldDef::new("arp.isprobe", "Is probe", T::Boolean);
    IS_ANNOUNCEMENT = FieldDef::new("arp.isannouncement", "Is announcement", T::Boolean);
    SRC_HW = FieldDef::new("arp.src.hw", "Sender hardware address", T::Bytes);
    SRC_HW_MAC = FieldDef::new("arp.src.hw_mac", "Sender MAC address", T::Ether);
    SRC_PROTO = FieldDef::new("arp.src.proto", "Sender protocol address", T::Bytes);
    SRC_PROTO_IPV4 = FieldDef::new("arp.src.proto_ipv4", "Sender IP address", T::Ipv4);
    DST_HW = FieldDef::new("arp.dst.hw", "Target hardware address", T::Bytes);
    DST_HW_MAC = FieldDef::new("arp.dst.hw_mac", "Target MAC address", T::Ether);
    DST_PROTO = FieldDef::new("arp.dst.proto", "Target protocol address", T::Bytes);
    DST_PROTO_IPV4 = FieldDef::new("arp.dst.proto_ipv4", "Target IP address", T::Ipv4);
    DUPLICATE_ADDRESS_FRAME = FieldDef::new("arp.duplicate-address-frame", "Frame showing earlier use of IP address", T::FrameNum);
}

pub static DUPLICATE_ADDRESS: crate::expert::ExpertDef = crate::expert::ExpertDef::new(
    "arp.duplicate-address-detected",
    crate::expert::Severity::Warning,
    crate::expert::Group::Sequence,
    "Duplicate IP address configured",
);

/// A checked view of an ARP packet: after [`ArpPacket::new_checked`] the
/// four addresses are all inside the buffer.
pub struct ArpPacket<'a> {
    b: &'a [u8],
}

impl<'a> ArpPacket<'a> {
    pub const FIXED_LEN: usize = 8;

    pub fn new_checked(b: &'a [u8]) -> Option<Self> {
        if b.len() < Self::FIXED_LEN {
            return None;
        }
        let p = ArpPacket { b };
        (b.len() >= p.total_len()).then_some(p)
    }
    pub fn hw_type(&self) -> u16 {
        u16::from_be_bytes([self.b[0], self.b[1]])
    }
    pub fn proto_type(&self) -> u16 {
        u16::from_be_bytes([self.b[2], self.b[3]])
    }
    pub fn hw_len(&self) -> usize {
        self.b[4] as usize
    }
    pub fn proto_len(&self) -> usize {
        self.b[5] as usize
    }
    pub fn opcode(&self) -> u16 {
        u16::from_be_bytes([self.b[6], self.b[7]])
    }
    pub fn total_len(&self) -> usize {
        Self::FIXED_LEN + 2 * (self.hw_len() + self.proto_len())
    }
    pub fn sha_off(&self) -> usize {
        Self::FIXED_LEN
    }
    pub fn spa_off(&self) -> usize {
        self.sha_off() + self.hw_len()
    }
    pub fn tha_off(&self) -> usize {
        self.spa_off() + self.proto_len()
    }
    pub fn tpa_off(&self) -> usize {
        self.tha_off() + self.hw_len()
    }
    fn slice(&self, off: usize, len: usize) -> &'a [u8] {
        &self.b[off..off + len]
    }
    pub fn sha(&self) -> &'a [u8] {
        self.slice(self.sha_off(), self.hw_len())
    }
    pub fn spa(&self) -> &'a [u8] {
        self.slice(self.spa_off(), self.proto_len())
    }
    pub fn tha(&self) -> &'a [u8] {
        self.slice(self.tha_off(), self.hw_len())
    }
    pub fn tpa(&self) -> &'a [u8] {
        self.slice(self.tpa_off(), self.proto_len())
    }
    fn is_ether_ipv4(&self) -> bool {
        self.hw_len() == 6 && self.proto_len() == 4 && self.proto_type() == 0x0800
    }
}

struct Addr<'a>(&'a [u8], bool);
impl std::fmt::Display for Addr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.1, self.0.len()) {
            (true, 4) => write!(f, "{}.{}.{}.{}", self.0[0], self.0[1], self.0[2], self.0[3]),
            _ => crate::field::write_hex_colon(f, self.0),
        }
    }
}

/// Returns the bytes ARP claims (the rest of an Ethernet frame is padding).
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let rest = buf.rest(off);
    let Some(p) = ArpPacket::new_checked(rest) else {
        cx.layer(&proto::ARP, buf.span(off, rest.len()), format_args!("Address Resolution Protocol"));
        cx.truncated("ARP", buf.span(off, rest.len()), buf.len());
        cx.end_layer();
        return buf.reported.saturating_sub(off);
    };
    let op = p.opcode();
    let eth_ip = p.is_ether_ipv4();
    let all_zero = |s: &[u8]| s.iter().all(|&b| b == 0);
    let gratuitous = matches!(op, 1 | 2) && p.spa() == p.tpa();
    let announcement = op == 1 && gratuitous && all_zero(p.tha());
    let probe = op == 1 && !gratuitous && all_zero(p.spa()) && all_zero(p.tha());
    let op_name = crate::field::lookup(OPCODES, op.into()).unwrap_or("unknown");
    let what = if announcement {
        "ARP Announcement"
    } else if probe {
        "ARP Probe"
    } else if gratuitous {
        "Gratuitous ARP"
    } else {
        ""
    };
    let mut duplicate: Option<String> = None;
    let len = p.total_len();
    let rarp = matches!(op, 3 | 4);
    if what.is_empty() {
        cx.layer(&proto::ARP, buf.span(off, len), format_args!("Address Resolution Protocol ({op_name})"));
    } else {
        cx.layer(&proto::ARP, buf.span(off, len), format_args!("Address Resolution Protocol ({op_name}/{what})"));
    }
    cx.field(&HW_TYPE, buf.span(off, 2), Value::U64(p.hw_type().into()));
    cx.field(&PROTO_TYPE, buf.span(off + 2, 2), Value::U64(p.proto_type().into()));
    cx.field(&HW_SIZE, buf.span(off + 4, 1), Value::U64(p.hw_len() as u64));
    cx.field(&PROTO_SIZE, buf.span(off + 5, 1), Value::U64(p.proto_len() as u64));
    cx.field(&OPCODE, buf.span(off + 6, 2), Value::U64(op.into()));
    if gratuitous {
        cx.sink.field(&IS_GRATUITOUS, buf.span(off, 0), Value::Bool(true), Presence::Generated);
    }
    if probe {
        cx.sink.field(&IS_PROBE, buf.span(off, 0), Value::Bool(true), Presence::Generated);
    }
    if announcement {
        cx.sink.field(&IS_ANNOUNCEMENT, buf.span(off, 0), Value::Bool(true), Presence::Generated);
    }
    let hw = |cx: &mut Cx<'_, S>, o: usize, a: &[u8], mac: &'static FieldDef, raw: &'static FieldDef| {
        match <[u8; 6]>::try_from(a) {
            Ok(m) if p.hw_len() == 6 => cx.field(mac, buf.span(off + o, 6), Value::Ether(m)),
            _ => cx.field(raw, buf.span(off + o, a.len()), Value::Bytes(a)),
        }
    };
    let pa = |cx: &mut Cx<'_, S>, o: usize, a: &[u8], v4: &'static FieldDef, raw: &'static FieldDef| {
        match <[u8; 4]>::try_from(a) {
            Ok(ip) if p.proto_type() == 0x0800 => cx.field(v4, buf.span(off + o, 4), Value::Ipv4(ip)),
            _ => cx.field(raw, buf.span(off + o, a.len()), Value::Bytes(a)),
        }
    };
    hw(cx, p.sha_off(), p.sha(), &SRC_HW_MAC, &SRC_HW);
    pa(cx, p.spa_off(), p.spa(), &SRC_PROTO_IPV4, &SRC_PROTO);
    hw(cx, p.tha_off(), p.tha(), &DST_HW_MAC, &DST_HW);
    pa(cx, p.tpa_off(), p.tpa(), &DST_PROTO_IPV4, &DST_PROTO);
    cx.end_layer();
    if rarp {
        cx.pi.protocol = "RARP".into();
    }
    if cx.quote_depth == 0 && eth_ip {
        let (spa, sha) = (<[u8; 4]>::try_from(p.spa()).unwrap_or_default(), <[u8; 6]>::try_from(p.sha()).unwrap_or_default());
        if let Some(earlier) = cx.state.arp_sender(spa, sha, cx.frame.number) {
            cx.generated(&DUPLICATE_ADDRESS_FRAME, buf.span(off, 0), Value::U64(earlier.into()));
            cx.expert(&DUPLICATE_ADDRESS, buf.span(off + p.spa_off(), 4), format_args!("Duplicate IP address configured ({})", Addr(p.spa(), true)));
            if cx.columns() {
                duplicate = Some(Addr(p.spa(), true).to_string());
            }
        }
    }

    if cx.columns() {
        let (spa, tpa, sha) = (Addr(p.spa(), eth_ip), Addr(p.tpa(), eth_ip), Addr(p.sha(), false));
        match op {
            1 if announcement => cx.set_info(format_args!("ARP Announcement for {tpa}")),
            1 if gratuitous => cx.set_info(format_args!("Gratuitous ARP for {tpa} (Request)")),
            1 if probe => cx.set_info(format_args!("Who has {tpa}? (ARP Probe)")),
            1 => cx.set_info(format_args!("Who has {tpa}? Tell {spa}")),
            2 if gratuitous => cx.set_info(format_args!("Gratuitous ARP for {spa} (Reply)")),
            2 => cx.set_info(format_args!("{spa} is at {sha}")),
            3 => cx.set_info(format_args!("Who is {}? Tell {sha}", Addr(p.tha(), false))),
            4 => cx.set_info(format_args!("{} is at {tpa}", Addr(p.tha(), false))),
            _ => cx.set_info(format_args!("{op_name}")),
        }
        if let Some(ip) = duplicate {
            cx.append_info(format_args!(" (duplicate use of {ip} detected!)"));
        }
    }
    len
}
