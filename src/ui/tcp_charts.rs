//! Charts of one TCP conversation, one data direction at a time (as
//! Wireshark's TCP Stream Graphs): the Stevens/tcptrace sequence graph
//! (data segments, the peer's ACKs and the window limit), throughput per
//! interval, RTT, and the receiver's calculated window against bytes in
//! flight. Points come from `store::tcp_series` (what `wirelens tcp
//! --series` prints) and are decimated to the visible range per frame.
//! Hovering shows values; a click selects the nearest point's packet.

use std::sync::{Arc, Mutex};

use eframe::egui::{self, Color32};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points};

use super::decimate::decimate_xy;
use super::frame_log::SharedFrameLog;
use super::plot_border;
use super::png_export::PngExport;
use crate::store::Snapshot;
use crate::store::tcp::TcpRecord;
use crate::store::tcp_series::{self, StreamRecords};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chart {
    #[default]
    Stevens,
    Throughput,
    Rtt,
    Window,
}

impl Chart {
    pub const ALL: [Chart; 4] = [Chart::Stevens, Chart::Throughput, Chart::Rtt, Chart::Window];
    /// The chart's name in a file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Chart::Stevens => "stevens",
            Chart::Throughput => "throughput",
            Chart::Rtt => "rtt",
            Chart::Window => "window",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Chart::Stevens => "Sequence (Stevens)",
            Chart::Throughput => "Throughput",
            Chart::Rtt => "Round Trip Time",
            Chart::Window => "Window Scaling",
        }
    }
    fn y_label(self) -> &'static str {
        match self {
            Chart::Stevens => "Sequence number (relative)",
            Chart::Throughput => "Throughput (bits/s)",
            Chart::Rtt => "RTT (ms)",
            Chart::Window => "Bytes",
        }
    }
}

pub const INTERVALS: [(i64, &str); 4] = [
    (10_000_000, "10 ms"),
    (100_000_000, "100 ms"),
    (1_000_000_000, "1 s"),
    (10_000_000_000, "10 s"),
];

/// The throughput chart's interval, one of [`INTERVALS`] (by index).
pub fn interval_choice(ui: &mut egui::Ui, interval: &mut usize) {
    egui::ComboBox::from_label("Interval")
        .selected_text(INTERVALS[*interval].1)
        .show_ui(ui, |ui| {
            for (i, (_, name)) in INTERVALS.iter().enumerate() {
                ui.selectable_value(interval, i, *name);
            }
        });
}

/// One drawn series: points sorted by time, the frame of each, and
/// whether it is drawn as a line (or as markers).
pub struct Series {
    pub name: String,
    pub color: Color32,
    pub line: bool,
    pub points: Vec<PlotPoint>,
    pub frames: Vec<u32>,
    /// What is drawn this frame.
    shown: Vec<PlotPoint>,
    shown_idx: Vec<usize>,
}

impl Series {
    pub fn new(name: &str, color: Color32, line: bool) -> Series {
        Series {
            name: name.to_string(),
            color,
            line,
            points: Vec::new(),
            frames: Vec::new(),
            shown: Vec::new(),
            shown_idx: Vec::new(),
        }
    }

    pub fn push(&mut self, time: f64, value: f64, frame: u32) {
        self.points.push(PlotPoint::new(time, value));
        self.frames.push(frame);
    }

    /// [`Self::push`] for a value that holds until the next one (what was
    /// ACKed, the window): a corner at `time` keeps the old value level up
    /// to it, as tcptrace draws it, instead of a slope that suggests the
    /// value grew in between. The corner belongs to no frame (0).
    pub fn push_step(&mut self, time: f64, value: f64, frame: u32) {
        if let Some(last) = self.points.last().copied()
            && last.y != value
            && last.x < time
        {
            self.push(time, last.y, 0);
        }
        self.push(time, value, frame);
    }

    fn from_points(
        name: &str,
        color: Color32,
        line: bool,
        ps: impl Iterator<Item = tcp_series::Point>,
        scale: f64,
    ) -> Series {
        let mut s = Series::new(name, color, line);
        for p in ps {
            // A line of sampled values (the receive window) holds each
            // value until the next sample.
            if line {
                s.push_step(p.time, p.value * scale, p.frame);
            } else {
                s.push(p.time, p.value * scale, p.frame);
            }
        }
        s
    }
}

