//! The protocols, as one table: who takes which key in the dissector
//! tables (link type, ethertype, IP version and protocol), and every field,
//! protocol and expert item by name (the display filters resolve names
//! here and `wirelens fields` lists them). Protocol modules hand payloads
//! on through `Cx::dissect_by`, never by naming each other.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::decode_as::Rule;
use crate::dns::Flavor;
use crate::expert::ExpertDef;
use crate::field::FieldDef;
use crate::packet::{Cx, Dissector, FrameMeta, Options, PacketInfo, State, Table};
use crate::proto::ProtoDef;
use crate::sink::Sink;
use crate::tcp_analysis::Flag;
use crate::{
    arp, cmd, data, dhcp, dns, ethernet, ftp, geneve, gre, http, icmp, icmpv6, igmp, ipv4, ipv6,
    llc, loopback, mpls, ntp, ppp, sll, ssh, stp, syslog, tcp, udp, vxlan,
};

/// Dissects one frame: the frame layer, then whatever its link type's
/// entry in the tables leads to. `pi` is cleared first and filled with what
/// the indexer keeps; `state` answers for reassembly and conversations.
pub fn dissect_frame<S: Sink>(
    meta: &FrameMeta,
    data: &[u8],
    comments: &[&str],
    state: &mut dyn State,
    opts: Options,
    sink: &mut S,
    pi: &mut PacketInfo,
) {
    crate::frame::dissect(meta, data, comments, state, opts, sink, pi, lookup::<S>);
}

/// The dissector tables: who takes `key` in `table`.
pub fn lookup<S: Sink>(table: Table, key: u32) -> Option<Dissector<S>> {
    use Table::*;
    let d: Dissector<S> = match (table, key) {
        (LinkType, 1) => |cx, buf, _| link(cx, buf, ethernet::dissect),
        (LinkType, 113) => |cx, buf, _| link(cx, buf, sll::dissect_v1),
        (LinkType, 276) => |cx, buf, _| link(cx, buf, sll::dissect_v2),
        (LinkType, 0) => |cx, buf, _| link(cx, buf, |cx, buf| loopback::dissect(cx, buf, false)),
        (LinkType, 108) => |cx, buf, _| link(cx, buf, |cx, buf| loopback::dissect(cx, buf, true)),
        (LinkType, 12 | 14 | 101) => |cx, buf, _| link(cx, buf, loopback::raw),
        (LinkType, 228) | (IpVersion, 4) | (EtherType, 0x0800) | (IpProto, 4) => ipv4::dissect,
        (LinkType, 229) | (IpVersion, 6) | (EtherType, 0x86dd) | (IpProto, 41) => ipv6::dissect,
        (EtherType, 0x0806 | 0x8035) => arp::dissect,
        (EtherType, 0x8100) => ethernet::vlan_tag,
        (EtherType, 0x88a8) => ethernet::provider_bridge_tag,
        (IpProto, 1) => |cx, buf, off| rest(cx, buf, off, icmp::dissect),
        (IpProto, 6) => |cx, buf, off| rest(cx, buf, off, tcp::dissect),
        (IpProto, 17) => |cx, buf, off| rest(cx, buf, off, udp::dissect),
        (IpProto, 58) => |cx, buf, off| rest(cx, buf, off, icmpv6::dissect),
        (IpProto, 47) => gre::dissect,
        (IpProto, 2) => igmp::dissect,
        (EtherType, 0x8909) => cmd::in_ethernet,
        (GreProto, 0x8909) => cmd::in_gre,
        (Ieee8023, 0) => llc::dissect,
        (LlcSap, 0x42) => stp::dissect,
        (LinkType, 9 | 50) => |cx, buf, _| link(cx, buf, ppp::link),
        (EtherType, 0x880b) => ppp::dissect,
        (IpProto, 137) | (EtherType, 0x8847 | 0x8848) | (UdpPort, 6635) => mpls::dissect,
        (EtherType, 0x6558) => ethernet::encapsulated,
        (UdpPort, 53) => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Dns),
        (UdpPort, 5353) => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Mdns),
        (UdpPort, 5355) => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Llmnr),
        (UdpPort, 1900) => http::dissect_ssdp,
        (UdpPort, 67 | 68) => dhcp::dissect,
        (UdpPort, 546 | 547) => crate::dhcpv6::dissect,
        (UdpPort, 123) => ntp::dissect,
        (UdpPort, 137) => crate::nbns::dissect,
        (UdpPort, 514) => syslog::dissect,
        (UdpPort, 161 | 162 | 8161) => crate::snmp::dissect,
        (UdpPort, 17500) => crate::db_lsp::dissect,
        (MediaType, k) if media(crate::json::MEDIA_TYPES, k) => crate::json::dissect,
        (MediaType, k) if media(crate::xml::MEDIA_TYPES, k) => crate::xml::dissect,
        (MediaType, k) if media(crate::text_media::MEDIA_TYPES, k) => crate::text_media::dissect,
        (MediaType, k) if media(&[crate::table::MEDIA_ANY], k) => crate::media::dissect,
        (UdpPort, 4789) => vxlan::dissect,
        (UdpPort, 6081) => geneve::dissect,
        (TcpPort, 22) => ssh::dissect,
        (TcpPort, 21) => ftp::dissect,
        (TcpPort, 110) => crate::pop::dissect,
        (TcpPort, 143) => crate::imap::dissect,
        (TcpPort, 20) => ftp::dissect_data,
        (Expected, id) if id == u32::from(crate::proto::FTP_DATA.id) => ftp::dissect_data,
        (Protocol, i) => {
            return DECODE_AS
                .get(i as usize)
                .and_then(|p| dissector_named(p.name));
        }
        _ => return None,
    };
    Some(d)
}

