//! `wirelens http`: HTTP/1.x requests and responses, each response with the
//! request it answers.

use std::collections::BTreeMap;
use std::io::Write;

use dissectors::collect::Collected;
use dissectors::field::OwnedValue;
use serde_json::{Value, json};

use super::{AppArgs, CliError};
use crate::report::scan::{FrameView, as_secs, as_str, as_u64, scan};

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

#[derive(Debug, clap::Args)]
pub struct HttpArgs {
    #[command(flatten)]
    pub app: AppArgs,
    /// Every request (HTTP/1.x and HTTP/2) with where its time went, as
    /// `curl -w` names it: time_namelookup, time_connect, time_appconnect,
    /// time_pretransfer, time_starttransfer, time_total (seconds from the
    /// lookup or the SYN, each including the ones before).
    #[arg(long)]
    pub timing: bool,
}

pub fn run(a: &HttpArgs, out: &mut impl Write) -> Result<(), CliError> {
    if a.timing {
        return super::run_summary(&a.app, "http_timing", out, timing_summary, timing_text);
    }
    super::run_summary(&a.app, "http", out, summary, text)
}

fn timing_summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let (exchanges, notes) = crate::report::http_timing::exchanges(file);
    let requests: Vec<Value> = exchanges.iter().filter_map(timing_row).collect();
    (json!({ "requests": requests }), notes)
}

/// `http --timing`'s rows, each with its start in nanoseconds
/// (`start_ns`) for the dataset's time column.
pub(super) fn timing_rows(
    file: &std::sync::Arc<crate::capture::CaptureFile>,
) -> (Vec<Value>, crate::capture::ReadNotes) {
    let (exchanges, notes) = crate::report::http_timing::exchanges(file);
    let rows = exchanges
        .iter()
        .filter_map(|e| {
            let mut row = timing_row(e)?;
            row["start_ns"] = json!(e.phases()?.start_ns);
            Some(row)
        })
        .collect();
    (rows, notes)
}

/// One request's row: what it was, and curl's figures and the phases.
fn timing_row(e: &crate::report::http_timing::Exchange) -> Option<Value> {
    let (request, p, c) = (e.request?, e.phases()?, e.curl_times()?);
    let ms = |ns: Option<i64>| ns.map(|n| n as f64 / 1e6);
    Some(json!({
        "tcp_stream": e.tcp_stream,
        "stream_id": e.stream_id,
        "request_frame": request.first_frame,
        "request_end_frame": request.last_frame,
        "response_frame": e.response.map(|r| r.last_frame),
        "method": e.method,
        "url": e.url(),
        "http_version": e.http_version,
        "answered_over_h2c": e.answered_over_h2c,
        "status": e.status,
        "reused": e.reused,
        "start": super::secs(p.start_ns),
        "time_namelookup": c.namelookup,
        "time_connect": c.connect,
        "time_appconnect": c.appconnect,
        "time_pretransfer": c.pretransfer,
        "time_starttransfer": c.starttransfer,
        "time_total": c.total,
        "phases_ms": {
            "blocked": ms(Some(p.blocked)),
            "dns": ms(p.dns),
            "connect": ms(p.connect),
            "ssl": ms(p.ssl),
            "send": ms(Some(p.send)),
            "wait": ms(p.wait),
            "receive": ms(p.receive),
        },
        "tls_round_trips": e.setup.as_ref().and_then(|s| s.tls).map(|t| t.round_trips),
    }))
}

/// curl's figures, a line per request.
fn timing_text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>6} {:>6} {:<7} {:<6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  url",
        "frame",
        "stream",
        "method",
        "status",
        "namelookup",
        "connect",
        "appconnect",
        "pretransfer",
        "starttrans",
        "total"
    )?;
    for r in v["requests"].as_array().into_iter().flatten() {
        let t = |k: &str| format!("{:.6}", r[k].as_f64().unwrap_or(0.0));
        writeln!(
            out,
            "{:>6} {:>6} {:<7} {:<6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  {}{}",
            r["request_frame"].as_u64().unwrap_or(0),
            r["tcp_stream"].as_u64().unwrap_or(0),
            r["method"].as_str().unwrap_or(""),
            r["status"].as_u64().map_or("-".into(), |s| s.to_string()),
            t("time_namelookup"),
            t("time_connect"),
            t("time_appconnect"),
            t("time_pretransfer"),
            t("time_starttransfer"),
            t("time_total"),
            r["url"].as_str().unwrap_or(""),
            if r["reused"] == true { " (reused)" } else { "" },
        )?;
    }
    Ok(())
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
