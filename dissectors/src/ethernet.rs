//! Ethernet II / IEEE 802.3 framing and the 802.1Q and 802.1ad tags; what
//! they carry goes through the ethertype dispatch (ethertype.rs).

use crate::ethertype::{self, ETHERTYPES, Link, trailer};
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Address, Buf, Cx};
use crate::proto;
use crate::sink::Sink;
use crate::{bytes, data};

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
    DST_RESOLVED = FieldDef::new("eth.dst_resolved", "Destination (resolved)", T::String);
    DST_OUI = FieldDef::new("eth.dst.oui", "Destination OUI", T::U24);
    DST_LG = FieldDef::new("eth.dst.lg", "LG bit", T::Boolean).tfs("Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)").mask(0x020000);
    DST_IG = FieldDef::new("eth.dst.ig", "IG bit", T::Boolean).tfs("Group address (multicast/broadcast)", "Individual address (unicast)").mask(0x010000);
    SRC = FieldDef::new("eth.src", "Source", T::Ether);
    SRC_RESOLVED = FieldDef::new("eth.src_resolved", "Source (resolved)", T::String);
    SRC_OUI = FieldDef::new("eth.src.oui", "Source OUI", T::U24);
    SRC_LG = FieldDef::new("eth.src.lg", "LG bit", T::Boolean).tfs("Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)").mask(0x020000);
    SRC_IG = FieldDef::new("eth.src.ig", "IG bit", T::Boolean).tfs("Group address (multicast/broadcast)", "Individual address (unicast)").mask(0x010000);
    ADDR = FieldDef::new("eth.addr", "Address", T::Ether);
    ADDR_RESOLVED = FieldDef::new("eth.addr_resolved", "Address (resolved)", T::String);
    ADDR_OUI = FieldDef::new("eth.addr.oui", "Address OUI", T::U24);
    LG = FieldDef::new("eth.lg", "LG bit", T::Boolean).tfs("Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)").mask(0x020000);
    IG = FieldDef::new("eth.ig", "IG bit", T::Boolean).tfs("Group address (multicast/broadcast)", "Individual address (unicast)").mask(0x010000);
    TYPE = FieldDef::new("eth.type", "Type", T::U16).base(Base::Hex).names(ETHERTYPES);
    LEN = FieldDef::new("eth.len", "Length", T::U16);
    TRAILER = FieldDef::new("eth.trailer", "Trailer", T::Bytes);
    VLAN_PRIORITY = FieldDef::new("vlan.priority", "Priority", T::U16).mask(0xe000).names(PRIORITIES);
    VLAN_DEI = FieldDef::new("vlan.dei", "DEI", T::Boolean).tfs("Eligible", "Ineligible").mask(0x1000);
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
    dissect_at(cx, buf, 0, true);
}

/// Ethernet carried inside another protocol (VXLAN, Geneve, GRE's
/// transparent bridging: the ethertype table's 0x6558), which has no FCS,
/// as Wireshark's `eth_withoutfcs`.
pub fn encapsulated<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    if !cx.enter_encapsulation() {
        return ethertype::undissected(cx, buf, off, 0x6558);
    }
    dissect_at(cx, buf, off, false);
    cx.leave_encapsulation();
    buf.reported.saturating_sub(off)
}

