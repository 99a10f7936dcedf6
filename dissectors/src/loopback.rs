//! BSD loopback encapsulations: NULL (LINKTYPE_NULL 0, address family in the
//! capturing host's byte order) and LOOP (OpenBSD, 108, network byte order).

use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;
use crate::{bytes, data, ethertype};

static FAMILIES: &[(u64, &str)] = &[
    (2, "IP"),
    (7, "OSI"),
    (16, "Appletalk"),
    (23, "Netware IPX/SPX"),
    (24, "IPv6"),
    (28, "IPv6"),
    (30, "IPv6"),
];

crate::fields! {
    FAMILY = FieldDef::new("null.family", "Family", T::U32).names(FAMILIES);
    TYPE = FieldDef::new("null.type", "Type", T::U16).base(Base::Hex).names(ethertype::ETHERTYPES);
}

/// `big_endian`: LOOP always is; NULL is in the capturing host's order,
/// which Wireshark guesses: a family never needs the upper 16 bits.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, big_endian: bool) {
    let raw = if big_endian {
        bytes::be32(buf.bytes, 0)
    } else {
        bytes::le32(buf.bytes, 0)
    };
    let Some(mut family) = raw else {
        cx.layer(
            &proto::NULL,
            buf.span(0, buf.len()),
            format_args!("Null/Loopback"),
        );
        cx.truncated("Null/Loopback", buf.span(0, buf.len()), buf.len());
        cx.end_layer();
        return;
    };
    if !big_endian && family & 0xffff_0000 != 0 {
        family = family.swap_bytes();
    }
    cx.layer(&proto::NULL, buf.span(0, 4), format_args!("Null/Loopback"));
    // Wireshark's columns until a layer above says more.
    cx.pi.protocol = "N/A".into();
    cx.set_info(format_args!("Null/Loopback"));
    if family > 1500 {
        // An ethertype in the low 16 bits (some captures do this).
        cx.field(&TYPE, buf.span(0, 4), Value::U64(u64::from(family as u16)));
        cx.end_layer();
        // Straight to the ethertype's dissector: no `ethertype` layer, no trailer.
        if ethertype::by_type(cx, buf, 4, family as u16).is_none() {
            data::dissect(cx, buf, 4);
        }
        return;
    }
    cx.field(&FAMILY, buf.span(0, 4), Value::U64(family.into()));
    cx.end_layer();
    let version = match family {
        2 => 4,
        24 | 28 | 30 => 6,
        _ => 0,
    };
    if cx.dissect_by(Table::IpVersion, version, buf, 4).is_none() {
        data::dissect(cx, buf, 4);
    }
}

/// Raw IP (LINKTYPE_RAW and the DLT_RAW values 12 and 14): the version nibble decides.
pub fn raw<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>) {
    cx.layer(
        &proto::RAW,
        buf.span(0, buf.len()),
        format_args!("Raw packet data"),
    );
    cx.end_layer();
    let version = buf.bytes.first().map_or(0, |b| b >> 4);
    if cx
        .dissect_by(Table::IpVersion, version.into(), buf, 0)
        .is_none()
    {
        data::dissect(cx, buf, 0);
    }
}
