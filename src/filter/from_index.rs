//! Filters on addresses, ports and stream numbers answered from the packet
//! index, with no dissection at all: a frame whose stack holds exactly one
//! IP and one TCP or UDP layer has, as `ip.addr` and `tcp.port`, the two
//! endpoints of the conversation its index row points to. The order of
//! those values is lost (the conversation is unordered), so only names
//! that hold both sides (`ip.addr`, not `ip.src`) are answered this way;
//! Wireshark's any/all comparisons do not depend on that order.

use std::net::IpAddr;

use dissectors::field::Value;
use dissectors::proto::ProtoDef;

use super::DisplayFilter;
use super::sink::FilterSink;
use crate::store::{Row, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    IpAddr,
    Ipv6Addr,
    TcpPort,
    UdpPort,
    TcpStream,
    UdpStream,
}

impl Name {
    fn of(name: &str) -> Option<Name> {
        Some(match name {
            "ip.addr" => Name::IpAddr,
            "ipv6.addr" => Name::Ipv6Addr,
            "tcp.port" => Name::TcpPort,
            "udp.port" => Name::UdpPort,
            "tcp.stream" => Name::TcpStream,
            "udp.stream" => Name::UdpStream,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub struct IndexAnswers {
    slots: Vec<(u16, Name)>,
    /// Per top protocol id (the index's): every stack that ends there holds
    /// exactly one IP layer and one TCP or UDP layer, nothing quoted or
    /// tunnelled (an ICMP error's inner header would add addresses).
    plain: Box<[bool; 256]>,
}

/// Whether a path of protocols carries exactly one network and one
/// transport header.
fn plain_path(path: &[&'static ProtoDef]) -> bool {
    let count = |names: &[&str]| path.iter().filter(|p| names.contains(&p.name())).count();
    count(&["ip", "ipv6"]) == 1 && count(&["tcp", "udp"]) == 1
}

impl IndexAnswers {
    /// None unless every name the filter uses can be answered this way.
    pub fn new(filter: &DisplayFilter, snap: &Snapshot) -> Option<IndexAnswers> {
        let slots = filter
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| Some((i as u16, Name::of(s.name)?)))
            .collect::<Option<Vec<_>>>()?;
        let mut seen = [false; 256];
        let mut plain = Box::new([true; 256]);
        snap.hierarchy.each_path(|path| {
            if let Some(top) = path.iter().rev().find(|p| p.in_column()) {
                seen[top.id as usize] = true;
                plain[top.id as usize] &= plain_path(path);
            }
        });
        for (p, s) in plain.iter_mut().zip(seen) {
            *p &= s;
        }
        Some(IndexAnswers { slots, plain })
    }

    /// Puts the frame's values into `sink` (cleared) and returns true, or
    /// returns false when the frame must be dissected to know them.
    pub fn fill(&self, row: &Row, snap: &Snapshot, sink: &mut FilterSink) -> bool {
        if row.proto == 0 || !self.plain[row.proto as usize] {
            return false;
        }
        let (conv, tcp) = match (row.flow.tcp_stream(), row.flow.udp_stream()) {
            (Some(s), _) => (snap.tcp.get(s as usize), true),
            (_, Some(s)) => (snap.udp.get(s as usize), false),
            _ => return false,
        };
        let Some(c) = conv.filter(|c| !c.mixed_peers) else {
            return false;
        };
        for &(slot, name) in &self.slots {
            match name {
                Name::IpAddr | Name::Ipv6Addr => {
                    for addr in [c.a.0, c.b.0] {
                        match (addr, name) {
                            (IpAddr::V4(a), Name::IpAddr) => {
                                sink.put(slot, Value::Ipv4(a.octets()))
                            }
                            (IpAddr::V6(a), Name::Ipv6Addr) => {
                                sink.put(slot, Value::Ipv6(a.octets()))
                            }
                            _ => {}
                        }
                    }
                }
                Name::TcpPort | Name::UdpPort => {
                    if tcp == (name == Name::TcpPort) {
                        for port in [c.a.1, c.b.1] {
                            sink.put(slot, Value::U64(port.into()));
                        }
                    }
                }
                Name::TcpStream | Name::UdpStream => {
                    if tcp == (name == Name::TcpStream) {
                        sink.put(slot, Value::U64(c.stream.into()));
                    }
                }
            }
        }
        true
    }
}
