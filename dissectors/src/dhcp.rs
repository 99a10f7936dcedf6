//! DHCP and BOOTP (RFC 2131, 951; UDP ports 67 and 68): the fixed header,
//! then the options; Info as tshark writes it ("DHCP Discover - Transaction
//! ID 0x..."), "BOOTP" when no message type option says DHCP.

use crate::bytes;
use crate::field::{Base, FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

static OPS: &[(u64, &str)] = &[(1, "Boot Request"), (2, "Boot Reply")];
static MESSAGE_TYPES: &[(u64, &str)] = &[
    (1, "Discover"),
    (2, "Offer"),
    (3, "Request"),
    (4, "Decline"),
    (5, "ACK"),
    (6, "NAK"),
    (7, "Release"),
    (8, "Inform"),
    (9, "Force Renew"),
    (10, "Lease query"),
    (11, "Lease Unassigned"),
    (12, "Lease Unknown"),
    (13, "Lease Active"),
    (14, "Bulk Lease Query"),
    (15, "Lease Query Done"),
    (16, "Active LeaseQuery"),
    (17, "Lease Query Status"),
    (18, "TLS"),
];
/// Option names for the tree (the common ones; others are "Unknown").
static OPTION_NAMES: &[(u64, &str)] = &[
    (0, "Padding"),
    (1, "Subnet Mask"),
    (2, "Time Offset"),
    (3, "Router"),
    (6, "Domain Name Server"),
    (12, "Host Name"),
    (15, "Domain Name"),
    (28, "Broadcast Address"),
    (42, "Network Time Protocol Servers"),
    (43, "Vendor-Specific Information"),
    (50, "Requested IP Address"),
    (51, "IP Address Lease Time"),
    (53, "DHCP Message Type"),
    (54, "DHCP Server Identifier"),
    (55, "Parameter Request List"),
    (57, "Maximum DHCP Message Size"),
    (58, "Renewal Time Value"),
    (59, "Rebinding Time Value"),
    (60, "Vendor class identifier"),
    (61, "Client identifier"),
    (81, "Client Fully Qualified Domain Name"),
    (82, "Agent Information Option"),
    (255, "End"),
];

crate::fields! {
    TYPE = FieldDef::new("dhcp.type", "Message type", T::U8).names(OPS);
    HW_TYPE = FieldDef::new("dhcp.hw.type", "Hardware type", T::U8).base(Base::Hex);
    HW_LEN = FieldDef::new("dhcp.hw.len", "Hardware address length", T::U8);
    HOPS = FieldDef::new("dhcp.hops", "Hops", T::U8);
    ID = FieldDef::new("dhcp.id", "Transaction ID", T::U32).base(Base::Hex);
    SECS = FieldDef::new("dhcp.secs", "Seconds elapsed", T::U16);
    FLAGS = FieldDef::new("dhcp.flags", "Bootp flags", T::U16).base(Base::Hex);
    FLAGS_BROADCAST = FieldDef::new("dhcp.flags.bc", "Broadcast flag", T::Boolean).tfs("Broadcast", "Unicast").mask(0x8000);
    IP_CLIENT = FieldDef::new("dhcp.ip.client", "Client IP address", T::Ipv4);
    IP_YOUR = FieldDef::new("dhcp.ip.your", "Your (client) IP address", T::Ipv4);
    IP_SERVER = FieldDef::new("dhcp.ip.server", "Next server IP address", T::Ipv4);
    IP_RELAY = FieldDef::new("dhcp.ip.relay", "Relay agent IP address", T::Ipv4);
    HW_MAC = FieldDef::new("dhcp.hw.mac_addr", "Client MAC address", T::Ether);
    HW_ADDR = FieldDef::new("dhcp.hw.addr", "Client hardware address", T::Bytes);
    SERVER = FieldDef::new("dhcp.server", "Server host name", T::String);
    FILE = FieldDef::new("dhcp.file", "Boot file name", T::String);
    COOKIE = FieldDef::new("dhcp.cookie", "Magic cookie", T::Ipv4);
    OPTION_TYPE = FieldDef::new("dhcp.option.type", "Option", T::U8);
    OPTION_LENGTH = FieldDef::new("dhcp.option.length", "Length", T::U8);
    OPTION_VALUE = FieldDef::new("dhcp.option.value", "Value", T::Bytes);
    OPTION_DHCP = FieldDef::new("dhcp.option.dhcp", "DHCP", T::U8).names(MESSAGE_TYPES);
    OPTION_HOSTNAME = FieldDef::new("dhcp.option.hostname", "Host Name", T::String);
    OPTION_REQUESTED_IP = FieldDef::new("dhcp.option.requested_ip_address", "Requested IP Address", T::Ipv4);
    OPTION_SERVER_ID = FieldDef::new("dhcp.option.dhcp_server_id", "DHCP Server Identifier", T::Ipv4);
    OPTION_LEASE_TIME = FieldDef::new("dhcp.option.ip_address_lease_time", "IP Address Lease Time", T::U32);
    OPTION_END = FieldDef::new("dhcp.option.end", "Option End", T::U8);
}

/// Offsets of the fixed header, stated once.
mod field {
    pub const OP: usize = 0;
    pub const HTYPE: usize = 1;
    pub const HLEN: usize = 2;
    pub const HOPS: usize = 3;
    pub const XID: usize = 4;
    pub const SECS: usize = 8;
    pub const FLAGS: usize = 10;
    pub const CIADDR: usize = 12;
    pub const YIADDR: usize = 16;
    pub const SIADDR: usize = 20;
    pub const GIADDR: usize = 24;
    pub const CHADDR: usize = 28;
    pub const SNAME: usize = 44;
    pub const FILE: usize = 108;
    pub const COOKIE: usize = 236;
    pub const OPTIONS: usize = 240;
}

const MAGIC_COOKIE: u32 = 0x6382_5363;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let msg_type = message_type(b);
    let op = b.first().copied().unwrap_or(0);
    let title = match msg_type {
        Some(t) => format!(
            "Dynamic Host Configuration Protocol ({})",
            crate::field::lookup(MESSAGE_TYPES, t.into()).unwrap_or("Unknown Message Type")
        ),
        None => format!(
            "Bootstrap Protocol ({})",
            if op == 2 { "Reply" } else { "Request" }
        ),
    };
    cx.layer(
        &proto::DHCP,
        buf.span(off, b.len()),
        format_args!("{title}"),
    );
    let xid = bytes::be32(b, field::XID).unwrap_or(0);
    match msg_type {
        Some(t) => {
            let name =
                crate::field::lookup(MESSAGE_TYPES, t.into()).unwrap_or("Unknown Message Type");
            cx.set_info(format_args!("DHCP {name:<8} - Transaction ID 0x{xid:x}"));
        }
        None => {
            if cx.quote_depth == 0 {
                cx.pi.protocol = std::borrow::Cow::Borrowed("BOOTP");
            }
            match (op, bytes::array::<6>(b, field::CHADDR)) {
                // tshark adds the resolved name in parentheses; with name
                // resolution off (-n, as the goldens run) that is the address.
                (1, Some(mac)) => {
                    let a = crate::packet::Address::Ether(mac);
                    cx.set_info(format_args!("Boot Request from {a} ({a})"))
                }
                (1, None) => cx.set_info(format_args!("Boot Request")),
                _ => cx.set_info(format_args!("Boot Reply")),
            }
        }
    }
    if b.len() < field::COOKIE {
        header(cx, buf, off);
        cx.ran_out("DHCP", buf.span(off, b.len()), buf);
    } else {
        header(cx, buf, off);
        options(cx, buf, off);
    }
    cx.end_layer();
    claimed
}

