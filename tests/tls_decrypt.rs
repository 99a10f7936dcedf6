//! TLS decryption end to end, through the command line: where keys come
//! from (`--keylog`, tshark's `-o tls.keylog_file:`, a capture's own
//! Decryption Secrets Blocks, written by us or by editcap), and what a
//! bad key log does. The decrypted trees themselves are golden-tested
//! against tshark (tests/golden.rs, fixture wirelens_tls_decrypt.pcap).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const FIXTURE: &str = "tests/fixtures/wirelens_tls_decrypt.pcap";
const KEYS: &str = "tests/fixtures/wirelens_tls_decrypt.keys";

fn wirelens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .current_dir(common::root())
        .args(args)
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirelens-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_key_log_by_either_spelling_decrypts_http_and_http2() {
    let plain = stdout(&wirelens(&["packets", FIXTURE]));
    let keyed = stdout(&wirelens(&["packets", FIXTURE, "--keylog", KEYS]));
    let pref = format!("tls.keylog_file:{KEYS}");
    let tshark_spelling = stdout(&wirelens(&["packets", FIXTURE, "-o", &pref]));
    assert_eq!(keyed, tshark_spelling);
    for line in [
        "GET /hello HTTP/1.1",
        "HEADERS[1]: POST /big",
        "GET /gcm12 HTTP/1.1",
    ] {
        assert!(keyed.contains(line), "{line} missing:\n{keyed}");
        assert!(!plain.contains(line), "{line} without a key log");
    }
}

