//! Every field, protocol and expert item the dissectors know, by name: the
//! display filters resolve names here and `wirelens fields` lists them.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::expert::ExpertDef;
use crate::field::FieldDef;
use crate::proto::ProtoDef;
use crate::tcp_analysis::Flag;

/// Field lists of every protocol module.
fn modules() -> impl Iterator<Item = &'static [&'static FieldDef]> {
    [
        crate::frame::ALL,
        crate::ethernet::ALL,
        crate::sll::ALL,
        crate::loopback::ALL,
        crate::arp::ALL,
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

    #[test]
    fn names_are_unique_within_fields() {
        let mut seen = std::collections::HashSet::new();
        for f in fields() {
            assert!(seen.insert(f.name), "field {} declared twice", f.name);
        }
    }
}
