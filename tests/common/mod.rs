//! Shared by the end-to-end tests: the fixtures, their goldens, and one
//! analysis pass over a fixture dumped the way the goldens are written.
#![allow(dead_code)]

pub mod live;
pub mod tls;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use dissectors::field::{FieldType, Show, Value};
use dissectors::packet::{Options, Transport};
use dissectors::tree::{NodeKind, TreeBuilder};
use wirelens::capture::CaptureFile;
use wirelens::pass::Pass;
use wirelens::pipeline::{LoadOptions, load_file};
use wirelens::store::Snapshot;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Fixture {
    pub name: String,
    pub path: PathBuf,
}

impl Fixture {
    /// The fixture's TLS key log (`NAME.keys` beside it), which the goldens
    /// were made with (`-o tls.keylog_file:`).
    pub fn keys(&self) -> Option<Arc<dissectors::tls::keylog::KeyLog>> {
        let text = std::fs::read(self.path.with_extension("keys")).ok()?;
        Some(Arc::new(dissectors::tls::keylog::KeyLog::parse(&text).0))
    }
}

/// Every capture in tests/fixtures (or only those named in WIRELENS_FIXTURES,
/// comma-separated, to narrow a run while debugging).
pub fn fixtures() -> Vec<Fixture> {
    let only: Option<Vec<String>> = std::env::var("WIRELENS_FIXTURES")
        .ok()
        .map(|s| s.split(',').map(str::to_owned).collect());
    let mut v: Vec<Fixture> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .map(|p| Fixture {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            path: p,
        })
        .filter(|f| {
            only.as_ref()
                .is_none_or(|o| o.iter().any(|n| f.name.contains(n.as_str())))
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

pub struct GoldenPacket {
    pub number: u32,
    pub protocols: String,
    pub src: String,
    pub dst: String,
    pub tcp_stream: Option<u32>,
    pub udp_stream: Option<u32>,
    pub protocol: String,
    pub info: String,
    pub time_epoch: String,
    /// Empty for records that are not packets (tshark shows pcapng custom blocks as frames).
    pub interface_id: String,
}

pub struct GoldenField {
    pub name: String,
    pub offset: i64,
    pub len: i64,
    pub value: String,
}

impl Fixture {
    pub fn golden_dir(&self) -> PathBuf {
        root().join("tests/golden").join(&self.name)
    }

    /// tshark's frame numbers mapped to ours (they differ after pcapng custom
    /// blocks, which tshark shows as frames).
    pub fn frame_numbers(&self) -> BTreeMap<u32, u32> {
        let text =
            std::fs::read_to_string(self.golden_dir().join("packets.tsv")).unwrap_or_default();
        let mut m = BTreeMap::new();
        let mut ours = 0;
        for l in text.lines().filter(|l| !l.is_empty()) {
            let c: Vec<&str> = l.split('\t').collect();
            let custom = c.get(9).is_none_or(|s| s.is_empty())
                && c.get(8).is_none_or(|s| s.is_empty())
                && c.get(1) == Some(&"data");
            if !custom {
                ours += 1;
                m.insert(c[0].parse().unwrap_or(0), ours);
            }
        }
        m
    }

    pub fn packets_tsv(&self) -> Vec<GoldenPacket> {
        let text =
            std::fs::read_to_string(self.golden_dir().join("packets.tsv")).unwrap_or_default();
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                let get = |i: usize| c.get(i).copied().unwrap_or("").to_string();
                GoldenPacket {
                    number: get(0).parse().unwrap_or(0),
                    protocols: get(1),
                    src: get(2),
                    dst: get(3),
                    tcp_stream: get(4).parse().ok(),
                    udp_stream: get(5).parse().ok(),
                    protocol: get(6),
                    info: get(7),
                    time_epoch: get(8),
                    interface_id: get(9),
                }
            })
            // tshark 4.0 shows pcapng custom blocks as frames of their own;
            // wirelens skips them (they are not packets), so the rest are renumbered.
            .filter(|p| {
                !(p.interface_id.is_empty() && p.time_epoch.is_empty() && p.protocols == "data")
            })
            .collect()
    }

    /// Fields by (our) frame number.
    pub fn fields_tsv(&self) -> BTreeMap<u32, Vec<GoldenField>> {
        let text =
            std::fs::read_to_string(self.golden_dir().join("fields.tsv")).unwrap_or_default();
        let numbers = self.frame_numbers();
        let mut m: BTreeMap<u32, Vec<GoldenField>> = BTreeMap::new();
        for l in text.lines() {
            let c: Vec<&str> = l.splitn(5, '\t').collect();
            if c.len() < 5 {
                continue;
            }
            let Some(&ours) = numbers.get(&c[0].parse().unwrap_or(0)) else {
                continue;
            };
            m.entry(ours).or_default().push(GoldenField {
                name: c[1].to_string(),
                offset: c[2].parse().unwrap_or(-1),
                len: c[3].parse().unwrap_or(-1),
                value: c[4].to_string(),
            });
        }
        m
    }

    pub fn truth(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.golden_dir().join("truth.json")).ok()?;
        serde_json::from_str(&text).ok()
    }
}

