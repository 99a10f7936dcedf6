//! Live capture on `lo` with traffic the tests make themselves: a TCP echo
//! exchange, a UDP exchange and an HTTP/2 conversation (h2 client and
//! server on tokio), all on 127.0.0.1, each test filtering on its own ports
//! so that tests running side by side do not see each other's packets.
//!
//! Capturing needs CAP_NET_RAW and CAP_NET_ADMIN (CI runs as root). Without
//! them these tests fail and say so, unless WIRELENS_SKIP_LIVE=1 is set.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use wirelens::capture::CaptureFile;
use wirelens::capture::live::{Ended, LiveError, LiveOptions, check_filter};
use wirelens::report::scan::{as_str, as_u64, scan};

mod common;
use common::live::{can_capture, options, settle, tmp};
use wirelens::pipeline::{LiveSession, LoadOptions, load_file};

struct EchoTraffic {
    port: u16,
    /// Payload bytes the client sent (and got back).
    bytes: u64,
}

/// A TCP echo server and a client that sends messages of growing size and
/// reads each echo back, then closes.
fn echo_exchange(listener: TcpListener) -> EchoTraffic {
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 65536];
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            s.write_all(&buf[..n]).unwrap();
        }
    });
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut bytes = 0;
    for i in 0..20u32 {
        let msg: Vec<u8> = (0..(1 + i * 997) % 40_000)
            .map(|j| (j % 251) as u8)
            .collect();
        let msg = if msg.is_empty() { vec![b'x'] } else { msg };
        c.write_all(&msg).unwrap();
        let mut back = vec![0; msg.len()];
        c.read_exact(&mut back).unwrap();
        assert_eq!(back, msg);
        bytes += msg.len() as u64;
    }
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).unwrap();
    server.join().unwrap();
    EchoTraffic { port, bytes }
}

struct UdpTraffic {
    ports: (u16, u16),
    datagrams: u64,
    bytes_each_way: u64,
}

/// One socket sends datagrams, the other answers each with the same bytes.
fn udp_exchange(a: UdpSocket, b: UdpSocket) -> UdpTraffic {
    let pa = a.local_addr().unwrap().port();
    let pb = b.local_addr().unwrap().port();
    a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut bytes = 0;
    let datagrams = 25;
    for i in 0..datagrams {
        let msg = vec![i as u8; 10 + (i as usize) * 40];
        a.send_to(&msg, ("127.0.0.1", pb)).unwrap();
        let mut buf = [0u8; 2048];
        let (n, from) = b.recv_from(&mut buf).unwrap();
        b.send_to(&buf[..n], from).unwrap();
        let (m, _) = a.recv_from(&mut buf).unwrap();
        assert_eq!((n, m), (msg.len(), msg.len()));
        bytes += n as u64;
    }
    UdpTraffic {
        ports: (pa, pb),
        datagrams,
        bytes_each_way: bytes,
    }
}

type HeaderList = Vec<(String, String)>;

/// What the h2 client sent and the server answered, per request.
struct H2Traffic {
    port: u16,
    requests: Vec<HeaderList>,
    responses: Vec<HeaderList>,
}

/// An h2 client makes several requests, with headers repeated from one
/// request to the next (so HPACK's dynamic table is used), to an h2 server.
fn h2_exchange(listener: std::net::TcpListener) -> H2Traffic {
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let server = tokio::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            let mut conn = h2::server::handshake(sock).await.unwrap();
            let mut responses = Vec::new();
            while let Some(req) = conn.accept().await {
                let (req, mut respond) = req.unwrap();
                let path = req.uri().path().to_string();
                let resp = http::Response::builder()
                    .status(200)
                    .header("content-type", "text/plain")
                    .header("x-served-by", "wirelens-live-test")
                    .header("x-path-echo", path.as_str())
                    .body(())
                    .unwrap();
                let mut list = vec![(":status".to_string(), "200".to_string())];
                for (k, v) in resp.headers() {
                    list.push((k.to_string(), v.to_str().unwrap().to_string()));
                }
                responses.push(list);
                let mut send = respond.send_response(resp, false).unwrap();
                send.send_data(bytes::Bytes::from(format!("ok {path}")), true)
                    .unwrap();
            }
            responses
        });
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let (client, conn) = h2::client::handshake(tcp).await.unwrap();
        let conn = tokio::spawn(conn);
        let mut client = client.ready().await.unwrap();
        let mut requests = Vec::new();
        for i in 0..6 {
            let authority = format!("localhost:{port}");
            let path = format!("/item/{i}?q=live");
            let req = http::Request::builder()
                .method(if i % 3 == 2 { "POST" } else { "GET" })
                .uri(format!("http://{authority}{path}"))
                .header("user-agent", "wirelens-live-test/1.0")
                .header("x-repeated", "the same value on every request")
                .header("x-seq", i.to_string())
                .body(())
                .unwrap();
            let mut list = vec![
                (":method".to_string(), req.method().to_string()),
                (":scheme".to_string(), "http".to_string()),
                (":authority".to_string(), authority),
                (":path".to_string(), path),
            ];
            for (k, v) in req.headers() {
                list.push((k.to_string(), v.to_str().unwrap().to_string()));
            }
            requests.push(list);
            let (resp, _) = client.send_request(req, true).unwrap();
            let mut body = resp.await.unwrap().into_body();
            while let Some(chunk) = body.data().await {
                let chunk = chunk.unwrap();
                let _ = body.flow_control().release_capacity(chunk.len());
            }
            client = client.ready().await.unwrap();
        }
        drop(client);
        conn.await.unwrap().unwrap();
        let responses = server.await.unwrap();
        H2Traffic {
            port,
            requests,
            responses,
        }
    })
}

