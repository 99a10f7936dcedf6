//! Cisco MetaData (0x8909): version, length, options, the security group
//! tag and an ethertype for what it carries. In Ethernet the type comes
//! last; in GRE (its `gre.proto` table) first.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    VERSION = FieldDef::new("cmd.version", "Version", T::U8);
    LENGTH = FieldDef::new("cmd.length", "Length", T::U8);
    OPTIONS = FieldDef::new("cmd.options", "Options", T::U16).base(Base::Hex);
    SGT = FieldDef::new("cmd.sgt", "SGT", T::U16);
    TYPE = FieldDef::new("cmd.type", "Type", T::U16).base(Base::Hex).names(crate::ethertype::ETHERTYPES);
}

/// Offsets of the header (Ethernet's order), stated once.
mod field {
    pub const VERSION: usize = 0;
    pub const LENGTH: usize = 1;
    pub const OPTIONS: usize = 2;
    pub const SGT: usize = 4;
    pub const TYPE: usize = 6;
    pub const LEN: usize = 8;
}

/// CMD in Ethernet (the ethertype table's 0x8909).
pub fn in_ethernet<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    dissect(cx, buf, off, 0, Table::EtherType)
}

/// CMD in GRE: the type first, the rest shifted by two, and what it
/// carries found in GRE's table.
pub fn in_gre<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    dissect(cx, buf, off, 2, Table::GreProto)
}

/// `shift`: where the fields after the type start, relative to
/// Ethernet's order (the type then sits at 0).
fn dissect<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    shift: usize,
    table: Table,
) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    cx.layer(
        &proto::CMD,
        buf.span(off, b.len().min(field::LEN)),
        format_args!("Cisco MetaData"),
    );
    let type_at = if shift == 0 { field::TYPE } else { 0 };
    let (Some(&version), Some(&length), Some(options), Some(sgt), Some(etype)) = (
        b.get(field::VERSION + shift),
        b.get(field::LENGTH + shift),
        bytes::be16(b, field::OPTIONS + shift),
        bytes::be16(b, field::SGT + shift),
        bytes::be16(b, type_at),
    ) else {
        cx.ran_out("CMD", buf.span(off, b.len()), buf);
        cx.end_layer();
        return claimed;
    };
    let s = |o: usize, l: usize| buf.span(off + o, l);
    if shift > 0 {
        cx.field(&TYPE, s(type_at, 2), Value::U64(etype.into()));
    }
    cx.field(
        &VERSION,
        s(field::VERSION + shift, 1),
        Value::U64(version.into()),
    );
    cx.field(
        &LENGTH,
        s(field::LENGTH + shift, 1),
        Value::U64(length.into()),
    );
    cx.field(
        &OPTIONS,
        s(field::OPTIONS + shift, 2),
        Value::U64(options.into()),
    );
    cx.field(&SGT, s(field::SGT + shift, 2), Value::U64(sgt.into()));
    if shift == 0 {
        cx.field(&TYPE, s(type_at, 2), Value::U64(etype.into()));
    }
    cx.end_layer();
    let inner = off + field::LEN;
    let taken = cx.dissect_by(table, etype.into(), buf, inner).is_some()
        || (table != Table::EtherType
            && cx
                .dissect_by(Table::EtherType, etype.into(), buf, inner)
                .is_some());
    if inner < buf.reported && !taken {
        crate::data::dissect(cx, buf, inner);
    }
    claimed
}
