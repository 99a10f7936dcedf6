//! Follow TCP Stream against tshark: for every TCP stream of every fixture,
//! the reassembled bytes equal what `tshark -z follow,tcp,raw` delivers,
//! chunk by chunk (same order, lengths and bytes), and gaps sit where
//! tshark marks them. tshark writes a "[N bytes missing in capture file]"
//! text into its raw output for a gap; `follow --format raw` writes only
//! captured bytes and reports gaps in ascii/hex/json, so those markers are
//! compared as gaps, not as bytes.

mod common;

use common::*;
use dissectors::tcp_reassembly::ChunkKind;

fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[test]
fn followed_streams_are_byte_identical_to_tsharks() {
    let mut report = Report::default();
    let mut checked = 0;
    for fx in fixtures() {
        let Ok(text) = std::fs::read_to_string(fx.golden_dir().join("follow.json")) else {
            continue;
        };
        let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
        let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
        let (streams, _) = wirelens::cli::follow::follow_streams(&file, None, usize::MAX);
        for (sid, g) in golden.as_object().unwrap() {
            let sid: u32 = sid.parse().unwrap();
            checked += 1;
            let Some(f) = streams.get(&sid) else {
                report.fail(&fx.name, format!("stream {sid}: not followed"));
                continue;
            };
            let nodes = [
                g["nodes"][0].as_str().unwrap(),
                g["nodes"][1].as_str().unwrap(),
            ];
            if [f.nodes.0.as_str(), f.nodes.1.as_str()] != nodes {
                report.fail(
                    &fx.name,
                    format!("stream {sid}: nodes {:?} vs tshark {nodes:?}", f.nodes),
                );
            }
            let theirs: Vec<String> = g["chunks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    if c[1] == "gap" {
                        format!("{} gap {}", c[0], c[2])
                    } else {
                        format!("{} {} {}", c[0], c[1], c[2].as_str().unwrap())
                    }
                })
                .collect();
            let ours: Vec<String> = f
                .kept
                .chunks
                .iter()
                .map(|c| match &c.kind {
                    ChunkKind::Data(d) => format!("{} {} {:016x}", c.dir, d.len(), fnv1a(d)),
                    ChunkKind::Gap(n) => format!("{} gap {n}", c.dir),
                })
                .collect();
            if ours != theirs {
                let at = ours
                    .iter()
                    .zip(&theirs)
                    .position(|(a, b)| a != b)
                    .unwrap_or(ours.len().min(theirs.len()));
                report.fail(
                    &fx.name,
                    format!(
                        "stream {sid}: {} chunks vs tshark {}; first difference at chunk {at}: {:?} vs {:?}",
                        ours.len(),
                        theirs.len(),
                        ours.get(at),
                        theirs.get(at)
                    ),
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} streams");
    report.finish();
}

/// The app follows a stream from the loaded store (its segments dissected
/// again from their tapes): the same chunks as the one-pass follow above,
/// which equals tshark's.
#[test]
fn following_from_the_store_gives_the_same_chunks() {
    use std::sync::atomic::AtomicBool;
    let mut report = Report::default();
    let mut checked = 0;
    for fx in fixtures() {
        let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
        let (streams, _) = wirelens::cli::follow::follow_streams(&file, None, usize::MAX);
        let snap = load(&fx);
        for (sid, f) in &streams {
            checked += 1;
            let no = AtomicBool::new(false);
            let Some(kept) =
                wirelens::store::follow::follow_tcp(&snap, &file, *sid, usize::MAX, &no)
            else {
                report.fail(&fx.name, format!("stream {sid}: not in the store"));
                continue;
            };
            if kept.chunks != f.kept.chunks {
                let at = kept
                    .chunks
                    .iter()
                    .zip(&f.kept.chunks)
                    .position(|(a, b)| a != b)
                    .unwrap_or(kept.chunks.len().min(f.kept.chunks.len()));
                report.fail(
                    &fx.name,
                    format!(
                        "stream {sid}: {} chunks vs {}; first difference at chunk {at}",
                        kept.chunks.len(),
                        f.kept.chunks.len()
                    ),
                );
            }
        }
    }
    assert!(checked > 100, "only {checked} streams");
    report.finish();
}

/// Follow HTTP/2 Stream against tshark: for every HTTP/2 stream of every
/// fixture, the header lists have as many fields as tshark decoded for the
/// request and the response, and the DATA carried each way is as long as
/// tshark counts (app.json, from tshark's http2 fields).
#[test]
fn followed_http2_streams_hold_tsharks_headers_and_data() {
    use std::sync::atomic::AtomicBool;
    use wirelens::store::follow_http2::{H2Content, follow_http2};
    let mut report = Report::default();
    let mut checked = 0;
    for fx in fixtures() {
        let Ok(text) = std::fs::read_to_string(fx.golden_dir().join("app.json")) else {
            continue;
        };
        let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
        let Some(conns) = golden["http2"]["per_connection"].as_array() else {
            continue;
        };
        let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
        let snap = load(&fx);
        for conn in conns {
            let tcp = conn["tcp_stream"].as_u64().unwrap() as u32;
            let parts = follow_http2(&snap, &file, tcp, &AtomicBool::new(false)).unwrap();
            // Side A spoke first: the client, unless tshark says otherwise.
            let client_is_a = snap.tcp_endpoints(tcp).0 == conn["client"].as_str().unwrap_or("");
            for s in conn["streams"].as_array().unwrap() {
                checked += 1;
                let id = s["stream_id"].as_u64().unwrap() as u32;
                for (side, dir) in [("client", 0u8), ("server", 1u8)] {
                    let dir = if client_is_a { dir } else { 1 - dir };
                    let mine = parts.iter().filter(|p| p.stream == id && p.dir == dir);
                    let data: usize = mine
                        .clone()
                        .map(|p| match &p.content {
                            H2Content::Data(d) => d.len(),
                            H2Content::Headers(_) => 0,
                        })
                        .sum();
                    let want = s[format!("data_bytes_{side}")].as_u64().unwrap() as usize;
                    if data != want {
                        report.fail(
                            &fx.name,
                            format!("stream {id} {side}: {data} data bytes, tshark {want}"),
                        );
                    }
                    let key = if side == "client" {
                        "request_headers"
                    } else {
                        "response_headers"
                    };
                    // tshark's count is of the side's last header block
                    // (the trailers, where there are).
                    if let Some(want) = s[key].as_u64() {
                        let headers = mine
                            .filter_map(|p| match &p.content {
                                H2Content::Headers(h) if !h.is_empty() => Some(h.len()),
                                _ => None,
                            })
                            .next_back()
                            .unwrap_or(0);
                        if headers as u64 != want {
                            report.fail(
                                &fx.name,
                                format!("stream {id} {key}: {headers}, tshark {want}"),
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} streams");
    report.finish();
}

/// Follow TLS Stream: each TLS connection's decrypted application data,
/// record by record, equals what `tshark -z follow,tls,raw` delivers with
/// the fixture's key log. (tshark 4.0 names the nodes of a TLS stream
/// wrongly, "Node 1: :0", so only the order, lengths and bytes are
/// compared; wirelens names the client Node 0 as Follow TCP Stream does.)
#[test]
fn followed_tls_streams_hold_tsharks_decrypted_data() {
    let mut report = Report::default();
    let mut checked = 0;
    for fx in fixtures() {
        let Ok(text) = std::fs::read_to_string(fx.golden_dir().join("follow_tls.json")) else {
            continue;
        };
        let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
        let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
        let snap = load(&fx);
        for (sid, g) in golden.as_object().unwrap() {
            let sid: u32 = sid.parse().unwrap();
            let (f, _) = wirelens::cli::follow::follow_tls(&file, sid, usize::MAX, fx.keys());
            // The app's path: the loaded store's frames dissected again.
            let stored = wirelens::store::follow_tls::follow_tls(
                &snap,
                &file,
                sid,
                usize::MAX,
                &std::sync::atomic::AtomicBool::new(false),
            );
            if stored.as_ref().map(|k| &k.chunks) != f.as_ref().map(|f| &f.kept.chunks) {
                report.fail(&fx.name, format!("stream {sid}: the store's chunks differ"));
            }
            let ours: Vec<(usize, String)> = f
                .map(|f| f.kept.chunks)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| match c.kind {
                    ChunkKind::Data(d) => Some((d.len(), format!("{:016x}", fnv1a(&d)))),
                    ChunkKind::Gap(_) => None,
                })
                .collect();
            let theirs: Vec<(usize, String)> = g
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c[0].as_u64().unwrap() as usize,
                        c[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            checked += 1;
            if ours != theirs {
                report.fail(
                    &fx.name,
                    format!("stream {sid}: ours {ours:?}\n tshark {theirs:?}"),
                );
            }
        }
    }
    assert!(checked >= 15, "only {checked} TLS streams checked");
    report.finish();
}

/// Follow HTTP/3 Stream on the QUIC fixture's first connection: every
/// request stream shows the request's headers, the answer's headers and
/// body, whole, as tests/tools/quic_session.py sent them; the 200 000-byte
/// body, spread over ~170 packets (which the packet view, as tshark's,
/// shows as bare STREAM data), is put back in order.
#[test]
fn followed_http3_streams_hold_what_client_and_server_sent() {
    use std::sync::atomic::AtomicBool;
    use wirelens::store::follow_http2::{H2Content, stream_text};
    use wirelens::store::follow_http3::follow_http3;
    let fx = fixtures()
        .into_iter()
        .find(|f| f.name == "wirelens_quic_h3.pcapng")
        .expect("QUIC fixture");
    let file = wirelens::capture::CaptureFile::open(&fx.path).unwrap();
    let snap = load(&fx);
    let parts = follow_http3(&snap, &file, 0, &AtomicBool::new(false)).unwrap();
    let large: String = (0..200_000 / 37 + 1)
        .map(|i| format!("line {i:06} of a large HTTP/3 response\n"))
        .collect();
    let requests = [
        (0, "GET", "/hello", "you asked for /hello".to_string(), ""),
        (4, "GET", "/bytes/200000", large[..200_000].to_string(), ""),
        (
            8,
            "POST",
            "/upload",
            "you asked for /upload with 3000 bytes".into(),
            "u",
        ),
        (
            12,
            "GET",
            "/after-key-update",
            "you asked for /after-key-update".into(),
            "",
        ),
    ];
    for (id, method, path, body, upload) in requests {
        let mine: Vec<_> = parts.iter().filter(|p| p.stream == id).collect();
        let request = vec![
            (":method".to_string(), method.to_string()),
            (":scheme".into(), "https".into()),
            (":authority".into(), "quic.example".into()),
            (":path".into(), path.into()),
            ("user-agent".into(), "wirelens-fixture/1".into()),
        ];
        let response = vec![
            (":status".to_string(), "200".to_string()),
            ("content-type".into(), "text/plain".into()),
            ("content-length".into(), body.len().to_string()),
            ("server".into(), "aioquic-fixture".into()),
        ];
        let mut want = vec![(0, H2Content::Headers(request))];
        if !upload.is_empty() {
            want.push((0, H2Content::Data(upload.repeat(3000).into_bytes())));
        }
        want.push((1, H2Content::Headers(response)));
        want.push((1, H2Content::Data(body.into_bytes())));
        let got: Vec<_> = mine.iter().map(|p| (p.dir, p.content.clone())).collect();
        assert!(
            got == want,
            "stream {id}: {:?}",
            got.iter()
                .map(|(d, c)| (
                    d,
                    match c {
                        H2Content::Headers(h) => format!("{h:?}"),
                        H2Content::Data(b) => format!("{} bytes", b.len()),
                    }
                ))
                .collect::<Vec<_>>()
        );
        // Each part is told in the packet that completed it, in order.
        assert!(mine.windows(2).all(|w| w[0].frame <= w[1].frame));
        assert_eq!(stream_text(&parts, id).len(), want.len());
    }
}
