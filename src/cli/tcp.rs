//! `wirelens tcp`: per connection, what happened (handshake, options, end,
//! analysis counts, RTTs), or one connection's time series for the charts.

use std::io::Write;

use dissectors::tcp_analysis::{Flag, TcpStreamAnalyzer};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{CliError, JsonArray, SeriesArg, TcpArgs, TextOrCsvOrJson, open, secs, warn_read};
use crate::pipeline::{LoadOptions, load_file};
use crate::store::Snapshot;
use crate::store::tcp::TcpRecord;
use crate::store::tcp_series;
use dissectors::conversation::endpoint_text as endpoint;

pub fn run(a: &TcpArgs, out: &mut impl Write) -> Result<(), CliError> {
    let filter = super::display_filter(a.filter.as_deref())?;
    let file = open(&a.file)?;
    let matched = filter
        .as_ref()
        .map(|f| super::matched::Matched::find(&file, f).0);
    // TCP alone: no application protocol is analysed.
    let options = LoadOptions {
        analyze_apps: false,
        ..LoadOptions::batch(true)
    };
    let snap = load_file(file, options).wait();
    if let Some(series) = a.series {
        let stream = a
            .stream
            .ok_or_else(|| CliError("--series needs --stream N".into()))?;
        if stream as usize >= snap.tcp.len() || !snap.tcp[stream as usize].counted {
            return Err(CliError(format!(
                "no TCP stream {stream} in {}",
                a.file.display()
            )));
        }
        series_out(
            &snap,
            stream,
            series,
            a.interval,
            a.format.unwrap_or(TextOrCsvOrJson::Csv),
            out,
        )?;
    } else {
        let streams: Vec<u32> = match a.stream {
            Some(s) if (s as usize) < snap.tcp.len() && snap.tcp[s as usize].counted => vec![s],
            Some(s) => {
                return Err(CliError(format!(
                    "no TCP stream {s} in {}",
                    a.file.display()
                )));
            }
            None => snap
                .tcp
                .iter()
                .filter(|c| c.counted && matched.as_ref().is_none_or(|m| m.tcp.contains(&c.stream)))
                .map(|c| c.stream)
                .collect(),
        };
        let rtts = rtt_samples(&snap);
        match a.format.unwrap_or(TextOrCsvOrJson::Text) {
            TextOrCsvOrJson::Json => {
                let mut j = JsonArray::start(out)?;
                for s in streams {
                    j.item(out, &summary(&snap, s, rtts.get(&s)))?;
                }
                j.end(out)?;
            }
            _ => {
                for s in streams {
                    text_summary(&summary(&snap, s, rtts.get(&s)), out)?;
                }
            }
        }
    }
    warn_read(&a.file, &snap.notes);
    Ok(())
}

pub(super) fn rtt_samples(snap: &Snapshot) -> std::collections::HashMap<u32, Vec<i64>> {
    let mut m: std::collections::HashMap<u32, Vec<i64>> = std::collections::HashMap::new();
    for r in snap.tcp_records.iter() {
        if r.rtt_ns >= 0 {
            m.entry(r.stream).or_default().push(r.rtt_ns);
        }
    }
    m
}

fn options(an: &TcpStreamAnalyzer, d: usize) -> Value {
    let f = &an.dir[d];
    json!({
        "mss": f.mss,
        "window_scale": if f.win_scale >= 0 { Some(f.win_scale) } else { None },
        "sack_permitted": f.sack_perm,
        "timestamps": f.timestamps,
    })
}

/// The per-connection summary (`wirelens tcp` without --series).
pub fn summary(snap: &Snapshot, stream: u32, rtts: Option<&Vec<i64>>) -> Value {
    let c = &snap.tcp[stream as usize];
    let an = &snap.tcp_analysis[stream as usize];
    let mut analysis = Map::new();
    for f in Flag::ALL {
        analysis.insert(f.name().into(), json!(an.count(f)));
    }
    let ack_rtt = rtts.filter(|r| !r.is_empty()).map(|r| {
        let mut v = r.clone();
        v.sort_unstable();
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 };
        json!({"count": n, "min": v[0] as f64 / 1e9, "median": median / 1e9, "max": v[n - 1] as f64 / 1e9})
    });
    let scaling = match (an.dir[0].win_scale, an.dir[1].win_scale) {
        (-1, _) | (_, -1) => "unknown",
        (-2, _) | (_, -2) => "not used",
        _ => "used",
    };
    json!({
        "stream": stream,
        "a": endpoint(&c.a),
        "b": endpoint(&c.b),
        "frames_a_to_b": c.stats[0].frames,
        "frames_b_to_a": c.stats[1].frames,
        "payload_a_to_b": c.stats[0].payload,
        "payload_b_to_a": c.stats[1].payload,
        "handshake": {
            "syn": an.syn_seen,
            "syn_ack": an.synack_seen,
            "ack": an.handshake_ack_seen,
            "simultaneous_open": an.simultaneous_open,
        },
        "options": {"a": options(an, 0), "b": options(an, 1)},
        "window_scaling": scaling,
        "end_state": an.end_state().name(),
        "fin_a": an.dir[0].fin,
        "fin_b": an.dir[1].fin,
        "rst_a": an.dir[0].rst,
        "rst_b": an.dir[1].rst,
        "analysis": analysis,
        "initial_rtt": an.shown_initial_rtt_ns.map(|ns| ns as f64 / 1e9),
        "ack_rtt": ack_rtt,
    })
}

