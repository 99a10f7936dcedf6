//! `wirelens http`: HTTP/1.x requests and responses, each response with the
//! request it answers.

use std::collections::BTreeMap;
use std::io::Write;

use dissectors::collect::Collected;
use dissectors::field::OwnedValue;
use serde_json::{Value, json};

use super::scan::{FrameView, as_secs, as_str, as_u64, scan};
use super::{AppArgs, CliError};

fn messages(v: &FrameView<'_>, out: &mut Vec<Value>) {
    let f = &v.fields.fields;
    let starts: Vec<usize> = f
        .iter()
        .enumerate()
        .filter(|(_, c)| c.def.name == "http" || c.def.name == "ssdp")
        .map(|(i, _)| i)
        .collect();
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(f.len());
        let fields: Vec<&Collected> = f[s..end].iter().collect();
        let get = |n: &str| -> Option<&OwnedValue> {
            fields.iter().find(|c| c.def.name == n).map(|c| &c.value)
        };
        // As Wireshark: a NOTIFY is neither a request nor a response.
        let mut e = if get("http.request").is_some() {
            json!({
                "frame": v.number,
                "tcp_stream": v.tcp.map(|t| t.0),
                "kind": "request",
                "method": as_str(get("http.request.method")),
                "uri": as_str(get("http.request.uri")),
                "version": as_str(get("http.request.version")),
                "host": as_str(get("http.host")),
            })
        } else if get("http.response").is_some() {
            json!({
                "frame": v.number,
                "tcp_stream": v.tcp.map(|t| t.0),
                "kind": "response",
                "status": as_u64(get("http.response.code")),
                "version": as_str(get("http.response.version")),
                "phrase": as_str(get("http.response.phrase")),
                "request_frame": as_u64(get("http.request_in")),
                "time": as_secs(get("http.time")),
            })
        } else {
            continue;
        };
        let o = e.as_object_mut().expect("object");
        if let Some(n) =
            as_str(get("http.content_length_header")).and_then(|s| s.trim().parse::<u64>().ok())
        {
            o.insert("content_length".into(), json!(n));
        }
        for (key, field) in [
            ("transfer_encoding", "http.transfer_encoding"),
            ("content_encoding", "http.content_encoding"),
            ("upgrade", "http.upgrade"),
        ] {
            if let Some(s) = as_str(get(field)) {
                o.insert(key.into(), json!(s));
            }
        }
        if let Some(n) = as_u64(get("http.body_length")) {
            o.insert("body_length".into(), json!(n));
        }
        out.push(e);
    }
}

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let mut items = Vec::new();
    let notes = scan(file, &["http", "ssdp"], |v| {
        if v.fields.layers.iter().any(|l| *l == "http" || *l == "ssdp") {
            messages(v, &mut items)
        }
    });
    let mut status: BTreeMap<String, u64> = BTreeMap::new();
    for i in items.iter().filter(|i| i["kind"] == "response") {
        *status.entry(i["status"].to_string()).or_default() += 1;
    }
    let v = json!({
        "requests": items.iter().filter(|i| i["kind"] == "request").count(),
        "responses": items.iter().filter(|i| i["kind"] == "response").count(),
        "status_counts": status,
        "messages": items,
    });
    (v, notes)
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "http", out, summary, text)
}

/// The summary as text, a line per item.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    for m in v["messages"].as_array().into_iter().flatten() {
        if m["kind"] == "request" {
            writeln!(
                out,
                "{:>7} stream {} {} {} {}",
                m["frame"].as_u64().unwrap_or(0),
                m["tcp_stream"],
                m["method"].as_str().unwrap_or(""),
                m["host"].as_str().unwrap_or(""),
                m["uri"].as_str().unwrap_or("")
            )?;
        } else {
            writeln!(
                out,
                "{:>7} stream {} {} {} (request in {}, {})",
                m["frame"].as_u64().unwrap_or(0),
                m["tcp_stream"],
                m["status"],
                m["phrase"].as_str().unwrap_or(""),
                m["request_frame"],
                m["time"]
                    .as_f64()
                    .map_or("-".into(), |t| format!("{t:.6}s"))
            )?;
        }
    }
    Ok(())
}
