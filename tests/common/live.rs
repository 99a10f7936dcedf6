//! Live capture on `lo` for the tests that make their own traffic.
//! Capturing needs CAP_NET_RAW and CAP_NET_ADMIN (CI runs as root).
//! Without them these tests fail and say so, unless WIRELENS_SKIP_LIVE=1
//! is set.

use std::path::PathBuf;
use std::time::Duration;

use wirelens::capture::live::{LiveCapture, LiveError, LiveOptions};

pub fn can_capture() -> bool {
    match LiveCapture::start(&LiveOptions::new("lo"), &tmp("probe.pcapng"), None) {
        Ok(c) => {
            c.stop();
            true
        }
        Err(e @ LiveError::Permission { .. }) => {
            if std::env::var_os("WIRELENS_SKIP_LIVE").is_some() {
                eprintln!("skipped (WIRELENS_SKIP_LIVE): {e}");
                false
            } else {
                panic!("live capture tests need capture rights: {e}");
            }
        }
        Err(e) => panic!("cannot capture on lo: {e}"),
    }
}

/// A file of this test process's own under the target's temporary
/// directory.
pub fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", std::process::id()))
}

/// Capture options for `lo` with a capture filter.
pub fn options(filter: String) -> LiveOptions {
    let mut o = LiveOptions::new("lo");
    o.filter = Some(filter);
    o
}

/// Lets the last packets of an exchange pass through the kernel's buffer
/// before the capture stops (stop itself drains what the device holds).
pub fn settle() {
    std::thread::sleep(Duration::from_millis(300));
}

/// Runs a session tool of tests/tools (Python) while `lo` is captured: the
/// tool serves on 127.0.0.1 and prints its port, waits for a line on
/// standard input, makes its traffic and prints what the ends saw as one
/// line of JSON. Returns the capture (of that port), the tool's port and
/// its JSON. `needs` names what the tool imports, for the error.
pub fn python_session(script: &str, name: &str, needs: &str) -> (PathBuf, u16, serde_json::Value) {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let path = format!("{}/tests/tools/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut python = Command::new("python3")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 with {needs}: {e}"));
    let mut lines = BufReader::new(python.stdout.take().unwrap()).lines();
    let port: u16 = lines.next().unwrap().unwrap().trim().parse().unwrap();
    let capture = tmp(name);
    let filter = format!("tcp port {port}");
    let live =
        wirelens::capture::live::LiveCapture::start(&options(filter), &capture, None).unwrap();
    writeln!(python.stdin.take().unwrap(), "go").unwrap();
    let truth = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(
        python.wait().unwrap().success(),
        "{script} failed (needs {needs})"
    );
    settle();
    live.stop();
    (capture, port, truth)
}

/// `wirelens ARGS... CAPTURE`'s JSON, failing on an error exit.
pub fn wirelens_json(args: &[&str], capture: &std::path::Path) -> serde_json::Value {
    wirelens_json_keyed(args, capture, None)
}

/// `wirelens_json` with `--keylog KEYS` when the key log exists.
pub fn wirelens_json_keyed(
    args: &[&str],
    capture: &std::path::Path,
    keys: Option<&std::path::Path>,
) -> serde_json::Value {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"));
    cmd.args(args).arg(capture);
    if let Some(k) = keys.filter(|k| k.exists()) {
        cmd.arg("--keylog").arg(k);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