pub struct OurField {
    pub name: String,
    pub offset: i64,
    pub len: i64,
    pub value: String,
}

pub struct OurPacket {
    pub layers: Vec<String>,
    pub src: String,
    pub dst: String,
    pub tcp_stream: Option<u32>,
    pub udp_stream: Option<u32>,
    pub protocol: String,
    pub info: String,
    pub time_epoch9: String,
    pub fields: Vec<OurField>,
    pub tcp_flags: u32,
    /// The TCP analysis of the packet, if it is TCP.
    pub tcp: Option<dissectors::tcp_analysis::SegmentAnalysis>,
    /// A layer was malformed (its tree stops there, as tshark's does).
    pub malformed: bool,
    /// The TCP header was read to its end.
    pub tcp_intact: bool,
}

fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A value the way the golden files write it (long byte strings hashed).
pub fn golden_show(def: &dissectors::field::FieldDef, v: &Value<'_>) -> String {
    let s = Show(def, v).to_string();
    if let Value::Bytes(b) = v
        && s.len() > 96
    {
        return format!("fnv:{:016x}:{}", fnv1a(b), b.len());
    }
    s.replace(['\t', '\n'], " ")
}

/// One analysis pass over a fixture, in frame order, as the CLI does it;
/// with `fields`, every packet's tree is flattened too (first 300 frames,
/// as in the goldens).
pub fn run_pass(fx: &Fixture, fields: bool) -> Vec<OurPacket> {
    let file = CaptureFile::open(&fx.path).expect("fixture opens");
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.interfaces_described = file.format == wirelens::capture::Format::Pcapng;
    pass.analyzer.set_keys(fx.keys());
    let mut out = Vec::new();
    while let Some(rec) = reader.next() {
        // Keys the capture carries (pcapng Decryption Secrets Blocks).
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize).cloned();
        let data = file.data(rec.offset, rec.caplen);
        let mut tb = TreeBuilder::new();
        let want_fields = fields && out.len() < 300;
        let (pi, ans) = pass.frame(&rec, iface.as_ref(), data, Options::new(true), &mut tb);
        let mut p = OurPacket {
            layers: pi.protocols.iter().map(|p| p.name().to_string()).collect(),
            src: pi.src.to_string(),
            dst: pi.dst.to_string(),
            tcp_stream: match pi.transport {
                Transport::Tcp(_) => ans.tcp.as_ref().map(|a| a.stream),
                _ => None,
            },
            udp_stream: match pi.transport {
                Transport::Udp(_) => ans.udp.map(|a| a.stream),
                _ => None,
            },
            protocol: pi.protocol.to_string(),
            info: pi.info.clone(),
            // A Simple Packet Block carries no time: none is shown.
            time_epoch9: if rec.has_ts {
                let mut s = String::new();
                dissectors::field::write_epoch(&mut s, rec.ts_ns, 9).unwrap();
                s
            } else {
                String::new()
            },
            fields: Vec::new(),
            tcp_flags: ans.tcp.as_ref().map_or(0, |a| a.flags),
            malformed: pi.expert.malformed,
            tcp_intact: matches!(pi.transport, Transport::Tcp(s) if s.intact),
            tcp: match pi.transport {
                Transport::Tcp(_) => ans.tcp.clone(),
                _ => None,
            },
        };
        if want_fields {
            let tree = tb.finish();
            for n in &tree.nodes {
                // A value-less item with children is a subtree to tshark's JSON, not a field.
                let subtree = !n.children.is_empty()
                    && n.field
                        .is_some_and(|f| matches!(f.ftype, FieldType::None | FieldType::Protocol))
                    && n.value == dissectors::field::OwnedValue::None;
                if subtree {
                    continue;
                }
                let (name, value) = match (n.kind, n.field, n.expert) {
                    (NodeKind::Field, Some(f), _) => (f.name, golden_show(f, &n.value.as_value())),
                    (NodeKind::Expert, _, Some(e)) => (e.name, String::new()),
                    _ => continue,
                };
                p.fields.push(OurField {
                    name: name.to_string(),
                    offset: n.span.start as i64,
                    len: n.span.len as i64,
                    value,
                });
            }
        }
        out.push(p);
    }
    out
}

/// A fixture loaded the way the app loads it.
pub fn load(fx: &Fixture) -> Arc<Snapshot> {
    let file = Arc::new(CaptureFile::open(&fx.path).expect("fixture opens"));
    let opts = LoadOptions {
        keys: fx.keys(),
        ..LoadOptions::default()
    };
    load_file(file, opts).wait()
}