/// Header lists per HTTP/2 stream and direction (0: client), as our
/// dissector decoded them from a capture.
fn decoded_h2_headers(file: &CaptureFile, port: u16) -> BTreeMap<(u64, u8), HeaderList> {
    let mut out: BTreeMap<(u64, u8), HeaderList> = BTreeMap::new();
    scan(file, &["http2"], |v| {
        let (Some((_, dir)), Some(ports)) = (v.tcp, v.ports) else {
            return;
        };
        if ports.0 != port && ports.1 != port {
            return;
        }
        let mut stream = 0;
        for c in &v.fields.fields {
            match c.def.name {
                "http2.streamid" => stream = as_u64(Some(&c.value)).unwrap_or(0),
                "http2.header.name" => out
                    .entry((stream, dir))
                    .or_default()
                    .push((as_str(Some(&c.value)).unwrap(), String::new())),
                "http2.header.value" => {
                    if let Some(h) = out.get_mut(&(stream, dir)).and_then(|l| l.last_mut()) {
                        h.1 = as_str(Some(&c.value)).unwrap_or_default();
                    }
                }
                _ => {}
            }
        }
    });
    out
}

fn sorted(mut l: HeaderList) -> HeaderList {
    l.sort();
    l
}

#[test]
fn every_packet_of_tcp_udp_and_http2_exchanges_is_seen() {
    if !can_capture() {
        return;
    }
    let echo_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let h2_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ua = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ub = UdpSocket::bind("127.0.0.1:0").unwrap();
    let filter = format!(
        "tcp port {} or tcp port {} or (udp port {} and udp port {})",
        echo_listener.local_addr().unwrap().port(),
        h2_listener.local_addr().unwrap().port(),
        ua.local_addr().unwrap().port(),
        ub.local_addr().unwrap().port(),
    );
    let spill = tmp("exchanges.pcapng");
    let mut session = LiveSession::start(&options(filter), &spill).unwrap();

    let echo = echo_exchange(echo_listener);
    let udp = udp_exchange(ua, ub);
    let h2 = h2_exchange(h2_listener);
    settle();
    let (ended, stats) = session.stop();
    assert_eq!(ended, Ok(Ended::Stopped));
    assert_eq!(stats.ours_dropped, 0, "{stats:?}");
    assert_eq!(stats.kernel_dropped, 0, "{stats:?}");
    assert_eq!(stats.interface_dropped, 0, "{stats:?}");

    let live = session.store.snapshot();
    assert!(live.done);
    assert_eq!(live.index.len() as u64, stats.packets);

    // The echo connection: every byte each way, and a complete handshake
    // and close as the analysis saw them.
    let conv = live
        .tcp
        .iter()
        .find(|c| c.b.1 == echo.port)
        .expect("the echo connection");
    assert_eq!(conv.stats[0].payload, echo.bytes);
    assert_eq!(conv.stats[1].payload, echo.bytes);
    let analysis = &live.tcp_analysis[conv.stream as usize];
    assert!(analysis.syn_seen && analysis.synack_seen && analysis.handshake_ack_seen);
    assert_eq!(analysis.end_state().name(), "closed");
    // Loopback loses nothing: no retransmission or lost segment verdicts.
    assert_eq!(
        analysis.counts.iter().sum::<u32>(),
        0,
        "{:?}",
        analysis.counts
    );

    let u = live
        .udp
        .iter()
        .find(|c| c.a.1 == udp.ports.0 && c.b.1 == udp.ports.1)
        .expect("the UDP exchange");
    assert_eq!(u.stats[0].frames, udp.datagrams);
    assert_eq!(u.stats[1].frames, udp.datagrams);
    assert_eq!(u.stats[0].payload, udp.bytes_each_way);
    assert_eq!(u.stats[1].payload, udp.bytes_each_way);
    assert_eq!(live.udp.len(), 1);
    assert_eq!(live.tcp.len(), 2);

    // The spill file holds the same packets, and loading it as a file gives
    // the same conversations.
    let file = std::sync::Arc::new(CaptureFile::open(&spill).unwrap());
    let loaded = load_file(file.clone(), LoadOptions::batch(true)).wait();
    assert!(loaded.notes.is_empty(), "{:?}", loaded.notes);
    assert_eq!(loaded.index.len(), live.index.len());
    for (l, f) in [(&live.tcp, &loaded.tcp), (&live.udp, &loaded.udp)] {
        let key = |c: &dissectors::conversation::Conversation| (c.stream, c.a, c.b, c.stats);
        assert_eq!(
            l.iter().map(key).collect::<Vec<_>>(),
            f.iter().map(key).collect::<Vec<_>>()
        );
    }

    // HTTP/2: the headers our HPACK decoding recovers are those sent.
    let decoded = decoded_h2_headers(&file, h2.port);
    for (i, (req, resp)) in h2.requests.iter().zip(&h2.responses).enumerate() {
        let id = 1 + 2 * i as u64;
        assert_eq!(
            decoded.get(&(id, 0)).cloned().map(sorted),
            Some(sorted(req.clone())),
            "request on stream {id}"
        );
        assert_eq!(
            decoded.get(&(id, 1)).cloned().map(sorted),
            Some(sorted(resp.clone())),
            "response on stream {id}"
        );
    }
    assert_eq!(decoded.len(), 2 * h2.requests.len(), "{decoded:?}");
    let _ = std::fs::remove_file(&spill);
}

#[test]
fn udp_capture_filter_keeps_out_tcp() {
    if !can_capture() {
        return;
    }
    let echo_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ua = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ub = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Our ports only, so as not to see other tests' traffic; `udp` is what
    // keeps the echo connection out.
    let filter = format!(
        "udp and (port {} or port {} or port {})",
        echo_listener.local_addr().unwrap().port(),
        ua.local_addr().unwrap().port(),
        ub.local_addr().unwrap().port(),
    );
    let spill = tmp("udp-only.pcapng");
    let mut session = LiveSession::start(&options(filter), &spill).unwrap();
    let echo = echo_exchange(echo_listener);
    let udp = udp_exchange(ua, ub);
    assert!(echo.bytes > 0);
    settle();
    let (_, stats) = session.stop();
    let s = session.store.snapshot();
    assert!(s.tcp.is_empty(), "{:?}", s.tcp);
    assert_eq!(s.udp.len(), 1);
    assert_eq!(stats.packets, 2 * udp.datagrams);
    assert_eq!(s.index.len() as u64, 2 * udp.datagrams);
    let _ = std::fs::remove_file(&spill);
}

