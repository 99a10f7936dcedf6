//! PPP (RFC 1661; LINKTYPE_PPP, and GRE's 0x880b as PPTP carries it):
//! address and control when present, the protocol field (compressed to
//! one byte when odd), then IP or MPLS through the tables, or one of the
//! control protocols (LCP, IPCP, IPV6CP, CCP) shown by its code.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx, Table};
use crate::proto::{self, ProtoDef};
use crate::sink::Sink;

static PROTOCOLS: &[(u64, &str)] = &[
    (0x0021, "Internet Protocol version 4"),
    (0x0057, "Internet Protocol version 6"),
    (0x0281, "MPLS Unicast"),
    (0x0283, "MPLS Multicast"),
    (0x8021, "Internet Protocol Control Protocol"),
    (0x8057, "IPv6 Control Protocol"),
    (0x80fd, "Compression Control Protocol"),
    (0xc021, "Link Control Protocol"),
    (0xc023, "Password Authentication Protocol"),
    (0xc223, "Challenge Handshake Authentication Protocol"),
];

static CODES: &[(u64, &str)] = &[
    (1, "Configuration Request"),
    (2, "Configuration Ack"),
    (3, "Configuration Nak"),
    (4, "Configuration Reject"),
    (5, "Termination Request"),
    (6, "Termination Ack"),
    (7, "Code Reject"),
    (8, "Protocol Reject"),
    (9, "Echo Request"),
    (10, "Echo Reply"),
    (11, "Discard Request"),
    (12, "Identification"),
    (13, "Time Remaining"),
    (14, "Reset Request"),
    (15, "Reset Ack"),
];

crate::fields! {
    ADDRESS = FieldDef::new("ppp.address", "Address", T::U8).base(Base::Hex);
    CONTROL = FieldDef::new("ppp.control", "Control", T::U8).base(Base::Hex);
    PROTOCOL = FieldDef::new("ppp.protocol", "Protocol", T::U16).base(Base::Hex).names(PROTOCOLS);
    CODE = FieldDef::new("ppp.code", "Code", T::U8).names(CODES);
    IDENTIFIER = FieldDef::new("ppp.identifier", "Identifier", T::U8).base(Base::DecHex);
    LENGTH = FieldDef::new("ppp.length", "Length", T::U16);
    OPTIONS = FieldDef::new("ppp.options", "Options", T::Bytes);
}

/// LINKTYPE_PPP: the frame is one PPP packet.
pub fn link<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>) {
    dissect(cx, buf, 0);
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let claimed = buf.reported.saturating_sub(off).max(1);
    let b = buf.rest(off);
    // Address and control (0xff 0x03) unless compressed away.
    let hdlc = b.starts_with(&[0xff, 0x03]);
    let at = off + if hdlc { 2 } else { 0 };
    let (proto_len, protocol) = match buf.bytes.get(at) {
        Some(&p) if p & 1 == 1 => (1, u16::from(p)),
        Some(_) => match bytes::be16(buf.bytes, at) {
            Some(p) => (2, p),
            None => return short(cx, buf, off, claimed),
        },
        None => return short(cx, buf, off, claimed),
    };
    let header = at + proto_len - off;
    cx.layer(
        &proto::PPP,
        buf.span(off, header),
        format_args!("Point-to-Point Protocol"),
    );
    if hdlc {
        cx.field(&ADDRESS, buf.span(off, 1), Value::U64(0xff));
        cx.field(&CONTROL, buf.span(off + 1, 1), Value::U64(0x03));
    }
    cx.field(
        &PROTOCOL,
        buf.span(at, proto_len),
        Value::U64(protocol.into()),
    );
    cx.end_layer();
    let inner = off + header;
    let next = match protocol {
        0x0021 => Some((Table::IpVersion, 4)),
        0x0057 => Some((Table::IpVersion, 6)),
        0x0281 | 0x0283 => Some((Table::EtherType, 0x8847)),
        _ => None,
    };
    if let Some((table, key)) = next
        && cx.dissect_by(table, key, buf, inner).is_some()
    {
        return claimed;
    }
    match control_protocol(protocol) {
        Some(p) => control(cx, buf, inner, p),
        None => {
            crate::data::dissect(cx, buf, inner);
            cx.set_info(format_args!("PPP"));
        }
    }
    claimed
}

fn short<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, claimed: usize) -> usize {
    let rest = buf.len().saturating_sub(off);
    cx.layer(
        &proto::PPP,
        buf.span(off, rest),
        format_args!("Point-to-Point Protocol"),
    );
    cx.ran_out("PPP", buf.span(off, rest), buf);
    cx.end_layer();
    claimed
}

fn control_protocol(protocol: u16) -> Option<&'static ProtoDef> {
    Some(match protocol {
        0xc021 => &proto::LCP,
        0x8021 => &proto::IPCP,
        0x8057 => &proto::IPV6CP,
        0x80fd => &proto::CCP,
        _ => return None,
    })
}

/// A control protocol packet: code, identifier, length, options.
fn control<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, p: &'static ProtoDef) {
    let b = buf.rest(off);
    let (Some(&code), Some(&id), Some(len)) = (b.first(), b.get(1), bytes::be16(b, 2)) else {
        cx.layer(p, buf.span(off, b.len()), format_args!("{}", p.field.title));
        cx.ran_out(p.column, buf.span(off, b.len()), buf);
        cx.end_layer();
        return;
    };
    let len = usize::from(len).clamp(4, b.len().max(4));
    cx.layer(
        p,
        buf.span(off, len.min(b.len())),
        format_args!("{}", p.field.title),
    );
    let name = crate::field::lookup(CODES, code.into()).unwrap_or("Unknown");
    cx.set_info(format_args!("{name}"));
    cx.field(&CODE, buf.span(off, 1), Value::U64(code.into()));
    cx.field(&IDENTIFIER, buf.span(off + 1, 1), Value::U64(id.into()));
    cx.field(&LENGTH, buf.span(off + 2, 2), Value::U64(len as u64));
    if len > 4 && b.len() > 4 {
        let n = (len - 4).min(b.len() - 4);
        cx.field(&OPTIONS, buf.span(off + 4, n), Value::Bytes(&b[4..4 + n]));
    }
    cx.end_layer();
}
