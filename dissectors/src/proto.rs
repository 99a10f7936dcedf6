//! Protocols: each is a filterable field of type `FT_PROTOCOL` (`tcp`, `dns`)
//! with the short name the Protocol column shows.

use crate::field::{FieldDef, FieldType};

#[derive(Debug)]
pub struct ProtoDef {
    /// Small id kept per packet in the index (0: never the top layer).
    pub id: u8,
    pub field: FieldDef,
    /// Protocol column text; empty for pseudo-layers that never show there
    /// (`ethertype`, `data`, `frame`).
    pub column: &'static str,
}

impl ProtoDef {
    pub const fn new(name: &'static str, title: &'static str, column: &'static str) -> Self {
        Self::with_id(0, name, title, column)
    }
    pub const fn with_id(
        id: u8,
        name: &'static str,
        title: &'static str,
        column: &'static str,
    ) -> Self {
        ProtoDef {
            id,
            field: FieldDef::new(name, title, FieldType::Protocol),
            column,
        }
    }
    pub fn name(&self) -> &'static str {
        self.field.name
    }
    pub fn in_column(&self) -> bool {
        !self.column.is_empty()
    }
    /// Wireshark's short name, by which an expert item names its protocol:
    /// the Protocol column's text, or for the layers that never set the
    /// column (IPv6's extension headers) their own.
    pub fn short_name(&self) -> &'static str {
        match self.field.name {
            "ipv6.hopopts" => "IPv6 Hop-by-Hop",
            "ipv6.routing" => "IPv6 Routing",
            "ipv6.fraghdr" => "IPv6 Fragment",
            "ipv6.dstopts" => "IPv6 Destination",
            _ => self.column,
        }
    }
}

macro_rules! protocols {
    ($($id:ident = ($name:expr, $title:expr, $col:expr);)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[repr(u8)]
        enum Ids { _None, $($id),* }
        $(pub static $id: ProtoDef = ProtoDef::with_id(Ids::$id as u8, $name, $title, $col);)*
        /// Every protocol, for the registry; `ALL[id - 1]` has that id.
        pub static ALL: &[&ProtoDef] = &[$(&$id),*];
    };
}

