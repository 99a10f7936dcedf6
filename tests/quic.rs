//! QUIC and HTTP/3 end to end, through the command line, on a capture of
//! aioquic's client and server (tests/tools/quic_session.py): what opens
//! without keys, and what only wirelens opens with them. Everything tshark
//! also shows is golden-tested against it (tests/golden.rs).

use std::process::Command;

mod common;

const FIXTURE: &str = "tests/fixtures/wirelens_quic_h3.pcapng";
const KEYS: &str = "tests/fixtures/wirelens_quic_h3.keys";
/// One connection that moves to a new client port with a new connection
/// ID, then to another port with the same ID (quic_session.py --migration).
const MIGRATION: &str = "tests/fixtures/wirelens_quic_migration.pcapng";
const MIGRATION_KEYS: &str = "tests/fixtures/wirelens_quic_migration.keys";

/// `wirelens ARGS --keylog KEYS`'s standard output as JSON.
fn json_of(args: &[&str], keys: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .current_dir(common::root())
        .args(args)
        .args(["--keylog", keys])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The frame numbers `wirelens packets` lists for `filter`.
fn frames(filter: &str, keyed: bool) -> Vec<u32> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wirelens"));
    c.current_dir(common::root())
        .args(["packets", FIXTURE, "--format", "json", "-Y", filter]);
    if keyed {
        c.args(["--keylog", KEYS]);
    }
    let out = c.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.iter()
        .map(|r| r["number"].as_u64().unwrap() as u32)
        .collect()
}

