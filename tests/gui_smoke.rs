//! The real binary under a virtual X server: it starts on the bundled
//! sample with a packet selected (`-g`, as Wireshark), draws its window with
//! the glow renderer (Mesa's software GL here), and keeps running; a
//! screenshot of the screen must show the app, not a blank one. A second
//! test opens a chart in its own native window with xdotool and saves it as
//! PNG. They need Xvfb, ImageMagick and xdotool (.ci/run installs them);
//! without them the tests fail and say so, unless WIRELENS_SKIP_GUI=1.
//! `WIRELENS_SCREENSHOT=path` keeps the first test's screenshot there (the
//! README's comes from this).

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

/// Whether the tools a test here needs are installed; if not, the test
/// fails and says what is missing, unless WIRELENS_SKIP_GUI is set (then
/// it is skipped: false).
fn tools_present(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("WIRELENS_SKIP_GUI").is_some() {
        eprintln!(
            "skipped (WIRELENS_SKIP_GUI): {} missing",
            missing.join(", ")
        );
        return false;
    }
    panic!(
        "this GUI test needs {} (apt-get install xvfb imagemagick xdotool)",
        missing.join(", ")
    );
}

/// A virtual X server of the app window's size (ui::run), so a screenshot
/// is the window; `n` keeps this binary's tests on displays of their own.
fn xvfb(n: u32) -> (String, Killed) {
    let display = format!(":{}", 90 + (std::process::id() % 50) * 2 + n);
    let x = Killed(
        Command::new("Xvfb")
            .args([&display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    std::thread::sleep(Duration::from_millis(500));
    (display, x)
}

/// The real binary on the sample with frame 8 (the TLS ClientHello)
/// selected, so the details tree and hex pane show it. The sample is named
/// relative to the crate, so the status bar (and the README's screenshot)
/// does not show where this checkout lives.
fn wirelens(display: &str, name: &str, env: &[(&str, &std::path::Path)]) -> Killed {
    let config = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-config"));
    let mut app = Command::new(env!("CARGO_BIN_EXE_wirelens"));
    app.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["samples/wirelens-tour.pcapng", "-g", "8"])
        .env("DISPLAY", display)
        .env("WIRELENS_CONFIG_DIR", &config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        app.env(k, v);
    }
    Killed(app.spawn().expect("wirelens starts"))
}

/// Takes screenshots into `shot` until the window has drawn the packet
/// list (DNS rows in their rule's colour; a blank screen has 1 colour).
fn wait_drawn(app: &mut Killed, display: &str, shot: &PathBuf) {
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
            .args(["-display", display, "-window", "root"])
            .arg(shot)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            seen = colours(shot);
            if seen > 50 && has_colour(shot, DNS_ROW) {
                break;
            }
        }
    }
    assert!(seen > 50, "the screen stayed blank ({seen} colours)");
    assert!(
        has_colour(shot, DNS_ROW),
        "no DNS rows in their colour on screen"
    );
}

#[test]
fn the_app_draws_its_window_under_xvfb() {
    if !tools_present(&["Xvfb", "import", "identify"]) {
        return;
    }
    let (display, _x) = xvfb(0);
    let mut app = wirelens(&display, "gui-smoke", &[]);
    let shot = std::env::var_os("WIRELENS_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gui-smoke.png"));
    wait_drawn(&mut app, &display, &shot);
    // Still running a moment later.
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "wirelens exited after drawing"
    );
    eprintln!("screenshot: {}", shot.display());
}

/// Width, height and distinct colours of an image.
fn geometry(png: &std::path::Path) -> (u32, u32, u64) {
    let out = Command::new("identify")
        .args(["-format", "%w %h %k"])
        .arg(png)
        .output()
        .expect("identify runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<u64> = text
        .split(' ')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    assert_eq!(v.len(), 3, "identify: {text}");
    (v[0] as u32, v[1] as u32, v[2])
}

/// TCP charts open in a native window of their own (an egui deferred
/// viewport), which the kittest harness cannot show: here the real app
/// opens one, and its Save as PNG writes an image of that window alone.
/// `WIRELENS_SAVE_DIR` stands in for the save dialog (no xdg portal here).
#[test]
fn a_chart_window_of_its_own_saves_itself_as_png() {
    if !tools_present(&["Xvfb", "import", "identify", "xdotool"]) {
        return;
    }
    let (display, _x) = xvfb(1);
    let saved = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gui-chart-png");
    let _ = std::fs::remove_dir_all(&saved);
    std::fs::create_dir_all(&saved).unwrap();
    let mut app = wirelens(&display, "gui-chart", &[("WIRELENS_SAVE_DIR", &saved)]);
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gui-chart.png");
    wait_drawn(&mut app, &display, &shot);
    let xdotool = |args: &[&str]| {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &display)
            .output()
            .expect("xdotool runs");
        assert!(out.status.success(), "xdotool {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // Statistics › TCP Stream Graphs, for the selected frame's stream.
    xdotool(&["mousemove", "223", "12", "click", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&["mousemove", "259", "108", "click", "1"]);
    // Polled, not `search --sync`, which waits for ever when the click
    // opened something else.
    let t = Instant::now();
    let window = loop {
        let out = Command::new("xdotool")
            .args(["search", "--name", "^TCP charts"])
            .env("DISPLAY", &display)
            .output()
            .expect("xdotool runs");
        let found = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_string);
        match found {
            Some(w) => break w,
            None if t.elapsed() > Duration::from_secs(20) => panic!("no TCP charts window"),
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    std::thread::sleep(Duration::from_secs(1));
    // Its "Save as PNG…" button, right of the four chart tabs.
    xdotool(&["mousemove", "--window", &window, "534", "18", "click", "1"]);
    let t = Instant::now();
    let png = loop {
        let found = std::fs::read_dir(&saved)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "png"));
        match found {
            Some(p) if geometry(&p).0 > 0 => break p,
            _ if t.elapsed() > Duration::from_secs(20) => {
                panic!("no PNG saved in {}", saved.display())
            }
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    assert_eq!(
        png.file_name().unwrap().to_string_lossy(),
        "tcp-stream-0-stevens.png"
    );
    // The chart window's contents (960x540 less the panel's margins), not
    // the app's window: a drawn chart, and none of the list's DNS rows.
    let (w, h, k) = geometry(&png);
    assert!(
        (900..960).contains(&w) && (480..540).contains(&h),
        "{w}x{h}"
    );
    assert!(k > 50, "a blank image ({k} colours)");
    assert!(
        !has_colour(&png, DNS_ROW),
        "the app's window, not the chart's"
    );
}
