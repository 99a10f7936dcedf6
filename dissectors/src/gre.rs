//! GRE (RFC 2784, 2890; version 1 as PPTP uses it, RFC 2637): flags,
//! optional checksum, key and sequence number, then the payload by its
//! protocol type through the ethertype table.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

/// Protocol types GRE names in its title and Info (Wireshark's
/// `gre_typevals`, the common part).
static TYPES: &[(u64, &str)] = &[
    (0x0000, "Possible GRE keepalive packet"),
    (0x0800, "IP"),
    (0x0806, "ARP"),
    (0x86dd, "IPv6"),
    (0x6558, "Transparent Ethernet bridging"),
    (0x880b, "PPP"),
    (0x8847, "MPLS label switched packet"),
    (0x8848, "MPLS multicast label switched packet"),
    (0x8909, "CiscoMetaData"),
    (0x88be, "ERSPAN"),
    (0x22eb, "ERSPAN III"),
    (0x883e, "WCCP"),
];

static VERSIONS: &[(u64, &str)] = &[(0, "GRE"), (1, "Enhanced GRE")];

crate::fields! {
    FLAGS_AND_VERSION = FieldDef::new("gre.flags_and_version", "Flags and Version", T::U16).base(Base::Hex);
    FLAG_CHECKSUM = FieldDef::new("gre.flags.checksum", "Checksum Bit", T::Boolean).tfs("Yes", "No").mask(0x8000);
    FLAG_ROUTING = FieldDef::new("gre.flags.routing", "Routing Bit", T::Boolean).tfs("Yes", "No").mask(0x4000);
    FLAG_KEY = FieldDef::new("gre.flags.key", "Key Bit", T::Boolean).tfs("Yes", "No").mask(0x2000);
    FLAG_SEQUENCE = FieldDef::new("gre.flags.sequence_number", "Sequence Number Bit", T::Boolean).tfs("Yes", "No").mask(0x1000);
    FLAG_STRICT = FieldDef::new("gre.flags.strict_source_route", "Strict Source Route Bit", T::Boolean).tfs("Yes", "No").mask(0x0800);
    RECURSION = FieldDef::new("gre.flags.recursion_control", "Recursion control", T::U16).mask(0x0700);
    FLAG_ACK = FieldDef::new("gre.flags.ack", "Acknowledgment", T::Boolean).tfs("Yes", "No").bits(16).mask(0x0080);
    RESERVED = FieldDef::new("gre.flags.reserved", "Flags (Reserved)", T::U16).mask(0x00f8);
    VERSION = FieldDef::new("gre.flags.version", "Version", T::U16).mask(0x0007).names(VERSIONS);
    PROTO = FieldDef::new("gre.proto", "Protocol Type", T::U16).base(Base::Hex).names(TYPES);
    CHECKSUM = FieldDef::new("gre.checksum", "Checksum", T::U16).base(Base::Hex);
    OFFSET = FieldDef::new("gre.offset", "Offset", T::U16);
    KEY = FieldDef::new("gre.key", "Key", T::U32).base(Base::Hex);
    KEY_PAYLOAD_LENGTH = FieldDef::new("gre.key.payload_length", "Payload Length", T::U16);
    KEY_CALL_ID = FieldDef::new("gre.key.call_id", "Call ID", T::U16);
    SEQUENCE = FieldDef::new("gre.sequence_number", "Sequence Number", T::U32);
    ACK = FieldDef::new("gre.ack_number", "Acknowledgment Number", T::U32);
}

