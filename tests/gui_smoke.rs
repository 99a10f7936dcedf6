//! The real binary under a virtual X server: it starts on the bundled
//! sample with a packet selected (`-g`, as Wireshark), draws its window with
//! the glow renderer (Mesa's software GL here), and keeps running; a
//! screenshot of the screen must show the app, not a blank one. Needs Xvfb and ImageMagick's `import` (.ci/run installs them);
//! without them the test fails and says so, unless WIRELENS_SKIP_GUI=1.
//! `WIRELENS_SCREENSHOT=path` keeps the screenshot there (the README's
//! comes from this).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Distinct colours in an image (ImageMagick's %k).
fn colours(png: &PathBuf) -> u64 {
    let out = Command::new("identify")
        .args(["-format", "%k"])
        .arg(png)
        .output()
        .expect("identify runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Whether the image has pixels of exactly this colour (hex, `DAEEFF`).
fn has_colour(png: &PathBuf, hex: &str) -> bool {
    let out = Command::new("convert")
        .arg(png)
        .args(["-format", "%c", "histogram:info:-"])
        .output()
        .expect("convert runs");
    String::from_utf8_lossy(&out.stdout).contains(&format!("#{hex}"))
}

/// The DNS colouring rule's background (assets/colour_rules.ron).
const DNS_ROW: &str = "E6F0FF";

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_app_draws_its_window_under_xvfb() {
    if !(have("Xvfb") && have("import") && have("identify")) {
        if std::env::var_os("WIRELENS_SKIP_GUI").is_some() {
            eprintln!("skipped (WIRELENS_SKIP_GUI): Xvfb or ImageMagick missing");
            return;
        }
        panic!("the GUI smoke test needs Xvfb and ImageMagick (apt-get install xvfb imagemagick)");
    }
    let display = format!(":{}", 90 + std::process::id() % 100);
    let _x = Killed(
        Command::new("Xvfb")
            // The window's size (ui::run), so the screenshot is the window.
            .args([&display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let config = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gui-smoke-config");
    // Named relative to the crate, so the status bar (and the README's
    // screenshot) does not show where this checkout lives. Frame 8 is the
    // TLS ClientHello: the details tree and hex pane show it.
    let mut app = Killed(
        Command::new(env!("CARGO_BIN_EXE_wirelens"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["samples/wirelens-tour.pcapng", "-g", "8"])
            .env("DISPLAY", &display)
            .env("WIRELENS_CONFIG_DIR", &config)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wirelens starts"),
    );
    let shot = std::env::var_os("WIRELENS_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gui-smoke.png"));
    // Screenshots until the window has drawn (a blank screen has 1 colour).
    let t = Instant::now();
    let mut seen = 0;
    while t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = app.0.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = app.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("wirelens exited ({status}) before drawing: {err}");
        }
        let ok = Command::new("import")
            .args(["-display", &display, "-window", "root"])
            .arg(&shot)
            .status()
            .is_ok_and(|s| s.success());
        // Drawn, and the packet list shows DNS rows in their rule's colour.
        if ok {
            seen = colours(&shot);
            if seen > 50 && has_colour(&shot, DNS_ROW) {
                break;
            }
        }
    }
    assert!(seen > 50, "the screen stayed blank ({seen} colours)");
    assert!(
        has_colour(&shot, DNS_ROW),
        "no DNS rows in their colour on screen"
    );
    // Still running a moment later.
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "wirelens exited after drawing"
    );
    eprintln!("screenshot: {}", shot.display());
}
