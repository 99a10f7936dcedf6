//! Linux cooked captures (`tcpdump -i any`): SLL (LINKTYPE_LINUX_SLL, 113)
//! and SLL2 (LINKTYPE_LINUX_SLL2, 276).

use crate::ethertype;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Address, Buf, Cx};
use crate::proto;
use crate::sink::Sink;
use crate::{bytes, data};

static PACKET_TYPES: &[(u64, &str)] = &[
    (0, "Unicast to us"),
    (1, "Broadcast"),
    (2, "Multicast"),
    (3, "Unicast to another host"),
    (4, "Sent by us"),
];

static HATYPES: &[(u64, &str)] = &[
    (1, "Ethernet"),
    (512, "PPP"),
    (772, "Loopback"),
    (776, "IPv6-in-IPv4"),
    (65534, "None"),
];

crate::fields! {
    PKTTYPE = FieldDef::new("sll.pkttype", "Packet type", T::U16).names(PACKET_TYPES);
    HATYPE = FieldDef::new("sll.hatype", "Link-layer address type", T::U16).names(HATYPES);
    HALEN = FieldDef::new("sll.halen", "Link-layer address length", T::U16);
    SRC_ETH = FieldDef::new("sll.src.eth", "Source", T::Ether);
    SRC_IPV4 = FieldDef::new("sll.src.ipv4", "Source", T::Ipv4);
    SRC_OTHER = FieldDef::new("sll.src.other", "Source", T::Bytes);
    UNUSED = FieldDef::new("sll.unused", "Unused", T::Bytes);
    LTYPE = FieldDef::new("sll.ltype", "Protocol", T::U16).base(Base::Hex);
    ETYPE = FieldDef::new("sll.etype", "Protocol", T::U16).base(Base::Hex).names(ethertype::ETHERTYPES);
    TRAILER = FieldDef::new("sll.trailer", "Trailer", T::Bytes);
    IFINDEX = FieldDef::new("sll.ifindex", "Interface index", T::U32);
}

/// SLL v1: 16-byte header, protocol last.
pub fn dissect_v1<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>) {
    const LEN: usize = 16;
    if buf.len() < LEN {
        cx.layer(
            &proto::SLL,
            buf.span(0, buf.len()),
            format_args!("Linux cooked capture v1"),
        );
        cx.truncated("Linux cooked capture", buf.span(0, buf.len()), buf.len());
        cx.end_layer();
        return;
    }
    let b = buf.bytes;
    let pkttype = bytes::be16(b, 0).unwrap_or(0);
    let hatype = bytes::be16(b, 2).unwrap_or(0);
    let halen = bytes::be16(b, 4).unwrap_or(0);
    let protocol = bytes::be16(b, 14).unwrap_or(0);
    cx.layer(
        &proto::SLL,
        buf.span(0, LEN),
        format_args!("Linux cooked capture v1"),
    );
    cx.field(&PKTTYPE, buf.span(0, 2), Value::U64(pkttype.into()));
    cx.field(&HATYPE, buf.span(2, 2), Value::U64(hatype.into()));
    cx.field(&HALEN, buf.span(4, 2), Value::U64(halen.into()));
    source_address(cx, buf, 6, hatype, halen as usize);
    let handle = cx.sink.layer_handle();
    if protocol <= 1500 {
        cx.field(&LTYPE, buf.span(14, 2), Value::U64(protocol.into()));
        cx.end_layer();
        data::dissect(cx, buf, LEN);
    } else {
        cx.field(&ETYPE, buf.span(14, 2), Value::U64(protocol.into()));
        cx.end_layer();
        ethertype::dissect(
            cx,
            buf,
            LEN,
            protocol,
            &TRAILER,
            ethertype::Link {
                handle,
                start: 0,
                fcs_possible: false,
            },
        );
    }
}

/// SLL v2: 20-byte header, protocol first, interface index included.
pub fn dissect_v2<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>) {
    const LEN: usize = 20;
    if buf.len() < LEN {
        cx.layer(
            &proto::SLL,
            buf.span(0, buf.len()),
            format_args!("Linux cooked capture v2"),
        );
        cx.truncated("Linux cooked capture", buf.span(0, buf.len()), buf.len());
        cx.end_layer();
        return;
    }
    let b = buf.bytes;
    let protocol = bytes::be16(b, 0).unwrap_or(0);
    let ifindex = bytes::be32(b, 4).unwrap_or(0);
    let hatype = bytes::be16(b, 8).unwrap_or(0);
    let pkttype = b[10];
    let halen = b[11];
    cx.layer(
        &proto::SLL,
        buf.span(0, LEN),
        format_args!("Linux cooked capture v2"),
    );
    if protocol <= 1500 {
        cx.field(&LTYPE, buf.span(0, 2), Value::U64(protocol.into()));
    } else {
        cx.field(&ETYPE, buf.span(0, 2), Value::U64(protocol.into()));
    }
    cx.field(&IFINDEX, buf.span(4, 4), Value::U64(ifindex.into()));
    cx.field(&HATYPE, buf.span(8, 2), Value::U64(hatype.into()));
    cx.field(&PKTTYPE, buf.span(10, 1), Value::U64(pkttype.into()));
    cx.field(&HALEN, buf.span(11, 1), Value::U64(halen.into()));
    source_address(cx, buf, 12, hatype, halen as usize);
    let handle = cx.sink.layer_handle();
    cx.end_layer();
    if protocol <= 1500 {
        data::dissect(cx, buf, LEN);
    } else {
        ethertype::dissect(
            cx,
            buf,
            LEN,
            protocol,
            &TRAILER,
            ethertype::Link {
                handle,
                start: 0,
                fcs_possible: false,
            },
        );
    }
}

/// The 8-byte address slot: the sender's address (`halen` bytes), then unused bytes.
fn source_address<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    hatype: u16,
    halen: usize,
) {
    let halen = halen.min(8);
    match (hatype, halen) {
        (1 | 772, 6) => {
            if let Some(mac) = bytes::array::<6>(buf.bytes, off) {
                cx.pi.src = Address::Ether(mac);
                cx.field(&SRC_ETH, buf.span(off, 6), Value::Ether(mac));
            }
        }
        (_, 4) if hatype != 1 => {
            if let Some(a) = bytes::array::<4>(buf.bytes, off) {
                cx.field(&SRC_IPV4, buf.span(off, 4), Value::Ipv4(a));
            }
        }
        (_, 0) => {}
        _ => cx.field(
            &SRC_OTHER,
            buf.span(off, halen),
            Value::Bytes(buf.get(off, halen)),
        ),
    }
    if halen < 8 {
        cx.field(
            &UNUSED,
            buf.span(off + halen, 8 - halen),
            Value::Bytes(buf.get(off + halen, 8 - halen)),
        );
    }
}
