//! The `dns`, `tls`, `http` and `http2` subcommands as a user runs them,
//! against tshark: every value tshark_truth.py reports for a fixture
//! (tests/golden/*/app.json, written by tests/tools/make_goldens.py) must
//! be in our JSON, equal. Our JSON may say more (extra keys); it may not say
//! less or differently, except where a rule or a named exception below
//! says why.
//!
//! app.json comes from tshark run with out-of-order TCP segments put in
//! place (`tcp.reassemble_out_of_order:TRUE`), which is how wirelens
//! reassembles: a PDU that a reordered segment completes is shown.

mod common;

use std::process::Command;

use common::*;
use serde_json::{Map, Value};

fn wirelens_json(cmd: &str, fx: &Fixture) -> Value {
    let keys = fx.path.with_extension("keys");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wirelens"));
    command.args([cmd, fx.path.to_str().expect("path"), "--format", "json"]);
    if keys.exists() {
        command
            .arg("-o")
            .arg(format!("tls.keylog_file:{}", keys.display()));
    }
    let out = command.output().expect("runs");
    assert!(
        out.status.success(),
        "wirelens {cmd} {}: {}",
        fx.name,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn app_truth(fx: &Fixture) -> Option<Value> {
    let text = std::fs::read_to_string(fx.golden_dir().join("app.json")).ok()?;
    Some(serde_json::from_str(&text).expect("app.json"))
}

/// One difference: where, tshark's value, ours.
#[derive(Debug, Clone, PartialEq)]
struct Diff {
    path: String,
    truth: Value,
    ours: Value,
}

/// Every value of `truth` must be in `ours`: objects by key (ours may have
/// more), arrays element by element and of the same length, numbers equal
/// to a microsecond.
fn compare(path: &str, truth: &Value, ours: &Value, out: &mut Vec<Diff>) {
    let mut differ = || {
        out.push(Diff {
            path: path.to_string(),
            truth: truth.clone(),
            ours: ours.clone(),
        })
    };
    match (truth, ours) {
        (Value::Object(t), Value::Object(o)) => {
            for (k, v) in t {
                compare(
                    &format!("{path}.{k}"),
                    v,
                    o.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(t), Value::Array(o)) => {
            if t.len() != o.len() {
                out.push(Diff {
                    path: format!("{path}.len"),
                    truth: t.len().into(),
                    ours: o.len().into(),
                });
            }
            for (i, (a, b)) in t.iter().zip(o).enumerate() {
                compare(&format!("{path}[{i}]"), a, b, out);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap_or(f64::NAN), b.as_f64().unwrap_or(0.0));
            if (a - b).abs() > 1e-6 {
                differ();
            }
        }
        (t, o) if t == o => {}
        _ => differ(),
    }
}

/// Named differences from tshark, each pinned to its values and with the
/// reason wirelens differs.
struct Exception {
    fixture: &'static str,
    section: &'static str,
    path: &'static str,
    truth: &'static str,
    ours: &'static str,
    why: &'static str,
}

const BOUND_ERROR: &str = "tshark stops frame 4 with a bounds error inside the 17 KB HEADERS frame \
     of stream 13 ([BoundErrorUnreassembled Packet]) and never dissects the rest of the client's \
     first flight (frames 22 and 24); wirelens reassembles the frame and decodes its request, the \
     SETTINGS and GOAWAY after it, and the WINDOW_UPDATEs";

const FUZZED_COUNTS: &str = "frames 642 (a query) and 29 (a response), see FUZZED";

const EXCEPTIONS: &[Exception] = &[
    Exception {
        fixture: FUZZED,
        section: "dns",
        path: ".messages",
        truth: "305",
        ours: "303",
        why: FUZZED_COUNTS,
    },
    Exception {
        fixture: FUZZED,
        section: "dns",
        path: ".queries",
        truth: "256",
        ours: "255",
        why: FUZZED_COUNTS,
    },
    Exception {
        fixture: FUZZED,
        section: "dns",
        path: ".responses",
        truth: "49",
        ours: "48",
        why: FUZZED_COUNTS,
    },
    Exception {
        fixture: FUZZED,
        section: "dns",
        path: ".rcodes.NOERROR",
        truth: "47",
        ours: "46",
        why: FUZZED_COUNTS,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".frame_type_totals.SETTINGS",
        truth: "3",
        ours: "4",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].frame_types.SETTINGS",
        truth: "3",
        ours: "4",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].frames_by_direction.C:SETTINGS",
        truth: "1",
        ours: "2",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].streams[5].method",
        truth: "null",
        ours: "\"GET\"",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].streams[5].path",
        truth: "null",
        ours: "\"/\"",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].streams[5].authority",
        truth: "null",
        ours: "\"nghttp2.org\"",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].streams[5].scheme",
        truth: "null",
        ours: "\"http\"",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].streams[5].request_headers",
        truth: "null",
        ours: "1",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].goaway.len",
        truth: "0",
        ours: "1",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "arkime_http2-nghttp2.pcap",
        section: "http2",
        path: ".per_connection[0].window_update_total_increment.C",
        truth: "0",
        ours: "67174",
        why: BOUND_ERROR,
    },
    Exception {
        fixture: "zeek_hrr.pcap",
        section: "tls",
        path: ".sessions[0].records.S:23",
        truth: "2",
        ours: "1",
        why: "frame 9 arrives before the hole at the ServerHello (frame 11) is filled: wirelens \
              shows its record when it comes, as continuation data of a record whose start it \
              has not seen (as tshark's default); tshark with out-of-order reassembly holds it \
              and counts it as an application data record with frame 11",
    },
];