#[test]
fn invalid_capture_filter_returns_libpcaps_error() {
    if !can_capture() {
        return;
    }
    let bad = "tcp port";
    let Err(LiveError::Filter { filter, message }) =
        LiveSession::start(&options(bad.into()), &tmp("bad-filter.pcapng")).map(|_| ())
    else {
        panic!("an invalid filter was accepted");
    };
    assert_eq!(filter, bad);
    assert!(message.contains("syntax error"), "{message}");
    // The filter box's check (no device) says the same.
    assert_eq!(
        check_filter(bad, 1),
        Err(LiveError::Filter {
            filter: bad.into(),
            message
        })
    );
    assert_eq!(check_filter("tcp port 443 and host 10.0.0.1", 1), Ok(()));
}

#[test]
fn stop_on_an_idle_interface_returns_within_a_second() {
    if !can_capture() {
        return;
    }
    // An EtherType nobody uses on lo: nothing ever matches.
    let spill = tmp("idle.pcapng");
    let mut session = LiveSession::start(&options("ether proto 0x88b5".into()), &spill).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    let (ended, stats) = session.stop();
    let took = t.elapsed();
    assert_eq!(ended, Ok(Ended::Stopped));
    assert_eq!(stats.packets, 0);
    assert!(took < Duration::from_secs(1), "stop took {took:?}");
    assert!(session.store.snapshot().done);
    let _ = std::fs::remove_file(&spill);
}

fn wirelens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wirelens"))
}

