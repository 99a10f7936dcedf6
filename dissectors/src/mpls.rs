//! MPLS (RFC 3032): the label stack, then what the first nibble after it
//! says (RFC 4928): IPv4 or IPv6 when the length agrees, an Ethernet
//! pseudowire with its control word for 0, data otherwise.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto;
use crate::sink::Sink;

crate::fields! {
    LABEL = FieldDef::new("mpls.label", "MPLS Label", T::U32).base(Base::DecHex).mask(0xffff_f000);
    EXP = FieldDef::new("mpls.exp", "MPLS Experimental Bits", T::U32).mask(0x0000_0e00);
    BOTTOM = FieldDef::new("mpls.bottom", "MPLS Bottom Of Label Stack", T::U32).mask(0x0000_0100);
    TTL = FieldDef::new("mpls.ttl", "MPLS TTL", T::U32).mask(0x0000_00ff);
    PW_CW = FieldDef::new("pweth.cw.sequence_number", "PW sequence number", T::U16);
}

/// Labels shown before the rest is data (hostile stacks never end).
const MAX_LABELS: usize = 64;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let claimed = buf.reported.saturating_sub(off).max(1);
    let mut at = off;
    for i in 0..MAX_LABELS {
        let Some(entry) = bytes::be32(buf.bytes, at) else {
            let rest = buf.len().saturating_sub(at);
            cx.layer(
                &proto::MPLS,
                buf.span(at, rest),
                format_args!("MultiProtocol Label Switching Header"),
            );
            cx.ran_out("MPLS", buf.span(at, rest), buf);
            cx.end_layer();
            return claimed;
        };
        let (label, exp, bos, ttl) = (
            entry >> 12,
            (entry >> 9) & 7,
            (entry >> 8) & 1,
            entry & 0xff,
        );
        let span = buf.span(at, 4);
        let title = format_args!(
            "MultiProtocol Label Switching Header, Label: {label}, Exp: {exp}, S: {bos}, TTL: {ttl}"
        );
        if i == 0 {
            cx.layer(&proto::MPLS, span, title);
        } else {
            cx.layer_again(&proto::MPLS, span, title);
        }
        cx.field(&LABEL, span, Value::U64(label.into()));
        cx.field(&EXP, span, Value::U64(exp.into()));
        cx.field(&BOTTOM, span, Value::U64(bos.into()));
        cx.field(&TTL, span, Value::U64(ttl.into()));
        cx.end_layer();
        at += 4;
        if bos == 1 {
            break;
        }
    }
    cx.set_info(format_args!("MPLS Label Switched Packet"));
    payload(cx, buf, at);
    claimed
}

/// What follows the bottom of the stack.
fn payload<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize) {
    let Some(&first) = buf.bytes.get(at) else {
        return;
    };
    let reported = buf.reported.saturating_sub(at);
    // An IP header whose length fills what is left (give or take padding).
    let fills = |len: Option<u16>, extra: usize| {
        len.is_some_and(|l| {
            let l = usize::from(l) + extra;
            l + 4 >= reported && l <= reported
        })
    };
    let next = match first >> 4 {
        4 if fills(bytes::be16(buf.bytes, at + 2), 0) => Some((Table::IpVersion, 4, at)),
        6 if fills(bytes::be16(buf.bytes, at + 4), 40) => Some((Table::IpVersion, 6, at)),
        0 if reported >= 4 + 14 => {
            control_word(cx, buf, at);
            Some((Table::EtherType, 0x6558, at + 4))
        }
        _ => None,
    };
    let done =
        next.is_some_and(|(table, key, from)| cx.dissect_by(table, key, buf, from).is_some());
    if !done {
        crate::data::dissect(cx, buf, at);
    }
}

/// The Ethernet pseudowire's control word (RFC 4448): flags and a sequence
/// number.
fn control_word<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize) {
    cx.layer(
        &proto::PWETHCW,
        buf.span(at, 4),
        format_args!("PW Ethernet Control Word"),
    );
    if let Some(seq) = bytes::be16(buf.bytes, at + 2) {
        cx.labeled(
            &PW_CW,
            buf.span(at + 2, 2),
            Value::U64(seq.into()),
            format_args!("Sequence Number: {seq}"),
        );
    }
    cx.end_layer();
}