/// Rules for what the truth script cannot know or words differently,
/// applied to both sides before comparing.
fn normalise(section: &str, fx: &Fixture, truth: &mut Value, ours: &mut Value) {
    strip_notes(truth);
    match section {
        "dns" => {
            if fx.name == FUZZED {
                // Frame 642: see FUZZED.
                if let Some(Value::Array(t)) = truth.get_mut("transactions") {
                    t.retain(|t| t["query_frame"] != 642);
                }
            }
            normalise_dns(truth, ours);
        }
        "tls" => normalise_tls(truth),
        "http" => normalise_http(ours),
        "http2" => normalise_http2(fx, truth, ours),
        _ => {}
    }
}

/// Wireshark fuzz-test output (see tests/golden.rs): frame 642 is a first
/// IP fragment tshark's fragment table resolves against state wirelens does
/// not mirror (tshark shows its DNS query, wirelens a fragment), and frame
/// 29 (ports no one claims, a UDP length larger than its IP payload) tshark
/// dissects as DNS by the dissector an earlier conversation on those ports
/// used, where wirelens reports the bad length and stops at UDP.
const FUZZED: &str = "ndpi_fuzz-2006-06-26-2594.pcap";

/// Keys ending in `note` are the truth script's comments.
fn strip_notes(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.ends_with("note"));
            m.values_mut().for_each(strip_notes);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_notes),
        _ => {}
    }
}

/// tshark's `dns` filter is DNS proper: mDNS and LLMNR (which `wirelens
/// dns` lists too) are other protocols to it, and the script reads DNS from
/// its JSON's top-level layers, where DNS over HTTPS is nested under http2
/// (DoH is compared on its own, see `doh_transactions_match_tshark`).
/// The script names only some record types (others as their number) and
/// extracts data only for some (null for the rest).
fn normalise_dns(truth: &mut Value, ours: &mut Value) {
    let o = ours.as_object_mut().expect("object");
    let counts = o
        .get("protocols")
        .and_then(|p| p.get("dns"))
        .cloned()
        .unwrap_or_else(
            || serde_json::json!({"messages": 0, "queries": 0, "responses": 0, "rcodes": {}}),
        );
    for k in ["messages", "queries", "responses", "rcodes"] {
        o.insert(k.into(), counts[k].clone());
    }
    // The script names response codes up to REFUSED (5), numbers the rest.
    let numbered_rcode = |name: &str| -> Option<String> {
        ["YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"]
            .iter()
            .position(|n| *n == name)
            .map(|i| (i + 6).to_string())
    };
    if let Some(Value::Object(r)) = o.get_mut("rcodes") {
        let renamed: Map<String, Value> = std::mem::take(r)
            .into_iter()
            .map(|(k, v)| (numbered_rcode(&k).unwrap_or(k), v))
            .collect();
        *r = renamed;
    }
    for t in o
        .get_mut("transactions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(n) = t["rcode"].as_str().and_then(numbered_rcode) {
            t["rcode"] = Value::String(n);
        }
    }
    if let Some(Value::Array(t)) = o.get_mut("transactions") {
        t.retain(|t| t["protocol"] == "dns" && t["transport"] != "doh");
    }
    let numbered = |t: &Value, o: &mut Value| {
        if t["type"]
            .as_str()
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()))
        {
            o["type"] = Value::String(o["type_code"].to_string());
        }
    };
    let (Some(tt), Some(ot)) = (
        truth["transactions"].as_array_mut(),
        ours["transactions"].as_array_mut(),
    ) else {
        return;
    };
    for (t, o) in tt.iter_mut().zip(ot.iter_mut()) {
        numbered(t, o);
        if let (Some(ta), Some(oa)) = (t["answers"].as_array_mut(), o["answers"].as_array_mut()) {
            for (t, o) in ta.iter_mut().zip(oa.iter_mut()) {
                numbered(t, o);
                if t["data"].is_null() {
                    t.as_object_mut().expect("object").remove("data");
                }
            }
        }
    }
}