/// Bits per second over time from `(interval start, _, bytes)` bins of
/// width `dx` seconds, listed only where there was data. A silent stretch
/// is drawn at zero by a point after and before it, never one per empty
/// interval (a connection may idle for days).
pub fn throughput_line(bins: &[(f64, u8, u64)], dx: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(bins.len());
    let mut last: Option<f64> = None;
    for &(t, _, bytes) in bins {
        if let Some(l) = last
            && t - l > 1.5 * dx
        {
            out.push((l + dx, 0.0));
            if t - l > 2.5 * dx {
                out.push((t - dx, 0.0));
            }
        }
        out.push((t, bytes as f64 * 8.0 / dx));
        last = Some(t);
    }
    out
}

pub struct TcpCharts {
    pub stream: u32,
    pub open: bool,
    pub chart: Chart,
    /// Data direction: 0 A → B, 1 B → A.
    pub dir: u8,
    pub interval: usize,
    pub nodes: (String, String),
    /// The conversation's segments (growing while a live capture runs).
    segments: StreamRecords,
    start_ns: i64,
    /// The series of the current chart and direction, and for which.
    pub series: Vec<Series>,
    series_of: Option<(Chart, u8, usize)>,
    pub clicked: Option<u32>,
    pub png: PngExport,
    /// The store's snapshot as the app last saw it, for the window's
    /// frames, which run apart from the app's.
    latest: Option<Arc<Snapshot>>,
    pub frame_log: Option<SharedFrameLog>,
    /// Asked for again while open: the window comes to the front.
    pub raise: bool,
}

/// Charts shared between the app and their window's frames.
pub type SharedCharts = Arc<Mutex<TcpCharts>>;

/// The charts' window: a native window of its own (an egui deferred
/// viewport), so that panning a chart repaints the chart alone and not
/// the packet list beneath, which a software renderer charges for by the
/// pixel. Where the backend has one window only (the kittest harness),
/// egui shows it as a window inside the app's.
pub fn show_window(charts: &SharedCharts, ctx: &egui::Context, snap: &Arc<Snapshot>) {
    let (id, title, fresh, raise) = {
        let Ok(mut c) = charts.lock() else { return };
        let fresh = !c.latest.as_ref().is_some_and(|l| Arc::ptr_eq(l, snap));
        c.latest = Some(snap.clone());
        let raise = std::mem::take(&mut c.raise);
        let id = egui::ViewportId::from_hash_of(("tcp charts", c.stream));
        (id, c.title(), fresh, raise)
    };
    if fresh {
        ctx.request_repaint_of(id);
    }
    if raise {
        ctx.send_viewport_cmd_to(id, egui::ViewportCommand::Focus);
    }
    let shared = charts.clone();
    let builder = egui::ViewportBuilder::default()
        .with_title(title)
        .with_inner_size([960.0, 540.0])
        .with_position([260.0, 180.0]);
    ctx.show_viewport_deferred(id, builder, move |ui, class| {
        let Ok(mut c) = shared.lock() else { return };
        let started = std::time::Instant::now();
        if class == egui::ViewportClass::Deferred {
            if ui.input(|i| i.viewport().close_requested()) {
                c.open = false;
            }
            // Transparent over the window's clear colour: no pixel filled twice.
            egui::CentralPanel::default()
                .frame(egui::Frame::central_panel(ui.style()).fill(egui::Color32::TRANSPARENT))
                .show(ui, |ui| c.frame(ui));
        } else {
            c.frame(ui);
        }
        if let Some(log) = &c.frame_log {
            let spent = started.elapsed().as_secs_f32();
            if let Ok(mut log) = log.lock() {
                log.record("chart", Some(spent), (0, true), ui.ctx(), true);
            }
        }
        // The app takes a picked packet or a closed window on its next frame.
        if c.clicked.is_some() || !c.open {
            ui.ctx().request_repaint_of(egui::ViewportId::ROOT);
        }
    });
}

pub const BLUE: Color32 = Color32::from_rgb(0x40, 0x8a, 0xd8);
pub const GREEN: Color32 = Color32::from_rgb(0x3c, 0xb0, 0x44);
pub const ORANGE: Color32 = Color32::from_rgb(0xd8, 0x9c, 0x20);

impl TcpCharts {
    pub fn new(snap: &Snapshot, stream: u32) -> TcpCharts {
        let nodes = snap.tcp_endpoints(stream);
        let segments = StreamRecords::new(snap, stream);
        let records = &segments.records;
        // The direction that carried more data is the one worth seeing first.
        let sent = |d: u8| {
            records
                .iter()
                .filter(|r| r.dir == d)
                .map(|r| u64::from(r.len))
                .sum::<u64>()
        };
        let dir = u8::from(sent(1) > sent(0));
        TcpCharts {
            stream,
            open: true,
            chart: Chart::default(),
            dir,
            interval: 1,
            nodes,
            segments,
            start_ns: snap.index.row(0).map_or(0, |r| r.ts_ns),
            series: Vec::new(),
            series_of: None,
            clicked: None,
            png: PngExport::default(),
            latest: None,
            frame_log: None,
            raise: false,
        }
    }

