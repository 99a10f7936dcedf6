//! `wirelens quic`: per QUIC connection (tshark's `quic.connection.number`),
//! its version, SNI, ALPN offered and chosen, packets by type, frames by
//! type, HTTP/3 frames by type, how long the handshake took, how the
//! connection closed, and its HTTP/3 requests (headers decoded by QPACK).

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use super::{AppArgs, CliError};
use crate::report::scan::{FrameView, as_str, as_u64, scan};
use crate::store::quic_series::PacketKind;

#[derive(Default)]
struct Connection {
    number: u64,
    first_frame: u32,
    first_ns: i64,
    client: Option<String>,
    server: Option<String>,
    /// Every address and port the client sent from (more than one: it
    /// migrated, or a NAT rebound it).
    client_addresses: Vec<String>,
    version: Option<u64>,
    sni: Option<String>,
    alpn_offered: Vec<String>,
    alpn_selected: Option<String>,
    packet_types: BTreeMap<String, u64>,
    frame_types: BTreeMap<String, u64>,
    http3_frame_types: BTreeMap<String, u64>,
    handshake_done_ns: Option<i64>,
    close: Option<Value>,
    requests: BTreeMap<u64, Request>,
}

/// One HTTP/3 request stream.
#[derive(Default)]
struct Request {
    first_frame: u32,
    method: Option<String>,
    authority: Option<String>,
    path: Option<String>,
    status: Option<u64>,
    response_frame: Option<u32>,
    /// Bytes each side sent on the stream (HTTP/3 framing included):
    /// the largest end offset seen, so retransmissions count once.
    stream_bytes: [u64; 2],
}

impl Request {
    fn json(&self, stream: u64) -> Value {
        json!({
            "stream": stream,
            "first_frame": self.first_frame,
            "method": self.method,
            "authority": self.authority,
            "path": self.path,
            "status": self.status,
            "response_frame": self.response_frame,
            "request_stream_bytes": self.stream_bytes[0],
            "response_stream_bytes": self.stream_bytes[1],
        })
    }
}

fn name_of(table: &'static [(u64, &'static str)], v: u64) -> String {
    dissectors::field::lookup(table, v)
        .map(str::to_string)
        .unwrap_or_else(|| format!("0x{v:x}"))
}

fn frame(v: &FrameView<'_>, conns: &mut BTreeMap<u64, Connection>) {
    let fields = &v.fields.fields;
    let Some(number) = fields
        .iter()
        .find(|c| c.def.name == "quic.connection.number")
        .and_then(|c| as_u64(Some(&c.value)))
    else {
        return;
    };
    let c = conns.entry(number).or_insert_with(|| Connection {
        number,
        first_frame: v.number,
        first_ns: v.ts_ns,
        client: v.src_endpoint(),
        server: v.dst_endpoint(),
        ..Default::default()
    });
    let mut long = false;
    let mut hs_type = 0;
    let mut close = json!({});
    let mut stream = None;
    let mut offset = 0;
    let from_server = v.src_endpoint() == c.server;
    if let Some(src) = v
        .src_endpoint()
        .filter(|s| !from_server && !c.client_addresses.contains(s))
    {
        c.client_addresses.push(src);
    }
    for f in fields {
        let val = Some(&f.value);
        let n = as_u64(val).unwrap_or(0);
        match f.def.name {
            "quic.header_form" => {
                long = n == 1;
                if !long {
                    *c.packet_types.entry("1-RTT".into()).or_default() += 1;
                }
            }
            "quic.version" => {
                if n == 0 {
                    *c.packet_types
                        .entry("Version Negotiation".into())
                        .or_default() += 1;
                } else {
                    c.version.get_or_insert(n);
                }
            }
            name @ ("quic.long.packet_type" | "quic.long.packet_type_v2") if long => {
                // The field's name says the version: it comes after the
                // type in the header.
                let kind = PacketKind::long(name.ends_with("_v2"), n);
                *c.packet_types.entry(kind.name().into()).or_default() += 1;
            }
            "quic.frame_type" => {
                *c.frame_types
                    .entry(name_of(dissectors::quic::frames::FRAME_TYPES, n))
                    .or_default() += 1;
                if n == 0x1e {
                    c.handshake_done_ns.get_or_insert(v.ts_ns);
                }
            }
            "quic.cc.error_code" => {
                close["error_code"] = json!(name_of(dissectors::quic::frames::TRANSPORT_ERRORS, n))
            }
            "quic.cc.error_code.app" => close["application_error_code"] = json!(n),
            "quic.cc.reason_phrase" => close["reason"] = json!(as_str(val)),
            "tls.handshake.type" => hs_type = n,
            "tls.handshake.extensions_server_name" if hs_type == 1 => c.sni = as_str(val),
            "tls.handshake.extensions_alpn_str" if hs_type == 1 => {
                if let Some(a) = as_str(val)
                    && !c.alpn_offered.contains(&a)
                {
                    c.alpn_offered.push(a);
                }
            }
            "tls.handshake.extensions_alpn_str" if hs_type == 8 => c.alpn_selected = as_str(val),
            "quic.stream.stream_id" => {
                stream = Some(n);
                offset = 0;
            }
            "quic.stream.offset" => offset = n,
            "quic.stream_data" => {
                let n = match &f.value {
                    dissectors::field::OwnedValue::Bytes(b) => b.len() as u64,
                    _ => 0,
                };
                if let Some(id) = stream.filter(|&s| !dissectors::http3::is_unidirectional(s)) {
                    let r = request_of(c, id, v.number);
                    let end = &mut r.stream_bytes[usize::from(from_server)];
                    *end = (*end).max(offset + n);
                }
            }
            "http3.frame_type" => {
                *c.http3_frame_types
                    .entry(name_of(dissectors::http3::FRAME_TYPES, n))
                    .or_default() += 1;
            }
            name if name.starts_with("http3.") => {
                if let Some(id) = stream.filter(|&s| !dissectors::http3::is_unidirectional(s)) {
                    request(request_of(c, id, v.number), v.number, name, val);
                }
            }
            _ => {}
        }
    }
    if close.as_object().is_some_and(|o| !o.is_empty()) && c.close.is_none() {
        close["frame"] = json!(v.number);
        c.close = Some(close);
    }
}

