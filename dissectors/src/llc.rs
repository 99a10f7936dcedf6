//! IEEE 802.2 LLC, what an 802.3 length field (or an 802.1Q tag's) is
//! followed by: DSAP, SSAP, control, and for SNAP an OUI and protocol id.
//! Spanning tree (SAP 0x42, Cisco's PVST+ SNAP id 0x010b) goes on through
//! the SAP table; SNAP with OUI 0 carries an ethertype.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

static SAPS: &[(u64, &str)] = &[
    (0x00, "NULL LSAP"),
    (0x06, "TCP/IP"),
    (0x42, "Spanning Tree BPDU"),
    (0xaa, "SNAP"),
    (0xe0, "NetWare"),
    (0xf0, "NetBIOS"),
    (0xfe, "ISO Network Layer"),
    (0xff, "Global LSAP"),
];

crate::fields! {
    DSAP = FieldDef::new("llc.dsap", "DSAP", T::U8).base(Base::Hex).names(SAPS);
    SSAP = FieldDef::new("llc.ssap", "SSAP", T::U8).base(Base::Hex).names(SAPS);
    CONTROL = FieldDef::new("llc.control", "Control field", T::U16).base(Base::Hex);
    OUI = FieldDef::new("llc.oui", "Organization Code", T::U24).base(Base::Hex);
    PID = FieldDef::new("llc.pid", "PID", T::U16).base(Base::Hex);
    TYPE = FieldDef::new("llc.type", "Type", T::U16).base(Base::Hex).names(crate::ethertype::ETHERTYPES);
}

const SNAP: u8 = 0xaa;
const STP_SAP: u32 = 0x42;
const CISCO_OUI: u32 = 0x00_000c;
const PVST_PID: u16 = 0x010b;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    // Only unnumbered frames (low bits 11) have a one-byte control field.
    let ctl_len = |ctl: u8| if ctl & 3 == 3 { 1 } else { 2 };
    let header = match (b.first(), b.get(1), b.get(2)) {
        (Some(&dsap), Some(&ssap), Some(&ctl)) if 2 + ctl_len(ctl) <= b.len() => {
            Some((dsap, ssap, ctl))
        }
        _ => None,
    };
    let Some((dsap, ssap, ctl)) = header else {
        cx.layer(
            &proto::LLC,
            buf.span(off, b.len()),
            format_args!("Logical-Link Control"),
        );
        cx.ran_out("LLC", buf.span(off, b.len()), buf);
        cx.end_layer();
        return claimed;
    };
    let ctl_len = ctl_len(ctl);
    let snap = dsap == SNAP && ssap == SNAP;
    let hlen = 2 + ctl_len + if snap { 5 } else { 0 };
    cx.layer(
        &proto::LLC,
        buf.span(off, hlen.min(b.len())),
        format_args!("Logical-Link Control"),
    );
    cx.field(&DSAP, buf.span(off, 1), Value::U64(dsap.into()));
    cx.field(&SSAP, buf.span(off + 1, 1), Value::U64(ssap.into()));
    let control = if ctl_len == 1 {
        u16::from(ctl)
    } else {
        bytes::be16(b, 2).unwrap_or(0)
    };
    cx.field(
        &CONTROL,
        buf.span(off + 2, ctl_len),
        Value::U64(control.into()),
    );
    let mut next: Option<(Table, u32)> = (dsap == 0x42).then_some((Table::LlcSap, STP_SAP));
    if snap {
        let (Some(oui), Some(pid)) = (bytes::be24(b, 3), bytes::be16(b, 6)) else {
            cx.ran_out("LLC", buf.span(off, b.len()), buf);
            cx.end_layer();
            return claimed;
        };
        cx.field(&OUI, buf.span(off + 3, 3), Value::U64(oui.into()));
        if oui == 0 {
            cx.field(&TYPE, buf.span(off + 6, 2), Value::U64(pid.into()));
            next = Some((Table::EtherType, pid.into()));
        } else {
            cx.field(&PID, buf.span(off + 6, 2), Value::U64(pid.into()));
            if oui == CISCO_OUI && pid == PVST_PID {
                next = Some((Table::LlcSap, STP_SAP));
            } else if oui == CISCO_OUI {
                next = Some((Table::LlcCiscoPid, pid.into()));
            }
        }
    }
    cx.end_layer();
    cx.set_info(format_args!("{}", summary(dsap, ssap, ctl)));
    let inner = off + hlen;
    if !snap && ctl & 0xef == 0xaf {
        basic_xid(cx, buf.rest(inner));
        return claimed;
    }
    let done = next
        .is_some_and(|(t, k)| inner < buf.reported && cx.dissect_by(t, k, buf, inner).is_some());
    if !done && inner < buf.reported {
        crate::data::dissect(cx, buf, inner);
    }
    claimed
}

/// Info for what no dissector above took: the frame type, as Wireshark's
/// LLC starts it.
fn summary(dsap: u8, ssap: u8, ctl: u8) -> String {
    let kind = match ctl & 3 {
        3 => "U",
        1 => "S",
        _ => "I",
    };
    let name = |s: u8| crate::field::lookup(SAPS, u64::from(s & 0xfe)).unwrap_or("Unknown");
    format!(
        "{kind}, DSAP {} {}, SSAP {} {}",
        name(dsap),
        if dsap & 1 == 0 { "Individual" } else { "Group" },
        name(ssap),
        if ssap & 1 == 0 { "Command" } else { "Response" }
    )
}

/// An XID frame in the basic format (0x81): the LLC classes and the
/// receive window, as tshark's Protocol "XID" and Info show them.
fn basic_xid<S: Sink>(cx: &mut Cx<'_, S>, b: &[u8]) {
    let [0x81, classes, window, ..] = *b else {
        return;
    };
    let classes = match classes & 0x1f {
        0x01 => "Type 1 LLC (Class I LLC)",
        0x03 => "Type 1 and Type 2 LLCs (Class II LLC)",
        0x05 => "Type 1 and Type 3 LLCs (Class III LLC)",
        0x07 => "Type 1, Type 2, and Type 3 LLCs (Class IV LLC)",
        _ => "Unknown",
    };
    if cx.quote_depth == 0 {
        cx.pi.protocol = std::borrow::Cow::Borrowed("XID");
    }
    cx.set_info(format_args!(
        "Basic Format; {classes}; Window Size {}",
        window >> 1
    ));
}