fn text_summary(v: &Value, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "stream {}: {} <-> {}  ({})",
        v["stream"],
        v["a"].as_str().unwrap_or(""),
        v["b"].as_str().unwrap_or(""),
        v["end_state"].as_str().unwrap_or("")
    )?;
    let h = &v["handshake"];
    writeln!(
        out,
        "  handshake: SYN {} SYN/ACK {} ACK {}{}",
        yes(&h["syn"]),
        yes(&h["syn_ack"]),
        yes(&h["ack"]),
        if h["simultaneous_open"].as_bool() == Some(true) {
            " (simultaneous open)"
        } else {
            ""
        }
    )?;
    for side in ["a", "b"] {
        let o = &v["options"][side];
        writeln!(
            out,
            "  options {side}: mss={} ws={} sack_perm={} timestamps={}",
            o["mss"], o["window_scale"], o["sack_permitted"], o["timestamps"]
        )?;
    }
    let flags: Vec<String> = v["analysis"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, n)| n.as_u64() != Some(0))
                .map(|(k, n)| format!("{k}={n}"))
                .collect()
        })
        .unwrap_or_default();
    writeln!(
        out,
        "  analysis: {}",
        if flags.is_empty() {
            "-".to_string()
        } else {
            flags.join(" ")
        }
    )?;
    writeln!(
        out,
        "  initial_rtt: {}  ack_rtt: {}",
        v["initial_rtt"], v["ack_rtt"]
    )
}

/// A CSV cell, quoted when it holds a comma or quote (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn yes(v: &Value) -> &'static str {
    if v.as_bool() == Some(true) {
        "yes"
    } else {
        "no"
    }
}

#[derive(Serialize)]
struct SeqRow {
    time: f64,
    frame: u32,
    dir: &'static str,
    seq: u32,
    len: u32,
    ack: u32,
    win: u32,
    flags: String,
    analysis: Vec<&'static str>,
    sack: Vec<(u32, u32)>,
}

fn dir_name(d: u8) -> &'static str {
    if d == 0 { "a" } else { "b" }
}

fn series_out(
    snap: &Snapshot,
    stream: u32,
    series: SeriesArg,
    interval: f64,
    format: TextOrCsvOrJson,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let start = snap.index.row(0).map_or(0, |r| r.ts_ns);
    let recs = tcp_series::stream_records(snap, stream);
    let t = |r: &TcpRecord| secs(r.ts_ns.saturating_sub(start));
    let points = |ps: Vec<tcp_series::Point>, key: &str, int: bool| -> Vec<Value> {
        ps.into_iter()
            .map(|p| {
                let v = if int {
                    json!(p.value as u64)
                } else {
                    json!(p.value)
                };
                let mut o = Map::new();
                o.insert("time".into(), json!(p.time));
                o.insert("frame".into(), json!(p.frame));
                o.insert("dir".into(), json!(dir_name(p.dir)));
                o.insert(key.into(), v);
                Value::Object(o)
            })
            .collect()
    };
    let rows: Vec<Value> = match series {
        SeriesArg::Rtt => points(tcp_series::rtt(&recs, start), "rtt", false),
        SeriesArg::Window => points(tcp_series::window(&recs, start), "window", true),
        SeriesArg::Inflight => points(tcp_series::in_flight(&recs, start), "bytes_in_flight", true),
        SeriesArg::Throughput => {
            if interval <= 0.0 || !interval.is_finite() {
                return Err(CliError(
                    "--interval must be a positive number of seconds".into(),
                ));
            }
            tcp_series::throughput(&recs, start, (interval * 1e9) as i64)
                .into_iter()
                .map(|(time, d, bytes)| {
                    json!({
                        "time": time,
                        "dir": dir_name(d),
                        "bytes": bytes,
                        "bits_per_second": bytes as f64 * 8.0 / interval,
                    })
                })
                .collect()
        }
        SeriesArg::Seq => recs
            .iter()
            .map(|r| {
                let mut flags = String::new();
                dissectors::tcp::flag_names(r.tcp_flags, &mut flags);
                let sack = snap
                    .tcp_sacks
                    .get(r.sack as usize)
                    .filter(|_| r.sack != TcpRecord::NONE)
                    .map(|(b, n)| b[..*n as usize].to_vec())
                    .unwrap_or_default();
                serde_json::to_value(SeqRow {
                    time: t(r),
                    frame: r.frame,
                    dir: dir_name(r.dir),
                    seq: r.seq,
                    len: r.len,
                    ack: r.ack,
                    win: r.win,
                    flags,
                    analysis: Flag::ALL
                        .iter()
                        .filter(|f| r.has(**f))
                        .map(|f| f.name())
                        .collect(),
                    sack,
                })
                .unwrap_or(Value::Null)
            })
            .collect(),
    };
    match format {
        TextOrCsvOrJson::Json => {
            let mut j = JsonArray::start(out)?;
            for r in &rows {
                j.item(out, r)?;
            }
            j.end(out)?;
        }
        _ => {
            let Some(first) = rows.first().and_then(|r| r.as_object()) else {
                return Ok(());
            };
            let keys: Vec<&String> = first.keys().collect();
            writeln!(
                out,
                "{}",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )?;
            for r in &rows {
                let cells: Vec<String> = keys
                    .iter()
                    .map(|k| match &r[k.as_str()] {
                        Value::String(s) => csv_field(s),
                        Value::Number(n) if n.is_f64() => {
                            format!("{:.9}", n.as_f64().unwrap_or(0.0))
                        }
                        Value::Array(a) => a
                            .iter()
                            .map(|x| match x {
                                Value::Array(p) => format!("{}-{}", p[0], p[1]),
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(" "),
                        other => other.to_string(),
                    })
                    .collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
    }
    Ok(())
}