    /// Builds the series of the current chart and direction (once per change).
    pub fn build(&mut self) {
        let key = (self.chart, self.dir, self.interval);
        if self.series_of == Some(key) {
            return;
        }
        self.series_of = Some(key);
        let (recs, start, d) = (&self.segments.records[..], self.start_ns, self.dir);
        let peer = 1 - d;
        self.series = match self.chart {
            Chart::Stevens => {
                let data: Vec<TcpRecord> = recs
                    .iter()
                    .filter(|r| r.dir == d && r.len > 0)
                    .copied()
                    .collect();
                let mut ack_line = Series::new("ACKed", GREEN, true);
                let mut limit = Series::new("Window limit", ORANGE, true);
                for r in recs
                    .iter()
                    .filter(|r| r.dir == peer && r.tcp_flags & 0x10 != 0)
                {
                    let t = tcp_series::secs(r.ts_ns.saturating_sub(start));
                    ack_line.push_step(t, f64::from(r.ack), r.frame);
                    limit.push_step(t, f64::from(r.ack) + f64::from(r.win), r.frame);
                }
                vec![
                    Series::from_points(
                        "Segments",
                        BLUE,
                        false,
                        tcp_series::seq(&data, start).into_iter(),
                        1.0,
                    ),
                    ack_line,
                    limit,
                ]
            }
            Chart::Throughput => {
                let (step, _) = INTERVALS[self.interval];
                let bins: Vec<(f64, u8, u64)> = tcp_series::throughput(recs, start, step)
                    .into_iter()
                    .filter(|b| b.1 == d)
                    .collect();
                let mut s = Series::new("Throughput", BLUE, true);
                let dx = step as f64 / 1e9;
                for (t, bits_per_s) in throughput_line(&bins, dx) {
                    s.push(t, bits_per_s, 0);
                }
                vec![s]
            }
            Chart::Rtt => vec![Series::from_points(
                "RTT",
                BLUE,
                false,
                tcp_series::rtt(recs, start)
                    .into_iter()
                    .filter(|p| p.dir == peer),
                1e3,
            )],
            Chart::Window => vec![
                Series::from_points(
                    "Receive window",
                    GREEN,
                    true,
                    tcp_series::window(recs, start)
                        .into_iter()
                        .filter(|p| p.dir == peer),
                    1.0,
                ),
                Series::from_points(
                    "Bytes in flight",
                    BLUE,
                    false,
                    tcp_series::in_flight(recs, start)
                        .into_iter()
                        .filter(|p| p.dir == d),
                    1.0,
                ),
            ],
        };
    }

    /// Takes in the store's latest snapshot (a live capture grows).
    fn update(&mut self, snap: &Snapshot) {
        if self.segments.update(snap) {
            // Built again from every segment: a conversation's series take
            // milliseconds, and snapshots come at most 10 times a second.
            self.series_of = None;
        }
    }

    pub fn title(&self) -> String {
        format!("TCP charts (tcp.stream eq {})", self.stream)
    }

    /// One frame of the charts' own window: everything it shows, then the
    /// PNG request with the window's rect.
    fn frame(&mut self, ui: &mut egui::Ui) {
        if let Some(snap) = self.latest.clone() {
            self.update(&snap);
        }
        let shown = ui.scope(|ui| self.contents(ui));
        let (stream, chart) = (self.stream, self.chart);
        self.png.after_window(ui.ctx(), Some(shown), || {
            format!("tcp-stream-{stream}-{}.png", chart.file_name())
        });
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        self.png.poll(ui);
        ui.horizontal(|ui| {
            for c in Chart::ALL {
                ui.selectable_value(&mut self.chart, c, c.name());
            }
            ui.separator();
            self.png.button(ui);
        });
        ui.horizontal(|ui| {
            let (a, b) = (self.nodes.0.clone(), self.nodes.1.clone());
            ui.label("Data from");
            ui.selectable_value(
                &mut self.dir,
                0,
                egui::RichText::new(format!("{a} → {b}")).monospace(),
            );
            ui.selectable_value(
                &mut self.dir,
                1,
                egui::RichText::new(format!("{b} → {a}")).monospace(),
            );
            if self.chart == Chart::Throughput {
                ui.separator();
                interval_choice(ui, &mut self.interval);
            }
        });
        self.build();
        let picked = plot_series(
            ui,
            ("tcp chart", self.stream),
            self.chart.y_label(),
            &mut self.series,
        );
        if picked.is_some() {
            self.clicked = picked;
        }
    }
}

