//! DNS answers by address: the lookup that gave a server's address is the
//! last answer naming it before the connection's SYN that no earlier
//! connection took (a client looks a name up once and may then open
//! several connections; only the first waited for the lookup).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use dissectors::field::OwnedValue;

use super::super::scan::{FrameView, as_bool, as_str};

/// A lookup: its query, its answer, and the name asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsLookup {
    pub name: String,
    pub query_ns: i64,
    pub answer_ns: i64,
}

/// The answers seen so far, in capture order.
#[derive(Default)]
pub struct Lookups {
    answers: Vec<(DnsLookup, Vec<IpAddr>)>,
    taken: Vec<bool>,
}

impl Lookups {
    pub fn frame(&mut self, v: &FrameView<'_>) {
        let f = &v.fields;
        if !as_bool(f.values("dns.flags.response").next()) {
            return;
        }
        let Some(OwnedValue::RelTime(took)) = f.values("dns.time").next() else {
            return;
        };
        let addrs: Vec<IpAddr> = f
            .fields
            .iter()
            .filter_map(|c| match (c.def.name, &c.value) {
                ("dns.a", OwnedValue::Ipv4(a)) => Some(IpAddr::V4(Ipv4Addr::from(*a))),
                ("dns.aaaa", OwnedValue::Ipv6(a)) => Some(IpAddr::V6(Ipv6Addr::from(*a))),
                _ => None,
            })
            .collect();
        if addrs.is_empty() {
            return;
        }
        let lookup = DnsLookup {
            name: as_str(f.values("dns.qry.name").next()).unwrap_or_default(),
            query_ns: v.ts_ns.saturating_sub(*took),
            answer_ns: v.ts_ns,
        };
        self.answers.push((lookup, addrs));
        self.taken.push(false);
    }

    /// The last lookup answered with `ip` at or before `before_ns`, if no
    /// connection took it before; this connection takes it. Connections
    /// ask in the order they began.
    pub fn take(&mut self, ip: IpAddr, before_ns: i64) -> Option<DnsLookup> {
        let i = self
            .answers
            .iter()
            .rposition(|(l, addrs)| l.answer_ns <= before_ns && addrs.contains(&ip))?;
        if std::mem::replace(&mut self.taken[i], true) {
            return None;
        }
        Some(self.answers[i].0.clone())
    }
}