/// Option 53, if the cookie is there and the option too.
fn message_type(b: &[u8]) -> Option<u8> {
    if bytes::be32(b, field::COOKIE)? != MAGIC_COOKIE {
        return None;
    }
    let mut found = None;
    walk(b, |_, code, value| {
        if code == 53 && value.len() == 1 {
            found = Some(value[0]);
        }
    });
    found
}

/// Each option as (where, code, value), until End or the bytes end; the
/// walk only moves forward, so it is bounded by the packet's length.
fn walk(b: &[u8], mut each: impl FnMut(usize, u8, &[u8])) {
    let mut at = field::OPTIONS;
    while let Some(&code) = b.get(at) {
        match code {
            0 => at += 1,
            255 => {
                each(at, 255, &[]);
                return;
            }
            _ => {
                let Some(&len) = b.get(at + 1) else { return };
                let Some(value) = b.get(at + 2..at + 2 + usize::from(len)) else {
                    return;
                };
                each(at, code, value);
                at += 2 + usize::from(len);
            }
        }
    }
}

fn header<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let u8f = |o: usize| b.get(o).copied();
    let span = |o: usize, l: usize| buf.span(off + o, l);
    let items: [(usize, &'static FieldDef); 4] = [
        (field::OP, &TYPE),
        (field::HTYPE, &HW_TYPE),
        (field::HLEN, &HW_LEN),
        (field::HOPS, &HOPS),
    ];
    for (o, def) in items {
        let Some(v) = u8f(o) else { return };
        cx.field(def, span(o, 1), Value::U64(v.into()));
    }
    let Some(xid) = bytes::be32(b, field::XID) else {
        return;
    };
    cx.field(&ID, span(field::XID, 4), Value::U64(xid.into()));
    let (Some(secs), Some(flags)) = (bytes::be16(b, field::SECS), bytes::be16(b, field::FLAGS))
    else {
        return;
    };
    cx.field(&SECS, span(field::SECS, 2), Value::U64(secs.into()));
    cx.field(&FLAGS, span(field::FLAGS, 2), Value::U64(flags.into()));
    cx.push();
    cx.field(
        &FLAGS_BROADCAST,
        span(field::FLAGS, 2),
        Value::Bool(flags & 0x8000 != 0),
    );
    cx.pop();
    for (o, def) in [
        (field::CIADDR, &IP_CLIENT),
        (field::YIADDR, &IP_YOUR),
        (field::SIADDR, &IP_SERVER),
        (field::GIADDR, &IP_RELAY),
    ] {
        let Some(a) = bytes::array::<4>(b, o) else {
            return;
        };
        cx.field(def, span(o, 4), Value::Ipv4(a));
    }
    let hlen = usize::from(b[field::HLEN]);
    if b.get(field::HTYPE) == Some(&1) && hlen == 6 {
        if let Some(mac) = bytes::array::<6>(b, field::CHADDR) {
            cx.field(&HW_MAC, span(field::CHADDR, 6), Value::Ether(mac));
        }
    } else if let Some(a) = b.get(field::CHADDR..field::CHADDR + hlen.min(16)) {
        cx.field(&HW_ADDR, span(field::CHADDR, a.len()), Value::Bytes(a));
    }
    for (o, len, def) in [(field::SNAME, 64, &SERVER), (field::FILE, 128, &FILE)] {
        let Some(raw) = b.get(o..o + len) else { return };
        let end = raw.iter().position(|&c| c == 0).unwrap_or(len);
        if end > 0 {
            let s = String::from_utf8_lossy(&raw[..end]);
            cx.field(def, span(o, len), Value::Str(&s));
        }
    }
}