/// The script's cipher-suite table lacks some names (null there). And it
/// files the rows of a connection by the ClientHello's sender: a `tls` row
/// before the ClientHello's (the first segment of a ClientHello spread over
/// several) counts as the server's, so its "server" is the client.
fn normalise_tls(truth: &mut Value) {
    for s in truth["sessions"].as_array_mut().into_iter().flatten() {
        let m = s.as_object_mut().expect("object");
        if m.get("cipher_suite_name") == Some(&Value::Null) {
            m.remove("cipher_suite_name");
        }
        if m.get("server").is_some() && m.get("server") == m.get("client") {
            m.remove("server");
        }
    }
}

/// `tshark -T fields` prints an empty value as nothing: the script reads it
/// as null.
fn normalise_http(ours: &mut Value) {
    for m in ours["messages"].as_array_mut().into_iter().flatten() {
        for v in m.as_object_mut().expect("object").values_mut() {
            if v.as_str() == Some("") {
                *v = Value::Null;
            }
        }
    }
}

/// Without a SYN, the script takes the sender of a connection's first
/// HTTP/2 frame as its client. After an h2c upgrade that is the server (its
/// 101 response carries its first frames): the script's C and S are then
/// ours swapped, and the values it derives from the roles (the request's
/// pseudo-headers, the status) it cannot know.
fn normalise_http2(fx: &Fixture, truth: &mut Value, ours: &Value) {
    let ours_conns = ours["per_connection"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for c in truth["per_connection"].as_array_mut().into_iter().flatten() {
        let Some(o) = ours_conns
            .iter()
            .find(|o| o["tcp_stream"] == c["tcp_stream"])
        else {
            continue;
        };
        if o["client"] == c["client"] {
            continue;
        }
        assert!(
            H2_CLIENT_FROM_FIRST_FRAME.contains(&fx.name.as_str()),
            "{}: tshark's client {} is not ours {}",
            fx.name,
            c["client"],
            o["client"]
        );
        c["client"] = o["client"].clone();
        let swap_tag = |k: &str| -> String {
            match k.split_once(':') {
                Some(("C", rest)) => format!("S:{rest}"),
                Some(("S", rest)) => format!("C:{rest}"),
                _ => k.to_string(),
            }
        };
        let swap_keys = |v: &mut Value, f: &dyn Fn(&str) -> String| {
            if let Value::Object(m) = v {
                let swapped: Map<String, Value> = std::mem::take(m)
                    .into_iter()
                    .map(|(k, v)| (f(&k), v))
                    .collect();
                *m = swapped;
            }
        };
        let swap_side = |k: &str| -> String {
            match k {
                "C" => "S".into(),
                "S" => "C".into(),
                k => k.into(),
            }
        };
        swap_keys(&mut c["frames_by_direction"], &swap_tag);
        for k in [
            "settings",
            "hpack_representations",
            "window_update_total_increment",
        ] {
            swap_keys(&mut c[k], &swap_side);
        }
        for g in c["goaway"].as_array_mut().into_iter().flatten() {
            g["from"] = Value::String(swap_side(g["from"].as_str().unwrap_or("")));
        }
        for s in c["streams"].as_array_mut().into_iter().flatten() {
            let m = s.as_object_mut().expect("object");
            for k in [
                "method",
                "path",
                "authority",
                "scheme",
                "status",
                "request_via_http1_upgrade",
            ] {
                m.remove(k);
            }
            for (a, b) in [
                ("request_headers", "response_headers"),
                ("data_bytes_client", "data_bytes_server"),
                ("data_frames_client", "data_frames_server"),
                ("end_stream_client", "end_stream_server"),
            ] {
                let (x, y) = (m.remove(a), m.remove(b));
                if let Some(y) = y {
                    m.insert(a.into(), y);
                }
                if let Some(x) = x {
                    m.insert(b.into(), x);
                }
            }
            if let Some(r) = m.get_mut("rst_stream").filter(|r| r.is_object()) {
                r["from"] = Value::String(swap_side(r["from"].as_str().unwrap_or("")));
            }
            if let Some(fc) = m.get_mut("frame_counts") {
                swap_keys(fc, &swap_tag);
            }
        }
    }
}

/// Captures of HTTP/2 connections with no SYN whose first HTTP/2 frame is
/// the server's (see `normalise_http2`).
const H2_CLIENT_FROM_FIRST_FRAME: &[&str] = &["suricata_http2-keywords2_h2c-upgrade.pcap"];

/// How many items a section of ours lists (to check that we find nothing
/// where tshark finds nothing).
fn items(section: &str, ours: &Value) -> usize {
    let list = |k: &str| ours[k].as_array().map_or(0, Vec::len);
    match section {
        "dns" => ours["transactions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["protocol"] == "dns" && t["transport"] != "doh")
            .count(),
        "tls" => list("sessions"),
        "http" => list("messages"),
        _ => list("per_connection"),
    }
}

#[test]
fn dns_tls_http_and_http2_summaries_match_tshark() {
    let mut failures: Vec<String> = Vec::new();
    let mut used: Vec<bool> = vec![false; EXCEPTIONS.len()];
    let mut compared = 0;
    for fx in fixtures() {
        let Some(truth) = app_truth(&fx) else {
            continue;
        };
        for section in ["dns", "tls", "http", "http2"] {
            let mut ours = wirelens_json(section, &fx);
            let Some(t) = truth.get(section) else {
                if items(section, &ours) > 0 {
                    failures.push(format!(
                        "{} {section}: tshark finds none, wirelens {}",
                        fx.name,
                        items(section, &ours)
                    ));
                }
                continue;
            };
            let mut t = t.clone();
            normalise(section, &fx, &mut t, &mut ours);
            let mut diffs = Vec::new();
            compare("", &t, &ours, &mut diffs);
            compared += 1;
            for d in diffs {
                let known = EXCEPTIONS.iter().position(|e| {
                    e.fixture == fx.name
                        && e.section == section
                        && e.path == d.path
                        && serde_json::from_str::<Value>(e.truth).ok().as_ref() == Some(&d.truth)
                        && serde_json::from_str::<Value>(e.ours).ok().as_ref() == Some(&d.ours)
                });
                match known {
                    Some(i) => used[i] = true,
                    None => failures.push(format!(
                        "{} {section} {}: tshark {} wirelens {}",
                        fx.name, d.path, d.truth, d.ours
                    )),
                }
            }
        }
    }
    for (e, used) in EXCEPTIONS.iter().zip(&used) {
        if !used {
            failures.push(format!(
                "exception no longer needed: {} {} {} ({})",
                e.fixture, e.section, e.path, e.why
            ));
        }
    }
    assert!(compared >= 30, "only {compared} sections compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// DNS over HTTPS: every query tshark shows is a transaction of ours, and
/// every response it pairs with a query answers that transaction, with
/// tshark's response time.
#[test]
fn doh_transactions_match_tshark() {
    let mut checked = 0;
    for fx in fixtures() {
        let Some(truth) = app_truth(&fx) else {
            continue;
        };
        let Some(doh) = truth["doh"].as_array() else {
            continue;
        };
        let ours = wirelens_json("dns", &fx);
        let txs: Vec<&Value> = ours["transactions"]
            .as_array()
            .expect("transactions")
            .iter()
            .filter(|t| t["transport"] == "doh")
            .collect();
        let queries: Vec<&Value> = doh.iter().filter(|m| m["response"] == false).collect();
        assert_eq!(txs.len(), queries.len(), "{}: DoH queries", fx.name);
        for (q, t) in queries.iter().zip(&txs) {
            assert_eq!(q["frame"], t["query_frame"], "{}", fx.name);
            assert_eq!(q["name"], t["name"], "{}", fx.name);
        }
        for r in doh.iter().filter(|m| m["response"] == true) {
            let t = txs
                .iter()
                .find(|t| t["query_frame"] == r["response_to"])
                .unwrap_or_else(|| panic!("{}: no query for response {}", fx.name, r["frame"]));
            assert_eq!(t["response_frame"], r["frame"], "{}", fx.name);
            let (a, b) = (t["response_time"].as_f64(), r["time"].as_f64());
            assert!(
                a.zip(b).is_some_and(|(a, b)| (a - b).abs() < 1e-6),
                "{}: response time {a:?} vs tshark {b:?}",
                fx.name
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no DoH fixture");
}
