//! The `tcp` and `follow` subcommands as a user runs them, against tshark:
//! the per-stream summary equals tshark's verdicts (tests/golden/*/truth.json)
//! and every point of every series equals the field tshark shows on that
//! frame (tests/golden/*/fields.tsv).

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::*;

fn wirelens(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "wirelens {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&wirelens(args)).expect("json")
}

/// Fixtures exercising what issue 3 names: fast retransmissions, zero
/// window, window scaling, SACK, keep-alive, FIN retransmission, RST with
/// data, a capture starting mid-connection, loss and reordering.
const FIXTURES: &[&str] = &[
    "arkime_wireshark-retrans.pcap",
    "gen_tcp_loss_reorder_zero_window.pcap",
    "suricata_tcp-empty-sack_tcp-opt.pcap",
    "tcpdump_tcp_rst_data.pcap",
    "zeek_206_example_b.pcap",
    "zeek_hrr.pcap",
    "zeek_retransmit-fast009.pcap",
    "zeek_window-scale-range.pcap",
    "zeek_ctu-64702-888.pcap",
];

fn fixture(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("fixture {name}"))
}

#[test]
fn tcp_summary_equals_tsharks_verdicts() {
    let mut report = Report::default();
    for name in FIXTURES {
        let fx = fixture(name);
        let truth = fx.truth().expect("truth.json");
        let ours = json(&["tcp", fx.path.to_str().unwrap(), "--format", "json"]);
        let ours: BTreeMap<u64, &serde_json::Value> = ours
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["stream"].as_u64().unwrap(), s))
            .collect();
        for conv in truth["tcp"]["conversations"].as_array().unwrap() {
            let sid = conv["stream"].as_u64().unwrap();
            let Some(s) = ours.get(&sid) else {
                report.fail(name, format!("stream {sid} missing"));
                continue;
            };
            for key in ["a", "b", "frames_a_to_b", "frames_b_to_a"] {
                if s[key] != conv[key] {
                    report.fail(
                        name,
                        format!("stream {sid} {key}: {} vs tshark {}", s[key], conv[key]),
                    );
                }
            }
            for (flag, theirs) in conv["analysis"].as_object().unwrap() {
                if s["analysis"][flag] != *theirs {
                    report.fail(
                        name,
                        format!(
                            "stream {sid} {flag}: {} vs tshark {theirs}",
                            s["analysis"][flag]
                        ),
                    );
                }
            }
            let close =
                |a: &serde_json::Value, b: &serde_json::Value| match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                    _ => a.is_null() == b.is_null(),
                };
            if !close(&s["initial_rtt"], &conv["initial_rtt"]) {
                report.fail(
                    name,
                    format!(
                        "stream {sid} initial_rtt {} vs tshark {}",
                        s["initial_rtt"], conv["initial_rtt"]
                    ),
                );
            }
            for key in ["count", "min", "median", "max"] {
                let theirs = &conv["ack_rtt"][key];
                let mine = &s["ack_rtt"][key];
                // tshark's summary leaves min/median/max out when there is no sample.
                let absent = theirs.is_null() && conv["ack_rtt"]["count"] == 0;
                if !absent && !close(mine, theirs) {
                    report.fail(
                        name,
                        format!("stream {sid} ack_rtt.{key} {mine} vs tshark {theirs}"),
                    );
                }
            }
        }
        if ours.len() != truth["tcp"]["conversations"].as_array().unwrap().len() {
            report.fail(name, format!("{} streams vs tshark's", ours.len()));
        }
    }
    report.finish();
}

/// tshark's value of `field` on each frame of `stream`, as a number.
fn per_frame(fx: &Fixture, stream: u64, field: &str) -> BTreeMap<u64, f64> {
    let mut out = BTreeMap::new();
    for (frame, fields) in fx.fields_tsv() {
        let in_stream = fields
            .iter()
            .any(|f| f.name == "tcp.stream" && f.value == stream.to_string());
        if !in_stream {
            continue;
        }
        if let Some(f) = fields.iter().find(|f| f.name == field) {
            out.insert(u64::from(frame), f.value.parse::<f64>().expect(field));
        }
    }
    out
}

fn series(fx: &Fixture, stream: u64, kind: &str) -> Vec<serde_json::Value> {
    json(&[
        "tcp",
        fx.path.to_str().unwrap(),
        "--stream",
        &stream.to_string(),
        "--series",
        kind,
        "--format",
        "json",
    ])
    .as_array()
    .unwrap()
    .clone()
}

/// Our points by frame, for the frames the field goldens cover (the first 300).
fn by_frame(points: &[serde_json::Value], key: &str) -> BTreeMap<u64, f64> {
    points
        .iter()
        .map(|p| (p["frame"].as_u64().unwrap(), p[key].as_f64().unwrap()))
        .filter(|&(frame, _)| frame <= GOLDEN_FIELD_FRAMES)
        .collect()
}