/// Draws `series` in a plot (each decimated to the visible range, two
/// points per pixel column), with a count of their points above; the
/// frame of the point nearest a click.
pub fn plot_series(
    ui: &mut egui::Ui,
    id: impl std::hash::Hash + std::fmt::Debug,
    y_label: &str,
    series: &mut [Series],
) -> Option<u32> {
    let count: usize = series.iter().map(|s| s.points.len()).sum();
    ui.weak(format!("{count} points"));
    let span = series
        .iter()
        .flat_map(|s| [s.points.first(), s.points.last()])
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.x), hi.max(p.x))
        });
    let shown = plot_border::without_fill(Plot::new(id))
        .legend(Legend::default())
        .x_axis_label("Time since the first packet (s)")
        .y_axis_label(y_label)
        .show(ui, move |pui| {
            let b = pui.plot_bounds();
            let (x0, x1) = if pui.auto_bounds().x && span.0.is_finite() {
                (span.0 - 1e-9, span.1 + 1e-9)
            } else {
                (b.min()[0], b.max()[0])
            };
            let columns = pui.response().rect.width().max(1.0) as usize;
            let mut drawn: Vec<(usize, usize)> = Vec::new();
            for (k, s) in series.iter_mut().enumerate() {
                decimate_xy(&s.points, x0, x1, columns, &mut s.shown_idx);
                s.shown.clear();
                s.shown.extend(s.shown_idx.iter().map(|&i| s.points[i]));
                drawn.extend(s.shown_idx.iter().map(|&i| (k, i)));
            }
            let hover = pui.pointer_coordinate();
            let clicked = pui.response().clicked();
            let transform = *pui.transform();
            // Done writing: the items borrow the points for as long as
            // the plot lives.
            let series: &[Series] = series;
            for s in series {
                let pts = PlotPoints::Borrowed(&s.shown);
                if s.line {
                    // Points are already cut to two per pixel column;
                    // egui_plot's own "band" for dense columns would
                    // join neighbouring columns with a filled slope.
                    pui.line(
                        Line::new(s.name.clone(), pts)
                            .color(s.color)
                            .allow_band(false),
                    );
                } else {
                    pui.points(
                        Points::new(s.name.clone(), pts)
                            .color(s.color)
                            .shape(MarkerShape::Circle)
                            .radius(2.0),
                    );
                }
            }
            // The nearest drawn point (in screen space) to a click.
            let at = hover.filter(|_| clicked)?;
            let cursor = transform.position_from_point(&at);
            drawn
                .into_iter()
                .map(|(k, i)| {
                    let p = transform.position_from_point(&series[k].points[i]);
                    (p.distance(cursor), series[k].frames[i])
                })
                .filter(|(d, f)| *d < 12.0 && *f != 0)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, f)| f)
        });
    plot_border::draw(ui, &shown.response);
    shown.inner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_values_step_at_each_change_and_the_corners_belong_to_no_frame() {
        let mut s = Series::new("ACKed", GREEN, true);
        s.push_step(1.0, 10.0, 5);
        s.push_step(2.0, 10.0, 6);
        s.push_step(3.0, 30.0, 7);
        // A change at the same instant needs no corner.
        s.push_step(3.0, 40.0, 8);
        let pts: Vec<(f64, f64)> = s.points.iter().map(|p| (p.x, p.y)).collect();
        assert_eq!(
            pts,
            [
                (1.0, 10.0),
                (2.0, 10.0),
                (3.0, 10.0),
                (3.0, 30.0),
                (3.0, 40.0)
            ]
        );
        assert_eq!(s.frames, [5, 6, 0, 7, 8]);
    }

    #[test]
    fn silence_drops_to_zero_without_a_point_per_interval() {
        let bins = [(0.0, 0, 100), (1.0, 0, 50), (5000.0, 0, 10)];
        assert_eq!(
            throughput_line(&bins, 1.0),
            vec![
                (0.0, 800.0),
                (1.0, 400.0),
                (2.0, 0.0),
                (4999.0, 0.0),
                (5000.0, 80.0)
            ]
        );
        // One empty interval between two: one zero.
        let bins = [(0.0, 0, 1), (2.0, 0, 1)];
        assert_eq!(
            throughput_line(&bins, 1.0),
            vec![(0.0, 8.0), (1.0, 0.0), (2.0, 8.0)]
        );
    }
}
