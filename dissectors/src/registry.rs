//! The protocols, as one table: who takes which key in the dissector
//! tables (link type, ethertype, IP version and protocol), and every field,
//! protocol and expert item by name (the display filters resolve names
//! here and `wirelens fields` lists them). Protocol modules hand payloads
//! on through `Cx::dissect_by`, never by naming each other.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::expert::ExpertDef;
use crate::field::FieldDef;
use crate::packet::{Cx, Dissector, FrameMeta, Options, PacketInfo, State, Table};
use crate::proto::ProtoDef;
use crate::sink::Sink;
use crate::tcp_analysis::Flag;
use crate::{arp, ethernet, icmp, icmpv6, ipv4, ipv6, loopback, sll, tcp, udp};

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
        _ => return None,
    };
    Some(d)
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