/// tests/tools/make_goldens.py writes the fields of the first 300 frames.
const GOLDEN_FIELD_FRAMES: u64 = 300;

#[test]
fn every_series_point_equals_tsharks_field_on_that_frame() {
    let mut report = Report::default();
    for name in FIXTURES {
        let fx = fixture(name);
        let truth = fx.truth().unwrap();
        for conv in truth["tcp"]["conversations"].as_array().unwrap() {
            let sid = conv["stream"].as_u64().unwrap();
            let mut check = |what: &str, ours: BTreeMap<u64, f64>, theirs: BTreeMap<u64, f64>| {
                if ours != theirs {
                    let first = ours
                        .iter()
                        .zip(&theirs)
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("{a:?} vs tshark {b:?}"))
                        .unwrap_or_else(|| format!("{} vs {} points", ours.len(), theirs.len()));
                    report.fail(name, format!("stream {sid} {what}: {first}"));
                }
            };
            let rtt = series(&fx, sid, "rtt");
            check(
                "rtt",
                by_frame(&rtt, "rtt"),
                per_frame(&fx, sid, "tcp.analysis.ack_rtt"),
            );
            let inflight = series(&fx, sid, "inflight");
            check(
                "bytes in flight",
                by_frame(&inflight, "bytes_in_flight"),
                per_frame(&fx, sid, "tcp.analysis.bytes_in_flight"),
            );
            let window = series(&fx, sid, "window");
            check(
                "window",
                by_frame(&window, "window"),
                per_frame(&fx, sid, "tcp.window_size"),
            );
            let seq = series(&fx, sid, "seq");
            check("seq", by_frame(&seq, "seq"), per_frame(&fx, sid, "tcp.seq"));
            check("len", by_frame(&seq, "len"), per_frame(&fx, sid, "tcp.len"));
            // Throughput buckets add up to the payload each way.
            let tput = series(&fx, sid, "throughput");
            for (dir, key) in [("a", "payload_a_to_b"), ("b", "payload_b_to_a")] {
                let sum: u64 = tput
                    .iter()
                    .filter(|p| p["dir"] == dir)
                    .map(|p| p["bytes"].as_u64().unwrap())
                    .sum();
                if sum != conv[key].as_u64().unwrap() {
                    report.fail(
                        name,
                        format!(
                            "stream {sid} throughput {dir}: {sum} bytes vs tshark {}",
                            conv[key]
                        ),
                    );
                }
            }
        }
    }
    report.finish();
}

#[test]
fn series_csv_has_a_header_and_one_row_per_point() {
    let fx = fixture("gen_tcp_loss_reorder_zero_window.pcap");
    let path = fx.path.to_str().unwrap();
    for (kind, header) in [
        ("rtt", "time,frame,dir,rtt"),
        ("throughput", "time,dir,bytes,bits_per_second"),
        ("window", "time,frame,dir,window"),
        ("inflight", "time,frame,dir,bytes_in_flight"),
        ("seq", "time,frame,dir,seq,len,ack,win,flags,analysis,sack"),
    ] {
        let csv = wirelens(&[
            "tcp", path, "--stream", "3", "--series", kind, "--format", "csv",
        ]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(header), "{kind}");
        let rows = lines.count();
        let points = series(&fx, 3, kind).len();
        assert!(rows > 0, "{kind}: no rows");
        assert_eq!(rows, points, "{kind}: csv rows vs json points");
    }
}

#[test]
fn follow_formats_carry_the_same_bytes() {
    let fx = fixture("dpkt_http.pcap");
    let path = fx.path.to_str().unwrap();
    let raw = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["follow", path, "--stream", "0", "--format", "raw"])
        .output()
        .unwrap()
        .stdout;
    assert!(raw.starts_with(b"GET /"), "raw starts with the request");
    // json chunks (hex data) add up to the raw bytes
    let j = json(&["follow", path, "--stream", "0", "--format", "json"]);
    let total: u64 = j["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["len"].as_u64())
        .sum();
    assert_eq!(total, raw.len() as u64);
    // direction a only: the request bytes, which the raw output starts with
    let a = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args([
            "follow",
            path,
            "--stream",
            "0",
            "--format",
            "raw",
            "--direction",
            "a",
        ])
        .output()
        .unwrap()
        .stdout;
    assert!(!a.is_empty() && a.len() < raw.len());
    assert!(a.starts_with(b"GET /"));
    let ascii = wirelens(&["follow", path, "--stream", "0", "--format", "ascii"]);
    assert!(ascii.starts_with(
        "\n===================================================================\nFollow: tcp,ascii\n"
    ));
    assert!(ascii.contains("HTTP/1.1 200 OK"));
}
