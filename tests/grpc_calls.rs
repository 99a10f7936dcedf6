//! gRPC calls from a real stack: grpcio's server and client (Python,
//! tests/tools/grpc_calls.py) make unary, server-, client- and
//! bidirectional-streaming calls, one that fails with a status and one
//! that overruns its deadline, while wirelens captures `lo`. `wirelens grpc`
//! must report each call as the client saw it (path, status and message,
//! messages each way, the deadline exceeded), and its message counts
//! must be tshark's (which decodes gRPC here only with `-d ...,http2`).

use std::process::Command;

use serde_json::Value;

mod common;
use common::live::{can_capture, python_session, wirelens_json};

#[test]
fn grpc_calls_are_reported_as_the_client_saw_them() {
    if !can_capture() {
        return;
    }
    let (capture, port, truth) = python_session(
        "grpc_calls.py",
        "grpc.pcapng",
        "grpcio (apt-get install python3-grpcio)",
    );
    let truth: Vec<Value> = serde_json::from_value(truth).unwrap();
    let ours = wirelens_json(&["grpc", "--format", "json"], &capture);
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
