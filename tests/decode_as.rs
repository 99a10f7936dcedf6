//! Decode As on the command line, against tshark: `wirelens -d RULE
//! packets FILE` must show every frame's protocol list, Protocol and Info
//! as `tshark -d RULE` does (tests/decode_as/*.tsv, written by
//! tests/tools/decode_as_golden.py), in tshark's own spelling of the rule.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// (capture, rules): keep in step with CASES in decode_as_golden.py.
const CASES: &[(&str, &[&str])] = &[
    (
        "tests/decode_as/tcpdump_vxlan_port_8472.pcap",
        &["udp.port==8472,vxlan"],
    ),
    ("tests/fixtures/tcpdump_ssh.pcap", &["tcp.port==22,data"]),
    (
        "tests/fixtures/tcpdump_ntp.pcap",
        &["udp.port==100-200,data"],
    ),
    (
        "tests/fixtures/ndpi_tls_port_80.pcapng",
        &["tcp.port==80,tls"],
    ),
    (
        "tests/fixtures/packt_grpc_bidi-streaming.pcapng",
        &["tcp.port==50051,http2"],
    ),
    (
        "tests/fixtures/tcpdump_mpls-over-udp.pcap",
        &["udp.port==6635:1,data"],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wirelens(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(args)
        .output()
        .expect("runs")
}

/// (number, protocols, Protocol, Info) per frame, as tshark wrote them.
fn golden(path: &Path) -> Vec<(u64, String, String, String)> {
    std::fs::read_to_string(path)
        .expect("golden")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_owned();
            (f[0].parse().expect("number"), get(1), get(2), get(3))
        })
        .collect()
}

fn known(protocol: &str) -> bool {
    dissectors::registry::protocols().any(|p| p.name() == protocol)
}

#[test]
fn every_frame_decodes_as_tshark_decodes_it_under_the_same_rules() {
    let mut diffs = Vec::new();
    for (n, (capture, rules)) in CASES.iter().enumerate() {
        let path = root().join(capture);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = golden(&root().join(format!("tests/decode_as/{name}.{n}.tsv")));
        let mut args: Vec<&str> = Vec::new();
        for r in *rules {
            args.extend(["-d", r]);
        }
        let p = path.to_str().unwrap();
        args.extend(["packets", p, "--format", "json"]);
        let out = wirelens(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(rows.len(), expected.len(), "{name}: frames");
        for (row, (number, protocols, column, info)) in rows.iter().zip(&expected) {
            let layers = row["layers"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .unwrap_or_default();
            let ours = (
                layers.as_str(),
                row["protocol"].as_str().unwrap_or(""),
                row["info"].as_str().unwrap_or(""),
            );
            // Past a protocol wirelens does not dissect (gRPC's protobuf
            // payloads), the layers are compared up to it, as in the goldens.
            let theirs: Vec<&str> = protocols.split(':').collect();
            if let Some(unknown) = theirs.iter().position(|p| !known(p)) {
                let prefix = theirs[..unknown].join(":");
                if layers != prefix {
                    diffs.push(format!(
                        "{name} #{number}: layers {layers}, tshark {protocols}"
                    ));
                }
                continue;
            }
            if ours != (protocols.as_str(), column.as_str(), info.as_str()) {
                diffs.push(format!(
                    "{name} #{number} {rules:?}: ours {ours:?}, tshark {:?}",
                    (protocols, column, info)
                ));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn a_bad_rule_is_named_and_nothing_runs() {
    for (rule, says) in [
        ("tcp.port==8443,nosuchproto", "nosuchproto"),
        ("tcp.port=8443", "has no ','"),
        ("tcp.port==99999,http", "out of range"),
        ("foo.bar==1,http", "foo.bar"),
        ("udp.port==53,http2", "http2"),
    ] {
        let out = wirelens(&["-d", rule, "summary", "tests/fixtures/tcpdump_ntp.pcap"]);
        assert_eq!(out.status.code(), Some(2), "{rule}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(rule) && err.contains(says), "{rule}: {err}");
        assert!(out.stdout.is_empty(), "{rule}");
    }
}
