//! What tshark's statistics taps see of one frame, collected while it is
//! dissected: its top-level protocol layers (`-z io,phs`) and, for each
//! Ethernet, IPv4, IPv6, TCP and UDP header at the top level, the
//! addresses and ports its tap gets (`-z conv`, `-z endpoints`).
//!
//! tshark queues a tap per header and skips the headers of a datagram
//! quoted in an ICMP error; here a quoted datagram is a layer dissected
//! inside the ICMP layer, so only layers begun at nesting depth 0 count.

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, FieldType, Show, Value};
use dissectors::sink::{Presence, Sink, Span};

/// An address as tshark's conversation tables compare it (kind, then
/// bytes); its text is made only when a table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// 6 (Ethernet), 4 (IPv4) or 16 (IPv6) bytes used.
    len: u8,
    bytes: [u8; 16],
}

impl Address {
    fn of(value: &Value<'_>) -> Option<Address> {
        let b: &[u8] = match value {
            Value::Ether(m) => m,
            Value::Ipv4(a) => a,
            Value::Ipv6(a) => a,
            _ => return None,
        };
        let mut bytes = [0; 16];
        bytes[..b.len()].copy_from_slice(b);
        Some(Address {
            len: b.len() as u8,
            bytes,
        })
    }

    /// As tshark prints it (Wireshark's address formats).
    pub fn text(&self) -> String {
        match self.len {
            6 => {
                let mut m = [0; 6];
                m.copy_from_slice(&self.bytes[..6]);
                Show(&ETHER, &Value::Ether(m)).to_string()
            }
            4 => {
                let mut a = [0; 4];
                a.copy_from_slice(&self.bytes[..4]);
                Show(&IPV4, &Value::Ipv4(a)).to_string()
            }
            _ => Show(&IPV6, &Value::Ipv6(self.bytes)).to_string(),
        }
    }

    #[cfg(test)]
    pub fn ipv4(a: [u8; 4]) -> Address {
        Address::of(&Value::Ipv4(a)).expect("an address")
    }
}

/// Stand-ins for the address fields, to print addresses as they do.
static ETHER: FieldDef = FieldDef::new("eth.addr", "Address", FieldType::Ether);
static IPV4: FieldDef = FieldDef::new("ip.addr", "Address", FieldType::Ipv4);
static IPV6: FieldDef = FieldDef::new("ipv6.addr", "Address", FieldType::Ipv6);

/// One header's tap data: its kind, source and destination, ports (0 for
/// headers without), and TCP's or UDP's stream index (conversations with
/// the same addresses and ports but another stream are other rows, as in
/// tshark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub kind: Kind,
    pub src: Address,
    pub dst: Address,
    pub src_port: u16,
    pub dst_port: u16,
    pub stream: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Eth,
    Ipv4,
    Ipv6,
    Tcp,
    Udp,
}

impl Kind {
    /// By the name `-z conv,NAME` uses, which is the protocol's.
    pub fn named(name: &str) -> Option<Kind> {
        Some(match name {
            "eth" => Kind::Eth,
            "ip" => Kind::Ipv4,
            "ipv6" => Kind::Ipv6,
            "tcp" => Kind::Tcp,
            "udp" => Kind::Udp,
            _ => return None,
        })
    }
    /// The protocol's short name, which titles tshark's tables.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Eth => "Ethernet",
            Kind::Ipv4 => "IPv4",
            Kind::Ipv6 => "IPv6",
            Kind::Tcp => "TCP",
            Kind::Udp => "UDP",
        }
    }
    pub fn has_ports(self) -> bool {
        matches!(self, Kind::Tcp | Kind::Udp)
    }
    fn of_layer(name: &str) -> Option<Kind> {
        Kind::named(name)
    }
}

/// A value of a field `-z io,stat` calculates on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sample {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    /// Nanoseconds.
    Time(i64),
    /// An item without a value (counted only).
    Item,
}