#[test]
fn injected_secrets_decrypt_without_a_key_log_and_extract_as_they_were() {
    let dir = scratch("inject");
    let out = dir.join("with_secrets.pcapng");
    let spec = format!("tls,{KEYS}");
    stdout(&wirelens(&[
        "export",
        FIXTURE,
        "--inject-secrets",
        &spec,
        "-w",
        path(&out),
    ]));
    // The rows but their times: the pcapng written keeps nanoseconds, and
    // the packet list shows the file's resolution, as tshark's.
    let rows = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend([
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.col.Protocol",
        ]);
        a.extend(["-e", "_ws.col.Info", "-e", "frame.len"]);
        stdout(&wirelens(&a))
    };
    let keyed = rows(&["packets", FIXTURE, "--keylog", KEYS]);
    let carried = rows(&["packets", path(&out)]);
    assert_eq!(carried, keyed);
    assert!(keyed.contains("GET /hello HTTP/1.1"), "{keyed}");
    // Exporting again keeps the secrets.
    let again = dir.join("again.pcapng");
    stdout(&wirelens(&["export", path(&out), "-w", path(&again)]));
    assert_eq!(rows(&["packets", path(&again)]), keyed);
    let extracted = dir.join("extracted.keys");
    stdout(&wirelens(&[
        "export",
        path(&out),
        "--extract-secrets",
        "-w",
        path(&extracted),
    ]));
    let root = common::root();
    assert_eq!(
        std::fs::read(&extracted).unwrap(),
        std::fs::read(root.join(KEYS)).unwrap()
    );
    // A pcap file cannot carry them.
    let pcap = dir.join("no.pcap");
    let o = wirelens(&[
        "export",
        FIXTURE,
        "--inject-secrets",
        KEYS,
        "-w",
        path(&pcap),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot hold decryption secrets"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Made by `editcap --inject-secrets tls,KEYS` (Wireshark 4.0) from the
/// fixture's first 36 frames.
#[test]
fn a_capture_editcap_gave_secrets_decrypts_and_extracts() {
    let file = "tests/decrypt/editcap_injected_secrets.pcapng";
    let out = stdout(&wirelens(&["packets", file]));
    assert!(out.contains("GET /hello HTTP/1.1"), "{out}");
    assert!(out.contains("HEADERS[1]: GET /h2"), "{out}");
    let dir = scratch("editcap");
    let extracted = dir.join("keys");
    stdout(&wirelens(&[
        "export",
        file,
        "--extract-secrets",
        "-w",
        path(&extracted),
    ]));
    let root = common::root();
    assert_eq!(
        std::fs::read(&extracted).unwrap(),
        std::fs::read(root.join(KEYS)).unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn malformed_lines_are_named_by_number_and_the_rest_still_decrypts() {
    let dir = scratch("malformed");
    let keys = dir.join("keys");
    let mut text = String::from("# a comment\nnot a key log line\n");
    text.push_str(&std::fs::read_to_string(common::root().join(KEYS)).unwrap());
    text.push_str("CLIENT_RANDOM 00ff 1234\n");
    std::fs::write(&keys, &text).unwrap();
    let o = wirelens(&["packets", FIXTURE, "--keylog", path(&keys)]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let last = text.lines().count();
    assert!(err.contains("line 2: not a key log line"), "{err}");
    assert!(
        err.contains(&format!("line {last}: the client random is not 32 bytes")),
        "{err}"
    );
    assert!(stdout(&o).contains("GET /hello HTTP/1.1"));
    let missing = wirelens(&["packets", FIXTURE, "--keylog", "/nonexistent/keys"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/keys"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Frames a display filter matches, counted.
fn matching(args: &[&str]) -> usize {
    stdout(&wirelens(args)).lines().count()
}

#[test]
fn a_wrong_key_warns_per_record_and_a_session_without_keys_says_so() {
    let dir = scratch("wrong");
    // Every server application traffic secret altered in its first digit.
    let text = std::fs::read_to_string(common::root().join(KEYS)).unwrap();
    let wrong: String = text
        .lines()
        .map(|l| match l.strip_prefix("SERVER_TRAFFIC_SECRET_0 ") {
            Some(rest) => {
                let (random, secret) = rest.split_once(' ').unwrap();
                let first = if secret.starts_with('0') { "1" } else { "0" };
                format!("SERVER_TRAFFIC_SECRET_0 {random} {first}{}\n", &secret[1..])
            }
            None => format!("{l}\n"),
        })
        .collect();
    let keys = dir.join("wrong");
    std::fs::write(&keys, wrong).unwrap();
    let failed = matching(&[
        "packets",
        FIXTURE,
        "--keylog",
        path(&keys),
        "-Y",
        "tls.decryption.failed",
    ]);
    assert!(failed > 0);
    // The client's side still decrypts.
    let gets = matching(&[
        "packets",
        FIXTURE,
        "--keylog",
        path(&keys),
        "-Y",
        "http.request",
    ]);
    assert!(gets >= 3, "{gets}");
    // Keys of one session only: the others say they have none.
    let one: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    let keys = dir.join("one");
    std::fs::write(&keys, one).unwrap();
    assert!(
        matching(&[
            "packets",
            FIXTURE,
            "--keylog",
            path(&keys),
            "-Y",
            "tls.decryption.no_key"
        ]) > 0
    );
    // Without a key log nothing is said.
    assert_eq!(
        matching(&[
            "packets",
            FIXTURE,
            "-Y",
            "tls.decryption.no_key || tls.decryption.failed"
        ]),
        0
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A key log written while capturing (a browser's SSLKEYLOGFILE) gives a
/// session's secrets after its handshake went by: the records from then on
/// are decrypted, at the sequence numbers the unread records made (TLS
/// 1.3's unseen handshake end found by trying).
#[test]
fn keys_that_come_after_the_handshake_decrypt_what_follows() {
    use dissectors::packet::Options;
    use dissectors::sink::NullSink;
    use dissectors::tls::keylog::KeyLog;
    let root = common::root();
    let file = wirelens::capture::CaptureFile::open(&root.join(FIXTURE)).unwrap();
    let keys = std::fs::read(root.join(KEYS)).unwrap();
    let mut pass = wirelens::pass::Pass::new(true);
    // A key log, empty so far.
    pass.analyzer
        .set_keys(Some(std::sync::Arc::new(KeyLog::default())));
    let mut reader = file.reader();
    let mut protocols = Vec::new();
    while let Some(rec) = reader.next() {
        let n = pass.frames() + 1;
        // TLS 1.3 session 0: both finished their handshake by frame 9;
        // TLS 1.2 session 4 (frames 74-86) changed cipher spec by frame 81.
        if n == 10 || n == 82 {
            pass.analyzer.add_key_text(&keys);
        }
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        let (pi, _) = pass.frame(&rec, iface, data, Options::new(true), &mut NullSink);
        protocols.push((n, pi.protocol.to_string(), pi.info.clone()));
        if n == 83 {
            break;
        }
    }
    let at = |n: u32| protocols.iter().find(|p| p.0 == n).unwrap();
    assert_eq!(
        at(6).2,
        "Server Hello, Change Cipher Spec, Application Data, Application Data, Application Data, Application Data"
    );
    assert_eq!(
        (at(10).1.as_str(), at(10).2.as_str()),
        ("HTTP", "GET /hello HTTP/1.1 ")
    );
    assert_eq!(at(12).1, "HTTP");
    assert!(at(12).2.starts_with("HTTP/1.1 200 OK"));
    assert_eq!(
        (at(82).1.as_str(), at(82).2.as_str()),
        ("HTTP", "GET /gcm12 HTTP/1.1 ")
    );
    assert_eq!(at(83).1, "HTTP");
}