fn options<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) {
    let b = buf.rest(off);
    let Some(cookie) = bytes::array::<4>(b, field::COOKIE) else {
        return;
    };
    if u32::from_be_bytes(cookie) != MAGIC_COOKIE {
        return;
    }
    cx.labeled(
        &COOKIE,
        buf.span(off + field::COOKIE, 4),
        Value::Ipv4(cookie),
        format_args!("Magic cookie: DHCP"),
    );
    walk(b, |at, code, value| option(cx, buf, off + at, code, value));
}

fn option<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, at: usize, code: u8, value: &[u8]) {
    let name = crate::field::lookup(OPTION_NAMES, code.into()).unwrap_or("Unknown");
    if code == 255 {
        cx.labeled(
            &OPTION_END,
            buf.span(at, 1),
            Value::U64(255),
            format_args!("Option: (255) End"),
        );
        return;
    }
    let span = buf.span(at, 2 + value.len());
    let vspan = buf.span(at + 2, value.len());
    let detail = match (code, value) {
        (53, [t]) => format!(
            " ({})",
            crate::field::lookup(MESSAGE_TYPES, (*t).into()).unwrap_or("Unknown")
        ),
        _ => String::new(),
    };
    cx.text(span, format_args!("Option: ({code}) {name}{detail}"));
    cx.push();
    cx.field(
        &OPTION_LENGTH,
        buf.span(at + 1, 1),
        Value::U64(value.len() as u64),
    );
    cx.hidden(&OPTION_TYPE, buf.span(at, 1), Value::U64(code.into()));
    match (code, value) {
        (53, [t]) => cx.field(&OPTION_DHCP, vspan, Value::U64((*t).into())),
        (12, v) => {
            let s = String::from_utf8_lossy(v);
            cx.field(&OPTION_HOSTNAME, vspan, Value::Str(&s));
        }
        (50, [a, b2, c, d]) => {
            cx.field(&OPTION_REQUESTED_IP, vspan, Value::Ipv4([*a, *b2, *c, *d]))
        }
        (54, [a, b2, c, d]) => cx.field(&OPTION_SERVER_ID, vspan, Value::Ipv4([*a, *b2, *c, *d])),
        (51, [a, b2, c, d]) => cx.field(
            &OPTION_LEASE_TIME,
            vspan,
            Value::U64(u32::from_be_bytes([*a, *b2, *c, *d]).into()),
        ),
        (_, v) => cx.field(&OPTION_VALUE, vspan, Value::Bytes(v)),
    }
    cx.pop();
}
