//! The statistics trees tshark's dissectors register: `http,tree` (HTTP
//! Packet Counter), `http2,tree`, `dns,tree`, `ptype,tree` and
//! `ipv6_ptype,tree`. Each is fed what its dissector's tap carries: one
//! event per HTTP message, HTTP/2 frame, DNS message or IP header, read
//! here from the items a frame's dissection gives.

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Value, lookup};
use dissectors::sink::{Presence, Sink, Span};

use super::frame_facts::{FrameFacts, Kind};
use super::stats_tree::{NodeId, ROOT, StatsTree};

/// Which tree, with the nodes its tap ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind {
    Http,
    Http2,
    Dns,
    Ptype,
    Ipv6Ptype,
}

impl TreeKind {
    /// By the name `-z NAME,tree` uses.
    pub fn named(name: &str) -> Option<TreeKind> {
        Some(match name {
            "http" => TreeKind::Http,
            "http2" => TreeKind::Http2,
            "dns" => TreeKind::Dns,
            "ptype" => TreeKind::Ptype,
            "ipv6_ptype" => TreeKind::Ipv6Ptype,
            _ => return None,
        })
    }
}

/// One tree and the ids of the nodes it made at the start.
#[derive(Debug)]
pub struct Tree {
    kind: TreeKind,
    tree: StatsTree,
    nodes: Vec<NodeId>,
}

impl Tree {
    /// The tree as the dissector's `..._stats_tree_init` makes it.
    pub fn new(kind: TreeKind) -> Tree {
        let title = match kind {
            TreeKind::Http => "HTTP/Packet Counter",
            TreeKind::Http2 => "HTTP2",
            TreeKind::Dns => "DNS",
            TreeKind::Ptype => "IPv4 Statistics/IP Protocol Types",
            TreeKind::Ipv6Ptype => "IPv6 Statistics/IP Protocol Types",
        };
        let mut t = StatsTree::new(title);
        let nodes = match kind {
            TreeKind::Http => {
                let packets = t.node("Total HTTP Packets", ROOT, true);
                let requests = t.pivot("HTTP Request Packets", packets);
                let responses = t.node("HTTP Response Packets", packets, true);
                let mut ids = vec![packets, requests, responses];
                for group in HTTP_GROUPS {
                    ids.push(t.node(group, responses, true));
                }
                t.node("Other HTTP Packets", packets, false);
                ids
            }
            TreeKind::Http2 => {
                let http2 = t.node("HTTP2", ROOT, true);
                vec![http2, t.pivot("Type", http2)]
            }
            TreeKind::Dns => dns_nodes(&mut t),
            TreeKind::Ptype | TreeKind::Ipv6Ptype => vec![t.pivot("IP Protocol Types", ROOT)],
        };
        Tree {
            kind,
            tree: t,
            nodes,
        }
    }

    pub fn kind(&self) -> TreeKind {
        self.kind
    }

    /// Ticks what the frame's taps carry, at `ms` since the first packet.
    pub fn add(&mut self, ms: f64, messages: &Messages, facts: &FrameFacts) {
        match self.kind {
            TreeKind::Http => {
                for m in messages.http.iter().filter(|m| !m.broken) {
                    self.tree.at(ms);
                    self.http(m);
                }
            }
            TreeKind::Http2 => {
                for &ty in &messages.http2 {
                    self.tree.at(ms);
                    self.tree.tick("HTTP2", ROOT);
                    let name = named(dissectors::http2::FRAME_TYPES, ty, "Unknown type");
                    self.tree.tick_pivot(self.nodes[1], &name);
                }
            }
            TreeKind::Dns => {
                for m in messages.dns.iter().filter(|m| !m.broken) {
                    self.tree.at(ms);
                    dns(&mut self.tree, &self.nodes, m);
                }
            }
            TreeKind::Ptype | TreeKind::Ipv6Ptype => {
                let kind = match self.kind {
                    TreeKind::Ptype => Kind::Ipv4,
                    _ => Kind::Ipv6,
                };
                for _ in facts.headers.iter().filter(|h| h.kind == kind) {
                    self.tree.at(ms);
                    self.tree.tick_pivot(self.nodes[0], facts.ptype);
                }
            }
        }
    }

    /// `http_stats_tree_packet`.
    fn http(&mut self, m: &HttpMessage) {
        let (packets, requests, responses) = (self.nodes[0], self.nodes[1], self.nodes[2]);
        self.tree.tick("Total HTTP Packets", ROOT);
        if let Some(code) = m.code.filter(|&c| c != 0) {
            self.tree.tick("HTTP Response Packets", packets);
            let group = match code {
                100..=199 => 1,
                200..=299 => 2,
                300..=399 => 3,
                400..=499 => 4,
                500..=599 => 5,
                _ => 0,
            };
            let group_node = self.nodes[3 + group];
            self.tree.tick(HTTP_GROUPS[group], responses);
            let text = match dissectors::http::status_text(code) {
                "Unknown" => format!("Unknown ({code})"),
                t => t.to_string(),
            };
            self.tree.tick(&format!("{code} {text}"), group_node);
        } else if let Some(method) = &m.method {
            self.tree.tick_pivot(requests, method);
        } else {
            self.tree.tick("Other HTTP Packets", packets);
        }
    }

