//! `wirelens quic`: per QUIC connection (tshark's `quic.connection.number`),
//! its version, SNI, ALPN offered and chosen, packets by type, frames by
//! type, HTTP/3 frames by type, how long the handshake took and how the
//! connection closed.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use super::scan::{FrameView, as_str, as_u64, scan};
use super::{AppArgs, CliError};

#[derive(Default)]
struct Connection {
    number: u64,
    first_frame: u32,
    first_ns: i64,
    client: Option<String>,
    server: Option<String>,
    version: Option<u64>,
    sni: Option<String>,
    alpn_offered: Vec<String>,
    alpn_selected: Option<String>,
    packet_types: BTreeMap<String, u64>,
    frame_types: BTreeMap<String, u64>,
    http3_frame_types: BTreeMap<String, u64>,
    handshake_done_ns: Option<i64>,
    close: Option<Value>,
}

/// The packet type a long header's type bits name in `version`.
fn long_type(version: u64, bits: u64) -> &'static str {
    let bits = if version == u64::from(dissectors::quic::header::V2) {
        (bits + 3) & 3
    } else {
        bits
    };
    ["Initial", "0-RTT", "Handshake", "Retry"][(bits & 3) as usize]
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
    let mut version = c.version.unwrap_or(0);
    let mut long = false;
    let mut hs_type = 0;
    let mut close = json!({});
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
                version = n;
                if n == 0 {
                    *c.packet_types
                        .entry("Version Negotiation".into())
                        .or_default() += 1;
                } else {
                    c.version.get_or_insert(n);
                }
            }
            "quic.long.packet_type" | "quic.long.packet_type_v2" if long => {
                *c.packet_types
                    .entry(long_type(version, n).into())
                    .or_default() += 1;
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
            "http3.frame_type" => {
                *c.http3_frame_types
                    .entry(name_of(dissectors::http3::FRAME_TYPES, n))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    if close.as_object().is_some_and(|o| !o.is_empty()) && c.close.is_none() {
        close["frame"] = json!(v.number);
        c.close = Some(close);
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
                "version": c.version.map(|v| format!("0x{v:08x}")),
                "sni": c.sni,
                "alpn_offered": c.alpn_offered,
                "alpn_selected": c.alpn_selected,
                "packet_types": c.packet_types,
                "frame_types": c.frame_types,
                "http3_frame_types": c.http3_frame_types,
                "handshake_duration": c.handshake_done_ns.map(|t| (t - c.first_ns) as f64 / 1e9),
                "close": c.close,
            })
        })
        .collect();
    (
        json!({"connections": out.len(), "per_connection": out}),
        notes,
    )
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "quic", out, summary, text)
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
    }
    Ok(())
}
