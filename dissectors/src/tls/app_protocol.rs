//! The protocol a TLS session carries, as tshark names it on every
//! application data record, decrypted or not ("Application Data Protocol:
//! Hypertext Transfer Protocol"): the protocol that started TLS
//! (STARTTLS) or the one the server's ALPN chose, else the one registered
//! for a well-known TLS port (tshark's `tls.port` table, `tshark -G
//! decodes`).

/// The protocols by their long names (tshark's `-G protocols`); a
/// [`TlsNote`](super::TlsNote) carries an index into this list, which is
/// what the tape records.
pub const APP_PROTOCOLS: &[&str] = &[
    "Hypertext Transfer Protocol",
    "HyperText Transfer Protocol 2",
    "Simple Mail Transfer Protocol",
    "Internet Message Access Protocol",
    "Post Office Protocol",
    "Domain Name System",
    "Lightweight Directory Access Protocol",
    "Session Initiation Protocol",
    "MQ Telemetry Transport Protocol",
    "Advanced Message Queuing Protocol",
    "Constrained Application Protocol",
    "Diameter Protocol",
    "Mongo Wire Protocol",
];

fn index(long_name: &str) -> Option<u8> {
    APP_PROTOCOLS
        .iter()
        .position(|n| *n == long_name)
        .map(|i| i as u8)
}

/// The protocol tshark 4.0's ALPN table (`ssl_alpn_protocols`) names for
/// a server's choice: the ones we know the long names of (SPDY and STUN
/// are left out).
pub fn by_alpn(alpn: &str) -> Option<u8> {
    let name = match alpn {
        "http/1.1" => "Hypertext Transfer Protocol",
        a if a == "h2" || a.starts_with("h2-") => "HyperText Transfer Protocol 2",
        _ => return None,
    };
    index(name)
}

/// The protocol registered for a TLS port, the source port's first.
pub fn by_port(src: u16, dst: u16) -> Option<u8> {
    let of = |port: u16| {
        let name = match port {
            443 => "Hypertext Transfer Protocol",
            465 => "Simple Mail Transfer Protocol",
            993 => "Internet Message Access Protocol",
            995 => "Post Office Protocol",
            853 => "Domain Name System",
            636 => "Lightweight Directory Access Protocol",
            5061 => "Session Initiation Protocol",
            8883 => "MQ Telemetry Transport Protocol",
            5671 => "Advanced Message Queuing Protocol",
            5684 => "Constrained Application Protocol",
            5868 => "Diameter Protocol",
            27017 => "Mongo Wire Protocol",
            _ => return None,
        };
        index(name)
    };
    of(src).or_else(|| of(dst))
}

/// The long name of a protocol this module numbered.
pub fn name(i: u8) -> Option<&'static str> {
    APP_PROTOCOLS.get(usize::from(i)).copied()
}

/// The number of a protocol that starts TLS itself (STARTTLS).
pub fn starting(long_name: &str) -> Option<u8> {
    index(long_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_outranks_nothing_and_ports_look_at_the_source_first() {
        assert_eq!(
            by_alpn("h2").and_then(name),
            Some("HyperText Transfer Protocol 2")
        );
        assert_eq!(by_alpn("spdy/3"), None);
        assert_eq!(
            by_port(993, 443).and_then(name),
            Some("Internet Message Access Protocol")
        );
        assert_eq!(
            by_port(40000, 443).and_then(name),
            Some("Hypertext Transfer Protocol")
        );
        assert_eq!(by_port(40000, 8443), None);
    }
}