    pub fn draw(&self, out: &mut String) {
        self.tree.draw(out);
    }
}

/// The response groups, in the order tshark makes them.
const HTTP_GROUPS: [&str; 6] = [
    "???: broken",
    "1xx: Informational",
    "2xx: Success",
    "3xx: Redirection",
    "4xx: Client Error",
    "5xx: Server Error",
];

fn dns_nodes(t: &mut StatsTree) -> Vec<NodeId> {
    let packets = t.node("Total Packets", ROOT, true);
    let mut ids = vec![packets];
    for pivot in ["Query/Response", "Query Type", "Class", "rcode", "opcodes"] {
        ids.push(t.pivot(pivot, packets));
    }
    t.node("Payload size", ROOT, false);
    let query = t.node("Query Stats", ROOT, true);
    t.node("Qname Len", query, false);
    let labels = t.node("Label Stats", query, true);
    for l in ["1st Level", "2nd Level", "3rd Level", "4th Level or more"] {
        t.node(l, labels, false);
    }
    let response = t.node("Response Stats", ROOT, true);
    for n in [
        "no. of questions",
        "no. of answers",
        "no. of authorities",
        "no. of additionals",
    ] {
        t.node(n, response, false);
    }
    let service = t.node("Service Stats", ROOT, true);
    t.node("no. of unsolicited responses", service, false);
    t.node("no. of retransmissions", service, false);
    t.float_node("request-response time (msec)", service);
    ids
}

/// `dns_stats_tree_packet`, with its slip: a solicited response's counts
/// are averaged in twice.
fn dns(t: &mut StatsTree, nodes: &[NodeId], m: &DnsMessage) {
    let qr = m.flags >> 15;
    let opcode = u64::from((m.flags >> 11) & 0xf);
    let rcode = u64::from(m.flags & 0xf);
    t.tick("Total Packets", ROOT);
    let qr_name = if qr == 0 { "Query" } else { "Response" };
    t.tick_pivot(nodes[1], qr_name);
    let ty = named(dissectors::dns::TYPES, m.qtype, "Unknown packet type");
    t.tick_pivot(nodes[2], &ty);
    let class = named(dissectors::dns::CLASSES, m.qclass, "Unknown class");
    t.tick_pivot(nodes[3], &class);
    t.tick_pivot(
        nodes[4],
        &named(dissectors::dns::RCODES, rcode, "Unknown rcode"),
    );
    t.tick_pivot(
        nodes[5],
        &named(dissectors::dns::OPCODES, opcode, "Unknown opcode"),
    );
    t.average("Payload size", ROOT, m.size as i32);
    if qr == 0 {
        t.average("Qname Len", ROOT, i32::from(m.qname_len));
        let level = match m.labels {
            1 => "1st Level",
            2 => "2nd Level",
            3 => "3rd Level",
            _ => "4th Level or more",
        };
        t.tick(level, ROOT);
        return;
    }
    let counts = |t: &mut StatsTree| {
        t.average("no. of questions", ROOT, i32::from(m.counts[0]));
        t.average("no. of answers", ROOT, i32::from(m.counts[1]));
        t.average("no. of authorities", ROOT, i32::from(m.counts[2]));
        t.average("no. of additionals", ROOT, i32::from(m.counts[3]));
    };
    counts(t);
    if m.unsolicited {
        t.tick("no. of unsolicited responses", ROOT);
        return;
    }
    counts(t);
    if m.retransmission {
        t.tick("no. of retransmissions", ROOT);
    } else {
        let ms = (m.rrt_ns / 1_000_000_000) as f64 * 1000.0
            + (m.rrt_ns % 1_000_000_000) as f64 / 1_000_000.0;
        t.average_float("request-response time (msec)", ROOT, ms as f32);
    }
}

/// A value's name, or tshark's `val_to_str` fallback `"WHAT (N)"`.
fn named(table: dissectors::field::ValueNames, v: u64, what: &str) -> String {
    match lookup(table, v) {
        Some(n) => n.to_string(),
        None => format!("{what} ({v})"),
    }
}

/// What the HTTP tap carries of one message.
#[derive(Debug, Default)]
pub struct HttpMessage {
    code: Option<u16>,
    method: Option<String>,
    broken: bool,
}

/// What the DNS tap carries of one message.
#[derive(Debug, Default)]
pub struct DnsMessage {
    flags: u16,
    qtype: u64,
    qclass: u64,
    size: usize,
    /// Questions, answers, authorities, additionals.
    counts: [u16; 4],
    qname_len: u16,
    labels: u16,
    unsolicited: bool,
    retransmission: bool,
    rrt_ns: i64,
    /// Which of the first question's items were read.
    seen: u8,
    /// Its dissection ended in an exception, before tshark's tap.
    broken: bool,
}

/// The messages of one frame the trees' taps see.
#[derive(Debug, Default)]
pub struct Messages {
    pub http: Vec<HttpMessage>,
    pub http2: Vec<u64>,
    pub dns: Vec<DnsMessage>,
}

