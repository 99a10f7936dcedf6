//! Decode As: the user's rules that send a table key (a TCP or UDP port, an
//! ethertype) to a protocol of their choice, in tshark's spelling
//! `-d tcp.port==8443,http2`. The rules are a small fixed array so that
//! `Options` stays `Copy`; the registry resolves names.

use crate::table::Table;

/// Rules kept at once; tshark takes any number, but a handful is what
/// anyone types.
pub const MAX_RULES: usize = 16;

/// One rule: keys `lo..=hi` in `table` go to the protocol `name`, the
/// registry's entry `index` in [`Table::Protocol`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub table: Table,
    pub lo: u32,
    pub hi: u32,
    pub name: &'static str,
    pub index: u32,
}

/// The rules in force, the later overriding the earlier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeAs {
    rules: [Option<Rule>; MAX_RULES],
    /// Rules held (the first `len` slots): lookups with none cost nothing.
    len: u8,
}

impl DecodeAs {
    /// No rules (a `const` for statics).
    pub const EMPTY: DecodeAs = DecodeAs {
        rules: [None; MAX_RULES],
        len: 0,
    };

    /// Adds a rule; a rule for the same keys replaces the older.
    pub fn push(&mut self, rule: Rule) -> Result<(), String> {
        let same = |r: &Option<Rule>| {
            r.is_some_and(|r| r.table == rule.table && r.lo == rule.lo && r.hi == rule.hi)
        };
        if let Some(slot) = self.rules.iter_mut().find(|r| same(r)) {
            *slot = Some(rule);
            return Ok(());
        }
        match self.rules.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = Some(rule);
                self.len += 1;
                Ok(())
            }
            None => Err(format!("more than {MAX_RULES} Decode As rules")),
        }
    }

    /// The rule for `key` in `table`: the last one given wins.
    #[inline]
    pub fn find(&self, table: Table, key: u32) -> Option<Rule> {
        if self.len == 0 {
            return None;
        }
        self.rules[..usize::from(self.len)]
            .iter()
            .rev()
            .flatten()
            .find(|r| r.table == table && (r.lo..=r.hi).contains(&key))
            .copied()
    }

    /// The rule for a transport's ports, the lower port first as Wireshark
    /// tries them.
    pub fn find_ports(&self, table: Table, a: u16, b: u16) -> Option<Rule> {
        let (lo, hi) = (a.min(b), a.max(b));
        self.find(table, lo.into())
            .or_else(|| self.find(table, hi.into()))
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The parts of tshark's `<layer type>==<selector>,<protocol>`: the table,
/// the key range, the protocol name. `-d` also takes `tcp.port==8000:3`
/// (three ports from 8000) and `8000-8100`.
pub fn split(arg: &str) -> Result<(Table, u32, u32, &str), String> {
    let bad = |why: &str| {
        format!(
            "\"{arg}\" {why}: expected <layer type>==<selector>,<decode-as protocol>, \
             as tcp.port==8443,http2"
        )
    };
    let (layer, rest) = arg
        .split_once("==")
        .or_else(|| arg.split_once('='))
        .ok_or_else(|| bad("has no '=='"))?;
    let (selector, name) = rest.split_once(',').ok_or_else(|| bad("has no ','"))?;
    let table = match layer.trim() {
        "tcp.port" => Table::TcpPort,
        "udp.port" => Table::UdpPort,
        "ethertype" | "eth.type" => Table::EtherType,
        "ip.proto" | "ipv6.nxt" => Table::IpProto,
        other => {
            return Err(format!(
                "\"{other}\" isn't a layer type wirelens decodes as (tcp.port, udp.port, \
                 ethertype, ip.proto)"
            ));
        }
    };
    let (lo, hi) = selector_range(selector.trim()).ok_or_else(|| bad("has a bad selector"))?;
    let max = match table {
        Table::TcpPort | Table::UdpPort | Table::EtherType => 0xffff,
        _ => 0xff,
    };
    if hi > max {
        return Err(bad("has a selector out of range"));
    }
    Ok((table, lo, hi, name.trim()))
}

/// `N`, `N-M` or `N:count`, decimal or 0x-hex.
fn selector_range(s: &str) -> Option<(u32, u32)> {
    if let Some((a, b)) = s.split_once('-') {
        let (lo, hi) = (number(a)?, number(b)?);
        return (lo <= hi).then_some((lo, hi));
    }
    if let Some((a, n)) = s.split_once(':') {
        let (lo, n) = (number(a)?, number(n)?);
        return (n > 0).then(|| (lo, lo.saturating_add(n - 1)));
    }
    let v = number(s)?;
    Some((v, v))
}

fn number(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tshark_spellings() {
        assert_eq!(
            split("tcp.port==8443,http2").unwrap(),
            (Table::TcpPort, 8443, 8443, "http2")
        );
        assert_eq!(
            split("udp.port==8000-8100,dns").unwrap(),
            (Table::UdpPort, 8000, 8100, "dns")
        );
        assert_eq!(
            split("tcp.port==8000:3,http").unwrap(),
            (Table::TcpPort, 8000, 8002, "http")
        );
        assert_eq!(
            split("ethertype==0x8847,mpls").unwrap(),
            (Table::EtherType, 0x8847, 0x8847, "mpls")
        );
        assert!(split("tcp.port==70000,http").is_err());
        assert!(split("tcp.port==80").is_err());
        assert!(split("foo.port==80,http").is_err());
        assert!(split("tcp.port==90-80,http").is_err());
    }

    fn rule(lo: u32, hi: u32, name: &'static str) -> Rule {
        Rule {
            table: Table::TcpPort,
            lo,
            hi,
            name,
            index: 0,
        }
    }

    #[test]
    fn the_last_rule_wins_and_a_repeat_replaces() {
        let mut d = DecodeAs::default();
        d.push(rule(8000, 8100, "http")).unwrap();
        d.push(rule(8080, 8080, "tls")).unwrap();
        assert_eq!(d.find(Table::TcpPort, 8080).unwrap().name, "tls");
        assert_eq!(d.find(Table::TcpPort, 8001).unwrap().name, "http");
        assert!(d.find(Table::UdpPort, 8001).is_none());
        d.push(rule(8080, 8080, "http2")).unwrap();
        assert_eq!(d.rules().count(), 2);
        assert_eq!(
            d.find_ports(Table::TcpPort, 50000, 8080).unwrap().name,
            "http2"
        );
        for p in 0..MAX_RULES as u32 - 2 {
            d.push(rule(p, p, "dns")).unwrap();
        }
        assert!(d.push(rule(9999, 9999, "dns")).is_err());
    }
}
