//! WebSocket from a real library: websockets (Python) on both ends of a
//! session (tests/tools/websocket_session.py) with permessage-deflate and
//! its context takeover, fragmented messages both ways, a ping and its
//! pong, 100 KB messages and a close, while wirelens captures `lo`.
//!
//! `wirelens websocket` must give every message as the two ends saw it
//! (type, length after joining and inflating, text, close code), each
//! way in order, and the handshake checked. Tshark 4.0 does not inflate a
//! fragmented compressed message (it shows the final frame's text as the
//! raw deflate bytes of every fragment), so the messages come from what
//! the ends printed; tshark gives the frames: their count and which are
//! final must be the ones we joined.

use std::process::Command;

use serde_json::Value;

mod common;
use common::live::{can_capture, python_session, wirelens_json};

#[test]
fn websocket_messages_are_reported_as_the_ends_saw_them() {
    if !can_capture() {
        return;
    }
    let (capture, port, truth) = python_session(
        "websocket_session.py",
        "websocket.pcapng",
        "websockets (apt-get install python3-websockets)",
    );
    let ours = wirelens_json(&["websocket", "--format", "json"], &capture);
    let connections = ours["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 1, "{ours:#}");
    let c = &connections[0];
    assert_eq!(c["extensions"], truth["extensions"]);
    assert!(
        c["extensions"]
            .as_str()
            .unwrap()
            .contains("permessage-deflate"),
        "the session must be compressed to test inflation: {c:#}"
    );
    assert_eq!(c["accept_ok"], true);
    assert_eq!(c["broken"], false);
    assert_eq!(c["path"], "/feed?topic=ticks");
    let messages = c["messages"].as_array().unwrap();
    for dir in ["c2s", "s2c"] {
        let ours: Vec<&Value> = messages.iter().filter(|m| m["dir"] == dir).collect();
        let want: Vec<&Value> = truth["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["dir"] == dir)
            .collect();
        assert_eq!(ours.len(), want.len(), "{dir}: {messages:#?}");
        for (o, w) in ours.iter().zip(&want) {
            let short = |v: &Value| v.to_string().chars().take(300).collect::<String>();
            for k in ["type", "length", "text"] {
                assert!(
                    o[k] == w[k],
                    "{dir} {k}: {} vs {}",
                    short(&o[k]),
                    short(&w[k])
                );
            }
            if let Some(code) = w.get("close_code") {
                assert_eq!(&o["close_code"], code, "{o:#}");
            }
            assert!(o["inflate_error"].is_null(), "{o:#}");
        }
    }
    let fragmented: Vec<u64> = messages
        .iter()
        .filter(|m| m["fragments"].as_u64() > Some(1))
        .map(|m| m["fragments"].as_u64().unwrap())
        .collect();
    // Three fragments each way, and the empty final frame websockets sends
    // after them (it knows the last one only once its iterator ends).
    assert_eq!(fragmented, [4, 4], "one fragmented message each way");
    let data = messages
        .iter()
        .filter(|m| ["text", "binary"].contains(&m["type"].as_str().unwrap()));
    assert!(
        data.clone().count() == 12 && data.clone().all(|m| m["compressed"] == true),
        "every data message is deflated: {messages:#?}"
    );

    // tshark's frames: as many as the fragments we joined and the control
    // frames, final ones completing each of our messages in that frame.
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&capture)
        .args(["-d", &format!("tcp.port=={port},http"), "-Y", "websocket"])
        .args(["-T", "fields", "-e", "frame.number", "-e", "websocket.fin"])
        .output()
        .expect("tshark");
    let mut frames = 0;
    let mut finals = Vec::new();
    for line in String::from_utf8_lossy(&tshark.stdout).lines() {
        let mut f = line.split('\t');
        let frame: u64 = f.next().unwrap().parse().unwrap();
        for fin in f.next().unwrap_or("").split(',') {
            frames += 1;
            if fin == "1" || fin == "True" {
                finals.push(frame);
            }
        }
    }
    let ours_frames: u64 = messages
        .iter()
        .map(|m| m["fragments"].as_u64().unwrap())
        .sum();
    assert_eq!(
        frames,
        ours_frames,
        "{}",
        String::from_utf8_lossy(&tshark.stdout)
    );
    let mut our_finals: Vec<u64> = messages
        .iter()
        .map(|m| m["frame"].as_u64().unwrap())
        .collect();
    our_finals.sort();
    assert_eq!(finals, our_finals);
}

/// On every fixture (a real capture of a WebSocket chat among them), each
/// frame tshark shows as a whole message (FIN set, not a continuation, not
/// compressed) is one of ours: same frame, type, length, and direction
/// (a client masks). Ours are checked only where tshark finds WebSocket,
/// and we may find none where it finds none.
#[test]
fn whole_frames_agree_with_tshark_on_the_fixtures() {
    let mut compared = 0;
    for f in common::fixtures() {
        let out = Command::new(env!("CARGO_BIN_EXE_wirelens"))
            .args(["websocket", "--format", "json"])
            .arg(&f.path)
            .output()
            .unwrap();
        let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
        let messages: Vec<&Value> = ours["connections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["messages"].as_array().unwrap())
            .collect();
        if messages.is_empty() && !f.name.contains("websocket") {
            continue;
        }
        let tshark = Command::new("tshark")
            .arg("-r")
            .arg(&f.path)
            .args(["-Y", "websocket", "-T", "fields", "-E", "occurrence=f"])
            .args([
                "-e",
                "frame.number",
                "-e",
                "websocket.fin",
                "-e",
                "websocket.opcode",
            ])
            .args([
                "-e",
                "websocket.rsv",
                "-e",
                "websocket.payload_length",
                "-e",
                "websocket.mask",
            ])
            .output()
            .expect("tshark");
        for line in String::from_utf8_lossy(&tshark.stdout).lines() {
            let c: Vec<&str> = line.split('\t').collect();
            let whole = c[1] == "1" && c[2] != "0" && (c[3] == "0" || c[3] == "0x00");
            if !whole {
                continue;
            }
            let frame: u64 = c[0].parse().unwrap();
            let opcode: u8 = c[2].parse().unwrap();
            let m = messages
                .iter()
                .find(|m| m["frame"] == frame)
                .unwrap_or_else(|| panic!("{}: frame {frame} not ours: {ours:#}", f.name));
            assert_eq!(
                m["type"],
                dissectors::websocket::opcode_name(opcode),
                "{}: {m:#}",
                f.name
            );
            assert_eq!(m["length"].to_string(), c[4], "{}: {m:#}", f.name);
            assert_eq!(m["dir"] == "c2s", c[5] == "1", "{}: {m:#}", f.name);
            compared += 1;
        }
    }
    assert!(compared >= 5, "{compared} frames compared");
}