impl Sample {
    fn of(v: &Value<'_>) -> Sample {
        match *v {
            Value::U64(u) => Sample::Unsigned(u),
            Value::Bool(b) => Sample::Unsigned(u64::from(b)),
            Value::I64(i) => Sample::Signed(i),
            Value::F64(f) => Sample::Float(f),
            Value::RelTime(t) => Sample::Time(t),
            _ => Sample::Item,
        }
    }
    /// As tshark's integer counter holds it.
    pub fn as_counter(self) -> u64 {
        match self {
            Sample::Unsigned(u) => u,
            Sample::Signed(i) | Sample::Time(i) => i as u64,
            Sample::Float(f) => f as u64,
            Sample::Item => 0,
        }
    }
    pub fn as_float(self) -> f64 {
        match self {
            Sample::Unsigned(u) => u as f64,
            Sample::Signed(i) | Sample::Time(i) => i as f64,
            Sample::Float(f) => f,
            Sample::Item => 0.0,
        }
    }
}

/// The facts of one frame.
#[derive(Debug, Default)]
pub struct FrameFacts {
    /// Top-level items below the frame, in order, by filter name.
    pub layers: Vec<&'static str>,
    /// One entry per top-level header with a tap, in order.
    pub headers: Vec<Endpoints>,
    /// The values of the sampled fields, in tree order.
    pub samples: Vec<(&'static str, Sample)>,
    /// Its expert items (when asked for).
    pub experts: Vec<super::expert::ExpertItem>,
    /// The port type of the last transport layer dissected, quoted ones
    /// too (tshark's `pinfo->ptype` when the taps run): its `ptype` trees
    /// name every IP header of the frame by it.
    pub ptype: &'static str,
}

/// The sink that gathers [`FrameFacts`].
#[derive(Debug, Default)]
pub struct FactsSink {
    pub facts: FrameFacts,
    /// The names whose fields (and protocols) `samples` keeps.
    pub sampled: Vec<&'static str>,
    /// The names whose expert items `samples` keeps (tshark's
    /// `tcp.analysis.*` are fields and expert items both: counted once).
    pub sampled_experts: Vec<&'static str>,
    /// Mirrors the tree's stack: `true` for a layer, `false` for an item
    /// made a parent; a layer begun with no `true` on it is top-level.
    stack: Vec<bool>,
    /// The top-level header being read, its fields filled as they come.
    open: Option<Partial>,
    /// The network addresses of the last top-level IP header: TCP's and
    /// UDP's taps carry them.
    network: Option<(Address, Address)>,
    /// Items reported in the top-level layer being read.
    items: usize,
    /// Whether expert items are kept.
    pub keep_experts: bool,
    /// The layers open, innermost last, and the last one begun: an expert
    /// item belongs to the protocol being dissected.
    open_layers: Vec<Option<&'static str>>,
    last_layer: &'static str,
}

#[derive(Debug)]
struct Partial {
    kind: Kind,
    src: Option<Address>,
    dst: Option<Address>,
    src_port: u16,
    dst_port: u16,
    stream: Option<u32>,
    /// IPv6: a fragment whose datagram this frame does not complete.
    /// tshark 4.0 taps no such header (it hands the fragment to `data`
    /// before its IPv6 tap), while it taps every IPv4 fragment.
    fragment: bool,
    reassembled: bool,
    /// Its header ended in an exception (malformed, or cut by the
    /// snaplen): tshark queues a header's tap only once the header, its
    /// options and extension headers are read, so it has none.
    broken: bool,
}

impl FactsSink {
    pub fn clear(&mut self) {
        self.facts.layers.clear();
        self.facts.headers.clear();
        self.facts.samples.clear();
        self.facts.experts.clear();
        self.facts.ptype = "NONE";
        self.open_layers.clear();
        self.stack.clear();
        self.open = None;
        self.network = None;
    }

    fn top_level(&self) -> bool {
        !self.stack.iter().any(|&layer| layer)
    }

    /// Ends the header being read: kept if it had both addresses.
    fn close(&mut self) {
        let Some(p) = self.open.take() else { return };
        if p.fragment && !p.reassembled || p.broken {
            return;
        }
        let addresses = match p.kind {
            Kind::Tcp | Kind::Udp => self.network,
            _ => p.src.zip(p.dst),
        };
        let Some((src, dst)) = addresses else { return };
        if matches!(p.kind, Kind::Ipv4 | Kind::Ipv6) {
            self.network = Some((src, dst));
        }
        self.facts.headers.push(Endpoints {
            kind: p.kind,
            src,
            dst,
            src_port: p.src_port,
            dst_port: p.dst_port,
            stream: p.stream,
        });
    }

