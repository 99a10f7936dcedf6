//! IP protocol numbers and the dispatch from an IP layer (v4 or v6) to the
//! layer it carries.

use crate::packet::{Buf, Cx};
use crate::sink::Sink;
use crate::{data, icmp, icmpv6, ipv4, ipv6, tcp, udp};

pub static NAMES: &[(u64, &str)] = &[
    (0, "IPv6 Hop-by-Hop Option"),
    (1, "ICMP"),
    (2, "IGMP"),
    (4, "IPIP"),
    (6, "TCP"),
    (17, "UDP"),
    (41, "IPv6"),
    (43, "IPv6 Routing"),
    (44, "IPv6 Fragment"),
    (47, "GRE"),
    (50, "ESP"),
    (51, "AH"),
    (58, "ICMPv6"),
    (59, "IPv6 No Next Header"),
    (60, "IPv6 Destination Options"),
    (89, "OSPF IGP"),
    (103, "PIM"),
    (112, "VRRP"),
    (132, "SCTP"),
    (136, "UDPLite"),
];

pub fn name(p: u8) -> &'static str {
    crate::field::lookup(NAMES, p.into()).unwrap_or("Unassigned")
}

/// Dissects the payload of an IP datagram (`buf` already limited to it).
pub fn dispatch<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, proto: u8) {
    match proto {
        1 => icmp::dissect(cx, buf, off),
        6 => tcp::dissect(cx, buf, off),
        17 => udp::dissect(cx, buf, off),
        58 => icmpv6::dissect(cx, buf, off),
        4 => {
            ipv4::dissect(cx, buf, off);
        }
        41 => {
            ipv6::dissect(cx, buf, off);
        }
        59 => {}
        _ => data::dissect(cx, buf, off),
    }
}
