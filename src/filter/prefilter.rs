//! Which frames a filter could match, from the packet index alone, so that
//! only those are dissected again: a filter that is false whenever its
//! names are absent (`dns.qry.name contains "x"`, not `!dns`) needs only
//! frames whose protocol stack can hold one of them, and a TCP analysis
//! flag is in the index itself.

use dissectors::registry;
use dissectors::tcp_analysis::Flag;

use super::DisplayFilter;
use super::compile::{Node, Op};
use super::value::Kind;
use crate::store::{Row, Snapshot};

/// What one name needs of a frame.
#[derive(Debug, Clone, Copy)]
struct SlotNeed {
    /// Protocol ids (bits) one of which must be in the stack; None: any frame.
    protos: Option<u64>,
    /// A TCP analysis flag the index must show.
    tcp_flag: Option<u32>,
}

#[derive(Debug)]
pub struct Prefilter {
    /// At least one of these must be possible for the frame to match.
    any_of: Vec<SlotNeed>,
    /// Per top protocol id (the index's), the protocol ids its stacks hold.
    stacks: Box<[u64; 256]>,
}

/// Fields a layer of another name carries: mDNS and LLMNR are DNS
/// messages, SSDP is HTTP over UDP.
fn carriers(proto: &str) -> &'static [&'static str] {
    match proto {
        "dns" => &["dns", "mdns", "llmnr"],
        "http" => &["http", "ssdp"],
        _ => &[],
    }
}

fn proto_bits(name: &str) -> Option<u64> {
    // Every frame has a frame layer (it is not in the stacks).
    if name == "frame" {
        return None;
    }
    let find = |n: &str| registry::protocols().find(|p| p.name() == n);
    let names: Vec<&str> = match carriers(name) {
        [] => vec![name],
        c => c.to_vec(),
    };
    let mut bits = 0u64;
    for n in names {
        let p = find(n)?;
        if p.id == 0 || p.id >= 64 {
            return None;
        }
        bits |= 1 << p.id;
    }
    Some(bits)
}

impl Prefilter {
    /// None when every frame must be looked at (`!tcp`, `a xor b`).
    pub fn new(filter: &DisplayFilter, snap: &Snapshot) -> Option<Prefilter> {
        let slots = need(&filter.root)?;
        let mut any_of = Vec::new();
        for s in slots {
            let slot = &filter.slots[s as usize];
            let proto = if slot.kind == Kind::Protocol {
                slot.name
            } else {
                slot.name.split('.').next().unwrap_or("")
            };
            let tcp_flag = slot
                .name
                .strip_prefix("tcp.analysis.")
                .and_then(|n| Flag::ALL.iter().find(|f| f.name() == n))
                .map(|f| f.bit())
                .filter(|b| *b <= 0xffff);
            any_of.push(SlotNeed {
                protos: proto_bits(proto),
                tcp_flag,
            });
        }
        let mut stacks = Box::new([0u64; 256]);
        snap.hierarchy.each_path(|path| {
            if let Some(top) = path.iter().rev().find(|p| p.in_column()) {
                let mut bits = 0u64;
                for p in path {
                    if p.id < 64 {
                        bits |= 1 << p.id;
                    }
                }
                stacks[top.id as usize] |= bits;
            }
        });
        Some(Prefilter { any_of, stacks })
    }

    /// Whether the frame of `row` could match (false: it cannot).
    pub fn may_match(&self, row: &Row) -> bool {
        self.any_of.iter().any(|n| {
            let protos = row.proto == 0
                || n.protos
                    .is_none_or(|b| self.stacks[row.proto as usize] & b != 0);
            let flag = n.tcp_flag.is_none_or(|f| row.expert.tcp_flags() & f != 0);
            protos && flag
        })
    }
}

/// Slots one of which must have a value for `n` to be true; None when `n`
/// can be true with none of them.
fn need(n: &Node) -> Option<Vec<u16>> {
    match n {
        Node::Exists(s) => Some(vec![*s]),
        Node::Any(op) => op_need(op),
        Node::Cmp(l, _, r) | Node::Contains(l, r) => op_need(l).or_else(|| op_need(r)),
        Node::Matches(l, _) | Node::In(l, _) => op_need(l),
        Node::And(a, b) => match (need(a), need(b)) {
            // Either side will do; the one naming fewer slots is usually
            // the narrower.
            (Some(x), Some(y)) => Some(if y.len() < x.len() { y } else { x }),
            (x, y) => x.or(y),
        },
        Node::Or(a, b) => {
            let mut x = need(a)?;
            x.extend(need(b)?);
            Some(x)
        }
        Node::Not(_) | Node::Xor(..) => None,
    }
}

fn op_need(op: &Op) -> Option<Vec<u16>> {
    match op {
        Op::Slot(s) => Some(vec![*s]),
        Op::Slice(inner, _)
        | Op::Len(inner)
        | Op::Upper(inner)
        | Op::Lower(inner)
        | Op::BitAnd(inner, _)
        | Op::BitAndBytes(inner, _) => op_need(inner),
        Op::Count(s) => Some(vec![*s]),
        Op::Lit(_) => None,
    }
}
