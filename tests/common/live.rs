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
