//! Statistics › SSE Streams: every Server-Sent Event stream as `wirelens
//! sse` lists it (events, time to first event, gaps between events), and
//! for the stream picked a chart of its event arrivals: each event's
//! number against its time since the request, so a stall or a burst of
//! tokens shows as a flat or a steep run. Clicking a stream's row picks
//! it and selects its first event's packet.

use std::sync::Arc;

use eframe::egui;
use egui_plot::{Line, MarkerShape, Plot, PlotPoints, Points};

use super::report_scan::ReportScan;
use crate::capture::CaptureFile;
use crate::report::sse_streams::{SseStream, percentile, streams_until};
use crate::store::Snapshot;
use crate::store::tcp_series::secs;

pub struct SseStreams {
    pub open: bool,
    pub scan: ReportScan<SseStream>,
    /// The stream whose arrivals are drawn.
    pub picked: usize,
    /// A stream clicked: its first event's frame.
    pub clicked: Option<u32>,
}

impl Default for SseStreams {
    fn default() -> Self {
        SseStreams {
            open: false,
            scan: ReportScan::new(streams_until),
            picked: 0,
            clicked: None,
        }
    }
}

impl SseStreams {
    pub fn show(&mut self, ctx: &egui::Context, snap: &Snapshot, file: &Arc<CaptureFile>) {
        if !self.open {
            self.scan.stop();
            return;
        }
        self.scan.update(snap, file, ctx);
        let mut open = true;
        egui::Window::new("SSE Streams")
            .open(&mut open)
            .default_size([820.0, 480.0])
            .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        let Some(streams) = self.scan.found.clone() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Finding event streams…");
            });
            return;
        };
        ui.horizontal(|ui| {
            ui.label(format!("{} event streams", streams.len()));
            if self.scan.is_running() {
                ui.spinner();
            }
        });
        if streams.is_empty() {
            ui.label("No Server-Sent Event streams in this capture.");
            return;
        }
        self.picked = self.picked.min(streams.len() - 1);
        egui::ScrollArea::vertical()
            .max_height(160.0)
            .id_salt("sse rows")
            .show(ui, |ui| {
                for (i, s) in streams.iter().enumerate() {
                    let label = row_label(s);
                    if ui.selectable_label(i == self.picked, label).clicked() {
                        self.picked = i;
                        self.clicked = s.events.first().map(|e| e.frame);
                    }
                }
            });
        ui.separator();
        arrivals(ui, &streams[self.picked]);
    }
}

/// A stream's line: where, how many events, how soon the first, how even.
fn row_label(s: &SseStream) -> String {
    let start = s.request.map_or(s.response.1, |r| r.1);
    let first = s.events.first().map(|e| secs(e.ns - start));
    let gaps: Vec<f64> = s
        .events
        .windows(2)
        .map(|w| secs(w[1].ns - w[0].ns))
        .collect();
    let ms = |v: Option<f64>| v.map_or("-".into(), |t| format!("{:.1} ms", t * 1e3));
    let stream = s
        .stream_id
        .map_or(String::new(), |id| format!(" stream {id}"));
    format!(
        "tcp.stream {}{stream} {}: {} events, first after {}, gap p50 {} p99 {}",
        s.tcp_stream,
        s.path.as_deref().unwrap_or("-"),
        s.events.len(),
        ms(first),
        ms(percentile(&gaps, 50.0)),
        ms(percentile(&gaps, 99.0)),
    )
}

/// Event number against seconds since the request, as a step line with
/// a marker per event.
fn arrivals(ui: &mut egui::Ui, s: &SseStream) {
    let start = s.request.map_or(s.response.1, |r| r.1);
    let points: Vec<[f64; 2]> = s
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| [secs(e.ns - start), (i + 1) as f64])
        .collect();
    let mut steps = vec![[0.0, 0.0]];
    for p in &points {
        steps.push([p[0], p[1] - 1.0]);
        steps.push(*p);
    }
    let plot = Plot::new("sse arrivals")
        .x_axis_label("seconds since the request")
        .y_axis_label("events")
        .allow_scroll(false);
    let shown = super::plot_border::without_fill(plot).show(ui, |p| {
        // A step at each event: x repeats, which is no band here.
        p.line(Line::new("events so far", PlotPoints::from(steps)).allow_band(false));
        p.points(
            Points::new("event", PlotPoints::from(points))
                .shape(MarkerShape::Circle)
                .radius(3.0),
        );
    });
    super::plot_border::draw(ui, &shown.response);
}