/// The request on stream `id`, first seen in `frame`.
fn request_of(c: &mut Connection, id: u64, frame: u32) -> &mut Request {
    c.requests.entry(id).or_insert_with(|| Request {
        first_frame: frame,
        ..Default::default()
    })
}

/// An HTTP/3 header field of a request stream's frame.
fn request(r: &mut Request, frame: u32, name: &str, val: Option<&dissectors::field::OwnedValue>) {
    match name {
        "http3.headers.method" => r.method = as_str(val),
        "http3.headers.authority" => r.authority = as_str(val),
        "http3.headers.path" => r.path = as_str(val),
        "http3.headers.status" if r.status.is_none() => {
            r.status = as_u64(val);
            r.response_frame = Some(frame);
        }
        _ => {}
    }
}

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let mut conns = BTreeMap::new();
    let notes = scan(file, &["quic", "tls.handshake", "http3"], |v| {
        frame(v, &mut conns)
    });
    let out: Vec<Value> = conns
        .values()
        .map(|c| {
            json!({
                "connection": c.number,
                "first_frame": c.first_frame,
                "client": c.client,
                "server": c.server,
                "client_addresses": c.client_addresses,
                "version": c.version.map(|v| format!("0x{v:08x}")),
                "sni": c.sni,
                "alpn_offered": c.alpn_offered,
                "alpn_selected": c.alpn_selected,
                "packet_types": c.packet_types,
                "frame_types": c.frame_types,
                "http3_frame_types": c.http3_frame_types,
                "handshake_duration": c.handshake_done_ns.map(|t| (t - c.first_ns) as f64 / 1e9),
                "close": c.close,
                "requests": c.requests.iter().map(|(id, r)| r.json(*id)).collect::<Vec<_>>(),
            })
        })
        .collect();
    (
        json!({"connections": out.len(), "per_connection": out}),
        notes,
    )
}

#[derive(Debug, clap::Args)]
pub struct QuicArgs {
    #[command(flatten)]
    pub app: AppArgs,
    /// Connection N's packets (type, number, frames, HTTP/3 frames) and
    /// its loss recovery series as RFC 9002 works them out from the ACK
    /// frames: RTT samples (latest, min, smoothed), bytes in flight per
    /// side, packets declared lost. Needs the key log for all but the
    /// Initial packets.
    #[arg(long, value_name = "N")]
    pub series: Option<u32>,
}

pub fn run(a: &QuicArgs, out: &mut impl Write) -> Result<(), CliError> {
    match a.series {
        Some(n) => series(&a.app, n, out),
        None => super::run_summary(&a.app, "quic", out, summary, text),
    }
}

/// `--series N`.
fn series(a: &AppArgs, connection: u32, out: &mut impl Write) -> Result<(), CliError> {
    use crate::store::quic_series::quic_series;
    let file = super::open(&a.file)?;
    let opts = crate::pipeline::LoadOptions::batch(true);
    let snap = crate::pipeline::load_file(file.clone(), opts).wait();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let s = quic_series(&snap, file.as_ref(), connection, &cancel).unwrap_or_default();
    let start = snap.index.row(0).map_or(0, |r| r.ts_ns);
    let v = series_json(&s, start);
    match a.format {
        super::TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        super::TextOrJson::Text => series_text(&s, start, out)?,
    }
    super::warn_read(&a.file, &snap.notes);
    Ok(())
}