/// An Ethernet header at `base`, then what it carries.
fn dissect_at<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, base: usize, fcs_possible: bool) {
    let at = |r: std::ops::Range<usize>| base + r.start;
    let (Some(dst), Some(src), Some(etype)) = (
        bytes::array::<6>(buf.bytes, at(field::DST)),
        bytes::array::<6>(buf.bytes, at(field::SRC)),
        bytes::be16(buf.bytes, at(field::TYPE)),
    ) else {
        let rest = buf.len().saturating_sub(base);
        cx.layer(
            &proto::ETH,
            buf.span(base, rest),
            format_args!("Ethernet II"),
        );
        cx.truncated("Ethernet", buf.span(base, rest), buf.len());
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
        buf.span(base, field::HEADER_LEN),
        format_args!(
            "{title}, Src: {}, Dst: {}",
            Address::Ether(src),
            Address::Ether(dst)
        ),
    );
    let dst_at = at(field::DST);
    address(
        cx,
        buf,
        dst_at,
        dst,
        [&DST, &DST_RESOLVED, &DST_OUI, &DST_LG, &DST_IG],
    );
    let src_at = at(field::SRC);
    address(
        cx,
        buf,
        src_at,
        src,
        [&SRC, &SRC_RESOLVED, &SRC_OUI, &SRC_LG, &SRC_IG],
    );
    let type_span = buf.span(at(field::TYPE), 2);
    if is_8023 {
        cx.field(&LEN, type_span, Value::U64(etype.into()));
    } else {
        cx.field(&TYPE, type_span, Value::U64(etype.into()));
    }
    let link = Link {
        handle: cx.sink.layer_handle(),
        start: base,
        fcs_possible,
    };
    cx.end_layer();
    let payload = base + field::HEADER_LEN;
    if is_8023 {
        let end = (payload + etype as usize).min(buf.reported);
        length_framed(cx, buf.limit(end), payload);
        trailer(cx, buf, end, &TRAILER, link);
    } else {
        ethertype::dissect(cx, buf, payload, etype, &TRAILER, link);
    }
}

/// The payload after an 802.3 length: LLC through the table, else data.
fn length_framed<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    if off < buf.reported
        && cx
            .dissect_by(crate::packet::Table::Ieee8023, 0, buf, off)
            .is_none()
    {
        data::dissect(cx, buf, off);
    }
}

/// An address with its hidden aliases: `fields` is the address field, its
/// resolved name, OUI, LG and IG bits.
fn address<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    mac: [u8; 6],
    [addr, resolved, oui, lg, ig]: [&'static FieldDef; 5],
) {
    let oui_v = u64::from(mac[0]) << 16 | u64::from(mac[1]) << 8 | u64::from(mac[2]);
    let lg_v = mac[0] & 0x02 != 0;
    let ig_v = mac[0] & 0x01 != 0;
    cx.field(addr, buf.span(off, 6), Value::Ether(mac));
    cx.push();
    // wirelens resolves no names: the "resolved" address is the address,
    // as tshark's with -n.
    // (Made and passed on only when some consumer reads them: most
    // passes do not, and this runs twice a frame.)
    let text = (cx.sink.wants(resolved) || cx.sink.wants(&ADDR_RESOLVED))
        .then(|| crate::field::Show(addr, &Value::Ether(mac)).to_string());
    if let Some(t) = &text {
        cx.hidden(resolved, buf.span(off, 6), Value::Str(t));
    }
    cx.hidden(oui, buf.span(off, 3), Value::U64(oui_v));
    cx.field(&ADDR, buf.span(off, 6), Value::Ether(mac));
    if let Some(t) = &text {
        cx.hidden(&ADDR_RESOLVED, buf.span(off, 6), Value::Str(t));
    }
    cx.hidden(&ADDR_OUI, buf.span(off, 3), Value::U64(oui_v));
    cx.field(lg, buf.span(off, 3), Value::Bool(lg_v));
    cx.hidden(&LG, buf.span(off, 3), Value::Bool(lg_v));
    cx.field(ig, buf.span(off, 3), Value::Bool(ig_v));
    cx.hidden(&IG, buf.span(off, 3), Value::Bool(ig_v));
    cx.pop();
}

/// An 802.1Q tag, as the ethertype table's entry for 0x8100.
pub fn vlan_tag<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    nested(cx, buf, off, 0x8100, vlan)
}

/// An 802.1ad tag, as the ethertype table's entry for 0x88a8.
pub fn provider_bridge_tag<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    nested(cx, buf, off, 0x88a8, provider_bridge)
}

/// Tags in tags stop at the nesting bound; deeper ones are shown as data.
fn nested<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    etype: u16,
    tag: fn(&mut Cx<'_, S>, Buf<'_>, usize) -> usize,
) -> usize {
    if !cx.enter_encapsulation() {
        return ethertype::undissected(cx, buf, off, etype);
    }
    let used = tag(cx, buf, off);
    cx.leave_encapsulation();
    used
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
        length_framed(cx, buf.limit(end), off + 4);
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
        ethertype::dissect(
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
    ethertype::dissect(
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
