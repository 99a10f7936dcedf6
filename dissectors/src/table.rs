//! The names of the dissector tables (the registry fills them).

/// Dissector tables, as Wireshark's: a protocol hands what it carries on
/// by a key in a named table, not by naming the protocol that takes it.
/// The registry fills the tables (registry::lookup); the core names no
/// protocol, and protocols that carry each other need not import each
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// pcap and pcapng link types (`frame`).
    LinkType,
    /// Ethernet types: Ethernet II, VLAN tags, Linux cooked captures, BSD
    /// loopback families given as ethertypes.
    EtherType,
    /// IP versions (4, 6): raw IP links, loopback, a version field that
    /// says 6 in an IPv4 header, ICMP and ICMPv6 quoting the packet in
    /// error.
    IpVersion,
    /// IP protocol numbers and IPv6 next headers (`ip.proto`).
    IpProto,
    /// UDP ports (`udp.port`), tried lower port first.
    UdpPort,
    /// TCP ports (`tcp.port`) of protocols dissected segment by segment;
    /// those that frame PDUs across segments are chosen by the analysis.
    TcpPort,
    /// TCP ports of line-based protocols whose lines the TCP analysis keeps
    /// whole (SMTP): a segment that ends inside its first line waits for
    /// the next, then both go to the port's entry here.
    TcpLines,
    /// Who shows a preamble before a TCP connection's first bytes (key 0:
    /// the PROXY protocol's header), framed by the TCP analysis.
    TcpPreamble,
    /// Protocols by their Decode As entry (a Decode As rule's index).
    Protocol,
    /// Who takes an 802.3 frame's payload (key 0: LLC), after a length
    /// field in Ethernet or an 802.1Q tag.
    Ieee8023,
    /// LLC service access points (0x42: spanning tree).
    LlcSap,
    /// Protocols that speak on connections another announced, by their
    /// protocol id (FTP's data connections).
    Expected,
    /// GRE protocol types that differ from the ethertype of the same
    /// number (GRE tries this table, then [`Table::EtherType`]).
    GreProto,
    /// Media types (Wireshark's `media_type`): an HTTP body's Content-Type,
    /// lowercased, without parameters, by its [`media_key`].
    MediaType,
    /// Heuristic dissectors for UDP payloads no port claimed, tried by key
    /// from 0 until one takes the payload (a dissector that does not
    /// recognise it claims nothing) or none is left.
    UdpHeuristic,
    /// Protocol ids of SNAP frames with Cisco's OUI (Wireshark's
    /// `llc.cisco_pid`: 0x2000 CDP).
    LlcCiscoPid,
}

/// The media type a protocol registers under to take every body no other
/// protocol's media type names (Wireshark's `media` handle).
pub const MEDIA_ANY: &str = "*/*";

/// A Content-Type's media type as the table knows it: lowercase, its
/// parameters (`; charset=...`) taken off.
pub fn media_type(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or("");
    essence.trim().to_ascii_lowercase()
}

/// What follows a Content-Type's media type: its parameters, if any.
pub fn media_parameters(content_type: &str) -> Option<&str> {
    content_type.split_once(';').map(|(_, p)| p)
}

/// A media type's key in [`Table::MediaType`] (FNV-1a of its lowercase
/// name: the tables are keyed by numbers).
pub const fn media_key(name: &str) -> u32 {
    let b = name.as_bytes();
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < b.len() {
        h = (h ^ b[i].to_ascii_lowercase() as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}