/// A protocol Decode As may name, and the tables it is offered in.
pub struct DecodeAsTarget {
    pub name: &'static str,
    pub tables: &'static [Table],
}

const PORTS: &[Table] = &[Table::TcpPort, Table::UdpPort];
const UDP: &[Table] = &[Table::UdpPort];
const TCP: &[Table] = &[Table::TcpPort];
const ETHER: &[Table] = &[Table::EtherType, Table::IpProto];

/// Every protocol Decode As may name (tshark's short names).
pub static DECODE_AS: &[DecodeAsTarget] = &[
    DecodeAsTarget {
        name: "data",
        tables: &[
            Table::TcpPort,
            Table::UdpPort,
            Table::EtherType,
            Table::IpProto,
        ],
    },
    DecodeAsTarget {
        name: "dns",
        tables: PORTS,
    },
    DecodeAsTarget {
        name: "mdns",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "llmnr",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "http",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "ssdp",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "tls",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "ssl",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "http2",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "dhcp",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "bootp",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "ntp",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "syslog",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "snmp",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "vxlan",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "geneve",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "mpls",
        tables: &[Table::UdpPort, Table::EtherType, Table::IpProto],
    },
    DecodeAsTarget {
        name: "gre",
        tables: ETHER,
    },
    DecodeAsTarget {
        name: "ssh",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "ftp",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "ftp-data",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "pop",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "imap",
        tables: TCP,
    },
    DecodeAsTarget {
        name: "nbns",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "dhcpv6",
        tables: UDP,
    },
    DecodeAsTarget {
        name: "ip",
        tables: ETHER,
    },
    DecodeAsTarget {
        name: "ipv6",
        tables: ETHER,
    },
    DecodeAsTarget {
        name: "arp",
        tables: ETHER,
    },
    DecodeAsTarget {
        name: "eth",
        tables: &[Table::EtherType, Table::UdpPort],
    },
];