fn side(dir: u8) -> &'static str {
    if dir == 0 { "client" } else { "server" }
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

fn series_json(s: &crate::store::quic_series::QuicSeries, start: i64) -> Value {
    let t = |ns: i64| super::secs(ns - start);
    json!({
        "connection": s.connection,
        "packets": s.packets.iter().map(|p| json!({
            "frame": p.frame, "time": t(p.ts_ns), "from": side(p.dir),
            "type": p.kind.name(), "packet_number": p.pn, "length": p.len,
            "frames": p.frame_types.iter().map(|&f| name_of(dissectors::quic::frames::FRAME_TYPES, f)).collect::<Vec<_>>(),
            "ack_eliciting": p.ack_eliciting(), "http3": p.http3,
        })).collect::<Vec<_>>(),
        "rtt": s.rtt.iter().map(|r| json!({
            "frame": r.frame, "time": t(r.ts_ns), "measured_by": side(r.dir),
            "acked_frame": r.acked_frame, "latest_ms": ms(r.latest_ns),
            "ack_delay_ms": ms(r.ack_delay_ns), "adjusted_ms": ms(r.adjusted_ns),
            "min_ms": ms(r.min_ns), "smoothed_ms": ms(r.smoothed_ns), "rttvar_ms": ms(r.rttvar_ns),
        })).collect::<Vec<_>>(),
        "bytes_in_flight": s.in_flight.iter().map(|f| json!({
            "frame": f.frame, "time": t(f.ts_ns), "side": side(f.dir), "bytes": f.bytes,
        })).collect::<Vec<_>>(),
        "lost": s.lost.iter().map(|l| json!({
            "frame": l.frame, "side": side(l.dir), "packet_number": l.pn, "declared_in": l.declared_in,
        })).collect::<Vec<_>>(),
    })
}

fn series_text(
    s: &crate::store::quic_series::QuicSeries,
    start: i64,
    out: &mut impl Write,
) -> std::io::Result<()> {
    for p in &s.packets {
        let arrow = if p.dir == 0 { "->" } else { "<-" };
        write!(
            out,
            "{:>6} {:>12.6} {arrow} {}",
            p.frame,
            super::secs(p.ts_ns - start),
            p.label()
        )?;
        if !p.http3.is_empty() {
            write!(out, " | HTTP/3: {}", p.http3.join(", "))?;
        }
        writeln!(out)?;
    }
    for r in &s.rtt {
        writeln!(
            out,
            "rtt {} frame {} (acks {}): latest {:.3} ms, smoothed {:.3} ms, min {:.3} ms",
            side(r.dir),
            r.frame,
            r.acked_frame,
            ms(r.latest_ns),
            ms(r.smoothed_ns),
            ms(r.min_ns)
        )?;
    }
    for l in &s.lost {
        writeln!(
            out,
            "lost {} packet {} (frame {}), declared in frame {}",
            side(l.dir),
            l.pn,
            l.frame,
            l.declared_in
        )?;
    }
    Ok(())
}

fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    let counts = |m: &Value| -> String {
        m.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, n)| format!("{k}:{n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    let s = |x: &Value| x.as_str().unwrap_or("-").to_string();
    for c in v["per_connection"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "connection {} {} -> {} version={} sni={} alpn={} selected={}",
            c["connection"],
            s(&c["client"]),
            s(&c["server"]),
            s(&c["version"]),
            s(&c["sni"]),
            c["alpn_offered"]
                .as_array()
                .map(|a| a.iter().map(s).collect::<Vec<_>>().join(","))
                .unwrap_or_default(),
            s(&c["alpn_selected"]),
        )?;
        writeln!(out, "  packets: {}", counts(&c["packet_types"]))?;
        writeln!(out, "  frames: {}", counts(&c["frame_types"]))?;
        if c["http3_frame_types"]
            .as_object()
            .is_some_and(|o| !o.is_empty())
        {
            writeln!(out, "  http3: {}", counts(&c["http3_frame_types"]))?;
        }
        for r in c["requests"].as_array().into_iter().flatten() {
            writeln!(
                out,
                "  stream {} {} {}{} -> {} ({} bytes up, {} down)",
                r["stream"],
                s(&r["method"]),
                s(&r["authority"]),
                s(&r["path"]),
                r["status"],
                r["request_stream_bytes"],
                r["response_stream_bytes"],
            )?;
        }
    }
    Ok(())
}