/// Without a key log, every ClientHello opens (Initial keys come from the
/// client's Destination Connection ID), the one sent again after the
/// Retry too, with its SNI and ALPN; nothing else does.
#[test]
fn initial_packets_open_without_keys() {
    let hellos = frames("tls.handshake.type == 1", false);
    // Four connections; the one behind a Retry sends its hello twice.
    assert_eq!(hellos.len(), 5, "{hellos:?}");
    assert_eq!(
        frames(
            r#"tls.handshake.extensions_server_name == "quic.example""#,
            false
        ),
        hellos
    );
    assert_eq!(
        frames(r#"tls.handshake.extensions_alpn_str == "h3""#, false),
        hellos
    );
    // JA4 names QUIC as its transport ("q"), TLS 1.3, SNI, ALPN h3.
    assert_eq!(
        frames(r#"tls.handshake.ja4 matches "^q13d[0-9]{4}h3_""#, false),
        hellos
    );
    assert!(frames("http3", false).is_empty());
    assert!(frames("quic.stream.stream_id", false).is_empty());
}

/// The Retry's integrity tag checks against the first DCID; the client's
/// new Initial opens with keys from the Retry's Source Connection ID, and
/// with the key log the whole connection after it: the answer to its one
/// request is there in a DATA frame (tshark 4.0 opens nothing past the
/// Retry, see tests/golden.rs).
#[test]
fn the_connection_behind_a_retry_decrypts_through_its_answer() {
    let retry = frames("quic.long.packet_type == 3", false);
    assert_eq!(retry.len(), 1);
    assert!(frames("quic.retry_integrity_tag.incorrect", false).is_empty());
    let answer = frames(
        r#"http3.frame_type == 0 && http3.frame_payload contains "you asked for /after-retry""#,
        true,
    );
    assert_eq!(answer.len(), 1, "{answer:?}");
    assert!(answer[0] > retry[0]);
}

/// 0-RTT data of the resumed connection opens (its suite tried, as the
/// capture does not hold the resumed session's), and the client's key
/// update is followed: HTTP/3 frames on both sides of it.
#[test]
fn zero_rtt_and_a_key_update_are_followed() {
    let early = frames(
        "quic.long.packet_type == 1 && quic.stream.stream_id == 0",
        true,
    );
    assert_eq!(early.len(), 1, "{early:?}");
    let updated = frames("quic.key_phase == 1 && http3.frame_type == 1", true);
    assert!(updated.len() >= 2, "{updated:?}");
    let before = frames("quic.key_phase == 0 && http3.frame_type == 1", true);
    assert!(before.iter().any(|b| b < &updated[0]));
    // The 200 000-byte answer's bytes all came: every stream 4 packet of
    // the server opened.
    assert!(frames("quic.decryption_failed", true).is_empty());
}

/// Transport parameters are decoded by name in every ClientHello and
/// EncryptedExtensions; the server behind the Retry names the Retry's
/// Source Connection ID among them (RFC 9000 §7.3), and only it.
#[test]
fn transport_parameters_are_decoded_by_name() {
    let carriers = frames("tls.handshake.type == 1 || tls.handshake.type == 8", true);
    assert_eq!(carriers.len(), 9, "{carriers:?}");
    assert_eq!(
        frames("tls.quic.parameter.max_idle_timeout == 60000", true),
        carriers
    );
    let retry = frames("quic.long.packet_type == 3", false);
    let rscid = frames("tls.quic.parameter.retry_source_connection_id", true);
    assert_eq!(rscid.len(), 1, "{rscid:?}");
    assert!(rscid[0] > retry[0]);
}

/// Every request's and response's headers decode from QPACK (the
/// fixture's aioquic peers use ls-qpack, dynamic table and all) to what
/// tests/tools/quic_session.py sent: tshark's Debian build has no QPACK
/// decoding to compare with, so the test compares with the sender.
///
/// The request sent in 0-RTT (`/early`) is the exception, on purpose: as
/// tshark 4.0, STREAM data is HTTP/3 once the server's
/// EncryptedExtensions chose h3, and 0-RTT data comes before them (its
/// answer, in 1-RTT, decodes).
#[test]
fn qpack_headers_decode_to_what_client_and_server_sent() {
    let requests = [
        ("GET", "/hello", "you asked for /hello".len()),
        ("GET", "/bytes/200000", 200_000),
        (
            "POST",
            "/upload",
            "you asked for /upload with 3000 bytes".len(),
        ),
        (
            "GET",
            "/after-key-update",
            "you asked for /after-key-update".len(),
        ),
        ("GET", "/early", "you asked for /early".len()),
        ("GET", "/after-retry", "you asked for /after-retry".len()),
        ("GET", "/v2", "you asked for /v2".len()),
    ];
    for (method, path, length) in requests {
        let request = frames(
            &format!(
                r#"http3.headers.method == "{method}" && http3.headers.path == "{path}"
                   && http3.headers.scheme == "https" && http3.headers.authority == "quic.example"
                   && http3.headers.user_agent == "wirelens-fixture/1" && http3.headers.count == 5
                   && http3.request.full_uri == "https://quic.example{path}""#
            ),
            true,
        );
        if path == "/early" {
            assert!(request.is_empty(), "{request:?}");
            assert!(!frames(&format!("http3.headers.content_length == {length}"), true).is_empty());
            continue;
        }
        assert_eq!(request.len(), 1, "{method} {path}: {request:?}");
        let response = frames(
            &format!(
                r#"http3.headers.status == 200 && http3.headers.content_type == "text/plain"
                   && http3.headers.content_length == {length}
                   && http3.headers.server == "aioquic-fixture" && http3.headers.count == 4"#
            ),
            true,
        );
        assert!(
            response.iter().any(|&r| r > request[0]),
            "{path}: {response:?}"
        );
    }
    // Each HEADERS frame shown has its section decoded; none failed or
    // waited on the encoder stream.
    assert_eq!(
        frames("http3.frame_type == 1", true),
        frames("http3.headers.count", true)
    );
    assert!(
        frames(
            "http3.header.qpack.failed || http3.header.qpack.blocked",
            true
        )
        .is_empty()
    );
    // The client did use the dynamic table: its encoder stream (6) goes on
    // past its type and capacity with inserts (`:authority`, `user-agent`
    // by name reference), which the later requests refer to.
    assert!(!frames("quic.stream.stream_id == 6 && quic.stream.offset > 1", true).is_empty());
}

/// `wirelens follow --http3` (the command line of Follow HTTP/3 Stream) on
/// the connection behind the Retry, which tshark 4.0 cannot open: the
/// request and its answer, headers and body; and on the resumed one, whose
/// 0-RTT request the dissection leaves as STREAM data (as tshark): its
/// section needs no QPACK table, so Follow decodes it alone.
#[test]
fn follow_http3_prints_request_streams() {
    let follow = |stream: &str| -> Vec<serde_json::Value> {
        let args = [
            "follow", FIXTURE, "--stream", stream, "--http3", "--format", "json",
        ];
        serde_json::from_value(json_of(&args, KEYS)).unwrap()
    };
    let retry = follow("2");
    assert_eq!(retry.len(), 3, "{retry:?}");
    assert_eq!(retry[0]["from"], "client");
    assert_eq!(
        retry[0]["headers"][3],
        serde_json::json!([":path", "/after-retry"])
    );
    assert_eq!(
        retry[1]["headers"][0],
        serde_json::json!([":status", "200"])
    );
    assert_eq!(retry[2]["data"], "you asked for /after-retry");
    let early = follow("1");
    assert_eq!(
        early[0]["headers"][3],
        serde_json::json!([":path", "/early"])
    );
    assert_eq!(early[2]["data"], "you asked for /early");
}

/// `wirelens quic --format json` agrees with tshark per connection
/// (tshark's `quic.connection.number`): version, SNI, packet types, QUIC
/// frame types and HTTP/3 frame types, with the keys each capture has (the
/// ndpi capture carries its own in a Decryption Secrets Block). The one
/// connection tshark 4.0 loses after its Retry (tests/golden.rs,
/// AFTER_RETRY) is compared up to what tshark can open: version, SNI and
/// packet types.
#[test]
fn the_quic_summary_agrees_with_tshark_per_connection() {
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    let name = |table: &'static [(u64, &'static str)], v: u64| {
        dissectors::field::lookup(table, v).map_or(format!("0x{v:x}"), str::to_string)
    };
    for (fixture, keys, lost_after_retry) in [
        (FIXTURE, Some(KEYS), Some(2u64)),
        (MIGRATION, Some(MIGRATION_KEYS), None),
        ("tests/fixtures/ndpi_quic-v2.pcapng", None, None),
    ] {
        let mut c = Command::new("tshark");
        c.current_dir(common::root())
            .args(["-r", fixture, "-Y", "quic", "-T", "fields"]);
        if let Some(k) = keys {
            c.args(["-o", &format!("tls.keylog_file:{k}")]);
        }
        let fields = [
            "quic.connection.number",
            "quic.header_form",
            "quic.long.packet_type",
            "quic.long.packet_type_v2",
            "quic.version",
            "quic.frame_type",
            "http3.frame_type",
            "tls.handshake.extensions_server_name",
        ];
        for f in fields {
            c.args(["-e", f]);
        }
        let out = c
            .args(["-E", "occurrence=a"])
            .output()
            .expect("tshark runs");
        let mut theirs: BTreeMap<u64, Value> = BTreeMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let cols: Vec<Vec<u64>> = line
                .split('\t')
                .map(|c| {
                    c.split(',')
                        .filter_map(|v| {
                            v.strip_prefix("0x")
                                .map_or_else(|| v.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
                        })
                        .collect()
                })
                .collect();
            let sni = line.split('\t').nth(7).unwrap_or("");
            let Some(&conn) = cols[0].first() else {
                continue;
            };
            let t = theirs.entry(conn).or_insert_with(
                || json!({"packet_types": {}, "frame_types": {}, "http3_frame_types": {}}),
            );
            let mut bump = |key: &str, n: String| {
                let e = &mut t[key][n];
                *e = json!(e.as_u64().unwrap_or(0) + 1);
            };
            let (mut v1, mut v2) = (cols[2].iter(), cols[3].iter());
            for &form in &cols[1] {
                let kind = if form == 0 {
                    "1-RTT"
                } else if let Some(&b) = v1.next() {
                    ["Initial", "0-RTT", "Handshake", "Retry"][b as usize & 3]
                } else {
                    let b = v2.next().copied().unwrap_or(0);
                    ["Retry", "Initial", "0-RTT", "Handshake"][b as usize & 3]
                };
                bump("packet_types", kind.to_string());
            }
            for &f in &cols[5] {
                bump(
                    "frame_types",
                    name(dissectors::quic::frames::FRAME_TYPES, f),
                );
            }
            for &f in &cols[6] {
                bump("http3_frame_types", name(dissectors::http3::FRAME_TYPES, f));
            }
            if let Some(&v) = cols[4].iter().find(|&&v| v != 0) {
                t["version"]
                    .is_null()
                    .then(|| t["version"] = json!(format!("0x{v:08x}")));
            }
            if !sni.is_empty() && t["sni"].is_null() {
                t["sni"] = json!(sni);
            }
        }
        let mut c = Command::new(env!("CARGO_BIN_EXE_wirelens"));
        c.current_dir(common::root())
            .args(["quic", fixture, "--format", "json"]);
        if let Some(k) = keys {
            c.args(["--keylog", k]);
        }
        let out = c.output().expect("runs");
        let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = ours["per_connection"].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{fixture}");
        for o in ours {
            let n = o["connection"].as_u64().unwrap();
            let t = &theirs[&n];
            let mut keys = vec!["version", "sni", "packet_types"];
            if lost_after_retry != Some(n) {
                keys.extend(["frame_types", "http3_frame_types"]);
            }
            for k in keys {
                assert_eq!(o[k], t[k], "{fixture} connection {n} {k}");
            }
        }
    }
}