    fn take(&mut self, def: &'static FieldDef, value: &Value<'_>) {
        let Some(p) = self.open.as_mut() else { return };
        let field = def.name.rsplit('.').next().unwrap_or("");
        match (p.kind, field) {
            (Kind::Eth | Kind::Ipv4 | Kind::Ipv6, "src") => p.src = Address::of(value),
            (Kind::Eth | Kind::Ipv4 | Kind::Ipv6, "dst") => p.dst = Address::of(value),
            (Kind::Tcp | Kind::Udp, "srcport") => p.src_port = port(value),
            (Kind::Tcp | Kind::Udp, "dstport") => p.dst_port = port(value),
            (Kind::Tcp | Kind::Udp, "stream") => p.stream = value.as_u64().map(|s| s as u32),
            (Kind::Ipv6, "offset") => p.fragment |= value.as_u64().is_some_and(|o| o != 0),
            (Kind::Ipv6, "more") => p.fragment |= value.as_u64().is_some_and(|m| m != 0),
            (Kind::Ipv6, "length") => p.reassembled = true,
            _ => {}
        }
    }
}

/// tshark's port type names, by the transport layer that sets them.
fn port_type(layer: &str) -> Option<&'static str> {
    Some(match layer {
        "tcp" => "TCP",
        "udp" => "UDP",
        "sctp" => "SCTP",
        "dccp" => "DCCP",
        _ => return None,
    })
}

fn port(v: &Value<'_>) -> u16 {
    v.as_u64().unwrap_or(0) as u16
}

/// The fields a header's tap reads, by the layer they belong to.
fn tapped(def: &FieldDef) -> bool {
    matches!(
        def.name,
        "eth.src"
            | "eth.dst"
            | "ip.src"
            | "ip.dst"
            | "ipv6.src"
            | "ipv6.dst"
            | "tcp.srcport"
            | "tcp.dstport"
            | "tcp.stream"
            | "udp.srcport"
            | "udp.dstport"
            | "udp.stream"
            | "ipv6.fraghdr.offset"
            | "ipv6.fraghdr.more"
            | "ipv6.reassembled.length"
    )
}

