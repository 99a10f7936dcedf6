//! `wirelens http2`: per HTTP/2 connection, frame counts, settings, HPACK
//! representations and, per stream, what it asked for and carried.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Map, Value, json};

use super::{AppArgs, CliError};
use crate::report::http2_frames::frames;
use crate::report::scan::{FrameView, scan};

#[derive(Default)]
struct Stream {
    id: u64,
    method: Option<String>,
    path: Option<String>,
    authority: Option<String>,
    scheme: Option<String>,
    status: Option<u64>,
    request_headers: Option<usize>,
    response_headers: Option<usize>,
    data: [(u64, u64); 2],
    end_stream: [bool; 2],
    rst: Option<Value>,
    counts: BTreeMap<String, u64>,
}

#[derive(Default)]
struct Connection {
    tcp_stream: u32,
    first_frame: u32,
    client: Option<String>,
    types: BTreeMap<String, u64>,
    magic: u64,
    by_dir: BTreeMap<String, u64>,
    settings: [Vec<Value>; 2],
    reprs: [BTreeMap<String, u64>; 2],
    streams: BTreeMap<u64, Stream>,
    order: Vec<u64>,
    goaway: Vec<Value>,
    window: [u64; 2],
}

fn type_name(t: u64) -> String {
    dissectors::field::lookup(dissectors::http2::FRAME_TYPES, t)
        .map(str::to_string)
        .unwrap_or_else(|| t.to_string())
}

fn frame(v: &FrameView<'_>, conns: &mut BTreeMap<u32, Connection>) {
    let Some((tcp_stream, dir)) = v.tcp else {
        return;
    };
    if !v.fields.layers.contains(&"http2") {
        return;
    }
    let (magic, list) = frames(v);
    let c = conns.entry(tcp_stream).or_insert_with(|| Connection {
        tcp_stream,
        first_frame: v.number,
        ..Default::default()
    });
    // The client opened the connection: side A of the TCP conversation.
    let from_client = dir == 0;
    if c.client.is_none() {
        c.client = if from_client {
            v.src_endpoint()
        } else {
            v.dst_endpoint()
        };
    }
    let d = usize::from(!from_client);
    let tag = if from_client { "C" } else { "S" };
    c.magic += magic;
    for f in list {
        let tname = type_name(f.kind);
        *c.types.entry(tname.clone()).or_default() += 1;
        *c.by_dir.entry(format!("{tag}:{tname}")).or_default() += 1;
        if f.kind == 4 && !f.settings.is_empty() {
            let m: Map<String, Value> = f
                .settings
                .iter()
                .filter(|(k, _)| k != "unknown")
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            c.settings[d].push(Value::Object(m));
        }
        if let Some(e) = f.goaway_error {
            c.goaway.push(json!({"from": tag, "error": e}));
        }
        if let Some(i) = f.window_increment {
            c.window[d] += i;
        }
        // Header blocks of HEADERS and CONTINUATION (a PUSH_PROMISE's
        // block is the promised request's).
        for (_, _, r) in f.headers.iter().filter(|_| matches!(f.kind, 1 | 9)) {
            if !r.is_empty() {
                *c.reprs[d].entry(r.clone()).or_default() += 1;
            }
        }
        if f.stream == 0 {
            continue;
        }
        if !c.streams.contains_key(&f.stream) {
            c.order.push(f.stream);
        }
        let s = c.streams.entry(f.stream).or_insert_with(|| Stream {
            id: f.stream,
            ..Default::default()
        });
        *s.counts.entry(format!("{tag}:{tname}")).or_default() += 1;
        if f.end_stream {
            s.end_stream[d] = true;
        }
        match f.kind {
            0 => {
                s.data[d].0 += f.length;
                s.data[d].1 += 1;
            }
            1 | 9 => {
                let get = |n: &str| f.headers.iter().find(|h| h.0 == n).map(|h| h.1.clone());
                if from_client {
                    s.method = get(":method").or(s.method.take());
                    s.path = get(":path").or(s.path.take());
                    s.authority = get(":authority").or(s.authority.take());
                    s.scheme = get(":scheme").or(s.scheme.take());
                    if !f.headers.is_empty() {
                        s.request_headers = Some(f.headers.len());
                    }
                } else {
                    if let Some(st) = get(":status").and_then(|x| x.parse().ok()) {
                        s.status = Some(st);
                    }
                    if !f.headers.is_empty() {
                        s.response_headers = Some(f.headers.len());
                    }
                }
            }
            3 => s.rst = Some(json!({"from": tag, "error": f.rst_error})),
            _ => {}
        }
    }
}

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let mut conns: BTreeMap<u32, Connection> = BTreeMap::new();
    let notes = scan(file, &["http2"], |v| frame(v, &mut conns));
    let mut list: Vec<&Connection> = conns.values().collect();
    list.sort_by_key(|c| c.first_frame);
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let out: Vec<Value> = list
        .iter()
        .map(|c| {
            for (k, n) in &c.types {
                *totals.entry(k.clone()).or_default() += n;
            }
            let streams: Vec<Value> = c
                .order
                .iter()
                .filter_map(|id| c.streams.get(id))
                .map(|s| {
                    json!({
                        "stream_id": s.id,
                        "method": s.method,
                        "path": s.path,
                        "authority": s.authority,
                        "scheme": s.scheme,
                        "status": s.status,
                        "request_headers": s.request_headers,
                        "response_headers": s.response_headers,
                        "data_bytes_client": s.data[0].0,
                        "data_bytes_server": s.data[1].0,
                        "data_frames_client": s.data[0].1,
                        "data_frames_server": s.data[1].1,
                        "end_stream_client": s.end_stream[0],
                        "end_stream_server": s.end_stream[1],
                        "rst_stream": s.rst,
                        "frame_counts": s.counts,
                        // h2c: stream 1 is the HTTP/1.1 request that asked for the upgrade.
                        "request_via_http1_upgrade": s.id == 1 && s.method.is_none() && s.status.is_some(),
                    })
                })
                .collect();
            json!({
                "tcp_stream": c.tcp_stream,
                "client": c.client,
                "frame_types": c.types,
                "magic": c.magic,
                "frames_by_direction": c.by_dir,
                "settings": {"C": c.settings[0], "S": c.settings[1]},
                "hpack_representations": {"C": c.reprs[0], "S": c.reprs[1]},
                "streams": streams,
                "goaway": c.goaway,
                "window_update_total_increment": {"C": c.window[0], "S": c.window[1]},
            })
        })
        .collect();
    let v = json!({"connections": out.len(), "frame_type_totals": totals, "per_connection": out});
    (v, notes)
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "http2", out, summary, text)
}

/// The summary as text, a line per item.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    for c in v["per_connection"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "tcp stream {} client {} frames {}",
            c["tcp_stream"],
            c["client"].as_str().unwrap_or("?"),
            c["frame_types"]
        )?;
        for s in c["streams"].as_array().into_iter().flatten() {
            writeln!(
                out,
                "  stream {:>4} {} {} {} -> {}  data {}B/{}B",
                s["stream_id"].as_u64().unwrap_or(0),
                s["method"].as_str().unwrap_or("-"),
                s["authority"].as_str().unwrap_or("-"),
                s["path"].as_str().unwrap_or("-"),
                s["status"],
                s["data_bytes_client"],
                s["data_bytes_server"]
            )?;
        }
    }
    Ok(())
}
