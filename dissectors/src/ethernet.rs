//! Ethernet II / IEEE 802.3 framing, 802.1Q and 802.1ad tags, and the
//! ethertype dispatch (with Wireshark's padding and trailer rules) that
//! Ethernet, VLAN and Linux cooked captures share.

use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Address, Buf, Cx};
use crate::proto;
use crate::sink::Sink;
use crate::{arp, bytes, data, ipv4, ipv6};

pub static ETHERTYPES: &[(u64, &str)] = &[
    (0x0800, "IPv4"),
    (0x0806, "ARP"),
    (0x86dd, "IPv6"),
    (0x8100, "802.1Q Virtual LAN"),
    (0x88a8, "802.1ad Provider Bridge (Q-in-Q)"),
    (0x9100, "VLAN-tagged frame (Q-in-Q)"),
    (0x8035, "RARP"),
    (0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)"),
    (0x8863, "PPPoE Discovery"),
    (0x8864, "PPPoE Session"),
    (0x8847, "MPLS label switched packet"),
    (0x888e, "802.1X Authentication"),
    (0x88e5, "802.1AE (MACsec)"),
    (0x8809, "Slow Protocols"),
    (0x9000, "Configuration Test Protocol (loopback)"),
];

static PRIORITIES: &[(u64, &str)] = &[
    (0, "Best Effort (default)"),
    (1, "Background"),
    (2, "Excellent Effort"),
    (3, "Critical Applications"),
    (4, "Video, < 100ms latency and jitter"),
    (5, "Voice, < 10ms latency and jitter"),
    (6, "Internetwork Control"),
    (7, "Network Control"),
];

crate::fields! {
    DST = FieldDef::new("eth.dst", "Destination", T::Ether);
    DST_OUI = FieldDef::new("eth.dst.oui", "Destination OUI", T::U24);
    DST_LG = FieldDef::new("eth.dst.lg", "LG bit", T::Boolean).mask(0x020000);
    DST_IG = FieldDef::new("eth.dst.ig", "IG bit", T::Boolean).mask(0x010000);
    SRC = FieldDef::new("eth.src", "Source", T::Ether);
    SRC_OUI = FieldDef::new("eth.src.oui", "Source OUI", T::U24);
    SRC_LG = FieldDef::new("eth.src.lg", "LG bit", T::Boolean).mask(0x020000);
    SRC_IG = FieldDef::new("eth.src.ig", "IG bit", T::Boolean).mask(0x010000);
    ADDR = FieldDef::new("eth.addr", "Address", T::Ether);
    ADDR_OUI = FieldDef::new("eth.addr.oui", "Address OUI", T::U24);
    LG = FieldDef::new("eth.lg", "LG bit", T::Boolean).mask(0x020000);
    IG = FieldDef::new("eth.ig", "IG bit", T::Boolean).mask(0x010000);
    TYPE = FieldDef::new("eth.type", "Type", T::U16).base(Base::Hex).names(ETHERTYPES);
    LEN = FieldDef::new("eth.len", "Length", T::U16);
    PADDING = FieldDef::new("eth.padding", "Padding", T::Bytes);
    TRAILER = FieldDef::new("eth.trailer", "Trailer", T::Bytes);
    FCS = FieldDef::new("eth.fcs", "Frame check sequence", T::U32).base(Base::Hex);
    FCS_STATUS = FieldDef::new("eth.fcs.status", "FCS Status", T::U8).base(Base::None).names(crate::ipv4::CHECKSUM_STATUS);
    VLAN_PRIORITY = FieldDef::new("vlan.priority", "Priority", T::U16).mask(0xe000).names(PRIORITIES);
    VLAN_DEI = FieldDef::new("vlan.dei", "DEI", T::Boolean).mask(0x1000);
    VLAN_ID = FieldDef::new("vlan.id", "ID", T::U16).mask(0x0fff);
    VLAN_ETYPE = FieldDef::new("vlan.etype", "Type", T::U16).base(Base::Hex).names(ETHERTYPES);
    VLAN_LEN = FieldDef::new("vlan.len", "Length", T::U16);
    VLAN_TRAILER = FieldDef::new("vlan.trailer", "Trailer", T::Bytes);
    AD_PRIORITY = FieldDef::new("ieee8021ad.priority", "Priority", T::U16).mask(0xe000);
    AD_DEI = FieldDef::new("ieee8021ad.dei", "DEI", T::U16).mask(0x1000);
    AD_ID = FieldDef::new("ieee8021ad.id", "ID", T::U16).mask(0x0fff);
    AH_ETYPE = FieldDef::new("ieee8021ah.etype", "Type", T::U16).base(Base::Hex).names(ETHERTYPES);
    AH_TRAILER = FieldDef::new("ieee8021ah.trailer", "Trailer", T::Bytes);
}