/// Offsets of the fixed header, stated once.
mod field {
    pub const FLAGS: usize = 0;
    pub const PROTO: usize = 2;
    pub const FIXED_LEN: usize = 4;
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let claimed = buf.reported.saturating_sub(off).max(1);
    let (Some(flags), Some(ptype)) = (
        bytes::be16(buf.bytes, off + field::FLAGS),
        bytes::be16(buf.bytes, off + field::PROTO),
    ) else {
        let rest = buf.len().saturating_sub(off);
        cx.layer(
            &proto::GRE,
            buf.span(off, rest),
            format_args!("Generic Routing Encapsulation"),
        );
        cx.ran_out("GRE", buf.span(off, rest), buf);
        cx.end_layer();
        return claimed;
    };
    let name = crate::field::lookup(TYPES, ptype.into()).unwrap_or("Unknown");
    let len = header_len(flags);
    let captured = buf.len().saturating_sub(off);
    cx.layer(
        &proto::GRE,
        buf.span(off, len.min(captured)),
        format_args!("Generic Routing Encapsulation ({name})"),
    );
    cx.set_info(format_args!("Encapsulated {name}"));
    flags_item(cx, buf, off, flags);
    cx.field(
        &PROTO,
        buf.span(off + field::PROTO, 2),
        Value::U64(ptype.into()),
    );
    if !optional_fields(cx, buf, off, flags) {
        cx.ran_out("GRE", buf.span(off, 0), buf);
        cx.end_layer();
        return claimed;
    }
    cx.end_layer();
    let inner = off + len;
    if inner < buf.reported {
        // GRE's own table first (protocols that look different inside
        // GRE), then the ethertypes it shares with Ethernet.
        let taken = cx
            .dissect_by(Table::GreProto, ptype.into(), buf, inner)
            .is_some()
            || cx
                .dissect_by(Table::EtherType, ptype.into(), buf, inner)
                .is_some();
        if !taken {
            crate::data::dissect(cx, buf, inner);
        }
    }
    claimed
}

/// The header's length: 4, and 4 for each of checksum (with offset),
/// key, sequence number and (version 1) acknowledgment present.
fn header_len(flags: u16) -> usize {
    let present = |bit: u16| usize::from(flags & bit != 0) * 4;
    let routing_or_checksum = if flags & 0xc000 != 0 { 4 } else { 0 };
    field::FIXED_LEN + routing_or_checksum + present(0x2000) + present(0x1000) + present(0x0080)
}

fn flags_item<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, flags: u16) {
    let span = buf.span(off + field::FLAGS, 2);
    cx.field(&FLAGS_AND_VERSION, span, Value::U64(flags.into()));
    cx.push();
    for f in [
        &FLAG_CHECKSUM,
        &FLAG_ROUTING,
        &FLAG_KEY,
        &FLAG_SEQUENCE,
        &FLAG_STRICT,
    ] {
        cx.field(f, span, Value::Bool(u64::from(flags) & f.mask != 0));
    }
    cx.field(&RECURSION, span, Value::U64(((flags >> 8) & 7).into()));
    if flags & 7 == 1 {
        cx.field(&FLAG_ACK, span, Value::Bool(flags & 0x80 != 0));
        cx.field(&RESERVED, span, Value::U64(((flags >> 3) & 0x0f).into()));
    } else {
        cx.field(&RESERVED, span, Value::U64(((flags >> 3) & 0x1f).into()));
    }
    cx.field(&VERSION, span, Value::U64((flags & 7).into()));
    cx.pop();
}

/// Checksum and offset, key, sequence and acknowledgment numbers, as the
/// flags say; false when the packet ends first.
fn optional_fields<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, flags: u16) -> bool {
    let mut at = off + field::FIXED_LEN;
    if flags & 0xc000 != 0 {
        let (Some(sum), Some(offset)) =
            (bytes::be16(buf.bytes, at), bytes::be16(buf.bytes, at + 2))
        else {
            return false;
        };
        cx.field(&CHECKSUM, buf.span(at, 2), Value::U64(sum.into()));
        cx.field(&OFFSET, buf.span(at + 2, 2), Value::U64(offset.into()));
        at += 4;
    }
    if flags & 0x2000 != 0 {
        let Some(key) = bytes::be32(buf.bytes, at) else {
            return false;
        };
        cx.field(&KEY, buf.span(at, 4), Value::U64(key.into()));
        if flags & 7 == 1 {
            cx.push();
            cx.field(
                &KEY_PAYLOAD_LENGTH,
                buf.span(at, 2),
                Value::U64((key >> 16).into()),
            );
            cx.field(
                &KEY_CALL_ID,
                buf.span(at + 2, 2),
                Value::U64((key & 0xffff).into()),
            );
            cx.pop();
        }
        at += 4;
    }
    for (bit, def) in [(0x1000, &SEQUENCE), (0x0080, &ACK)] {
        if flags & bit != 0 {
            let Some(v) = bytes::be32(buf.bytes, at) else {
                return false;
            };
            cx.field(def, buf.span(at, 4), Value::U64(v.into()));
            at += 4;
        }
    }
    true
}