/// Collects mismatches across fixtures and fails once, listing them.
#[derive(Default)]
pub struct Report {
    lines: BTreeMap<String, Vec<String>>,
}

impl Report {
    pub fn fail(&mut self, fixture: &str, what: String) {
        self.lines
            .entry(fixture.to_string())
            .or_default()
            .push(what);
    }

    pub fn finish(self) {
        if let Ok(path) = std::env::var("WIRELENS_MISMATCHES") {
            // Every mismatch, one per line, for working through them.
            let all: Vec<String> = self
                .lines
                .iter()
                .flat_map(|(fx, ls)| ls.iter().map(move |l| format!("{fx}\t{l}")))
                .collect();
            let _ = std::fs::write(path, all.join("\n"));
        }
        if self.lines.is_empty() {
            return;
        }
        let mut msg = String::new();
        let total: usize = self.lines.values().map(Vec::len).sum();
        for (fx, lines) in &self.lines {
            msg.push_str(&format!("\n== {fx}: {} mismatches\n", lines.len()));
            for l in lines.iter().take(
                std::env::var("GOLDEN_SHOW")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(8),
            ) {
                msg.push_str("   ");
                msg.push_str(l);
                msg.push('\n');
            }
        }
        panic!("{total} mismatches with tshark:{msg}");
    }
}

// Deliberate differences from tshark that more than one comparison
// with it (the goldens, `packets -T fields`) must allow for.

/// A QUIC connection after its Retry: from `frame` on, the frames of
/// `udp.stream` in `file`, not compared.
pub const AFTER_RETRY: (&str, usize, u32, &str) = (
    "wirelens_quic_h3.pcapng",
    226,
    2,
    "tshark 4.0 bug: after a Retry the client's new Initial (keys from the Retry's Source \
     Connection ID) opens, but its CRYPTO data, at offset 0 again, is taken for a repeat and \
     never reaches TLS, so tshark keeps the first ClientHello's random and looks the \
     Handshake and 1-RTT secrets up under it: nothing after the Retry decrypts. wirelens \
     starts the Initial CRYPTO stream afresh and decrypts the connection (its requests and \
     answers are checked in tests/quic.rs).",
);

pub fn after_retry(file: &str, frame: usize, udp_stream: Option<u32>) -> bool {
    let (f, from, stream, _) = AFTER_RETRY;
    file == f && frame >= from && udp_stream == Some(stream)
}

/// tshark hands TCP payload to its desegmenting application dissectors
/// (HTTP, TLS, ... found by port or heuristics), which keep the bytes of an
/// unfinished PDU, of a retransmission it already reassembled, or of a PDU the
/// snaplen cut, without naming a layer for them: its list ends at `tcp` where
/// wirelens names the payload. What the application layers make of those
/// bytes is compared by the application-protocol goldens; here the lists are
/// compared up to `tcp`.
pub fn tcp_payload_withheld(theirs: &[&str], mine: &[&str]) -> bool {
    theirs.last() == Some(&"tcp") && mine.len() > theirs.len() && mine[..theirs.len()] == *theirs
}

/// Frames where tshark's own way of reassembling (by sequence number, not
/// in stream order) gives a view wirelens deliberately does not copy, each
/// with the reason.
pub const REASSEMBLY_EXCEPTIONS: &[(&str, u32, &str)] = &[
    (
        "arkime_http2-nghttp2.pcap",
        4,
        "the segment ends inside a HEADERS frame; tshark dissects the part and reports a bounds \
         error ([BoundErrorUnreassembled Packet]), wirelens waits for the frame to complete",
    ),
    (
        "gen_tcp_loss_reorder_zero_window.pcap",
        106,
        "this DATA frame ends stream 5's body; DATA frames of it came out of order (frames 84 to \
         100), which tshark hands to no protocol, so its body never completes; wirelens \
         reassembled them in order and shows the body as data",
    ),
    (
        "ndpi_1kxun.pcap",
        1211,
        "a 188 KiB response (gzip, chunked): wirelens keeps messages up to 64 KiB for \
         re-dissection (tcp_pdu::MAX_KEPT_MESSAGE) and counts larger bodies without handing \
         them on; tshark keeps every message whole",
    ),
    (
        "ndpi_1kxun.pcap",
        1262,
        "as frame 1211: a response body over wirelens' 64 KiB kept-message bound",
    ),
    (
        "ndpi_fuzz-2006-06-26-2594.pcap",
        29,
        "a fuzzed DNS query to a port no one claims whose question count the fuzzing broke: \
         tshark follows an earlier conversation's DNS, wirelens's heuristic finds no message",
    ),
];

pub fn reassembly_exception(file: &str, frame: usize) -> bool {
    REASSEMBLY_EXCEPTIONS
        .iter()
        .any(|(f, n, _)| *f == file && *n as usize == frame)
}