/// The dissector a Decode As name stands for, on any table.
fn dissector_named<S: Sink>(name: &str) -> Option<Dissector<S>> {
    let d: Dissector<S> = match name {
        "data" => |cx, buf, off| {
            data::dissect(cx, buf, off);
            buf.reported.saturating_sub(off).max(1)
        },
        "dns" => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Dns),
        "mdns" => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Mdns),
        "llmnr" => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Llmnr),
        "ssdp" => http::dissect_ssdp,
        "dhcp" | "bootp" => dhcp::dissect,
        "ntp" => ntp::dissect,
        "snmp" => crate::snmp::dissect,
        "dhcpv6" => crate::dhcpv6::dissect,
        "nbns" => crate::nbns::dissect,
        "syslog" => syslog::dissect,
        "vxlan" => vxlan::dissect,
        "geneve" => geneve::dissect,
        "mpls" => mpls::dissect,
        "gre" => gre::dissect,
        "ssh" => ssh::dissect,
        "ftp" => ftp::dissect,
        "pop" => crate::pop::dissect,
        "imap" => crate::imap::dissect,
        "ftp-data" => ftp::dissect_data,
        "ip" => ipv4::dissect,
        "ipv6" => ipv6::dissect,
        "arp" => arp::dissect,
        "eth" => ethernet::encapsulated,
        _ => return None,
    };
    Some(d)
}

/// A `-d` argument in tshark's spelling (`tcp.port==8443,http2`), checked
/// against what Decode As offers for that table.
pub fn decode_as_rule(arg: &str) -> Result<Rule, String> {
    let (table, lo, hi, name) = crate::decode_as::split(arg)?;
    let Some((index, target)) = DECODE_AS.iter().enumerate().find(|(_, t)| t.name == name) else {
        let names: Vec<&str> = DECODE_AS
            .iter()
            .filter(|t| t.tables.contains(&table))
            .map(|t| t.name)
            .collect();
        return Err(format!(
            "\"{name}\" isn't a protocol wirelens can decode as (for this layer type: {})",
            names.join(", ")
        ));
    };
    if !target.tables.contains(&table) {
        return Err(format!(
            "\"{name}\" can't be decoded from the layer type in \"{arg}\""
        ));
    }
    Ok(Rule {
        table,
        lo,
        hi,
        name: target.name,
        index: index as u32,
    })
}

/// A link layer takes the whole frame.
fn link<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: crate::packet::Buf<'_>,
    dissect: fn(&mut Cx<'_, S>, crate::packet::Buf<'_>),
) -> usize {
    dissect(cx, buf);
    buf.reported
}

/// A transport takes the rest of its datagram.
fn rest<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: crate::packet::Buf<'_>,
    off: usize,
    dissect: fn(&mut Cx<'_, S>, crate::packet::Buf<'_>, usize),
) -> usize {
    dissect(cx, buf, off);
    buf.reported.saturating_sub(off)
}

/// Field lists of every protocol module.
fn modules() -> impl Iterator<Item = &'static [&'static FieldDef]> {
    [
        crate::frame::ALL,
        crate::ethernet::ALL,
        crate::ethertype::ALL,
        crate::sll::ALL,
        crate::loopback::ALL,
        crate::arp::ALL,
        crate::ip::ALL,
        crate::ipv4::ALL,
        crate::ipv6::ALL,
        crate::icmp::ALL,
        crate::icmpv6::ALL,
        crate::tcp::ALL,
        crate::udp::ALL,
        crate::data::ALL,
        crate::app::ALL,
        crate::http::ALL,
        crate::dns::ALL,
        crate::tls::ALL,
        crate::http2::ALL,
        crate::grpc::ALL,
        crate::vxlan::ALL,
        crate::geneve::ALL,
        crate::mpls::ALL,
        crate::gre::ALL,
        crate::ntp::ALL,
        crate::syslog::ALL,
        crate::snmp::ALL,
        crate::json::ALL,
        crate::media::ALL,
        crate::xml::ALL,
        crate::dhcp::ALL,
        crate::ppp::ALL,
        crate::ssh::ALL,
        crate::igmp::ALL,
        crate::llc::ALL,
        crate::stp::ALL,
        crate::cmd::ALL,
        crate::ftp::ALL,
        crate::nbns::ALL,
        crate::dhcpv6::ALL,
        crate::pop::ALL,
        crate::imap::ALL,
    ]
    .into_iter()
}