/// Offsets of the Ethernet II header, stated once.
mod field {
    use std::ops::Range;
    pub const DST: Range<usize> = 0..6;
    pub const SRC: Range<usize> = 6..12;
    pub const TYPE: Range<usize> = 12..14;
    pub const HEADER_LEN: usize = 14;
}

/// Ethernet (LINKTYPE_ETHERNET).
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>) {
    let (Some(dst), Some(src), Some(etype)) = (
        bytes::array::<6>(buf.bytes, field::DST.start),
        bytes::array::<6>(buf.bytes, field::SRC.start),
        bytes::be16(buf.bytes, field::TYPE.start),
    ) else {
        cx.layer(
            &proto::ETH,
            buf.span(0, buf.len()),
            format_args!("Ethernet II"),
        );
        cx.truncated("Ethernet", buf.span(0, buf.len()), buf.len());
        cx.end_layer();
        return;
    };
    cx.pi.src = Address::Ether(src);
    cx.pi.dst = Address::Ether(dst);
    // Type 0 is Cisco MDS's internal framing, an Ethernet II type as Wireshark sees it.
    let is_8023 = etype <= 1500 && etype != 0;
    let title = if is_8023 {
        "IEEE 802.3 Ethernet"
    } else {
        "Ethernet II"
    };
    cx.layer(
        &proto::ETH,
        buf.span(0, field::HEADER_LEN),
        format_args!(
            "{title}, Src: {}, Dst: {}",
            Address::Ether(src),
            Address::Ether(dst)
        ),
    );
    address(
        cx,
        buf,
        field::DST.start,
        dst,
        &DST,
        &DST_OUI,
        &DST_LG,
        &DST_IG,
    );
    address(
        cx,
        buf,
        field::SRC.start,
        src,
        &SRC,
        &SRC_OUI,
        &SRC_LG,
        &SRC_IG,
    );
    if is_8023 {
        cx.field(&LEN, buf.span(12, 2), Value::U64(etype.into()));
    } else {
        cx.field(&TYPE, buf.span(12, 2), Value::U64(etype.into()));
    }
    let handle = cx.sink.layer_handle();
    cx.end_layer();
    if is_8023 {
        let end = (field::HEADER_LEN + etype as usize).min(buf.reported);
        data::dissect(cx, buf.limit(end), field::HEADER_LEN);
        cx.set_info(format_args!("IEEE 802.3 frame, length {etype}"));
        trailer(
            cx,
            buf,
            end,
            &TRAILER,
            Link {
                handle,
                start: 0,
                fcs_possible: true,
            },
        );
    } else {
        ethertype(
            cx,
            buf,
            field::HEADER_LEN,
            etype,
            &TRAILER,
            Link {
                handle,
                start: 0,
                fcs_possible: true,
            },
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn address<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    mac: [u8; 6],
    addr: &'static FieldDef,
    oui: &'static FieldDef,
    lg: &'static FieldDef,
    ig: &'static FieldDef,
) {
    let oui_v = u64::from(mac[0]) << 16 | u64::from(mac[1]) << 8 | u64::from(mac[2]);
    let lg_v = mac[0] & 0x02 != 0;
    let ig_v = mac[0] & 0x01 != 0;
    cx.field(addr, buf.span(off, 6), Value::Ether(mac));
    cx.push();
    cx.hidden(oui, buf.span(off, 3), Value::U64(oui_v));
    cx.hidden(&ADDR, buf.span(off, 6), Value::Ether(mac));
    cx.hidden(&ADDR_OUI, buf.span(off, 3), Value::U64(oui_v));
    cx.field(lg, buf.span(off, 3), Value::Bool(lg_v));
    cx.hidden(&LG, buf.span(off, 3), Value::Bool(lg_v));
    cx.field(ig, buf.span(off, 3), Value::Bool(ig_v));
    cx.hidden(&IG, buf.span(off, 3), Value::Bool(ig_v));
    cx.pop();
}

/// Dispatches the payload of an ethertype at `off`, then shows what the
/// payload did not claim as padding and trailer, as Wireshark's ethertype
/// dissector does for every link layer that carries an ethertype.
pub fn ethertype<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    etype: u16,
    trailer_field: &'static FieldDef,
    link: Link,
) {
    cx.mark(&proto::ETHERTYPE);
    let used = match by_type(cx, buf, off, etype) {
        Some(used) => used,
        None => {
            data::dissect(cx, buf, off);
            cx.pi.protocol = format!("0x{etype:04x}").into();
            if let Some(name) = crate::field::lookup(ETHERTYPES, etype.into()) {
                cx.set_info(format_args!("{name}"));
            } else {
                cx.set_info(format_args!("Ethernet II"));
            }
            buf.reported.saturating_sub(off)
        }
    };
    trailer(cx, buf, off.saturating_add(used), trailer_field, link);
}

/// The dissector for an ethertype, when there is one: returns the bytes it claimed.
pub fn by_type<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, etype: u16) -> Option<usize> {
    Some(match etype {
        0x0800 => ipv4::dissect(cx, buf, off),
        0x86dd => ipv6::dissect(cx, buf, off),
        0x0806 | 0x8035 => arp::dissect(cx, buf, off),
        0x8100 | 0x88a8 if cx.enter_encapsulation() => {
            let used = if etype == 0x8100 {
                vlan(cx, buf, off)
            } else {
                provider_bridge(cx, buf, off)
            };
            cx.leave_encapsulation();
            used
        }
        _ => return None,
    })
}

