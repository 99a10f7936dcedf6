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
use crate::packet::{Cx, Dissector, FrameFile, FrameMeta, Options, PacketInfo, State, Table};
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
    file: &FrameFile<'_>,
    state: &mut dyn State,
    opts: Options,
    sink: &mut S,
    pi: &mut PacketInfo,
) {
    crate::frame::dissect(meta, data, file, state, opts, sink, pi, lookup::<S>);
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
const ANY: &[Table] = &[
    Table::TcpPort,
    Table::UdpPort,
    Table::EtherType,
    Table::IpProto,
];

/// The one table: per protocol module, its fields and expert items, the
/// keys it takes in the dissector tables (`found:`), and the names Decode
/// As offers it under (`decode_as:`, or `framed:` for a protocol whose
/// PDUs the TCP analysis frames). Adding a protocol is one entry here.
macro_rules! registry {
    ($(
        $module:ident {
            $(fields: $fields:expr;)?
            $(experts: [$($expert:expr),* $(,)?];)?
            $(found: $pat:pat $(if $guard:expr)? => $found:expr;)*
            $(decode_as: $name:literal in $tables:expr => $named:expr;)*
            $(framed: $framed:literal in $ftables:expr;)*
            $(preamble: $preamble:expr;)?
        }
    )*) => {
        /// A preamble a registered protocol recognises at the start of a TCP
        /// connection's first payload (a PROXY header): the bytes it takes,
        /// and where the connection's own protocol shows itself.
        pub fn preamble_len(first: &[u8]) -> Option<(usize, usize)> {
            $($(
                if let Some(n) = ($preamble)(first) {
                    return Some(n);
                }
            )?)*
            None
        }

        /// The dissector tables: who takes `key` in `table`.
        pub fn lookup<S: Sink>(table: Table, key: u32) -> Option<Dissector<S>> {
            use Table::*;
            let d: Dissector<S> = match (table, key) {
                $($($pat $(if $guard)? => $found,)*)*
                (Protocol, i) => {
                    return DECODE_AS
                        .get(i as usize)
                        .and_then(|p| dissector_named(p.name));
                }
                _ => return None,
            };
            Some(d)
        }

        /// Whether anyone takes `key` in `table`.
        pub fn takes(table: Table, key: u32) -> bool {
            lookup::<crate::sink::NullSink>(table, key).is_some()
        }

        /// Every protocol Decode As may name (tshark's short names).
        pub static DECODE_AS: &[DecodeAsTarget] = &[
            $(
                $(DecodeAsTarget { name: $name, tables: $tables },)*
                $(DecodeAsTarget { name: $framed, tables: $ftables },)*
            )*
        ];

        /// The dissector a Decode As name stands for, on any table.
        fn dissector_named<S: Sink>(name: &str) -> Option<Dissector<S>> {
            let d: Dissector<S> = match name {
                $($($name => $named,)*)*
                _ => return None,
            };
            Some(d)
        }

        /// Field lists of every protocol module.
        static FIELDS: &[&[&FieldDef]] = &[$($($fields,)?)*];

        /// Expert items of every protocol module.
        static EXPERTS: &[&[&ExpertDef]] = &[$(&[$($(&$expert),*)?],)*];

        /// The modules in the table, by name (tests check every protocol
        /// module is in it).
        #[cfg(test)]
        const MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}

registry! {
    data {
        fields: data::ALL;
        decode_as: "data" in ANY => |cx, buf, off| {
            data::dissect(cx, buf, off);
            buf.reported.saturating_sub(off).max(1)
        };
    }
    frame { fields: crate::frame::ALL; }
    frame_flags { fields: crate::frame_flags::ALL; }
    ipv6_embedded { fields: crate::ipv6_embedded::ALL; }
    app { fields: crate::app::ALL; }
    ip { fields: crate::ip::ALL; }
    ethertype {
        fields: crate::ethertype::ALL;
        experts: [crate::ethertype::PADDING_BAD];
    }
    ethernet {
        fields: ethernet::ALL;
        found: (LinkType, 1) => |cx, buf, _| link(cx, buf, ethernet::dissect);
        found: (EtherType, 0x8100) => ethernet::vlan_tag;
        found: (EtherType, 0x88a8) => ethernet::provider_bridge_tag;
        found: (EtherType, 0x6558) => ethernet::encapsulated;
        decode_as: "eth" in &[Table::EtherType, Table::UdpPort] => ethernet::encapsulated;
    }
    sll {
        fields: sll::ALL;
        found: (LinkType, 113) => |cx, buf, _| link(cx, buf, sll::dissect_v1);
        found: (LinkType, 276) => |cx, buf, _| link(cx, buf, sll::dissect_v2);
    }
    loopback {
        fields: loopback::ALL;
        found: (LinkType, 0) => |cx, buf, _| link(cx, buf, |cx, buf| loopback::dissect(cx, buf, false));
        found: (LinkType, 108) => |cx, buf, _| link(cx, buf, |cx, buf| loopback::dissect(cx, buf, true));
        found: (LinkType, 12 | 14 | 101) => |cx, buf, _| link(cx, buf, loopback::raw);
    }
    ipv4 {
        fields: ipv4::ALL;
        experts: [
            ipv4::BAD_CHECKSUM,
            ipv4::TTL_LNCB,
            ipv4::TTL_TOO_SMALL,
            ipv4::BOGUS_LENGTH,
            ipv4::BOGUS_HEADER_LENGTH,
            ipv4::BOGUS_VERSION,
            ipv4::OPT_LEN_INVALID,
        ];
        found: (LinkType, 228) | (IpVersion, 4) | (EtherType, 0x0800) | (IpProto, 4) => ipv4::dissect;
        decode_as: "ip" in ETHER => ipv4::dissect;
    }
    ipv6 {
        fields: ipv6::ALL;
        experts: [ipv6::ROUTING_DEPRECATED, ipv6::OPT_INVALID_LEN, ipv6::PLEN_EXCEEDS_FRAMING];
        found: (LinkType, 229) | (IpVersion, 6) | (EtherType, 0x86dd) | (IpProto, 41) => ipv6::dissect;
        decode_as: "ipv6" in ETHER => ipv6::dissect;
    }
    arp {
        fields: arp::ALL;
        experts: [arp::DUPLICATE_ADDRESS];
        found: (EtherType, 0x0806 | 0x8035) => arp::dissect;
        decode_as: "arp" in ETHER => arp::dissect;
    }
    icmp {
        fields: icmp::ALL;
        experts: [icmp::BAD_CHECKSUM, icmp::NO_RESPONSE];
        found: (IpProto, 1) => |cx, buf, off| rest(cx, buf, off, icmp::dissect);
    }
    icmpv6 {
        fields: icmpv6::ALL;
        experts: [icmpv6::BAD_CHECKSUM, icmpv6::NO_RESPONSE];
        found: (IpProto, 58) => |cx, buf, off| rest(cx, buf, off, icmpv6::dissect);
    }
    tcp {
        fields: tcp::ALL;
        experts: [
            tcp::WSCALE_SHIFT_INVALID,
            tcp::FOUR_NOPS,
            tcp::MSS_ABSENT,
            tcp::CONNECTION_SYN,
            tcp::CONNECTION_SYNACK,
            tcp::CONNECTION_FIN,
            tcp::CONNECTION_FIN_ACTIVE,
            tcp::CONNECTION_FIN_PASSIVE,
            tcp::CONNECTION_RST,
            tcp::BAD_HEADER_LENGTH,
            tcp::ACK_NONZERO,
            tcp::OPTION_LEN_INVALID,
        ];
        found: (IpProto, 6) => |cx, buf, off| rest(cx, buf, off, tcp::dissect);
    }
    udp {
        fields: udp::ALL;
        experts: [udp::BAD_LENGTH, udp::POSSIBLE_TRACEROUTE];
        found: (IpProto, 17) => |cx, buf, off| rest(cx, buf, off, udp::dissect);
    }
    gre {
        fields: gre::ALL;
        found: (IpProto, 47) => gre::dissect;
        decode_as: "gre" in ETHER => gre::dissect;
    }
    igmp {
        fields: igmp::ALL;
        experts: [igmp::BAD_CHECKSUM];
        found: (IpProto, 2) => igmp::dissect;
    }
    cmd {
        fields: cmd::ALL;
        found: (EtherType, 0x8909) => cmd::in_ethernet;
        found: (GreProto, 0x8909) => cmd::in_gre;
    }
    llc {
        fields: llc::ALL;
        found: (Ieee8023, 0) => llc::dissect;
    }
    lldp {
        fields: crate::lldp::ALL;
        found: (EtherType, 0x88cc) => crate::lldp::dissect;
        decode_as: "lldp" in &[Table::EtherType] => crate::lldp::dissect;
    }
    cdp {
        fields: crate::cdp::ALL;
        found: (LlcCiscoPid, 0x2000) | (GreProto, 0x2000) => crate::cdp::dissect;
    }
    stp {
        fields: stp::ALL;
        found: (LlcSap, 0x42) => stp::dissect;
    }
    ppp {
        fields: ppp::ALL;
        found: (LinkType, 9 | 50) => |cx, buf, _| link(cx, buf, ppp::link);
        found: (EtherType, 0x880b) => ppp::dissect;
    }
    mpls {
        fields: mpls::ALL;
        found: (IpProto, 137) | (EtherType, 0x8847 | 0x8848) | (UdpPort, 6635) => mpls::dissect;
        decode_as: "mpls" in &[Table::UdpPort, Table::EtherType, Table::IpProto] => mpls::dissect;
    }
    dns {
        fields: dns::ALL;
        experts: [dns::NAME_TOO_LONG, dns::RETRANSMIT_REQUEST, dns::RETRANSMIT_RESPONSE];
        found: (UdpPort, 53) => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Dns);
        found: (UdpPort, 5353) => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Mdns);
        found: (UdpPort, 5355) => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Llmnr);
        decode_as: "dns" in PORTS => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Dns);
        decode_as: "mdns" in UDP => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Mdns);
        decode_as: "llmnr" in UDP => |cx, buf, off| dns::dissect_udp(cx, buf, off, Flavor::Llmnr);
    }
    http {
        fields: http::ALL;
        experts: [http::CHAT];
        found: (UdpPort, 1900) => http::dissect_ssdp;
        decode_as: "ssdp" in UDP => http::dissect_ssdp;
        framed: "http" in TCP;
    }
    tls {
        fields: crate::tls::ALL;
        experts: [crate::tls::NO_KEY, crate::tls::NOT_DECRYPTED, crate::tls::RESUMED];
        framed: "tls" in TCP;
        framed: "ssl" in TCP;
    }
    http2 {
        fields: crate::http2::ALL;
        framed: "http2" in TCP;
    }
    grpc { fields: crate::grpc::ALL; }
    websocket {
        fields: crate::websocket::ALL;
        framed: "websocket" in TCP;
    }
    dhcp {
        fields: dhcp::ALL;
        found: (UdpPort, 67 | 68) => dhcp::dissect;
        decode_as: "dhcp" in UDP => dhcp::dissect;
        decode_as: "bootp" in UDP => dhcp::dissect;
    }
    dhcpv6 {
        fields: crate::dhcpv6::ALL;
        found: (UdpPort, 546 | 547) => crate::dhcpv6::dissect;
        decode_as: "dhcpv6" in UDP => crate::dhcpv6::dissect;
    }
    ntp {
        fields: ntp::ALL;
        found: (UdpPort, 123) => ntp::dissect;
        decode_as: "ntp" in UDP => ntp::dissect;
    }
    nbns {
        fields: crate::nbns::ALL;
        found: (UdpPort, 137) => crate::nbns::dissect;
        decode_as: "nbns" in UDP => crate::nbns::dissect;
    }
    syslog {
        fields: syslog::ALL;
        found: (UdpPort, 514) => syslog::dissect;
        decode_as: "syslog" in UDP => syslog::dissect;
    }
    snmp {
        fields: crate::snmp::ALL;
        experts: [crate::snmp::VARBIND_RESPONSE];
        found: (UdpPort, 161 | 162 | 8161) => crate::snmp::dissect;
        decode_as: "snmp" in UDP => crate::snmp::dissect;
    }
    quic {
        fields: crate::quic::ALL;
        experts: [crate::quic::DECRYPTION_FAILED, crate::quic::PADDING_AFTER, crate::quic::RETRY_TAG_INCORRECT];
        found: (UdpPort, 443) => crate::quic::dissect;
        found: (UdpHeuristic, 1) => crate::quic::heuristic;
        decode_as: "quic" in UDP => crate::quic::dissect;
    }
    quic_frames { fields: crate::quic::frames::ALL; }
    tls_transport_parameters { fields: crate::tls::transport_parameters::ALL; }
    http3 { fields: crate::http3::ALL; }
    sip {
        fields: crate::sip::ALL;
        found: (UdpPort, 5060) => crate::sip::dissect;
        found: (UdpHeuristic, 0) => crate::sip::dissect;
        decode_as: "sip" in UDP => crate::sip::dissect;
    }
    sdp {
        fields: crate::sdp::ALL;
        found: (MediaType, k) if media(crate::sdp::MEDIA_TYPES, k) => crate::sdp::dissect;
    }
    rtp {
        fields: crate::rtp::ALL;
        found: (Expected, id) if id == u32::from(crate::proto::RTP.id) => crate::rtp::dissect;
        decode_as: "rtp" in UDP => crate::rtp::dissect;
    }
    rtcp {
        fields: crate::rtcp::ALL;
        found: (Expected, id) if id == u32::from(crate::proto::RTCP.id) => crate::rtcp::dissect;
        decode_as: "rtcp" in UDP => crate::rtcp::dissect;
    }
    teredo {
        fields: crate::teredo::ALL;
        found: (UdpPort, 3544) => crate::teredo::dissect;
        decode_as: "teredo" in UDP => crate::teredo::dissect;
    }
    db_lsp {
        found: (UdpPort, 17500) => crate::db_lsp::dissect;
    }
    vxlan {
        fields: vxlan::ALL;
        found: (UdpPort, 4789) => vxlan::dissect;
        decode_as: "vxlan" in UDP => vxlan::dissect;
    }
    geneve {
        fields: geneve::ALL;
        found: (UdpPort, 6081) => geneve::dissect;
        decode_as: "geneve" in UDP => geneve::dissect;
    }
    ssh {
        fields: ssh::ALL;
        found: (TcpPort, 22) => ssh::dissect;
        decode_as: "ssh" in TCP => ssh::dissect;
    }
    ftp {
        fields: ftp::ALL;
        found: (TcpPort, 21) => ftp::dissect;
        found: (TcpPort, 20) => ftp::dissect_data;
        found: (Expected, id) if id == u32::from(crate::proto::FTP_DATA.id) => ftp::dissect_data;
        decode_as: "ftp" in TCP => ftp::dissect;
        decode_as: "ftp-data" in TCP => ftp::dissect_data;
    }
    tftp {
        fields: crate::tftp::ALL;
        found: (UdpPort, 69) => crate::tftp::dissect;
        found: (Expected, id) if id == u32::from(crate::proto::TFTP.id) => crate::tftp::dissect;
        decode_as: "tftp" in UDP => crate::tftp::dissect;
    }
    pptp {
        fields: crate::pptp::ALL;
        found: (TcpPort, 1723) => crate::pptp::dissect;
        decode_as: "pptp" in TCP => crate::pptp::dissect;
    }
    pop {
        fields: crate::pop::ALL;
        found: (TcpPort, 110) => crate::pop::dissect;
        decode_as: "pop" in TCP => crate::pop::dissect;
    }
    imap {
        fields: crate::imap::ALL;
        found: (TcpPort, 143) => crate::imap::dissect;
        decode_as: "imap" in TCP => crate::imap::dissect;
    }
    smtp {
        fields: crate::smtp::ALL;
        experts: [crate::smtp::BASE64_DECODE];
        found: (TcpLines, k) if crate::smtp::PORTS.iter().any(|&p| u32::from(p) == k) => crate::smtp::dissect;
        decode_as: "smtp" in TCP => crate::smtp::dissect;
    }
    proxy {
        fields: crate::proxy::ALL;
        found: (TcpPreamble, 0) => crate::proxy::dissect;
        decode_as: "proxy" in TCP => crate::proxy::dissect;
        preamble: crate::proxy::preamble;
    }
    multipart {
        fields: crate::multipart::ALL;
        found: (MediaType, k) if media(crate::multipart::MEDIA_TYPES, k) => crate::multipart::dissect;
    }
    imf {
        fields: crate::imf::ALL;
        found: (MediaType, k) if media(&["message/rfc822"], k) => crate::imf::dissect;
    }
    json {
        fields: crate::json::ALL;
        found: (MediaType, k) if media(crate::json::MEDIA_TYPES, k) => crate::json::dissect;
    }
    sse {
        fields: crate::sse::ALL;
        found: (MediaType, k) if media(crate::sse::MEDIA_TYPES, k) => crate::sse::dissect;
    }
    urlencoded_form {
        fields: crate::urlencoded_form::ALL;
        found: (MediaType, k) if media(crate::urlencoded_form::MEDIA_TYPES, k) => crate::urlencoded_form::dissect;
    }
    xml {
        fields: crate::xml::ALL;
        found: (MediaType, k) if media(crate::xml::MEDIA_TYPES, k) => crate::xml::dissect;
    }
    text_media {
        found: (MediaType, k) if media(crate::text_media::MEDIA_TYPES, k) => crate::text_media::dissect;
    }
    media {
        fields: crate::media::ALL;
        found: (MediaType, k) if media(&[crate::table::MEDIA_ANY], k) => crate::media::dissect;
    }
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

pub fn fields() -> impl Iterator<Item = &'static FieldDef> {
    FIELDS.iter().flat_map(|m| m.iter().copied())
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
        &crate::expert::SHORT_FRAME,
    ]
    .into_iter()
    .chain(EXPERTS.iter().flat_map(|e| e.iter().copied()))
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

    /// A module that declares fields or a dissector has its entry in the
    /// one table, or its fields and dissectors reach no one.
    #[test]
    fn every_protocol_module_is_registered() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(src).unwrap() {
            let mut path = entry.unwrap().path();
            // A protocol in a folder (tls/) declares in its mod.rs.
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                path.push("mod.rs");
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = name.as_str();
            let declares = text.contains("crate::fields! {") || text.contains("pub fn dissect");
            if declares && !matches!(name, "packet" | "registry") {
                assert!(MODULES.contains(&name), "{name} is not in the registry");
            }
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