/// Gathers a frame's [`Messages`]: a message per HTTP or DNS layer (not
/// one quoted by ICMP: tshark taps none in an error packet), an HTTP/2
/// frame per `http2.type`.
#[derive(Debug, Default)]
pub struct MessageSink {
    pub messages: Messages,
    /// The layers open, innermost last (`""` for an item made a parent).
    open: Vec<&'static str>,
    /// The last layer begun: an exception is its protocol's.
    last_layer: &'static str,
    /// The trees fed: what to keep.
    pub http: bool,
    pub http2: bool,
    pub dns: bool,
}

impl MessageSink {
    pub fn clear(&mut self) {
        self.messages.http.clear();
        self.messages.http2.clear();
        self.messages.dns.clear();
        self.open.clear();
        self.last_layer = "";
    }

    fn in_error(&self) -> bool {
        self.open.iter().any(|l| matches!(*l, "icmp" | "icmpv6"))
    }

    fn innermost(&self, name: &str) -> bool {
        self.open.iter().rev().find(|l| !l.is_empty()) == Some(&name)
    }

    fn dns_field(&mut self, def: &'static FieldDef, value: &Value<'_>) {
        let Some(m) = self.messages.dns.last_mut() else {
            return;
        };
        let v = value.as_u64().unwrap_or(0);
        let first = |m: &mut DnsMessage, bit: u8| {
            let fresh = m.seen & bit == 0;
            m.seen |= bit;
            fresh
        };
        match def.name {
            "dns.flags" if first(m, 1) => m.flags = v as u16,
            "dns.qry.type" if first(m, 2) => m.qtype = v,
            "dns.qry.class" if first(m, 4) => m.qclass = v,
            "dns.qry.name.len" if first(m, 8) => m.qname_len = v as u16,
            "dns.count.labels" if first(m, 16) => m.labels = v as u16,
            "dns.count.queries" | "dns.count.zones" => m.counts[0] = v as u16,
            "dns.count.answers" | "dns.count.prerequisites" => m.counts[1] = v as u16,
            "dns.count.auth_rr" | "dns.count.updates" => m.counts[2] = v as u16,
            "dns.count.add_rr" => m.counts[3] = v as u16,
            "dns.unsolicited" => m.unsolicited = true,
            "dns.retransmission" => m.retransmission = true,
            "dns.time" => {
                if let Value::RelTime(ns) = value {
                    m.rrt_ns = *ns;
                }
            }
            _ => {}
        }
    }
}

impl Sink for MessageSink {
    fn wants(&self, def: &'static FieldDef) -> bool {
        let p = def.protocol();
        (self.http && p == "http")
            || (self.http2 && def.name == "http2.type")
            || (self.dns && p == "dns")
    }
    fn wants_payload(&self) -> bool {
        self.http || self.http2 || self.dns
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, _: fmt::Arguments<'_>) {
        let in_error = self.in_error();
        match proto.name {
            // SSDP is HTTP over UDP to tshark, and taps as HTTP.
            "http" | "ssdp" if self.http && !in_error => {
                self.messages.http.push(HttpMessage::default())
            }
            "dns" if self.dns && !in_error => self.messages.dns.push(DnsMessage {
                size: span.len as usize,
                ..DnsMessage::default()
            }),
            _ => {}
        }
        self.open.push(proto.name);
        self.last_layer = proto.name;
    }
    fn end_layer(&mut self) {
        self.open.pop();
    }
    fn field(&mut self, def: &'static FieldDef, _: Span, value: Value<'_>, _: Presence) {
        if self.in_error() {
            return;
        }
        match def.name {
            "http2.type" if self.http2 => self.messages.http2.push(value.as_u64().unwrap_or(0)),
            "http.response.code" if self.innermost("http") || self.innermost("ssdp") => {
                if let Some(m) = self.messages.http.last_mut() {
                    m.code = value.as_u64().map(|c| c as u16);
                }
            }
            "http.request.method" if self.innermost("http") || self.innermost("ssdp") => {
                if let (Some(m), Value::Str(s)) = (self.messages.http.last_mut(), value) {
                    // tshark's tap takes SSDP's M-SEARCH from after its "M-".
                    let s = s.strip_prefix("M-").unwrap_or(s);
                    m.method = Some(s.to_string());
                }
            }
            _ if self.innermost("dns") => self.dns_field(def, &value),
            _ => {}
        }
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {
        self.open.push("");
    }
    fn pop(&mut self) {
        self.open.pop();
    }
    fn expert(&mut self, def: &'static ExpertDef, _: Span, _: fmt::Arguments<'_>) {
        // An exception ends the dissection before the message's tap.
        if !matches!(def.name, "_ws.malformed" | "_ws.short") {
            return;
        }
        match self.last_layer {
            "dns" => self.messages.dns.last_mut().map(|m| m.broken = true),
            "http" | "ssdp" => self.messages.http.last_mut().map(|m| m.broken = true),
            _ => None,
        };
    }
    fn reenter(&mut self, _handle: u32) {
        self.open.push("");
    }
}
