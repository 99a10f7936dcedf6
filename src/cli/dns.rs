//! `wirelens dns`: DNS transactions (query, response, answers, time).

use std::collections::BTreeMap;
use std::io::Write;

use dissectors::collect::{Collected, FieldCollector};
use serde_json::{Value, json};

use super::{AppArgs, CliError};
use crate::report::scan::{FrameView, as_bool, as_secs, as_str, as_u64, scan};

/// Response codes by their mnemonic (RFC 1035, 2136, 6891).
pub fn rcode_name(rc: u64) -> String {
    match rc {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => return rc.to_string(),
    }
    .to_string()
}

/// One resource record as the summary shows it.
fn record(fields: &[&Collected]) -> Value {
    let get = |n: &str| fields.iter().find(|c| c.def.name == n).map(|c| &c.value);
    let all = |n: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|c| c.def.name == n)
            .filter_map(|c| as_str(Some(&c.value)))
            .collect()
    };
    let t = as_u64(get("dns.resp.type")).unwrap_or(0);
    // An SRV record's owner name is shown in its parts, as tshark does.
    let name = as_str(get("dns.resp.name")).or_else(|| {
        let parts = ["dns.srv.service", "dns.srv.proto", "dns.srv.name"];
        let parts: Vec<String> = parts.iter().filter_map(|p| as_str(get(p))).collect();
        (!parts.is_empty()).then(|| parts.join("."))
    });
    let type_name = dissectors::dns::type_name(t as u16);
    if t == 41 {
        return json!({
            "name": name,
            "type": "OPT",
            "type_code": t,
            "udp_payload_size": as_u64(get("dns.rr.udp_payload_size")),
            "do": as_bool(get("dns.resp.z.do")),
        });
    }
    let data = match t {
        1 => json!(as_str(get("dns.a"))),
        28 => json!(as_str(get("dns.aaaa"))),
        5 => json!(as_str(get("dns.cname"))),
        2 => json!(as_str(get("dns.ns"))),
        12 => json!(as_str(get("dns.ptr.domain_name"))),
        6 => json!(as_str(get("dns.soa.mname"))),
        16 => json!(all("dns.txt")),
        15 => json!(format!(
            "{} {}",
            as_u64(get("dns.mx.preference")).unwrap_or(0),
            as_str(get("dns.mx.mail_exchange")).unwrap_or_default()
        )),
        33 => json!(format!(
            "{} {} {} {}",
            as_u64(get("dns.srv.priority")).unwrap_or(0),
            as_u64(get("dns.srv.weight")).unwrap_or(0),
            as_u64(get("dns.srv.port")).unwrap_or(0),
            as_str(get("dns.srv.target")).unwrap_or_default()
        )),
        _ => Value::Null,
    };
    json!({
        "name": name,
        "type": type_name,
        "type_code": t,
        "ttl": as_u64(get("dns.resp.ttl")),
        "data": data,
    })
}

/// One DNS message of a frame.
struct Message {
    /// `dns`, `mdns` or `llmnr`.
    protocol: &'static str,
    frame: u32,
    transport: &'static str,
    server: Option<String>,
    id: u64,
    response: bool,
    truncated: bool,
    authoritative: bool,
    rcode: u64,
    question: Option<(String, u64)>,
    answers: Vec<Value>,
    answer_count: u64,
    opt: Option<Value>,
    response_to: Option<u64>,
    time: Option<f64>,
    /// A query (or response) sent again: the same ID and question.
    retransmission: bool,
}

/// Splits a frame's fields into its DNS messages.
fn messages(v: &FrameView<'_>, out: &mut Vec<Message>) {
    let f: &FieldCollector = v.fields;
    let starts: Vec<usize> = f
        .fields
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.def.name, "dns" | "mdns" | "llmnr"))
        .map(|(i, _)| i)
        .collect();
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(f.fields.len());
        let fields: Vec<&Collected> = f.fields[s..end].iter().collect();
        let get = |n: &str| fields.iter().find(|c| c.def.name == n).map(|c| &c.value);
        let Some(id) = as_u64(get("dns.id")) else {
            continue;
        };
        let response = as_bool(get("dns.flags.response"));
        let question =
            as_str(get("dns.qry.name")).map(|n| (n, as_u64(get("dns.qry.type")).unwrap_or(0)));
        // Records: each starts at its name (an SRV record's at its
        // service); the counts say which section.
        let mut rrs: Vec<Vec<&Collected>> = Vec::new();
        for c in &fields {
            if matches!(c.def.name, "dns.resp.name" | "dns.srv.service") {
                rrs.push(Vec::new());
            }
            if let Some(last) = rrs.last_mut() {
                last.push(c);
            }
        }
        let n_an = as_u64(get("dns.count.answers")).unwrap_or(0) as usize;
        let n_ns = as_u64(get("dns.count.auth_rr")).unwrap_or(0) as usize;
        let records: Vec<Value> = rrs.iter().map(|r| record(r)).collect();
        let answers = records.iter().take(n_an).cloned().collect();
        let opt = records
            .iter()
            .skip(n_an + n_ns)
            .find(|r| r["type"] == "OPT")
            .cloned();
        let server = if response {
            v.ip.map(|ip| ip.0.to_string())
        } else {
            v.ip.map(|ip| ip.1.to_string())
        };
        out.push(Message {
            protocol: fields[0].def.name,
            frame: v.number,
            // DNS over HTTPS: a message carried in HTTP (over TLS, or h2c).
            transport: if v
                .fields
                .layers
                .iter()
                .any(|l| *l == "http2" || *l == "http")
            {
                "doh"
            } else if v.tcp.is_some() {
                "tcp"
            } else {
                "udp"
            },
            server,
            id,
            response,
            truncated: as_bool(get("dns.flags.truncated")),
            authoritative: as_bool(get("dns.flags.authoritative")),
            rcode: as_u64(get("dns.flags.rcode")).unwrap_or(0),
            question,
            answers,
            answer_count: n_an as u64,
            opt,
            response_to: as_u64(get("dns.response_to")),
            time: as_secs(get("dns.time")),
            retransmission: as_bool(get("dns.retransmission")),
        });
    }
}