impl Sink for FactsSink {
    fn wants(&self, def: &'static FieldDef) -> bool {
        tapped(def) || self.sampled.contains(&def.name)
    }
    fn wants_text(&self) -> bool {
        // Some dissectors add expert items only with the tree's text.
        self.keep_experts
    }
    fn layer(&mut self, proto: &'static FieldDef, _: Span, _: fmt::Arguments<'_>) {
        self.sample(proto.name, Sample::Item);
        if let Some(ptype) = port_type(proto.name) {
            self.facts.ptype = ptype;
        }
        if self.top_level() {
            self.items = 0;
            self.close();
            // tshark's hierarchy starts below the frame.
            if proto.name != "frame" {
                self.facts.layers.push(proto.name);
            }
            self.open = Kind::of_layer(proto.name).map(|kind| Partial {
                kind,
                src: None,
                dst: None,
                src_port: 0,
                dst_port: 0,
                stream: None,
                fragment: false,
                reassembled: false,
                broken: false,
            });
        }
        self.items += 1;
        self.stack.push(true);
        self.open_layers.push(Some(proto.name));
        self.last_layer = proto.name;
    }
    fn end_layer(&mut self) {
        self.stack.pop();
        self.open_layers.pop();
        // A protocol over TCP that took no bytes of this segment (a TLS
        // record continued in the next) has no item in tshark's tree,
        // though `frame.protocols` names it.
        let layers = &mut self.facts.layers;
        if self.stack.is_empty()
            && self.items == 1
            && layers.len() >= 2
            && layers[layers.len() - 2] == "tcp"
        {
            layers.pop();
        }
    }
    fn field(&mut self, def: &'static FieldDef, _: Span, value: Value<'_>, _: Presence) {
        self.items += 1;
        self.sample(def.name, Sample::of(&value));
        // Items at the top of the tree count in the hierarchy as tshark's
        // do (its "[N Reassembled TCP Segments]").
        if self.stack.is_empty() && def.name == "tcp.segments" {
            self.facts.layers.push(def.name);
        }
        // tshark 4.0 puts a frame's comments in a tree of their own before
        // the frame's, which its hierarchy counts (later versions skip it).
        if def.name == "frame.comment" {
            if !self.facts.layers.contains(&"pkt_comment") {
                self.facts.layers.insert(0, "pkt_comment");
            }
            // tshark makes each comment an expert item of its own.
            if self.keep_experts
                && let Value::Str(text) = value
            {
                self.facts.experts.push(super::expert::ExpertItem {
                    severity: dissectors::expert::Severity::Comment,
                    group: dissectors::expert::Group::Comments,
                    protocol: "Frame",
                    summary: text.to_string(),
                });
            }
        }
        // A header's own fields sit right under its top-level layer; its
        // fragment header is a layer within it.
        let direct = self.stack == [true];
        let fragment = def.name.starts_with("ipv6.fr") || def.name.starts_with("ipv6.re");
        if tapped(def) && (direct || fragment && self.stack.first() == Some(&true)) {
            self.take(def, &value);
        }
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {
        self.items += 1;
    }
    fn push(&mut self) {
        self.stack.push(false);
        self.open_layers.push(None);
    }
    fn pop(&mut self) {
        self.stack.pop();
        self.open_layers.pop();
    }
    fn expert(&mut self, def: &'static ExpertDef, _: Span, message: fmt::Arguments<'_>) {
        self.items += 1;
        if self.keep_experts {
            self.keep_expert(def, message);
        }
        if let Some(&n) = self.sampled_experts.iter().find(|&&n| n == def.name) {
            self.facts.samples.push((n, Sample::Item));
        }
        if !matches!(def.name, "_ws.malformed" | "_ws.short") {
            return;
        }
        if let Some(p) = self.open.as_mut() {
            p.broken = true;
        }
        // tshark shows an exception as an item of its own at the top (one
        // in a datagram quoted by ICMP is left out here).
        if self.stack.iter().filter(|&&l| l).count() <= 1 {
            self.facts.layers.push(def.name);
        }
    }
    fn reenter(&mut self, _handle: u32) {
        // Items added to an ended layer (Ethernet's trailer) are not
        // headers of their own.
        self.stack.push(true);
        self.open_layers.push(None);
    }
}

impl FactsSink {
    fn keep_expert(&mut self, def: &'static ExpertDef, message: fmt::Arguments<'_>) {
        // A frame cut by the snaplen is no expert item in tshark, and an
        // exception's item says only that one occurred.
        let summary = match def.name {
            "_ws.short" => return,
            "_ws.malformed" => "Malformed Packet (Exception occurred)".to_string(),
            _ => message.to_string(),
        };
        let summary = if summary.is_empty() {
            def.summary.to_string()
        } else {
            summary
        };
        // The protocol being dissected: the innermost open layer with a
        // short name (an IPv6 extension header has its own).
        let open = self.open_layers.iter().rev().filter_map(|l| *l);
        let protocol = open
            .chain(std::iter::once(self.last_layer))
            .map(short_name)
            .find(|c| !c.is_empty())
            .unwrap_or("");
        self.facts.experts.push(super::expert::ExpertItem {
            severity: def.severity,
            group: def.group,
            protocol,
            summary,
        });
    }

    fn sample(&mut self, name: &'static str, v: Sample) {
        if let Some(&n) = self.sampled.iter().find(|&&n| n == name) {
            self.facts.samples.push((n, v));
        }
    }

    /// Ends the frame: the last header read is kept too.
    pub fn finish(&mut self) -> &FrameFacts {
        self.close();
        &self.facts
    }
}

/// A protocol's Protocol-column name, by its filter name.
fn short_name(layer: &str) -> &'static str {
    match dissectors::registry::by_name().get(layer) {
        Some(dissectors::registry::Named::Protocol(p)) => p.short_name(),
        _ => "",
    }
}