#[test]
fn capture_subcommand_writes_files_tshark_reads() {
    if !can_capture() {
        return;
    }
    for ext in ["pcapng", "pcap"] {
        let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sink.local_addr().unwrap().port();
        let out = tmp(&format!("subcommand.{ext}"));
        let child = wirelens()
            .args(["capture", "-i", "lo", "-c", "10", "-f"])
            .arg(format!("udp dst port {port}"))
            .arg("-w")
            .arg(&out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Send until the capture has its ten packets (it may start a little
        // after we do), at most for a few seconds.
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut child = child;
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            tx.send_to(b"wirelens capture test", ("127.0.0.1", port))
                .unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("Packets captured: 10\n"), "{stderr}");
        assert!(
            stderr.contains("Packets received/dropped on interface 'lo': 10/0 "),
            "{stderr}"
        );
        let tshark = Command::new("tshark")
            .args(["-r"])
            .arg(&out)
            .args(["-T", "fields", "-e", "frame.number", "-e", "udp.dstport"])
            .output()
            .expect("tshark (apt-get install tshark)");
        assert!(tshark.status.success());
        let rows = String::from_utf8(tshark.stdout).unwrap();
        assert_eq!(rows.lines().count(), 10, "{rows}");
        assert!(rows.lines().all(|l| l.ends_with(&format!("\t{port}"))));
        let _ = std::fs::remove_file(&out);
    }
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// `wirelens ARGS -f "udp dst port PORT"`, its output and errors piped.
fn udp_capture(args: &[&str], port: u16) -> std::process::Child {
    wirelens()
        .args(args)
        .arg("-f")
        .arg(format!("udp dst port {port}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// The first line a capture writes on stderr (it says "Capturing on"
/// once its devices are open), and the rest of stderr.
fn first_line(
    child: &mut std::process::Child,
) -> (String, std::io::BufReader<std::process::ChildStderr>) {
    use std::io::BufRead;
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    (line, stderr)
}

/// `packets -i lo -c N` prints the packets the test sends, in the order
/// sent, as they arrive (before the capture ends), then the count.
#[test]
fn packets_prints_a_live_capture_in_order() {
    use std::io::BufRead;
    if !can_capture() {
        return;
    }
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    let mut child = udp_capture(
        &[
            "packets",
            "-i",
            "lo",
            "-c",
            "6",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "udp.dstport",
            "-e",
            "data.data",
        ],
        port,
    );
    let (line, mut stderr) = first_line(&mut child);
    assert_eq!(line, "Capturing on 'lo'\n");
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut rows = Vec::new();
    for i in 0..6u8 {
        tx.send_to(&[b'a' + i; 3], ("127.0.0.1", port)).unwrap();
        // Each packet is printed while the capture still runs.
        if i < 2 {
            let mut row = String::new();
            stdout.read_line(&mut row).unwrap();
            rows.push(row);
        }
    }
    for row in stdout.lines() {
        rows.push(row.unwrap() + "\n");
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    let expected: Vec<String> = (0..6u8)
        .map(|i| {
            let hex = format!("{:02x}", b'a' + i).repeat(3);
            format!("{}\t{port}\t{hex}\n", i + 1)
        })
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(rest, "6 packets captured\n");
}

/// `capture -i lo -i lo`: two handles on one device, as dumpcap allows,
/// each packet seen by both; one pcapng with an interface block per `-i`,
/// as tshark reads it. `-P` writes pcap whatever the name says, `-q`
/// prints nothing.
#[test]
fn capture_on_two_interfaces_writes_a_block_each_and_p_writes_pcap() {
    if !can_capture() {
        return;
    }
    let interface_ids = |out: &PathBuf| -> String {
        let tshark = Command::new("tshark")
            .arg("-r")
            .arg(out)
            .args(["-T", "fields", "-e", "frame.interface_id"])
            .output()
            .expect("tshark");
        String::from_utf8(tshark.stdout).unwrap()
    };
    // Three datagrams sent once both handles are open: six packets.
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    let out = tmp("two-interfaces.pcapng");
    let mut child = udp_capture(
        &[
            "capture",
            "-i",
            "lo",
            "-i",
            "lo",
            "-c",
            "6",
            "-w",
            path(&out),
        ],
        port,
    );
    // Kept open: the capture still has lines to write there.
    let (line, _stderr) = first_line(&mut child);
    assert_eq!(line, "Capturing on 'lo' and 'lo'\n");
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..3 {
        tx.send_to(b"two", ("127.0.0.1", port)).unwrap();
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(std::fs::read(&out).unwrap()[..4], [0x0a, 0x0d, 0x0d, 0x0a]);
    let ids = interface_ids(&out);
    let per = |id: &str| ids.lines().filter(|l| *l == id).count();
    assert_eq!((per("0"), per("1")), (3, 3), "{ids}");
    let _ = std::fs::remove_file(&out);

    // -P -q: pcap to a .pcapng name, nothing said.
    let out = tmp("dash-p.pcapng");
    let mut child = udp_capture(
        &[
            "capture",
            "-i",
            "lo",
            "-P",
            "-q",
            "-c",
            "2",
            "-w",
            path(&out),
        ],
        port,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        tx.send_to(b"pcap", ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "",
        "-q says nothing"
    );
    assert_eq!(std::fs::read(&out).unwrap()[..4], [0x4d, 0x3c, 0xb2, 0xa1]);
    assert_eq!(interface_ids(&out).lines().count(), 2);
    let _ = std::fs::remove_file(&out);
}

/// `capture -b filesize:2 -b files:3`: files of about 2 kB numbered and
/// dated as dumpcap's, only the newest three kept, each a whole capture
/// tshark reads; together they end with the last datagram sent.
#[test]
fn capture_ring_buffer_keeps_the_newest_files() {
    if !can_capture() {
        return;
    }
    let dir = tmp("ring");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    let ring = dir.join("ring.pcapng");
    let args = [
        "capture",
        "-i",
        "lo",
        "-c",
        "60",
        "-b",
        "filesize:2",
        "-b",
        "files:3",
    ];
    let mut child = udp_capture(&[&args[..], &["-w", path(&ring)]].concat(), port);
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut sent = 0u32;
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        sent += 1;
        tx.send_to(format!("{sent:0200}").as_bytes(), ("127.0.0.1", port))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    let mut payloads: Vec<u32> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        // ring_NNNNN_YYYYmmddHHMMSS.pcapng, numbers consecutive.
        let parts: Vec<&str> = name.trim_end_matches(".pcapng").split('_').collect();
        assert_eq!(
            (parts.len(), parts[0], parts[2].len()),
            (3, "ring", 14),
            "{name}"
        );
        let number: u32 = parts[1].parse().unwrap();
        assert!(number > 3, "{name}: older files were kept");
        if i > 0 {
            assert!(std::fs::metadata(&files[i - 1]).unwrap().len() >= 2000);
        }
        let out = Command::new("tshark")
            .arg("-r")
            .arg(f)
            .args(["-T", "fields", "-e", "data.data"])
            .output()
            .expect("tshark");
        assert!(out.status.success(), "{name}");
        let rows = String::from_utf8(out.stdout).unwrap();
        assert!(rows.lines().count() > 0, "{name}");
        for hex in rows.lines() {
            let text: String = (0..hex.len() / 2)
                .map(|i| char::from(u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()))
                .collect();
            payloads.push(text.parse().unwrap());
        }
    }
    // The newest datagrams captured, none missing across the files.
    assert!(
        payloads.windows(2).all(|w| w[1] == w[0] + 1),
        "{payloads:?}"
    );
    assert!(*payloads.last().unwrap() <= sent);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn interfaces_subcommand_lists_loopback() {
    let out = wirelens()
        .args(["interfaces", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "lo")
        .expect("lo is listed");
    assert_eq!(lo["loopback"], true);
    assert!(
        lo["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "127.0.0.1"),
        "{lo}"
    );
    if can_capture() {
        // Ethernet, as libpcap opens lo on Linux.
        assert_eq!(lo["linktype"], 1);
        assert_eq!(lo["linktype_name"], "EN10MB");
    }
}

#[test]
fn without_capabilities_the_error_says_how_to_grant_them() {
    // Only root can become an unprivileged user to try.
    if !is_root() {
        eprintln!("skipped: needs root to drop to an unprivileged user");
        return;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_wirelens"))
        .args(["capture", "-i", "lo", "-c", "1", "-w"])
        .arg(std::env::temp_dir().join("wirelens-never-written.pcapng"))
        .output()
        .expect("setpriv (util-linux)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("wirelens: error: no permission to capture on lo"));
    assert!(stderr.contains("CAP_NET_RAW and CAP_NET_ADMIN"), "{stderr}");
    assert!(
        stderr.contains("`sudo setcap cap_net_raw,cap_net_admin=eip "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

#[test]
fn an_interface_that_goes_away_ends_the_capture_and_keeps_the_data() {
    if !can_capture() || !is_root() {
        return;
    }
    // A veth pair this test makes and removes (no traffic leaves it).
    let name = format!("wlgone{}", std::process::id() % 100_000);
    let ip = |args: &[&str]| {
        let st = Command::new("ip")
            .args(args)
            .status()
            .expect("ip (iproute2)");
        assert!(st.success(), "ip {args:?}");
    };
    let peer = format!("{name}p");
    ip(&["link", "add", &name, "type", "veth", "peer", "name", &peer]);
    ip(&["link", "set", &name, "up"]);
    ip(&["link", "set", &peer, "up"]);
    let spill = tmp("gone.pcapng");
    let mut opts = LiveOptions::new(&name);
    opts.duration = Some(Duration::from_secs(20));
    let mut session = LiveSession::start(&opts, &spill).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    ip(&["link", "del", &name]);
    let t = Instant::now();
    while !session.capture_finished() && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (ended, stats) = session.stop();
    match ended {
        Ok(Ended::DeviceError(m)) => assert!(m.starts_with(&name), "{m}"),
        other => panic!("expected a device error, got {other:?}"),
    }
    // Whatever was captured is in the file, which reads to its end.
    let file = std::sync::Arc::new(CaptureFile::open(&spill).unwrap());
    let loaded = load_file(file, LoadOptions::batch(false)).wait();
    assert!(loaded.notes.is_empty(), "{:?}", loaded.notes);
    assert_eq!(loaded.index.len() as u64, stats.packets);
    let _ = std::fs::remove_file(&spill);
}

/// The app in a test harness, on no file.
fn app_harness() -> egui_kittest::Harness<'static, wirelens::ui::WirelensApp> {
    use wirelens::ui::WirelensApp;
    egui_kittest::Harness::builder()
        .with_size(eframe::egui::vec2(1400.0, 1000.0))
        .build_ui_state(
            |ui, app: &mut WirelensApp| app.show(ui),
            WirelensApp::default(),
        )
}

/// Runs frames until `done` holds of the app (or fails after 20 s, saying
/// `what` never happened).
fn step_until(
    h: &mut egui_kittest::Harness<'_, wirelens::ui::WirelensApp>,
    what: &str,
    done: &dyn Fn(&wirelens::ui::WirelensApp) -> bool,
) {
    let t = Instant::now();
    while !done(h.state()) {
        assert!(t.elapsed() < Duration::from_secs(20), "{what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The app captures on `lo` from Capture › Options: the list grows while
/// the test sends datagrams, the status bar counts them with no drops,
/// Stop keeps them, and the last one can be opened in the details pane
/// (its bytes come from the spill file, mapped again as it grew).
#[test]
fn the_app_captures_live_and_shows_every_packet() {
    use eframe::egui;
    use egui_kittest::kittest::Queryable;
    use std::time::{Duration, Instant};
    if !can_capture() {
        return;
    }
    let mut h = app_harness();
    h.run();
    h.get_by_label("Capture").click();
    h.run();
    h.get_by_label("Options…").click();
    // The interfaces are listed off the UI thread.
    step_until(&mut h, "interfaces never listed", &|a| {
        a.capture_options.devices.is_some()
    });
    h.run();
    h.get_by_label("lo").click();
    h.run();
    let filter = h.get_by_label("Capture filter:");
    filter.focus();
    filter.type_text("udp port 47123");
    h.run();
    h.get_by_label("Start on lo").click();
    h.step();
    assert!(h.state().is_capturing(), "{:?}", h.state().error);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent = 25u32;
    for i in 0..sent {
        sock.send_to(format!("datagram {i}").as_bytes(), "127.0.0.1:47123")
            .unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    // Other traffic on lo (and the datagrams' ICMP port-unreachable
    // replies) stays out: the capture filter is udp port 47123.
    let t = Instant::now();
    while h.state().snapshot().map_or(0, |s| s.index.len()) < sent as usize {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "packets never arrived: {:?} {:?} {:?}",
            h.state().document.as_ref().and_then(|d| d.capture_stats()),
            h.state().capture_options.filter,
            h.state().snapshot().map(|s| s.index.len())
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    // Scrolling is animated over a few frames.
    for _ in 0..30 {
        h.step();
    }
    h.get_by_label_contains(&format!(
        "Capturing on lo: {sent} packets, 0 dropped by the kernel, 0 by wirelens"
    ));
    // Auto-scroll brought the last datagram's row into view.
    h.get_by_label(&sent.to_string());
    // Scrolling up over the list stops the following.
    assert!(!h.state().scroll_lock);
    h.input_mut()
        .events
        .push(egui::Event::PointerMoved(egui::pos2(600.0, 200.0)));
    h.input_mut().events.push(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: egui::vec2(0.0, 3.0),
        phase: egui::TouchPhase::Move,
        modifiers: egui::Modifiers::NONE,
        source: egui::MouseWheelSource::Wheel,
    });
    h.step();
    assert!(h.state().scroll_lock, "a wheel up turns Auto-scroll off");
    h.get_by_label("Auto-scroll").click();
    h.run();
    assert!(!h.state().scroll_lock);
    h.get_by_label("Stop").click();
    h.step();
    h.run();
    assert!(!h.state().is_capturing());
    h.get_by_label_contains(&format!(
        "Captured on lo: {sent} packets, 0 dropped by the kernel, 0 by wirelens"
    ));
    let snap = h.state().snapshot().unwrap();
    assert_eq!(snap.index.len(), sent as usize);
    h.state_mut().select(sent);
    h.run();
    assert!(
        h.state().details.is_some(),
        "the last packet's bytes are mapped"
    );
    h.get_by_label_contains("User Datagram Protocol, Src Port:");
    // Quitting now would ask first; Save As writes every packet and
    // settles it.
    assert!(h.state().unsaved_capture());
    let out = tmp("app-saved.pcap");
    let file = h.state().document.as_ref().unwrap().file.clone();
    let saved = wirelens::ui::save_dialog::save(&file, None, out.clone());
    h.state_mut().saved(saved, true);
    assert!(!h.state().unsaved_capture());
    h.run();
    h.get_by_label(&format!("{sent} packets written to {}", out.display()));
    let reread = load_file(
        std::sync::Arc::new(CaptureFile::open(&out).unwrap()),
        LoadOptions::default(),
    )
    .wait();
    assert_eq!(reread.index.len(), sent as usize);
    let spill = h.state().document.as_ref().unwrap().path.clone();
    drop(h);
    let _ = std::fs::remove_file(spill);
}

/// While the app captures a TCP conversation on `lo`, its sequence diagram
/// and charts, opened mid-capture, grow with it and end equal to views
/// built afresh on the final store. The picker shows lo's packet rate.
/// Restart starts a new capture and keeps the first one's file. Closing the
/// window with the capture unsaved asks first.
#[test]
fn live_views_grow_restart_keeps_the_first_capture_and_quit_asks() {
    use eframe::egui;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use wirelens::store::tcp_series::stream_records;
    use wirelens::ui::WirelensApp;
    use wirelens::ui::tcp_charts::TcpCharts;
    if !can_capture() {
        return;
    }
    let mut h = app_harness();
    h.run();
    h.state_mut().capture_options.open = true;
    step_until(&mut h, "interfaces never listed", &|a| {
        a.capture_options.devices.is_some()
    });
    // Two readings of the counters a second apart make a rate.
    step_until(&mut h, "no rate for lo", &|a| {
        a.capture_options.rates.history("lo").is_some()
    });
    h.run();
    assert!(h.query_all_by_label_contains("pkt/s").count() > 0);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    h.state_mut().capture_options.interface = Some("lo".into());
    h.state_mut().capture_options.filter = format!("tcp port {port}");
    h.state_mut().capture_options.open = false;
    // Spill files go to a directory of the test's own.
    let spills = std::env::temp_dir().join(format!("wirelens-live-spill-{}", std::process::id()));
    h.state_mut().recover.dir = wirelens::capture::spill::SpillDir::at(&spills);
    let ctx = h.ctx.clone();
    h.state_mut().start_capture(&ctx);
    assert!(h.state().is_capturing(), "{:?}", h.state().error);
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 || s.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut echo = |i: usize| {
        let msg = format!("message {i}");
        client.write_all(msg.as_bytes()).unwrap();
        let mut back = vec![0u8; msg.len()];
        client.read_exact(&mut back).unwrap();
    };
    echo(0);
    step_until(&mut h, "the first exchange never arrived", &|a| {
        a.snapshot().is_some_and(|s| {
            stream_records(&s, 0)
                .iter()
                .any(|r| r.len > 0 && r.dir == 1)
        })
    });
    let snap = h.state().snapshot().unwrap();
    h.state_mut().sequence_diagram(&snap, 0);
    h.state_mut().tcp_charts(&snap, 0);
    h.run();
    let early = h.state().sequences[0].segments.records.len();
    for i in 1..=5 {
        echo(i);
    }
    drop(client);
    server.join().unwrap();
    settle();
    // Five more requests and echoes, and the close.
    step_until(&mut h, "the diagram never grew", &|a| {
        a.sequences[0].segments.records.len() >= early + 12
    });
    let before_restart = h.state().snapshot().unwrap().index.len();
    let first = h.state().document.as_ref().unwrap().path.clone();

    // The live views hold what views built on the store now hold.
    let snap = h.state().snapshot().unwrap();
    let fresh = stream_records(&snap, 0);
    let seq = &h.state().sequences[0].segments.records;
    assert_eq!(
        seq.iter().map(|r| r.frame).collect::<Vec<_>>(),
        fresh.iter().map(|r| r.frame).collect::<Vec<_>>()
    );
    let mut rebuilt = TcpCharts::new(&snap, 0);
    rebuilt.dir = h.state().charts[0].lock().unwrap().dir;
    rebuilt.build();
    h.run();
    {
        let live = &h.state().charts[0].lock().unwrap().series;
        assert_eq!(live.len(), rebuilt.series.len());
        for (a, b) in live.iter().zip(&rebuilt.series) {
            assert_eq!(a.frames, b.frames, "{}", a.name);
        }
    }
    h.get_by_label_contains(&format!("{} segments", fresh.len()));

    // Restart: a new capture, the first one's packets kept in their file.
    h.get_by_label("Restart").click();
    h.step();
    h.run();
    assert!(h.state().is_capturing(), "{:?}", h.state().error);
    let second = h.state().document.as_ref().unwrap().path.clone();
    assert_ne!(first, second);
    h.get_by_label(&format!(
        "The previous capture is kept in {}",
        first.display()
    ));
    let kept = load_file(
        std::sync::Arc::new(CaptureFile::open(&first).unwrap()),
        LoadOptions::default(),
    )
    .wait();
    assert_eq!(kept.index.len(), before_restart);
    assert!(
        h.state().sequences.is_empty(),
        "views of the first capture close"
    );

    // Closing the window asks while the capture is unsaved.
    let close = |h: &mut Harness<'_, WirelensApp>| {
        h.input_mut()
            .viewports
            .entry(egui::ViewportId::ROOT)
            .or_default()
            .events
            .push(egui::ViewportEvent::Close);
        h.step();
        h.run();
    };
    let closing = |h: &Harness<'_, WirelensApp>| {
        h.output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.commands.contains(&egui::ViewportCommand::Close))
    };
    close(&mut h);
    h.get_by_label("The capture has not been saved. Quit anyway?");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(
        h.query_by_label("The capture has not been saved. Quit anyway?")
            .is_none()
    );
    assert!(h.state().is_capturing());
    close(&mut h);
    h.get_by_label("Quit without saving").click();
    h.step();
    assert!(closing(&h), "Quit without saving closes the window");
    // The discarded capture's spill file goes; the one Restart kept stays
    // (the next start offers it in File › Recover…).
    assert!(!h.state().is_capturing());
    assert!(!second.exists(), "a discarded capture's spill file stayed");
    assert!(first.exists());
    drop(h);
    let _ = std::fs::remove_dir_all(&spills);
}

/// rustls on loopback (a third TLS stack beside the fixtures' OpenSSL and
/// GnuTLS): a TLS 1.3 server with the test's certificate, and a client
/// whose key log lines are held until the test hands them out, as a
/// browser's SSLKEYLOGFILE fills while the capture runs.
mod rustls_pair {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    const CERT: &[u8] = include_bytes!("tls/localhost.cert.der");
    const KEY: &[u8] = include_bytes!("tls/localhost.key.der");

    /// Key log lines in NSS's format, kept back.
    #[derive(Debug, Default)]
    pub struct HeldKeyLog(pub Mutex<String>);

    impl rustls::KeyLog for HeldKeyLog {
        fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
            let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
            self.0.lock().unwrap().push_str(&line);
        }
    }

    /// The test's server is its own: any certificate, signatures checked.
    #[derive(Debug)]
    struct AnyCertificate(Arc<CryptoProvider>);

    impl ServerCertVerifier for AnyCertificate {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algs = &self.0.signature_verification_algorithms;
            rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algs = &self.0.signature_verification_algorithms;
            rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    pub type Client = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

    /// ring's suites and groups. Deprecated for lacking post-quantum key
    /// exchange, which a test on loopback has no use for (and which would
    /// bring in aws-lc's C build).
    #[allow(deprecated)]
    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    /// A server on `listener` for `connections` connections in turn (one
    /// configuration, so that a later one may resume an earlier one's
    /// session, with 0-RTT) that answers each HTTP/1.1 request, early
    /// data included, with "you asked for PATH", until the client closes.
    pub fn serve(listener: TcpListener, connections: usize) -> std::thread::JoinHandle<()> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(CERT.to_vec())],
                PrivateKeyDer::Pkcs8(KEY.to_vec().into()),
            )
            .unwrap();
        config.max_early_data_size = 16384;
        let config = Arc::new(config);
        std::thread::spawn(move || {
            for _ in 0..connections {
                let (tcp, _) = listener.accept().unwrap();
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                answer(handshake(conn, tcp));
            }
        })
    }

    /// Drives the server's handshake by hand, which is the only way to
    /// read 0-RTT data with rustls; answers an early request.
    fn handshake(
        mut conn: rustls::ServerConnection,
        mut tcp: TcpStream,
    ) -> rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
        let mut early = Vec::new();
        while conn.is_handshaking() {
            if conn.wants_write() {
                conn.write_tls(&mut tcp).unwrap();
                continue;
            }
            if conn.read_tls(&mut tcp).unwrap() == 0 {
                break;
            }
            conn.process_new_packets().unwrap();
            if let Some(mut data) = conn.early_data() {
                data.read_to_end(&mut early).unwrap();
            }
        }
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        if !early.is_empty() {
            reply(&mut tls, &early);
        }
        tls
    }

    fn reply<S: Write>(tls: &mut S, request: &[u8]) {
        let head = String::from_utf8_lossy(request);
        let path = head.split(' ').nth(1).unwrap_or("?").to_owned();
        let body = format!("you asked for {path}");
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(reply.as_bytes()).unwrap();
        tls.flush().unwrap();
    }

    fn answer(mut tls: rustls::StreamOwned<rustls::ServerConnection, TcpStream>) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = tls.read(&mut buf) {
            if n == 0 {
                break;
            }
            reply(&mut tls, &buf[..n]);
        }
    }

    /// A client configuration whose key log is `keys`, with 0-RTT on when
    /// a session it resumes allows it.
    pub fn client_config(keys: Arc<HeldKeyLog>) -> Arc<rustls::ClientConfig> {
        let provider = provider();
        let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        config.key_log = keys;
        config.enable_early_data = true;
        Arc::new(config)
    }

    /// A client of `config` connected to `port`; `early` is sent as 0-RTT
    /// data with the ClientHello when the session resumed allows it
    /// (false when it did not go).
    pub fn connect_with(
        config: Arc<rustls::ClientConfig>,
        port: u16,
        early: Option<&[u8]>,
    ) -> (Client, bool) {
        let name = ServerName::try_from("localhost").unwrap();
        let mut conn = rustls::ClientConnection::new(config, name).unwrap();
        let mut sent = false;
        if let (Some(data), Some(mut writer)) = (early, conn.early_data()) {
            writer.write_all(data).unwrap();
            sent = true;
        }
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        (rustls::StreamOwned::new(conn, tcp), sent)
    }

    /// A client connected to `port` whose key log is `keys`.
    pub fn connect(port: u16, keys: Arc<HeldKeyLog>) -> Client {
        connect_with(client_config(keys), port, None).0
    }

    /// One request and its whole response.
    pub fn get(c: &mut Client, path: &str) -> String {
        // One write: rustls' stream sends each write as it comes and may
        // then wait to read, so `write!`'s pieces could stall mid-request.
        c.write_all(&request(path)).unwrap();
        c.flush().unwrap();
        read_reply(c, path)
    }

    pub fn request(path: &str) -> Vec<u8> {
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").into_bytes()
    }

    /// The whole response to a request for `path`.
    pub fn read_reply(c: &mut Client, path: &str) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let want = format!("you asked for {path}");
        while !got.ends_with(want.as_bytes()) {
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0, "the server closed early");
            got.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(got).unwrap()
    }
}

/// The app captures a TLS 1.3 session (rustls) on `lo` with a key log
/// that is empty when the session starts. Its records stay sealed; the
/// client's key lines are then written to the log, as a browser's
/// SSLKEYLOGFILE grows: the next exchange decrypts while the capture
/// runs, and once the capture stops it is analysed again, so that the
/// exchange that went by before the keys decrypts too.
#[test]
fn a_key_log_that_grows_while_capturing_decrypts_the_session() {
    use egui_kittest::kittest::Queryable;
    use std::sync::Arc;
    if !can_capture() {
        return;
    }
    let http = |a: &wirelens::ui::WirelensApp| -> Vec<usize> {
        let Some(s) = a.snapshot() else {
            return Vec::new();
        };
        (0..s.index.len())
            .filter(|&i| {
                let proto = s.index.row(i).map_or(0, |r| r.proto);
                dissectors::proto::by_id(proto).is_some_and(|p| p.name() == "http")
            })
            .map(|i| i + 1)
            .collect()
    };
    let key_log = tmp("growing.keys");
    std::fs::write(&key_log, "").unwrap();
    let mut h = app_harness();
    h.run();
    assert!(h.state_mut().apply_key_log(Some(&key_log)));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    h.state_mut().capture_options.interface = Some("lo".into());
    h.state_mut().capture_options.filter = format!("tcp port {port}");
    let ctx = h.ctx.clone();
    h.state_mut().start_capture(&ctx);
    assert!(h.state().is_capturing(), "{:?}", h.state().error);

    let server = rustls_pair::serve(listener, 1);
    let held = Arc::new(rustls_pair::HeldKeyLog::default());
    let mut client = rustls_pair::connect(port, held.clone());
    let first = rustls_pair::get(&mut client, "/before-keys");
    assert!(first.starts_with("HTTP/1.1 200 OK"), "{first}");
    settle();
    let frames = |a: &wirelens::ui::WirelensApp| a.snapshot().map_or(0, |s| s.index.len());
    // Handshake, request, response and their ACKs at least.
    step_until(&mut h, "the first exchange never arrived", &|a| {
        frames(a) >= 8
    });
    let before_keys = frames(h.state());
    assert_eq!(http(h.state()), Vec::<usize>::new(), "nothing decrypts yet");

    let lines = held.0.lock().unwrap().clone();
    assert!(lines.contains("CLIENT_TRAFFIC_SECRET_0"), "{lines}");
    std::fs::write(&key_log, &lines).unwrap();
    step_until(&mut h, "the grown key log was never read", &|a| {
        a.tls_sessions == 1
    });
    let second = rustls_pair::get(&mut client, "/after-keys");
    assert!(second.starts_with("HTTP/1.1 200 OK"), "{second}");
    step_until(
        &mut h,
        "the exchange after the keys never decrypted",
        &|a| http(a).len() == 2,
    );
    // The request and the response after the keys, while capturing.
    let live = http(h.state());
    assert!(
        live.iter().all(|&n| n > before_keys),
        "{live:?} {before_keys}"
    );

    drop(client);
    server.join().unwrap();
    settle();
    h.state_mut().stop_capture();
    step_until(&mut h, "the capture never stopped", &|a| !a.is_capturing());
    // Analysed again: the first exchange decrypts too.
    step_until(
        &mut h,
        "the records before the keys never decrypted",
        &|a| a.snapshot().is_some_and(|s| s.done) && http(a).len() == 4,
    );
    let all = http(h.state());
    assert_eq!(
        all.iter().filter(|&&n| n <= before_keys).count(),
        2,
        "{all:?}"
    );
    assert_eq!(&all[2..], &live[..]);
    h.run();
    h.get_by_label("TLS keys: 1 sessions");
    wirelens::pass::set_keys(None);
    let spill = h.state().document.as_ref().unwrap().path.clone();
    drop(h);
    let _ = std::fs::remove_file(spill);
    let _ = std::fs::remove_file(key_log);
}

/// 0-RTT: a rustls client resumes its first session and sends its request
/// as early data, with the ClientHello, before any ServerHello names the
/// suite. With the key log (CLIENT_EARLY_TRAFFIC_SECRET) that request
/// decrypts to HTTP in the frame tshark finds it in, and the rest of the
/// session decrypts after it.
#[test]
fn zero_rtt_request_of_a_resumed_session_decrypts_as_tshark_does() {
    use std::sync::Arc;
    if !can_capture() {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let spill = tmp("zero-rtt.pcapng");
    let mut session = LiveSession::start(&options(format!("tcp port {port}")), &spill).unwrap();
    let server = rustls_pair::serve(listener, 2);
    let held = Arc::new(rustls_pair::HeldKeyLog::default());
    let config = rustls_pair::client_config(held.clone());
    let (mut first, _) = rustls_pair::connect_with(config.clone(), port, None);
    rustls_pair::get(&mut first, "/first");
    drop(first);
    let early = rustls_pair::request("/early");
    let (mut second, sent) = rustls_pair::connect_with(config, port, Some(&early));
    assert!(sent, "the resumed session allows no 0-RTT");
    let reply = rustls_pair::read_reply(&mut second, "/early");
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(second.conn.is_early_data_accepted());
    rustls_pair::get(&mut second, "/after-early");
    drop(second);
    server.join().unwrap();
    settle();
    let (ended, _) = session.stop();
    assert_eq!(ended, Ok(Ended::Stopped));
    let keys = tmp("zero-rtt.keys");
    let lines = held.0.lock().unwrap().clone();
    assert!(lines.contains("CLIENT_EARLY_TRAFFIC_SECRET"), "{lines}");
    std::fs::write(&keys, &lines).unwrap();

    let out = wirelens()
        .args([
            "packets",
            "-Y",
            "http.request",
            "--format",
            "json",
            "--keylog",
        ])
        .arg(&keys)
        .arg(&spill)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: Vec<(u64, String)> = serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["number"].as_u64().unwrap(),
                p["info"].as_str().unwrap().trim().to_owned(),
            )
        })
        .collect();
    let paths: Vec<&str> = ours.iter().map(|(_, i)| i.as_str()).collect();
    assert_eq!(
        paths,
        [
            "GET /first HTTP/1.1",
            "GET /early HTTP/1.1",
            "GET /after-early HTTP/1.1"
        ]
    );
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&spill)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keys.display()))
        .args(["-Y", "http.request", "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("tshark (apt-get install tshark)");
    let theirs: Vec<u64> = String::from_utf8_lossy(&tshark.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(ours.iter().map(|(n, _)| *n).collect::<Vec<_>>(), theirs);
    let _ = std::fs::remove_file(spill);
    let _ = std::fs::remove_file(keys);
}

/// A session killed mid-capture (`kill -9`) leaves its spill file with
/// every packet it took; while it ran, nothing offered the file as left
/// behind, and once it is gone, File › Recover… finds it (the same
/// `SpillDir::left_behind` the app lists).
#[test]
fn a_killed_session_leaves_its_spill_file_to_recover_with_every_packet() {
    use wirelens::capture::spill::SpillDir;
    if !can_capture() {
        return;
    }
    let cache = tmp("killed-session-cache");
    let _ = std::fs::remove_dir_all(&cache);
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    let mut child = wirelens()
        .args(["packets", "-i", "lo", "-f"])
        .arg(format!("udp dst port {port}"))
        .env("XDG_CACHE_HOME", &cache)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (line, _stderr) = first_line(&mut child);
    assert_eq!(line, "Capturing on 'lo'\n");
    let dir = SpillDir::at(cache.join("wirelens"));
    assert_eq!(dir.files().len(), 1, "one spill file while capturing");
    assert!(dir.left_behind().is_empty(), "a running session's file");
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..20u8 {
        tx.send_to(&[i; 100], ("127.0.0.1", port)).unwrap();
    }
    // Written as they come: wait until all are in the file.
    let t = std::time::Instant::now();
    while dir.files()[0].packets().unwrap().0 < 20 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "packets never written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left = dir.left_behind();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].interface, "lo");
    assert_eq!(left[0].packets().unwrap(), (20, true));
    let _ = std::fs::remove_dir_all(&cache);
}