pub fn fields() -> impl Iterator<Item = &'static FieldDef> {
    modules().flat_map(|m| m.iter().copied())
}

pub fn protocols() -> impl Iterator<Item = &'static ProtoDef> {
    crate::proto::ALL
        .iter()
        .copied()
        .chain(crate::tcp::OPTION_PROTOCOLS.iter().copied())
}

/// `key` is one of these media types' (see [`crate::table::media_key`]).
fn media(types: &[&str], key: u32) -> bool {
    types.iter().any(|t| crate::table::media_key(t) == key)
}

pub fn experts() -> impl Iterator<Item = &'static ExpertDef> {
    [
        &crate::expert::MALFORMED,
        &crate::expert::REASSEMBLY_ERROR,
        &crate::expert::STATE_DROPPED,
        &crate::http::CHAT,
        &crate::dns::NAME_TOO_LONG,
        &crate::dns::RETRANSMIT_REQUEST,
        &crate::dns::RETRANSMIT_RESPONSE,
        &crate::expert::SHORT_FRAME,
        &crate::ipv4::BAD_CHECKSUM,
        &crate::ipv4::BOGUS_LENGTH,
        &crate::ipv4::BOGUS_HEADER_LENGTH,
        &crate::ipv4::BOGUS_VERSION,
        &crate::ipv4::OPT_LEN_INVALID,
        &crate::ipv6::ROUTING_DEPRECATED,
        &crate::ipv6::OPT_INVALID_LEN,
        &crate::icmp::BAD_CHECKSUM,
        &crate::icmp::NO_RESPONSE,
        &crate::icmpv6::BAD_CHECKSUM,
        &crate::icmpv6::NO_RESPONSE,
        &crate::tcp::WSCALE_SHIFT_INVALID,
        &crate::tcp::CONNECTION_SYN,
        &crate::tcp::CONNECTION_SYNACK,
        &crate::tcp::CONNECTION_FIN,
        &crate::tcp::CONNECTION_RST,
        &crate::tcp::BAD_HEADER_LENGTH,
        &crate::tcp::ACK_NONZERO,
        &crate::tcp::OPTION_LEN_INVALID,
        &crate::udp::BAD_LENGTH,
        &crate::arp::DUPLICATE_ADDRESS,
        &crate::snmp::VARBIND_RESPONSE,
    ]
    .into_iter()
    .chain(Flag::ALL.iter().map(|f| f.expert()))
}

/// Anything a display filter can name.
#[derive(Debug, Clone, Copy)]
pub enum Named {
    Field(&'static FieldDef),
    Protocol(&'static ProtoDef),
    Expert(&'static ExpertDef),
}

/// The index by name (built once).
pub fn by_name() -> &'static HashMap<&'static str, Named> {
    static INDEX: OnceLock<HashMap<&'static str, Named>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for p in protocols() {
            m.insert(p.name(), Named::Protocol(p));
        }
        for e in experts() {
            m.entry(e.name).or_insert(Named::Expert(e));
        }
        for f in fields() {
            m.entry(f.name).or_insert(Named::Field(f));
        }
        m
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name Decode As offers reaches a dissector: through the
    /// tables, or (TCP) through the analysis' PDU framing.
    #[test]
    fn every_decode_as_name_has_a_dissector() {
        for t in DECODE_AS {
            let framed =
                crate::tcp_pdu::AppProto::from_name(t.name) != crate::tcp_pdu::AppProto::None;
            assert!(
                dissector_named::<crate::sink::NullSink>(t.name).is_some() || framed,
                "Decode As offers {} but nothing dissects it",
                t.name
            );
            let rule = decode_as_rule(&format!("udp.port==1,{}", t.name));
            assert_eq!(
                rule.is_ok(),
                t.tables.contains(&Table::UdpPort),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn names_are_unique_within_fields() {
        let mut seen = std::collections::HashSet::new();
        for f in fields() {
            assert!(seen.insert(f.name), "field {} declared twice", f.name);
        }
    }
}
