//! `wirelens tls`: the TLS handshake of every TCP connection that has one.

use std::collections::BTreeMap;
use std::io::Write;

use dissectors::collect::Collected;
use dissectors::field::OwnedValue;
use serde_json::{Value, json};

use super::{AppArgs, CliError};
use crate::report::scan::{FrameView, as_str, as_u64, scan};

pub fn version_name(v: u64) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        v => format!("0x{v:04x}"),
    }
}

fn handshake_name(t: u64) -> String {
    match t {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        24 => "key_update",
        254 => "message_hash",
        _ => return t.to_string(),
    }
    .to_string()
}

/// One handshake message's fields.
#[derive(Default)]
struct Message<'a> {
    kind: u64,
    fields: Vec<&'a Collected>,
}

impl Message<'_> {
    fn all(&self, n: &str) -> Vec<&OwnedValue> {
        self.fields
            .iter()
            .filter(|c| c.def.name == n)
            .map(|c| &c.value)
            .collect()
    }
    fn first(&self, n: &str) -> Option<&OwnedValue> {
        self.fields
            .iter()
            .find(|c| c.def.name == n)
            .map(|c| &c.value)
    }
}

#[derive(Default)]
struct Session {
    tcp_stream: u32,
    first_frame: u32,
    client: Option<String>,
    server: Option<String>,
    handshake: Vec<String>,
    client_hellos: u32,
    hrr: bool,
    sni: Option<String>,
    alpn_offered: Option<Vec<String>>,
    alpn_selected: Option<String>,
    version: Option<u64>,
    cipher: Option<u64>,
    client_versions: Option<Vec<String>>,
    ch_session_id: Option<Vec<u8>>,
    resumed: bool,
    certificate_request: bool,
    client_certificate: bool,
    server_certificate: bool,
    records: BTreeMap<String, u64>,
    offered_ciphers: usize,
    ch_version: Option<u64>,
    ja3: Option<String>,
    ja4: Option<String>,
    ja3s: Option<String>,
}

fn bytes_of(v: Option<&OwnedValue>) -> Option<Vec<u8>> {
    match v? {
        OwnedValue::Bytes(b) => Some(b.clone()),
        _ => None,
    }
}

fn frame(v: &FrameView<'_>, sessions: &mut BTreeMap<u32, Session>) {
    let Some((stream, _)) = v.tcp else { return };
    let f = &v.fields.fields;
    if !f.iter().any(|c| c.def.name.starts_with("tls.record")) {
        return;
    }
    let src = v.src_endpoint();
    // Handshake messages, and record types, in order.
    let mut msgs: Vec<Message<'_>> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    for c in f {
        match c.def.name {
            "tls.record.content_type" | "tls.record.opaque_type" => {
                types.push(as_u64(Some(&c.value)).unwrap_or(0).to_string())
            }
            "tls.handshake.type" => msgs.push(Message {
                kind: as_u64(Some(&c.value)).unwrap_or(0),
                fields: Vec::new(),
            }),
            _ => {
                if let Some(m) = msgs.last_mut() {
                    m.fields.push(c);
                }
            }
        }
    }
    let s = sessions.entry(stream).or_insert_with(|| Session {
        tcp_stream: stream,
        first_frame: v.number,
        ..Default::default()
    });
    if msgs.iter().any(|m| m.kind == 1) && s.client.is_none() {
        s.client = src.clone();
    }
    let from_client = s.client.is_some() && s.client == src;
    let d = if from_client { "C" } else { "S" };
    if !from_client && s.server.is_none() && s.client.is_some() {
        s.server = src.clone();
    }
    for t in types {
        *s.records.entry(format!("{d}:{t}")).or_default() += 1;
    }
    for m in &msgs {
        let mut name = handshake_name(m.kind);
        match m.kind {
            1 => {
                s.client_hellos += 1;
                if s.client_hellos == 1 {
                    s.sni = as_str(m.first("tls.handshake.extensions_server_name"));
                    let alpn: Vec<String> = m
                        .all("tls.handshake.extensions_alpn_str")
                        .into_iter()
                        .filter_map(|v| as_str(Some(v)))
                        .collect();
                    s.alpn_offered = (!alpn.is_empty()).then_some(alpn);
                    let vers: Vec<String> = m
                        .all("tls.handshake.extensions.supported_version")
                        .into_iter()
                        .filter_map(|v| as_u64(Some(v)))
                        .map(version_name)
                        .collect();
                    s.client_versions = (!vers.is_empty()).then_some(vers);
                    s.offered_ciphers = m.all("tls.handshake.ciphersuite").len();
                    s.ch_session_id = bytes_of(m.first("tls.handshake.session_id"));
                    s.ch_version = as_u64(m.first("tls.handshake.version"));
                    s.ja3 = as_str(m.first("tls.handshake.ja3"));
                    s.ja4 = as_str(m.first("tls.handshake.ja4"));
                }
            }
            2 => {
                let random = bytes_of(m.first("tls.handshake.random")).unwrap_or_default();
                if random == dissectors::tls::HRR_RANDOM {
                    s.hrr = true;
                    name = "hello_retry_request".into();
                } else {
                    let v = as_u64(m.first("tls.handshake.extensions.supported_version"))
                        .or_else(|| as_u64(m.first("tls.handshake.version")));
                    s.version = v;
                    s.cipher = as_u64(m.first("tls.handshake.ciphersuite"));
                    if let Some(a) = as_str(m.first("tls.handshake.extensions_alpn_str")) {
                        s.alpn_selected = Some(a);
                    }
                    if m.first("tls.handshake.extensions.psk.identity.selected")
                        .is_some()
                    {
                        s.resumed = true;
                    }
                    let sid = bytes_of(m.first("tls.handshake.session_id"));
                    if v != Some(0x0304) && sid.is_some() && sid == s.ch_session_id {
                        s.resumed = true;
                    }
                    s.ja3s = as_str(m.first("tls.handshake.ja3s"));
                }
            }
            // EncryptedExtensions (decrypted): TLS 1.3's ALPN choice.
            8 => {
                if let Some(a) = m
                    .all("tls.handshake.extensions_alpn_str")
                    .last()
                    .and_then(|v| as_str(Some(*v)))
                {
                    s.alpn_selected = Some(a);
                }
            }
            11 if from_client => s.client_certificate = true,
            11 => s.server_certificate = true,
            13 => s.certificate_request = true,
            _ => {}
        }
        s.handshake.push(format!("{d}:{name}"));
    }
}

