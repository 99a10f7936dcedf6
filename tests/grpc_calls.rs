//! gRPC calls from a real stack: grpcio's server and client (Python,
//! tests/tools/grpc_calls.py) make unary, server-, client- and
//! bidirectional-streaming calls, one that fails with a status and one
//! that overruns its deadline, while wirelens captures `lo`. `wirelens grpc`
//! must report each call as the client saw it (path, status and message,
//! messages each way, the deadline exceeded), and its message counts
//! must be tshark's (which decodes gRPC here only with `-d ...,http2`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::Value;
use wirelens::capture::live::LiveCapture;

mod common;
use common::live::{can_capture, options, settle, tmp};

#[test]
fn grpc_calls_are_reported_as_the_client_saw_them() {
    if !can_capture() {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/grpc_calls.py");
    let mut python = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with grpcio (apt-get install python3-grpcio)");
    let mut lines = BufReader::new(python.stdout.take().unwrap()).lines();
    let port: u16 = lines.next().unwrap().unwrap().trim().parse().unwrap();
    let capture = tmp("grpc.pcapng");
    let live = LiveCapture::start(&options(format!("tcp port {port}")), &capture, None).unwrap();
    writeln!(python.stdin.take().unwrap(), "go").unwrap();
    let truth: Vec<Value> = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(python.wait().unwrap().success());
    settle();
    live.stop();

    let out = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["grpc", "--format", "json"])
        .arg(&capture)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls = ours["calls"].as_array().unwrap();
    assert_eq!(calls.len(), truth.len(), "{ours:#}");
    for (c, t) in calls.iter().zip(&truth) {
        assert_eq!(c["path"], t["path"], "{c:#}");
        assert_eq!(c["messages_c2s"], t["sent"], "{c:#}");
        assert_eq!(c["messages_s2c"], t["received"], "{c:#}");
        if t["timeout"].is_null() {
            assert_eq!(c["grpc_status"], t["status"], "{c:#}");
            // grpcio sends an empty grpc-message with status 0, and its
            // client shows none.
            let message = |v: &Value| v.as_str().unwrap_or("").to_string();
            assert_eq!(message(&c["grpc_message"]), message(&t["message"]), "{c:#}");
            assert_eq!(c["deadline_exceeded"], false, "{c:#}");
        } else {
            // The client gave up at its deadline (DEADLINE_EXCEEDED, 4): on
            // the wire the server's status 4, or the client's RST_STREAM
            // CANCEL with none.
            assert_eq!(t["status"], 4);
            assert_eq!(c["deadline_exceeded"], true, "{c:#}");
            let deadline = c["deadline"].as_f64().unwrap();
            assert!((deadline - 0.1).abs() < 0.01, "{c:#}");
            let duration = c["duration"].as_f64().unwrap();
            assert!((0.09..0.3).contains(&duration), "{c:#}");
            assert!(c["grpc_status"] == 4 || c["cancelled"] == true, "{c:#}");
        }
        let replies = c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "s2c");
        assert_eq!(replies.count() as u64, t["received"].as_u64().unwrap());
        if t["received"].as_u64() > Some(0) {
            let first = c["time_to_first_message"].as_f64().unwrap();
            assert!(
                first > 0.0 && first <= c["duration"].as_f64().unwrap(),
                "{c:#}"
            );
        }
    }
    let stream = calls
        .iter()
        .find(|c| c["path"] == "/demo.Echo/ServerStream")
        .unwrap();
    let times: Vec<f64> = stream["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "s2c")
        .map(|m| m["time"].as_f64().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] >= 0.015),
        "the server paused 20 ms between parts: {times:?}"
    );

    // tshark's count of gRPC messages each way.
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&capture)
        .args(["-d", &format!("tcp.port=={port},http2"), "-Y", "grpc"])
        .args([
            "-T",
            "fields",
            "-e",
            "tcp.dstport",
            "-e",
            "grpc.message_length",
        ])
        .output()
        .expect("tshark");
    let (mut to_server, mut to_client) = (0, 0);
    for line in String::from_utf8(tshark.stdout).unwrap().lines() {
        let (dst, lengths) = line.split_once('\t').unwrap();
        let n = lengths.split(',').filter(|l| !l.is_empty()).count();
        if dst == port.to_string() {
            to_server += n;
        } else {
            to_client += n;
        }
    }
    let sum = |k: &str| {
        calls
            .iter()
            .map(|c| c[k].as_u64().unwrap() as usize)
            .sum::<usize>()
    };
    assert_eq!(
        (sum("messages_c2s"), sum("messages_s2c")),
        (to_server, to_client)
    );
}
