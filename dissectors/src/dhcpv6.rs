//! DHCPv6 (RFC 8415, UDP ports 546 and 547): message type and transaction
//! id, the options in order, relay messages inside relays; Info as tshark
//! writes it ("Solicit XID: 0x28792a CID: 000100012... ", each part
//! followed by a space).

use std::net::Ipv6Addr;

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static MESSAGE_TYPES: &[(u64, &str)] = &[
    (1, "Solicit"),
    (2, "Advertise"),
    (3, "Request"),
    (4, "Confirm"),
    (5, "Renew"),
    (6, "Rebind"),
    (7, "Reply"),
    (8, "Release"),
    (9, "Decline"),
    (10, "Reconfigure"),
    (11, "Information-request"),
    (12, "Relay-forw"),
    (13, "Relay-reply"),
    (14, "Leasequery"),
    (15, "Leasequery-reply"),
    (16, "Leasequery-done"),
    (17, "Leasequery-data"),
];

crate::fields! {
    MSGTYPE = FieldDef::new("dhcpv6.msgtype", "Message type", T::U8).names(MESSAGE_TYPES);
    XID = FieldDef::new("dhcpv6.xid", "Transaction ID", T::U24).base(Base::Hex);
    HOPCOUNT = FieldDef::new("dhcpv6.hopcount", "Hopcount", T::U8);
    LINKADDR = FieldDef::new("dhcpv6.linkaddr", "Link address", T::Ipv6);
    PEERADDR = FieldDef::new("dhcpv6.peeraddr", "Peer address", T::Ipv6);
    OPTION_TYPE = FieldDef::new("dhcpv6.option.type", "Option", T::U16);
    OPTION_LENGTH = FieldDef::new("dhcpv6.option.length", "Length", T::U16);
    OPTION_VALUE = FieldDef::new("dhcpv6.option.value", "Value", T::Bytes);
    DUID_BYTES = FieldDef::new("dhcpv6.duid.bytes", "DUID", T::Bytes);
    IAADDR_IP = FieldDef::new("dhcpv6.iaaddr.ip", "IPv6 address", T::Ipv6);
}

/// Relays nest messages; deeper ones are left as bytes.
const MAX_DEPTH: u8 = 8;
/// Options read from one list (each takes at least 4 bytes).
const MAX_OPTIONS: usize = 256;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    cx.layer(
        &proto::DHCPV6,
        buf.span(off, b.len()),
        format_args!("DHCPv6"),
    );
    cx.set_info(format_args!(""));
    if !message(cx, buf, off, off + b.len(), 0) {
        cx.ran_out("DHCPv6", buf.span(off, b.len()), buf);
    }
    cx.end_layer();
    claimed
}

/// One message in `at..end`; false when it ends early.
fn message<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, end: usize, depth: u8) -> bool {
    let Some(&t) = buf.bytes.get(at) else {
        return false;
    };
    let name = crate::field::lookup(MESSAGE_TYPES, t.into()).unwrap_or("Unknown");
    cx.field(&MSGTYPE, buf.span(at, 1), Value::U64(t.into()));
    if t == 12 || t == 13 {
        let (Some(&hops), Some(link), Some(peer)) = (
            buf.bytes.get(at + 1),
            bytes::array::<16>(buf.bytes, at + 2),
            bytes::array::<16>(buf.bytes, at + 18),
        ) else {
            return false;
        };
        cx.field(&HOPCOUNT, buf.span(at + 1, 1), Value::U64(hops.into()));
        cx.field(&LINKADDR, buf.span(at + 2, 16), Value::Ipv6(link));
        cx.field(&PEERADDR, buf.span(at + 18, 16), Value::Ipv6(peer));
        cx.append_info(format_args!("{name} L: {} ", Ipv6Addr::from(link)));
        return options(cx, buf, at + 34, end, depth);
    }
    let Some(xid) = bytes::be24(buf.bytes, at + 1) else {
        return false;
    };
    cx.field(&XID, buf.span(at + 1, 3), Value::U64(xid.into()));
    cx.append_info(format_args!("{name} XID: 0x{xid:06x} "));
    options(cx, buf, at + 4, end, depth)
}

/// Options in `at..end`, in order: client ids, addresses and relayed
/// messages add to Info as tshark's do.
fn options<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    mut at: usize,
    end: usize,
    depth: u8,
) -> bool {
    for _ in 0..MAX_OPTIONS {
        if at >= end {
            return true;
        }
        let (Some(code), Some(len)) = (bytes::be16(buf.bytes, at), bytes::be16(buf.bytes, at + 2))
        else {
            return false;
        };
        let len = usize::from(len);
        let v = at + 4;
        let Some(value) = buf.bytes.get(v..v + len).filter(|_| v + len <= end) else {
            return false;
        };
        cx.text(buf.span(at, 4 + len), format_args!("Option {code}"));
        cx.push();
        cx.field(&OPTION_TYPE, buf.span(at, 2), Value::U64(code.into()));
        cx.field(&OPTION_LENGTH, buf.span(at + 2, 2), Value::U64(len as u64));
        let ok = option(cx, buf, code, v, value, depth);
        cx.pop();
        if !ok {
            return false;
        }
        at = v + len;
    }
    true
}

fn option<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    code: u16,
    v: usize,
    value: &[u8],
    depth: u8,
) -> bool {
    let end = v + value.len();
    match code {
        1 => {
            cx.field(&DUID_BYTES, buf.span(v, value.len()), Value::Bytes(value));
            let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
            cx.append_info(format_args!("CID: {hex} "));
            true
        }
        // IA_NA and IA_PD: IAID, T1, T2, then options; IA_TA: IAID then options.
        3 | 25 if value.len() >= 12 && depth < MAX_DEPTH => {
            options(cx, buf, v + 12, end, depth + 1)
        }
        4 if value.len() >= 4 && depth < MAX_DEPTH => options(cx, buf, v + 4, end, depth + 1),
        5 if value.len() >= 24 => {
            let Some(a) = bytes::array::<16>(buf.bytes, v) else {
                return false;
            };
            cx.field(&IAADDR_IP, buf.span(v, 16), Value::Ipv6(a));
            cx.append_info(format_args!("IAA: {} ", Ipv6Addr::from(a)));
            depth >= MAX_DEPTH || options(cx, buf, v + 24, end, depth + 1)
        }
        9 if depth < MAX_DEPTH => message(cx, buf, v, end, depth + 1),
        _ => {
            cx.field(&OPTION_VALUE, buf.span(v, value.len()), Value::Bytes(value));
            true
        }
    }
}
