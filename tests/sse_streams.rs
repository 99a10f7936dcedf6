//! Server-Sent Events from a real server: hyper streams one script of
//! events (a data-less `retry` block, a comment, ids set, carried and
//! reset, a custom type, a multi-line event split over two writes, CRLF
//! lines) while curl reads it over chunked HTTP/1.1, close-delimited
//! HTTP/1.0, HTTP/2 with prior knowledge and HTTP/1.1 over TLS (decrypted
//! with curl's key log), and wirelens captures `lo`.
//!
//! `wirelens sse` must give each transfer the events the script sent, as
//! the WHATWG rules make a browser see them (written out below, not
//! computed by our parser), each timed by the frame that completed it:
//! that frame's time as tshark gives it, gaps at least the server's pause.
//! Tshark 4.0 has no SSE dissector, so only frame times come from it.

use std::convert::Infallible;
use std::net::TcpListener;
use std::path::Path;
use std::pin::Pin;
use std::process::Command;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use serde_json::{Value, json};
use wirelens::capture::live::LiveCapture;

mod common;
use common::live::{can_capture, options, settle, tmp};

/// The server's pause before each write.
const PAUSE: Duration = Duration::from_millis(40);

/// What the server writes, one write per item, PAUSE apart.
const WRITES: &[&str] = &[
    "retry: 2500\n\n: keep-alive\n\n",
    "id: 1\ndata: first\n\n",
    "event: token\ndata: line one\n",
    "data: line two\n\n",
    "id: 2\r\nevent: token\r\ndata: {\"t\":\"hi\"}\r\n\r\n",
    "data: no new id\n\n",
    "id\ndata: id reset\n\n",
    "event: done\ndata: [DONE]\n\n",
];

/// The events a client sees (type, data, last event id, retry), and the
/// write that completes each.
fn expected() -> Vec<(Value, usize)> {
    let e = |t: &str, d: &str, id: &str, retry: Value| json!({"type": t, "data": d, "id": id, "retry": retry});
    vec![
        (e("message", "first", "1", json!(2500)), 1),
        (e("token", "line one\nline two", "1", Value::Null), 3),
        (e("token", "{\"t\":\"hi\"}", "2", Value::Null), 4),
        (e("message", "no new id", "2", Value::Null), 5),
        (e("message", "id reset", "", Value::Null), 6),
        (e("done", "[DONE]", "", Value::Null), 7),
    ]
}

/// A response body fed by the writer task.
struct Events(tokio::sync::mpsc::Receiver<Bytes>);

impl Body for Events {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

async fn events(
    _: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Events>, Infallible> {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        for w in WRITES {
            tokio::time::sleep(PAUSE).await;
            if tx.send(Bytes::from_static(w.as_bytes())).await.is_err() {
                return;
            }
        }
    });
    let response = hyper::Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Events(rx))
        .unwrap();
    Ok(response)
}

#[derive(Clone, Copy)]
enum Server {
    Http1,
    H2c,
    Https,
}

/// Serves one connection of `listener` with hyper.
fn serve(listener: TcpListener, kind: Server) {
    use hyper::server::conn::{http1, http2};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let (sock, _) = listener.accept().await.unwrap();
            let service = hyper::service::service_fn(events);
            match kind {
                Server::Http1 => http1::Builder::new()
                    .serve_connection(TokioIo::new(sock), service)
                    .await
                    .unwrap(),
                Server::H2c => http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(sock), service)
                    .await
                    .unwrap(),
                Server::Https => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls_config());
                    let tls = acceptor.accept(sock).await.unwrap();
                    http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await
                        .unwrap()
                }
            }
        });
    });
}

fn tls_config() -> Arc<rustls::ServerConfig> {
    common::tls::server_config()
}

/// curl reads the stream through `kind` with `curl_args`; the capture,
/// the key log and what curl printed.
fn transfer(
    name: &str,
    kind: Server,
    curl_args: &[&str],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    serve(listener, kind);
    let capture = tmp(&format!("sse-{name}.pcapng"));
    let keylog = tmp(&format!("sse-{name}.keys"));
    let _ = std::fs::remove_file(&keylog);
    let live = LiveCapture::start(&options(format!("tcp port {port}")), &capture, None).unwrap();
    let scheme = if matches!(kind, Server::Https) {
        "https"
    } else {
        "http"
    };
    let out = Command::new("curl")
        .args(["-sS", "-N", "-k", "--max-time", "10"])
        .args(curl_args)
        .arg(format!("{scheme}://127.0.0.1:{port}/v1/stream?model=test"))
        .env("SSLKEYLOGFILE", &keylog)
        .output()
        .expect("curl (apt-get install curl)");
    settle();
    live.stop();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        WRITES.concat(),
        "curl's body"
    );
    (capture, keylog)
}

