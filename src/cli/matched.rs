//! `-Y` on the conversation and application subcommands: one pass finds
//! the packets a display filter matches, and with them the conversations
//! and transactions to keep ("conversations with at least one matching
//! packet", as Wireshark's Conversations dialog limits itself to a filter).

use std::collections::{BTreeMap, HashSet};

use dissectors::packet::Transport;
use serde_json::Value;

use crate::capture::{CaptureFile, Interface};
use crate::filter::DisplayFilter;
use crate::filter::apply::in_capture_order;

#[derive(Debug, Default)]
pub struct Matched {
    pub filter: String,
    /// By frame number (index 0 unused); frames past the end did not match.
    frames: Vec<bool>,
    pub count: usize,
    pub tcp: HashSet<u32>,
    pub udp: HashSet<u32>,
}

impl Matched {
    pub fn frame(&self, number: u64) -> bool {
        self.frames.get(number as usize).copied().unwrap_or(false)
    }

    /// Runs the filter over the capture in order; also returns the file's
    /// interfaces.
    pub fn find(file: &CaptureFile, filter: &DisplayFilter) -> (Matched, Vec<Interface>) {
        let mut m = Matched {
            filter: filter.text().to_string(),
            frames: vec![false],
            ..Default::default()
        };
        let (interfaces, _) = in_capture_order(file, filter, |number, pi, answers| {
            m.frames.resize(number as usize, false);
            m.frames.push(true);
            m.count += 1;
            match pi.transport {
                Transport::Tcp(_) => {
                    if let Some(a) = &answers.tcp {
                        m.tcp.insert(a.stream);
                    }
                }
                Transport::Udp(_) => {
                    if let Some(a) = answers.udp {
                        m.udp.insert(a.stream);
                    }
                }
                Transport::None => {}
            }
        });
        (m, interfaces)
    }

    /// Keeps, in a summary of the `dns`, `tls`, `http` or `http2`
    /// subcommand, the entries with a matching packet, and recounts the
    /// totals from what is kept.
    pub fn restrict(&self, section: &str, v: &mut Value) {
        let num = |e: &Value, k: &str| e.get(k).and_then(Value::as_u64);
        let keep_list = |v: &mut Value, key: &str, keep: &dyn Fn(&Value) -> bool| {
            if let Some(Value::Array(a)) = v.get_mut(key) {
                a.retain(|e| keep(e));
            }
        };
        let by_stream =
            |e: &Value| num(e, "tcp_stream").is_some_and(|s| self.tcp.contains(&(s as u32)));
        match section {
            "grpc" => keep_list(v, "calls", &by_stream),
            "sse" => keep_list(v, "streams", &by_stream),
            "websocket" => keep_list(v, "connections", &by_stream),
            "http_timing" => keep_list(v, "requests", &|r| {
                ["request_frame", "response_frame"]
                    .iter()
                    .any(|k| num(r, k).is_some_and(|n| self.frame(n)))
            }),
            "dns" => {
                keep_list(v, "transactions", &|t| {
                    ["query_frame", "response_frame"]
                        .iter()
                        .any(|k| num(t, k).is_some_and(|n| self.frame(n)))
                });
                recount_dns(v);
            }
            "tls" => {
                keep_list(v, "sessions", &by_stream);
                let n = v
                    .get("sessions")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                v["handshakes"] = n.into();
            }
            "quic" => {
                keep_list(v, "per_connection", &|c| {
                    num(c, "first_frame").is_some_and(|n| self.frame(n))
                });
                let n = v
                    .get("per_connection")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                v["connections"] = n.into();
            }
            "http2" => {
                keep_list(v, "per_connection", &by_stream);
                let mut totals: BTreeMap<String, u64> = BTreeMap::new();
                let conns = v.get("per_connection").and_then(Value::as_array);
                for c in conns.into_iter().flatten() {
                    if let Some(Value::Object(t)) = c.get("frame_types") {
                        for (k, n) in t {
                            *totals.entry(k.clone()).or_default() += n.as_u64().unwrap_or(0);
                        }
                    }
                }
                let n = conns.map_or(0, Vec::len);
                v["connections"] = n.into();
                v["frame_type_totals"] = serde_json::to_value(totals).unwrap_or_default();
            }
            "http" => {
                keep_list(v, "messages", &|m| {
                    num(m, "frame").is_some_and(|n| self.frame(n))
                });
                let msgs = v.get("messages").and_then(Value::as_array);
                let kind = |k: &str| {
                    msgs.into_iter()
                        .flatten()
                        .filter(|m| m.get("kind").and_then(Value::as_str) == Some(k))
                        .count()
                };
                let (req, resp) = (kind("request"), kind("response"));
                let mut status: BTreeMap<String, u64> = BTreeMap::new();
                for m in msgs.into_iter().flatten() {
                    if let Some(c) = m.get("status").and_then(Value::as_u64) {
                        *status.entry(c.to_string()).or_default() += 1;
                    }
                }
                v["requests"] = req.into();
                v["responses"] = resp.into();
                v["status_counts"] = serde_json::to_value(status).unwrap_or_default();
            }
            _ => {}
        }
        v["display_filter"] = self.filter.clone().into();
        v["matching_packets"] = self.count.into();
    }
}

/// The DNS totals from the transactions kept: each has its query, its
/// response, or both.
fn recount_dns(v: &mut Value) {
    let list = v
        .get("transactions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut totals = Counts::default();
    let mut per_proto: BTreeMap<String, Counts> = BTreeMap::new();
    for t in &list {
        let proto = t.get("protocol").and_then(Value::as_str).unwrap_or("dns");
        let c = per_proto.entry(proto.to_string()).or_default();
        for c in [&mut totals, c] {
            if t.get("query_frame").is_some_and(|f| !f.is_null()) {
                c.queries += 1;
            }
            if t.get("response_frame").is_some_and(|f| !f.is_null()) {
                c.responses += 1;
                let rc = t.get("rcode").and_then(Value::as_str).unwrap_or("?");
                *c.rcodes.entry(rc.to_string()).or_default() += 1;
            }
        }
    }
    totals.write(v);
    let mut protos = serde_json::Map::new();
    for (p, c) in per_proto {
        let mut o = Value::Object(serde_json::Map::new());
        c.write(&mut o);
        protos.insert(p, o);
    }
    v["protocols"] = Value::Object(protos);
}

#[derive(Default)]
struct Counts {
    queries: u64,
    responses: u64,
    rcodes: BTreeMap<String, u64>,
}

impl Counts {
    fn write(&self, v: &mut Value) {
        v["messages"] = (self.queries + self.responses).into();
        v["queries"] = self.queries.into();
        v["responses"] = self.responses.into();
        v["rcodes"] = serde_json::to_value(&self.rcodes).unwrap_or_default();
    }
}