/// The summary of a capture's DNS: counts and every transaction.
pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let mut msgs = Vec::new();
    let notes = scan(file, &["dns", "mdns", "llmnr"], |v| messages(v, &mut msgs));
    let mut by_query: BTreeMap<u64, &Message> = BTreeMap::new();
    for m in msgs.iter().filter(|m| m.response) {
        if let Some(q) = m.response_to {
            by_query.entry(q).or_insert(m);
        }
    }
    let counts = |protocol: Option<&str>| {
        let of = |m: &&Message| protocol.is_none_or(|p| m.protocol == p);
        let mut rcodes: BTreeMap<String, u64> = BTreeMap::new();
        for m in msgs.iter().filter(of).filter(|m| m.response) {
            *rcodes.entry(rcode_name(m.rcode)).or_default() += 1;
        }
        json!({
            "messages": msgs.iter().filter(of).count(),
            "queries": msgs.iter().filter(of).filter(|m| !m.response).count(),
            "responses": msgs.iter().filter(of).filter(|m| m.response).count(),
            "rcodes": rcodes,
        })
    };
    let mut protocols = serde_json::Map::new();
    for p in ["dns", "mdns", "llmnr"] {
        if msgs.iter().any(|m| m.protocol == p) {
            protocols.insert(p.into(), counts(Some(p)));
        }
    }
    let transactions: Vec<Value> = msgs
        .iter()
        .filter(|m| !m.response)
        .map(|q| {
            let r = by_query.get(&u64::from(q.frame));
            let (name, t) = q.question.clone().unzip();
            json!({
                "protocol": q.protocol,
                "query_frame": q.frame,
                "transport": q.transport,
                "server": q.server,
                "id": q.id,
                "name": name,
                "type": t.map(|t| dissectors::dns::type_name(t as u16)),
                "type_code": t,
                "edns": q.opt.is_some(),
                "edns_udp_payload_size": q.opt.as_ref().map(|o| o["udp_payload_size"].clone()),
                "do": q.opt.as_ref().is_some_and(|o| o["do"] == true),
                "response_frame": r.map(|r| r.frame),
                "rcode": r.map(|r| rcode_name(r.rcode)),
                "truncated": r.map(|r| r.truncated),
                "authoritative": r.map(|r| r.authoritative),
                "answers": r.map(|r| r.answers.clone()),
                "answer_count": r.map(|r| r.answer_count),
                "response_time": r.and_then(|r| r.time),
                "unanswered": r.is_none(),
                "retransmission": q.retransmission,
            })
        })
        .collect();
    let mut v = counts(None);
    v["protocols"] = Value::Object(protocols);
    v["transactions"] = Value::Array(transactions);
    (v, notes)
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "dns", out, summary, text)
}

/// The summary as text, a line per item.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    for t in v["transactions"].as_array().into_iter().flatten() {
        let answers: Vec<String> = t["answers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| format!("{} {}", a["type"].as_str().unwrap_or(""), a["data"]))
            .collect();
        writeln!(
            out,
            "{:>7} {:<5} 0x{:04x} {} {}{} -> {} {} {}",
            t["query_frame"].as_u64().unwrap_or(0),
            t["protocol"].as_str().unwrap_or(""),
            t["id"].as_u64().unwrap_or(0),
            t["type"].as_str().unwrap_or("?"),
            t["name"].as_str().unwrap_or("?"),
            if t["retransmission"] == true {
                " (retransmission)"
            } else {
                ""
            },
            t["rcode"].as_str().unwrap_or("(no response)"),
            t["response_time"]
                .as_f64()
                .map_or(String::new(), |s| format!("{s:.6}s")),
            answers.join(", ")
        )?;
    }
    Ok(())
}