/// A connection that migrates stays one connection, with its sides right
/// on every path: its four requests (two after a new port and connection
/// ID, one after a NAT-like rebinding that keeps the ID) each have their
/// answer, and Follow HTTP/3 Stream reads them all in one.
#[test]
fn a_migrating_connection_keeps_its_number_and_its_sides() {
    let v = json_of(&["quic", MIGRATION, "--format", "json"], MIGRATION_KEYS);
    assert_eq!(v["connections"], 1, "{v:#}");
    let c = &v["per_connection"][0];
    assert_eq!(c["client_addresses"].as_array().unwrap().len(), 3, "{c:#}");
    // The server checks each new path (RFC 9000 §8.2).
    assert_eq!(c["frame_types"]["PATH_CHALLENGE"], 2, "{c:#}");
    assert_eq!(c["frame_types"]["PATH_RESPONSE"], 2, "{c:#}");
    let requests: Vec<(String, u64)> = c["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    let paths = [
        "/before-migration",
        "/after-migration",
        "/bytes/60000",
        "/after-rebinding",
    ];
    assert_eq!(requests, paths.map(|p| (p.to_string(), 200)));
    let follow = json_of(
        &[
            "follow", MIGRATION, "--stream", "0", "--http3", "--format", "json",
        ],
        MIGRATION_KEYS,
    );
    let bodies: Vec<(&str, usize)> = follow
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["data_len"].is_u64())
        .map(|p| {
            (
                p["from"].as_str().unwrap(),
                p["data_len"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let answer = |p: &str| ("server", "you asked for ".len() + p.len());
    assert_eq!(
        bodies,
        [
            answer("/before-migration"),
            answer("/after-migration"),
            ("server", 60000),
            answer("/after-rebinding")
        ]
    );
}

/// One QUIC packet as tshark's JSON shows it: which side, its number
/// space, number, whether it asks for an ACK, and its ACK frames' ranges
/// and delays.
struct Seen {
    frame: u32,
    ts_ns: i64,
    side: usize,
    space: usize,
    pn: u64,
    eliciting: bool,
    padded: bool,
    handshake_done: bool,
    acks: Vec<(Vec<(u64, u64)>, u64)>,
}

/// Every packet of QUIC connection `connection` of `fixture`, with its
/// keys, from `tshark -T json`: the test's own reading of tshark's
/// dissection, not ours.
fn seen_by_tshark(fixture: &str, keys: &str, server_port: &str, connection: u32) -> Vec<Seen> {
    use serde_json::Value;
    let out = Command::new("tshark")
        .current_dir(common::root())
        .args(["-r", fixture, "-o", &format!("tls.keylog_file:{keys}")])
        .args(["-Y", &format!("quic.connection.number == {connection}")])
        .args(["-T", "json", "--no-duplicate-keys", "-J", "frame udp quic"])
        .output()
        .expect("tshark runs");
    let frames: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        }
    };
    let num = |v: &Value| v.as_str().and_then(|s| s.parse::<u64>().ok());
    let mut seen = Vec::new();
    for f in &frames {
        let l = &f["_source"]["layers"];
        let frame = num(&l["frame"]["frame.number"]).unwrap() as u32;
        let epoch = l["frame"]["frame.time_epoch"].as_str().unwrap();
        let (s, ns) = epoch.split_once('.').unwrap();
        let ts_ns = s.parse::<i64>().unwrap() * 1_000_000_000 + ns[..9].parse::<i64>().unwrap();
        let side = usize::from(l["udp"]["udp.srcport"].as_str() == Some(server_port));
        for p in list(&l["quic"]) {
            let short = &p["quic.short"];
            let Some(pn) =
                num(&p["quic.packet_number"]).or_else(|| num(&short["quic.packet_number"]))
            else {
                continue;
            };
            let space = match num(&p["quic.long.packet_type"]) {
                None => 2,
                Some(0) => 0,
                Some(2) => 1,
                Some(_) => 2,
            };
            let mut q = Seen {
                frame,
                ts_ns,
                side,
                space,
                pn,
                eliciting: false,
                padded: false,
                handshake_done: false,
                acks: Vec::new(),
            };
            for fr in list(&p["quic.frame"]) {
                let ty = num(&fr["quic.frame_type"]).unwrap();
                q.eliciting |= !matches!(ty, 0 | 2 | 3 | 0x1c | 0x1d);
                q.padded |= ty == 0;
                q.handshake_done |= ty == 0x1e;
                if !matches!(ty, 2 | 3) {
                    continue;
                }
                let largest = num(&fr["quic.ack.largest_acknowledged"]).unwrap();
                let mut lo = largest - num(&fr["quic.ack.first_ack_range"]).unwrap();
                let mut ranges = vec![(lo, largest)];
                let gaps = list(&fr["quic.ack.gap"]);
                for (gap, range) in gaps.iter().zip(list(&fr["quic.ack.ack_range"]).iter()) {
                    let hi = lo - num(gap).unwrap() - 2;
                    lo = hi - num(range).unwrap();
                    ranges.push((lo, hi));
                }
                q.acks
                    .push((ranges, num(&fr["quic.ack.ack_delay"]).unwrap()));
            }
            seen.push(q);
        }
    }
    seen
}

/// `wirelens quic --series`'s RTT samples are RFC 9002's, worked out here
/// again from tshark's view of the packets: a sample where an ACK newly
/// acknowledges the largest packet it names and something ack-eliciting
/// (latest = ACK time - that packet's time), the smoothed RTT and its
/// variation as §5.3 updates them (ACK Delay << 3 µs taken off in the
/// application space, aioquic's default exponent). Packets of a space
/// whose keys are gone (§4.9 of RFC 9001) are no longer waited for.
#[test]
fn rtt_samples_are_rfc_9002s_from_tsharks_view_of_the_acks() {
    use std::collections::BTreeMap;
    for (fixture, keys, port, connection) in [
        (MIGRATION, MIGRATION_KEYS, "4436", 0),
        (FIXTURE, KEYS, "4433", 0),
    ] {
        // Per side and space: packets in flight (frame, time, eliciting).
        type InFlight = BTreeMap<u64, (u32, i64, bool)>;
        let mut sent: [[InFlight; 3]; 2] = Default::default();
        let mut largest: [[Option<u64>; 3]; 2] = Default::default();
        // Per side: min, smoothed, variation, latest.
        let mut rtt: [Option<(i64, i64, i64, i64)>; 2] = [None, None];
        let mut expected = Vec::new();
        let mut gone = [false; 3];
        for q in seen_by_tshark(fixture, keys, port, connection) {
            if q.space == 1 && q.side == 0 {
                gone[0] = true;
                sent.iter_mut().for_each(|s| s[0].clear());
            }
            if q.handshake_done {
                gone[1] = true;
                sent.iter_mut().for_each(|s| s[1].clear());
            }
            let peer = 1 - q.side;
            for (ranges, delay) in &q.acks {
                let in_flight = &mut sent[peer][q.space];
                let mut newly = Vec::new();
                for &(lo, hi) in ranges {
                    let pns: Vec<u64> = in_flight.range(lo..=hi).map(|(&n, _)| n).collect();
                    for n in pns {
                        newly.push((n, in_flight.remove(&n).unwrap()));
                    }
                }
                let top = ranges[0].1;
                let l = largest[peer][q.space].map_or(top, |l| l.max(top));
                largest[peer][q.space] = Some(l);
                let sample = newly.iter().find(|(n, _)| *n == top);
                if let Some(&(_, (acked, at, _))) = sample
                    && newly.iter().any(|(_, s)| s.2)
                {
                    let latest = q.ts_ns - at;
                    let mut ack_delay = if q.space == 2 {
                        (*delay as i64) * 8 * 1000
                    } else {
                        0
                    };
                    if gone[1] {
                        ack_delay = ack_delay.min(25_000_000);
                    }
                    let next = match rtt[peer] {
                        None => (latest, latest, latest / 2, latest),
                        Some((min, smoothed, var, _)) => {
                            let min = min.min(latest);
                            let adj = if latest >= min + ack_delay {
                                latest - ack_delay
                            } else {
                                latest
                            };
                            (
                                min,
                                (7 * smoothed + adj) / 8,
                                (3 * var + (smoothed - adj).abs()) / 4,
                                latest,
                            )
                        }
                    };
                    rtt[peer] = Some(next);
                    expected.push((q.frame, peer, acked, latest, next.1, next.2));
                }
                // Loss detection takes packets out as the series does:
                // three behind the largest acknowledged, or 9/8 RTT old.
                let delay = rtt[peer].map_or(i64::MAX, |r| (r.1.max(r.3) * 9 / 8).max(1_000_000));
                sent[peer][q.space].retain(|&n, s| {
                    !(n < l && (l >= n + 3 || s.1 <= q.ts_ns.saturating_sub(delay)))
                });
            }
            if (q.eliciting || q.padded) && !gone[q.space] {
                sent[q.side][q.space].insert(q.pn, (q.frame, q.ts_ns, q.eliciting));
            }
        }
        let v = json_of(
            &[
                "quic",
                fixture,
                "--series",
                &connection.to_string(),
                "--format",
                "json",
            ],
            keys,
        );
        let ours: Vec<(u32, usize, u32, i64, i64, i64)> = v["rtt"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let ns = |k: &str| (r[k].as_f64().unwrap() * 1e6).round() as i64;
                (
                    r["frame"].as_u64().unwrap() as u32,
                    usize::from(r["measured_by"] == "server"),
                    r["acked_frame"].as_u64().unwrap() as u32,
                    ns("latest_ms"),
                    ns("smoothed_ms"),
                    ns("rttvar_ms"),
                )
            })
            .collect();
        assert!(expected.len() > 10, "{fixture}: {expected:?}");
        assert_eq!(ours, expected, "{fixture}");
    }
}