/// Bytes after the payload, as Wireshark shows them: zero bytes up to the
/// 60-byte Ethernet minimum are padding; when the link layer spans 64 bytes
/// or more and at least 4 bytes remain, the last 4 are taken for an FCS;
/// the rest is a trailer.
fn trailer<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    start: usize,
    field: &'static FieldDef,
    link: Link,
) {
    if buf.source != 0 || start >= buf.reported || start >= buf.len() {
        return;
    }
    cx.sink.reenter(link.handle);
    let frame_len = buf.reported;
    let mut reported = frame_len - start;
    let mut captured = buf.len() - start;
    let mut pad = 0;
    if frame_len >= 60 && start < 60 {
        // Only zeros are padding (Wireshark's default): anything else is a trailer.
        let max = (60 - start).min(captured);
        pad = if buf.get(start, max).iter().all(|&b| b == 0) {
            max
        } else {
            0
        };
        if pad > 0 {
            cx.field(
                &PADDING,
                buf.span(start, pad),
                Value::Bytes(buf.get(start, pad)),
            );
        }
        captured -= pad;
        reported -= pad;
    }
    let fcs = link.fcs_possible && frame_len - link.start >= 64 && reported >= 4;
    if fcs {
        reported -= 4;
        captured = captured.min(reported);
    }
    let s = start + pad;
    if captured > 0 {
        cx.field(
            field,
            buf.span(s, captured),
            Value::Bytes(buf.get(s, captured)),
        );
    }
    if fcs && let Some(v) = bytes::be32(buf.bytes, s + captured) {
        cx.field(&FCS, buf.span(s + captured, 4), Value::U64(v.into()));
        cx.push();
        cx.sink.field(
            &FCS_STATUS,
            buf.span(s + captured, 0),
            Value::U64(2),
            crate::sink::Presence::Generated,
        );
        cx.pop();
    }
    cx.pop();
}

