//! VXLAN (RFC 7348, UDP port 4789): an 8-byte header, then an Ethernet
//! frame, which goes to the ethertype table's transparent bridging entry.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    FLAGS = FieldDef::new("vxlan.flags", "Flags", T::U16).base(Base::Hex);
    FLAG_G = FieldDef::new("vxlan.flag_g", "GBP Extension", T::Boolean).tfs("Defined", "Not defined").mask(0x8000);
    FLAG_I = FieldDef::new("vxlan.flag_i", "VXLAN Network ID (VNI)", T::Boolean).mask(0x0800);
    FLAG_D = FieldDef::new("vxlan.flag_d", "Don't Learn", T::Boolean).bits(16).mask(0x0040);
    FLAG_A = FieldDef::new("vxlan.flag_a", "Policy Applied", T::Boolean).bits(16).mask(0x0008);
    FLAGS_RESERVED = FieldDef::new("vxlan.flags_reserved", "Reserved(R)", T::U16).base(Base::Hex).mask(0x77b7);
    GBP = FieldDef::new("vxlan.gbp", "Group Policy ID", T::U16);
    VNI = FieldDef::new("vxlan.vni", "VXLAN Network Identifier (VNI)", T::U24);
    RESERVED8 = FieldDef::new("vxlan.reserved8", "Reserved", T::U8);
}

/// Offsets of the header, stated once.
mod field {
    pub const FLAGS: usize = 0;
    pub const GBP: usize = 2;
    pub const VNI: usize = 4;
    pub const RESERVED: usize = 7;
    pub const HEADER_LEN: usize = 8;
}

/// Transparent Ethernet bridging: the ethertype of an Ethernet frame
/// carried whole.
const ETHERNET: u32 = 0x6558;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let at = |o: usize| off + o;
    let (Some(flags), Some(gbp), Some(vni)) = (
        bytes::be16(buf.bytes, at(field::FLAGS)),
        bytes::be16(buf.bytes, at(field::GBP)),
        bytes::be32(buf.bytes, at(field::VNI)),
    ) else {
        let rest = buf.len().saturating_sub(off);
        cx.layer(
            &proto::VXLAN,
            buf.span(off, rest),
            format_args!("Virtual eXtensible Local Area Network"),
        );
        cx.ran_out("VXLAN", buf.span(off, rest), buf);
        cx.end_layer();
        return buf.reported.saturating_sub(off).max(1);
    };
    cx.layer(
        &proto::VXLAN,
        buf.span(off, field::HEADER_LEN),
        format_args!("Virtual eXtensible Local Area Network"),
    );
    let fspan = buf.span(at(field::FLAGS), 2);
    let mut names = Vec::new();
    for (bit, name) in [
        (0x8000, "GBP Extension"),
        (0x0800, "VXLAN Network ID (VNI)"),
        (0x0040, "Don't Learn"),
        (0x0008, "Policy Applied"),
    ] {
        if flags & bit != 0 {
            names.push(name);
        }
    }
    cx.labeled(
        &FLAGS,
        fspan,
        Value::U64(flags.into()),
        format_args!("Flags: 0x{flags:04x}, {}", names.join(", ")),
    );
    cx.push();
    for f in [&FLAG_G, &FLAG_I, &FLAG_D, &FLAG_A] {
        cx.field(f, fspan, Value::Bool(u64::from(flags) & f.mask != 0));
    }
    cx.field(&FLAGS_RESERVED, fspan, Value::U64((flags & 0x77b7).into()));
    cx.pop();
    cx.field(&GBP, buf.span(at(field::GBP), 2), Value::U64(gbp.into()));
    cx.field(
        &VNI,
        buf.span(at(field::VNI), 3),
        Value::U64((vni >> 8).into()),
    );
    cx.field(
        &RESERVED8,
        buf.span(at(field::RESERVED), 1),
        Value::U64((vni & 0xff).into()),
    );
    cx.end_layer();
    let inner = at(field::HEADER_LEN);
    if inner < buf.reported {
        cx.dissect_by(Table::EtherType, ETHERNET, buf, inner);
    }
    buf.reported.saturating_sub(off).max(1)
}
