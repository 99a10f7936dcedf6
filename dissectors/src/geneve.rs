//! Geneve (RFC 8926, UDP port 6081): a header with options, then whatever
//! its protocol type (an ethertype) says, through the ethertype table.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    VERSION = FieldDef::new("geneve.version", "Version", T::U8);
    OPTIONS_LENGTH = FieldDef::new("geneve.option.length", "Length", T::U8);
    FLAGS = FieldDef::new("geneve.flags", "Flags", T::U8).base(Base::Hex);
    FLAG_OAM = FieldDef::new("geneve.flags.oam", "Operations, Administration and Management Frame", T::Boolean).mask(0x80);
    FLAG_CRITICAL = FieldDef::new("geneve.flags.critical", "Critical Options Present", T::Boolean).mask(0x40);
    FLAG_RESERVED = FieldDef::new("geneve.flags.reserved", "Reserved", T::Boolean).mask(0x3f);
    PROTO_TYPE = FieldDef::new("geneve.proto_type", "Protocol Type", T::U16).base(Base::Hex).names(crate::ethertype::ETHERTYPES);
    VNI = FieldDef::new("geneve.vni", "Virtual Network Identifier (VNI)", T::U24).base(Base::HexDec);
    RESERVED = FieldDef::new("geneve.reserved", "Reserved", T::U8).base(Base::Hex);
    OPTIONS = FieldDef::new("geneve.options", "Geneve Options", T::Bytes);
    OPTION = FieldDef::new("geneve.option", "Option", T::Bytes);
    OPTION_CLASS = FieldDef::new("geneve.option.class", "Class", T::U16).base(Base::Hex);
    OPTION_TYPE = FieldDef::new("geneve.option.type", "Type", T::U8).base(Base::Hex);
    OPTION_DATA = FieldDef::new("geneve.option.unknown.data", "Unknown Option Data", T::Bytes);
}

/// Offsets of the fixed header, stated once.
mod field {
    pub const VER_OPTLEN: usize = 0;
    pub const FLAGS: usize = 1;
    pub const PROTO_TYPE: usize = 2;
    pub const VNI: usize = 4;
    pub const RESERVED: usize = 7;
    pub const HEADER_LEN: usize = 8;
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let at = |o: usize| off + o;
    let claimed = buf.reported.saturating_sub(off).max(1);
    let (Some(vo), Some(flags), Some(ptype), Some(vni)) = (
        buf.bytes.get(at(field::VER_OPTLEN)).copied(),
        buf.bytes.get(at(field::FLAGS)).copied(),
        bytes::be16(buf.bytes, at(field::PROTO_TYPE)),
        bytes::be32(buf.bytes, at(field::VNI)),
    ) else {
        let rest = buf.len().saturating_sub(off);
        let title = "Generic Network Virtualization Encapsulation";
        cx.layer(&proto::GENEVE, buf.span(off, rest), format_args!("{title}"));
        cx.ran_out("Geneve", buf.span(off, rest), buf);
        cx.end_layer();
        return claimed;
    };
    let opt_len = usize::from(vo & 0x3f) * 4;
    let header_len = field::HEADER_LEN + opt_len;
    let captured = buf.len().saturating_sub(off);
    cx.layer(
        &proto::GENEVE,
        buf.span(off, header_len.min(captured)),
        format_args!(
            "Generic Network Virtualization Encapsulation, VNI: 0x{:06x}",
            vni >> 8
        ),
    );
    let b0 = buf.span(at(field::VER_OPTLEN), 1);
    cx.field(&VERSION, b0, Value::U64((vo >> 6).into()));
    cx.labeled(
        &OPTIONS_LENGTH,
        b0,
        Value::U64(opt_len as u64),
        format_args!("Length: {opt_len} bytes"),
    );
    flags_item(cx, buf.span(at(field::FLAGS), 1), flags);
    cx.field(
        &PROTO_TYPE,
        buf.span(at(field::PROTO_TYPE), 2),
        Value::U64(ptype.into()),
    );
    cx.field(
        &VNI,
        buf.span(at(field::VNI), 3),
        Value::U64((vni >> 8).into()),
    );
    cx.hidden(
        &RESERVED,
        buf.span(at(field::RESERVED), 1),
        Value::U64((vni & 0xff).into()),
    );
    if opt_len > 0 {
        options(cx, buf, at(field::HEADER_LEN), opt_len);
    }
    cx.end_layer();
    let inner = off + header_len;
    if inner < buf.reported
        && cx
            .dissect_by(Table::EtherType, ptype.into(), buf, inner)
            .is_none()
    {
        crate::data::dissect(cx, buf, inner);
    }
    claimed
}

fn flags_item<S: Sink>(cx: &mut Cx<'_, S>, span: crate::sink::Span, flags: u8) {
    let mut names = Vec::new();
    if flags & 0x80 != 0 {
        names.push("Operations, Administration and Management Frame");
    }
    if flags & 0x40 != 0 {
        names.push("Critical Options Present");
    }
    let sep = if names.is_empty() { "" } else { ", " };
    cx.labeled(
        &FLAGS,
        span,
        Value::U64(flags.into()),
        format_args!("Flags: 0x{flags:02x}{sep}{}", names.join(", ")),
    );
    cx.push();
    for f in [&FLAG_OAM, &FLAG_CRITICAL, &FLAG_RESERVED] {
        cx.field(f, span, Value::Bool(u64::from(flags) & f.mask != 0));
    }
    cx.pop();
}

/// The TLV options: class, type, length in 4-byte words, data.
fn options<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, start: usize, len: usize) {
    // A capture cut inside the options shows what it has.
    let len = len.min(buf.len().saturating_sub(start));
    cx.labeled(
        &OPTIONS,
        buf.span(start, len),
        Value::Bytes(buf.get(start, len)),
        format_args!("Options: ({len} bytes)"),
    );
    cx.push();
    let end = start + len;
    let mut at = start;
    while at + 4 <= end {
        let (Some(class), Some(&t), Some(&l)) = (
            bytes::be16(buf.bytes, at),
            buf.bytes.get(at + 2),
            buf.bytes.get(at + 3),
        ) else {
            break;
        };
        let olen = (4 + usize::from(l & 0x1f) * 4).min(end - at);
        let critical = if t & 0x80 != 0 { " (Critical)" } else { "" };
        cx.labeled(
            &OPTION,
            buf.span(at, olen),
            Value::Bytes(buf.get(at, olen)),
            format_args!("Unknown, Class: 0x{class:04x} Type: 0x{t:02x}{critical}"),
        );
        cx.push();
        cx.field(&OPTION_CLASS, buf.span(at, 2), Value::U64(class.into()));
        cx.field(&OPTION_TYPE, buf.span(at + 2, 1), Value::U64(t.into()));
        cx.labeled(
            &OPTIONS_LENGTH,
            buf.span(at + 3, 1),
            Value::U64(olen as u64),
            format_args!("Length: {olen} bytes"),
        );
        if olen > 4 {
            cx.field(
                &OPTION_DATA,
                buf.span(at + 4, olen - 4),
                Value::Bytes(buf.get(at + 4, olen - 4)),
            );
        }
        cx.pop();
        at += olen;
    }
    cx.pop();
}