/// The link layer an ethertype payload sits in, for its trailer.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// Tree handle of the layer the padding and trailer belong to.
    pub handle: u32,
    /// Where that layer starts in the frame (its length decides whether an FCS may be there).
    pub start: usize,
    /// Whether the layer may carry an FCS (Ethernet may; Linux cooked captures do not).
    pub fcs_possible: bool,
}

/// 802.1Q tag.
fn vlan<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let (Some(tci), Some(etype)) = (bytes::be16(buf.bytes, off), bytes::be16(buf.bytes, off + 2))
    else {
        cx.layer(
            &proto::VLAN,
            buf.span(off, buf.len().saturating_sub(off)),
            format_args!("802.1Q Virtual LAN"),
        );
        cx.truncated("802.1Q", buf.span(off, 0), buf.len());
        cx.end_layer();
        return buf.reported.saturating_sub(off);
    };
    let (pri, dei, id) = (tci >> 13, tci & 0x1000 != 0, tci & 0x0fff);
    cx.layer(
        &proto::VLAN,
        buf.span(off, 4),
        format_args!(
            "802.1Q Virtual LAN, PRI: {pri}, DEI: {}, ID: {id}",
            dei as u8
        ),
    );
    cx.field(&VLAN_PRIORITY, buf.span(off, 2), Value::U64(pri.into()));
    cx.field(&VLAN_DEI, buf.span(off, 2), Value::Bool(dei));
    cx.field(&VLAN_ID, buf.span(off, 2), Value::U64(id.into()));
    let len_field = etype <= 1500;
    if len_field {
        cx.field(&VLAN_LEN, buf.span(off + 2, 2), Value::U64(etype.into()));
    } else {
        cx.field(&VLAN_ETYPE, buf.span(off + 2, 2), Value::U64(etype.into()));
    }
    let handle = cx.sink.layer_handle();
    cx.end_layer();
    if len_field {
        let end = (off + 4 + etype as usize).min(buf.reported);
        data::dissect(cx, buf.limit(end), off + 4);
        trailer(
            cx,
            buf,
            end,
            &VLAN_TRAILER,
            Link {
                handle,
                start: off,
                fcs_possible: true,
            },
        );
    } else {
        ethertype(
            cx,
            buf,
            off + 4,
            etype,
            &VLAN_TRAILER,
            Link {
                handle,
                start: off,
                fcs_possible: true,
            },
        );
    }
    buf.reported.saturating_sub(off)
}

/// 802.1ad service tag (the outer tag of Q-in-Q).
fn provider_bridge<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let (Some(tci), Some(etype)) = (bytes::be16(buf.bytes, off), bytes::be16(buf.bytes, off + 2))
    else {
        cx.layer(
            &proto::IEEE8021AD,
            buf.span(off, buf.len().saturating_sub(off)),
            format_args!("IEEE 802.1ad"),
        );
        cx.truncated("802.1ad", buf.span(off, 0), buf.len());
        cx.end_layer();
        return buf.reported.saturating_sub(off);
    };
    let id = tci & 0x0fff;
    cx.layer(
        &proto::IEEE8021AD,
        buf.span(off, 4),
        format_args!("IEEE 802.1ad, ID: {id}"),
    );
    cx.field(
        &AD_PRIORITY,
        buf.span(off, 1),
        Value::U64((tci >> 13).into()),
    );
    cx.field(
        &AD_DEI,
        buf.span(off, 1),
        Value::U64(((tci >> 12) & 1).into()),
    );
    cx.field(&AD_ID, buf.span(off, 2), Value::U64(id.into()));
    cx.field(&AH_ETYPE, buf.span(off + 2, 2), Value::U64(etype.into()));
    let handle = cx.sink.layer_handle();
    cx.end_layer();
    ethertype(
        cx,
        buf,
        off + 4,
        etype,
        &AH_TRAILER,
        Link {
            handle,
            start: off,
            fcs_possible: true,
        },
    );
    buf.reported.saturating_sub(off)
}