fn wirelens_sse(capture: &Path, keylog: &Path) -> Value {
    common::live::wirelens_json_keyed(&["sse", "--format", "json"], capture, Some(keylog))
}

/// tshark's time (since the first frame) and the server's TCP payload
/// length for each frame of the capture.
fn tshark_frames(capture: &Path, keylog: &Path) -> Vec<(f64, u64)> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(capture);
    if keylog.exists() {
        cmd.arg("-o")
            .arg(format!("tls.keylog_file:{}", keylog.display()));
    }
    let out = cmd
        .args(["-T", "fields", "-e", "frame.time_relative", "-e", "tcp.len"])
        .output()
        .expect("tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let t = f.next().unwrap().parse().unwrap();
            (t, f.next().unwrap_or("0").parse().unwrap_or(0))
        })
        .collect()
}

fn check(name: &str, kind: Server, curl_args: &[&str], stream_id: Value) {
    let (capture, keylog) = transfer(name, kind, curl_args);
    let ours = wirelens_sse(&capture, &keylog);
    let streams = ours["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 1, "{name}: {ours:#}");
    let s = &streams[0];
    assert_eq!(s["stream_id"], stream_id, "{name}");
    assert_eq!(s["path"], "/v1/stream?model=test", "{name}");
    let events = s["events"].as_array().unwrap();
    let expected = expected();
    assert_eq!(events.len(), expected.len(), "{name}: {s:#}");
    let frames = tshark_frames(&capture, &keylog);
    for (e, (want, _)) in events.iter().zip(&expected) {
        for k in ["type", "data", "id", "retry"] {
            assert_eq!(e[k], want[k], "{name}: {k} of {e:#}");
        }
        let frame = e["frame"].as_u64().unwrap() as usize;
        let (time, len) = frames[frame - 1];
        assert!(len > 0, "{name}: frame {frame} carries data");
        let ours = e["time"].as_f64().unwrap();
        assert!(
            (ours - time).abs() < 1e-6,
            "{name}: frame {frame}: {ours} vs tshark {time}"
        );
    }
    // The server paused before each write; events complete in different
    // writes, so no two share a frame and each gap is at least a pause.
    let times: Vec<f64> = events.iter().map(|e| e["time"].as_f64().unwrap()).collect();
    let pause = PAUSE.as_secs_f64() * 0.9;
    for (w, x) in times.windows(2).zip(expected.windows(2)) {
        let pauses = (x[1].1 - x[0].1) as f64;
        assert!(w[1] - w[0] >= pause * pauses, "{name}: {times:?}");
    }
    let first = s["time_to_first_event"].as_f64().unwrap();
    assert!(first >= 2.0 * pause && first < 2.0, "{name}: {first}");
    let p50 = s["gap_p50"].as_f64().unwrap();
    assert!(
        p50 >= pause && p50 <= s["gap_p99"].as_f64().unwrap(),
        "{name}: {s:#}"
    );

    // The details tree: the whole body's events, as `sse.*` fields on the
    // frame that completes the response.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirelens"));
    cmd.args(["packets", "-r"]).arg(&capture);
    if keylog.exists() {
        cmd.arg("--keylog").arg(&keylog);
    }
    let filter = r#"sse.event == "done" && sse.data == "line one\nline two" && sse.id == "2""#;
    let out = cmd
        .args([
            "-Y",
            filter,
            "-T",
            "fields",
            "-e",
            "sse.event",
            "-e",
            "sse.events",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.trim(),
        "message,token,token,message,message,done\t6",
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sse_over_chunked_http1_1() {
    if can_capture() {
        check("http1", Server::Http1, &["--http1.1"], Value::Null);
    }
}

#[test]
fn sse_over_close_delimited_http1_0() {
    if can_capture() {
        check("http10", Server::Http1, &["--http1.0"], Value::Null);
    }
}

#[test]
fn sse_over_http2() {
    if can_capture() {
        check("h2c", Server::H2c, &["--http2-prior-knowledge"], json!(1));
    }
}

#[test]
fn sse_over_tls() {
    if can_capture() {
        check("https", Server::Https, &["--http1.1"], Value::Null);
    }
}
