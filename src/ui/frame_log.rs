//! Frame times, written to a file for benchmarks (`WIRELENS_FRAME_LOG`).
//!
//! One CSV line per frame: Unix time in milliseconds (a driving script
//! stamps its phases the same way), the viewport (`root`, the app's
//! window, or `chart`, a TCP charts window), the packets the store held for the
//! frame and whether loading had finished, the frame's time as
//! eframe measures it (building the UI, tessellating and painting, less
//! waiting on the buffer swap; for a chart window, its UI code alone, as
//! eframe measures only the app's window), and the wall time since the
//! previous frame of the same viewport.
//! While logging, the viewport measured repaints continuously (the app's
//! window pauses while a chart window is open), so the interval is what a
//! frame really costs, swap included (Mesa's llvmpipe rasterises at the
//! swap). A benchmark script cuts the log into the phases it drove.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct FrameLog {
    out: std::io::BufWriter<std::fs::File>,
    /// The last frame of each viewport (the app's, a chart window's).
    last: HashMap<&'static str, Instant>,
    flushed: Instant,
}

/// The log, shared by the app and the windows of its own it opens.
pub type SharedFrameLog = Arc<Mutex<FrameLog>>;

impl FrameLog {
    /// The log `WIRELENS_FRAME_LOG` names, if set (and creatable).
    pub fn from_env() -> Option<FrameLog> {
        let path = std::env::var_os("WIRELENS_FRAME_LOG")?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).ok()?);
        writeln!(out, "unix_ms,viewport,packets,loaded,frame_ms,interval_ms").ok()?;
        let now = Instant::now();
        Some(FrameLog {
            out,
            last: HashMap::new(),
            flushed: now,
        })
    }

    /// Records a frame of `viewport`; `frame_secs` is eframe's measure of
    /// the previous one. `repaint`: keep this viewport repainting (a
    /// viewport that waits while another is measured asks for none).
    pub fn record(
        &mut self,
        viewport: &'static str,
        frame_secs: Option<f32>,
        (packets, loaded): (usize, bool),
        ctx: &eframe::egui::Context,
        repaint: bool,
    ) {
        let now = Instant::now();
        let interval = self
            .last
            .insert(viewport, now)
            .map(|l| (now - l).as_secs_f64() * 1e3);
        // The first frame has no interval yet: it is logged with 0.
        if let Some(f) = frame_secs {
            let i = interval.unwrap_or(0.0);
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64() * 1e3);
            let (l, f) = (u8::from(loaded), f64::from(f) * 1e3);
            let _ = writeln!(self.out, "{t:.1},{viewport},{packets},{l},{f:.3},{i:.3}");
        }
        // Flushed each second, so a script may stop the app at any time.
        if (now - self.flushed).as_secs() >= 1 {
            self.flushed = now;
            let _ = self.out.flush();
        }
        if repaint {
            ctx.request_repaint();
        }
    }
}