protocols! {
    FRAME = ("frame", "Frame", "");
    ETH = ("eth", "Ethernet II", "Ethernet");
    ETHERTYPE = ("ethertype", "Ethertype", "");
    VLAN = ("vlan", "802.1Q Virtual LAN", "802.1Q");
    IEEE8021AD = ("ieee8021ad", "IEEE 802.1ad", "802.1ad");
    SLL = ("sll", "Linux cooked capture", "SLL");
    NULL = ("null", "Null/Loopback", "NULL");
    RAW = ("raw", "Raw packet data", "Raw");
    ARP = ("arp", "Address Resolution Protocol", "ARP");
    IP = ("ip", "Internet Protocol Version 4", "IPv4");
    IPV6 = ("ipv6", "Internet Protocol Version 6", "IPv6");
    IPV6_HOPOPTS = ("ipv6.hopopts", "IPv6 Hop-by-Hop Option", "");
    IPV6_ROUTING = ("ipv6.routing", "Routing Header for IPv6", "");
    IPV6_FRAGHDR = ("ipv6.fraghdr", "Fragment Header for IPv6", "");
    IPV6_DSTOPTS = ("ipv6.dstopts", "Destination Options for IPv6", "");
    ICMP = ("icmp", "Internet Control Message Protocol", "ICMP");
    ICMPV6 = ("icmpv6", "Internet Control Message Protocol v6", "ICMPv6");
    TCP = ("tcp", "Transmission Control Protocol", "TCP");
    UDP = ("udp", "User Datagram Protocol", "UDP");
    DATA = ("data", "Data", "");
    HTTP = ("http", "Hypertext Transfer Protocol", "HTTP");
    TLS = ("tls", "Transport Layer Security", "TLS");
    HTTP2 = ("http2", "HyperText Transfer Protocol 2", "HTTP2");
    DNS = ("dns", "Domain Name System", "DNS");
    MDNS = ("mdns", "Multicast Domain Name System", "MDNS");
    LLMNR = ("llmnr", "Link-local Multicast Name Resolution", "LLMNR");
    GRPC = ("grpc", "GRPC Message", "GRPC");
    SSDP = ("ssdp", "Simple Service Discovery Protocol", "SSDP");
    VXLAN = ("vxlan", "Virtual eXtensible Local Area Network", "VXLAN");
    GENEVE = ("geneve", "Generic Network Virtualization Encapsulation", "Geneve");
    MPLS = ("mpls", "MultiProtocol Label Switching Header", "MPLS");
    PWETHCW = ("pwethcw", "PW Ethernet Control Word", "");
    GRE = ("gre", "Generic Routing Encapsulation", "GRE");
    NTP = ("ntp", "Network Time Protocol", "NTP");
    SYSLOG = ("syslog", "Syslog message", "Syslog");
    SNMP = ("snmp", "Simple Network Management Protocol", "SNMP");
    TFTP = ("tftp", "Trivial File Transfer Protocol", "TFTP");
    PPTP = ("pptp", "Point-to-Point Tunnelling Protocol", "PPTP");
    LLDP = ("lldp", "Link Layer Discovery Protocol", "LLDP");
    CDP = ("cdp", "Cisco Discovery Protocol", "CDP");
    SIP = ("sip", "Session Initiation Protocol", "SIP");
    SDP = ("sdp", "Session Description Protocol", "SDP");
    RTP = ("rtp", "Real-Time Transport Protocol", "RTP");
    RTCP = ("rtcp", "Real-time Transport Control Protocol", "RTCP");
    TEREDO = ("teredo", "Teredo IPv6 over UDP tunneling", "Teredo");
    DB_LSP_DISC = ("db-lsp-disc", "Dropbox LAN sync Discovery Protocol", "DB-LSP-DISC");
    DATA_TEXT_LINES = ("data-text-lines", "Line-based text data", "");
    MEDIA = ("media", "Media Type", "");
    JSON = ("json", "JavaScript Object Notation", "JSON");
    SSE = ("sse", "Server-Sent Events", "");
    WEBSOCKET = ("websocket", "WebSocket", "WebSocket");
    URLENCODED_FORM = ("urlencoded-form", "HTML Form URL Encoded", "");
    XML = ("xml", "eXtensible Markup Language", "XML");
    DHCP = ("dhcp", "Dynamic Host Configuration Protocol", "DHCP");
    PPP = ("ppp", "Point-to-Point Protocol", "PPP");
    LCP = ("lcp", "PPP Link Control Protocol", "PPP LCP");
    IPCP = ("ipcp", "PPP IP Control Protocol", "PPP IPCP");
    IPV6CP = ("ipv6cp", "PPP IPv6 Control Protocol", "PPP IPV6CP");
    CCP = ("ccp", "PPP Compression Control Protocol", "PPP CCP");
    SSH = ("ssh", "SSH Protocol", "SSH");
    IGMP = ("igmp", "Internet Group Management Protocol", "IGMP");
    IGMPV1 = ("igmp", "Internet Group Management Protocol", "IGMPv1");
    IGMPV2 = ("igmp", "Internet Group Management Protocol", "IGMPv2");
    IGMPV3 = ("igmp", "Internet Group Management Protocol", "IGMPv3");
    LLC = ("llc", "Logical-Link Control", "LLC");
    STP = ("stp", "Spanning Tree Protocol", "STP");
    CMD = ("cmd", "Cisco MetaData", "CMD");
    FTP = ("ftp", "File Transfer Protocol (FTP)", "FTP");
    FTP_DATA = ("ftp-data", "FTP Data", "FTP-DATA");
    NBNS = ("nbns", "NetBIOS Name Service", "NBNS");
    DHCPV6 = ("dhcpv6", "DHCPv6", "DHCPv6");
    POP = ("pop", "Post Office Protocol", "POP");
    IMAP = ("imap", "Internet Message Access Protocol", "IMAP");
    SMTP = ("smtp", "Simple Mail Transfer Protocol", "SMTP");
    IMF = ("imf", "Internet Message Format", "IMF");
    PROXY = ("proxy", "PROXY Protocol", "PROXY");
    QUIC = ("quic", "QUIC IETF", "QUIC");
    HTTP3 = ("http3", "Hypertext Transfer Protocol Version 3", "HTTP3");
    MIME_MULTIPART = ("mime_multipart", "MIME Multipart Media Encapsulation", "");
}

/// The protocol with this [`ProtoDef::id`].
pub fn by_id(id: u8) -> Option<&'static ProtoDef> {
    ALL.get((id as usize).checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_index_the_list() {
        for (i, p) in super::ALL.iter().enumerate() {
            assert_eq!(p.id as usize, i + 1);
            assert_eq!(super::by_id(p.id).unwrap().name(), p.name());
        }
    }
}