pub fn summary(file: &crate::capture::CaptureFile) -> (Value, crate::capture::ReadNotes) {
    let mut sessions: BTreeMap<u32, Session> = BTreeMap::new();
    let notes = scan(file, &["tls."], |v| frame(v, &mut sessions));
    let mut list: Vec<&Session> = sessions.values().filter(|s| s.client_hellos > 0).collect();
    list.sort_by_key(|s| s.first_frame);
    let out: Vec<Value> = list
        .iter()
        .map(|s| {
            json!({
                "tcp_stream": s.tcp_stream,
                "client": s.client,
                "server": s.server,
                "handshake": s.handshake,
                "client_hellos": s.client_hellos,
                "hello_retry_request": s.hrr,
                "sni": s.sni,
                "alpn_offered": s.alpn_offered,
                "alpn_selected": s.alpn_selected,
                "version": s.version.map(version_name),
                "cipher_suite": s.cipher.map(|c| format!("0x{c:04x}")),
                "cipher_suite_name": s.cipher.and_then(|c| dissectors::tls::cipher_iana_name(c as u16)),
                "client_offered_versions": s.client_versions,
                "resumed": s.resumed,
                "certificate_request": s.certificate_request,
                "client_certificate": s.client_certificate,
                "records": s.records,
                "client_offered_cipher_count": s.offered_ciphers,
                "client_hello_version": s.ch_version.map(version_name),
                "server_certificate_seen": s.server_certificate,
                "ja3": s.ja3,
                "ja4": s.ja4,
                "ja3s": s.ja3s,
            })
        })
        .collect();
    (json!({"handshakes": out.len(), "sessions": out}), notes)
}

pub fn run(a: &AppArgs, out: &mut impl Write) -> Result<(), CliError> {
    super::run_summary(a, "tls", out, summary, text)
}

/// The summary as text, a line per item.
fn text(v: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    for s in v["sessions"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "stream {} {} -> {} sni={} alpn={} version={} cipher={} resumed={} ja3={} ja4={}",
            s["tcp_stream"],
            s["client"].as_str().unwrap_or("?"),
            s["server"].as_str().unwrap_or("?"),
            s["sni"].as_str().unwrap_or("-"),
            s["alpn_selected"].as_str().unwrap_or("-"),
            s["version"].as_str().unwrap_or("-"),
            s["cipher_suite_name"]
                .as_str()
                .or(s["cipher_suite"].as_str())
                .unwrap_or("-"),
            s["resumed"],
            s["ja3"].as_str().unwrap_or("-"),
            s["ja4"].as_str().unwrap_or("-"),
        )?;
        let hs: Vec<&str> = s["handshake"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str())
            .collect();
        writeln!(out, "  {}", hs.join(" "))?;
    }
    Ok(())
}
