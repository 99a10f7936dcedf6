//! Statistics › HTTP Requests: every HTTP request of the capture with
//! where its time went, as a list and a waterfall (one bar per request on
//! a shared time axis, coloured by phase, as browser devtools draw it).
//! Worked out on its own thread; clicking a request selects its first
//! packet and opens its connection's sequence diagram. Export HAR… writes
//! the same requests as the command line's `export --format har`.

use std::sync::Arc;

use eframe::egui::{self, Color32, Pos2, Rect, Sense, Stroke, vec2};

use super::report_scan::ExchangeScan;
use super::save_bytes::SaveBytes;
use crate::capture::CaptureFile;
use crate::report::http_timing::Exchange;
use crate::store::Snapshot;

const ROW: f32 = 20.0;

/// The phases as the waterfall colours them, in the order they happen.
pub const PHASES: [(&str, Color32); 7] = [
    ("Blocked", Color32::from_rgb(0x9e, 0x9e, 0x9e)),
    ("DNS", Color32::from_rgb(0x00, 0x96, 0x88)),
    ("Connect", Color32::from_rgb(0xf5, 0x7c, 0x00)),
    ("TLS", Color32::from_rgb(0x9c, 0x27, 0xb0)),
    ("Send", Color32::from_rgb(0x42, 0x85, 0xf4)),
    ("Wait", Color32::from_rgb(0x34, 0xa8, 0x53)),
    ("Receive", Color32::from_rgb(0x1a, 0x3e, 0x8c)),
];

#[derive(Default)]
pub struct HttpRequests {
    pub open: bool,
    pub scan: ExchangeScan,
    save: SaveBytes,
    /// The waterfall's axis, for the requests it was worked out for.
    axis: Option<(Arc<Vec<Exchange>>, Axis)>,
    /// A request clicked: its first frame and its TCP stream.
    pub clicked: Option<(u32, u32)>,
}

impl HttpRequests {
    pub fn show(&mut self, ctx: &egui::Context, snap: &Snapshot, file: &Arc<CaptureFile>) {
        if !self.open {
            self.scan.stop();
            return;
        }
        self.scan.update(snap, file, ctx);
        self.save.poll();
        let mut open = true;
        egui::Window::new("HTTP Requests")
            .open(&mut open)
            .default_size([1100.0, 420.0])
            .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        let Some(requests) = self.scan.found.clone() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Finding HTTP requests…");
            });
            return;
        };
        ui.horizontal(|ui| {
            ui.label(format!("{} requests", requests.len()));
            let har = ui.add_enabled(
                !requests.is_empty() && !self.save.is_open(),
                egui::Button::new("Export HAR…"),
            );
            if har.clicked() {
                let text = serde_json::to_vec_pretty(&crate::report::har::archive(&requests))
                    .unwrap_or_default();
                let kind = ("HTTP Archive", "har");
                self.save
                    .request(ui.ctx(), "Export HAR", "requests.har", kind, text);
            }
            if self.scan.is_running() {
                ui.spinner();
            }
            ui.separator();
            legend(ui);
        });
        self.save.show_outcome(ui);
        if requests.is_empty() {
            ui.label("No HTTP requests in this capture.");
            return;
        }
        if self
            .axis
            .as_ref()
            .is_none_or(|a| !Arc::ptr_eq(&a.0, &requests))
        {
            self.axis = Some((requests.clone(), Axis::of(&requests)));
        }
        let Some((_, axis)) = &self.axis else { return };
        header(ui, axis);
        egui::ScrollArea::vertical().auto_shrink(false).show_rows(
            ui,
            ROW,
            requests.len(),
            |ui, rows| {
                for e in &requests[rows] {
                    if row(ui, e, axis).clicked()
                        && let Some(r) = e.request
                    {
                        self.clicked = Some((r.first_frame, e.tcp_stream));
                    }
                }
            },
        );
    }
}

/// Where a row's columns begin, and where its bar's area does.
const METHOD_X: f32 = 4.0;
const STATUS_X: f32 = 70.0;
const TIME_X: f32 = 120.0;
const URL_X: f32 = 200.0;
const BARS_FROM: f32 = 0.55;

fn bars_area(rect: Rect) -> Rect {
    Rect::from_min_max(
        Pos2::new(rect.left() + rect.width() * BARS_FROM, rect.top() + 3.0),
        Pos2::new(rect.right() - 6.0, rect.bottom() - 3.0),
    )
}

/// The columns' names, and the waterfall's time scale: its start and
/// its end, from the first request's start.
fn header(ui: &mut egui::Ui, axis: &Axis) {
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), ROW), Sense::hover());
    let painter = ui.painter_at(rect);
    let font = egui::TextStyle::Small.resolve(ui.style());
    let colour = ui.visuals().weak_text_color();
    let mid = rect.center().y;
    for (x, name) in [
        (METHOD_X, "Method"),
        (STATUS_X, "Status"),
        (TIME_X, "Time"),
        (URL_X, "URL"),
    ] {
        let at = Pos2::new(rect.left() + x, mid);
        painter.text(at, egui::Align2::LEFT_CENTER, name, font.clone(), colour);
    }
    let bars = bars_area(rect);
    let end = format!("{:.1} ms", axis.span_ns as f64 / 1e6);
    let left = Pos2::new(bars.left(), mid);
    painter.text(
        left,
        egui::Align2::LEFT_CENTER,
        "0 ms",
        font.clone(),
        colour,
    );
    painter.text(
        Pos2::new(bars.right(), mid),
        egui::Align2::RIGHT_CENTER,
        end,
        font,
        colour,
    );
}

fn legend(ui: &mut egui::Ui) {
    for (name, colour) in PHASES {
        let (rect, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
        ui.painter().rect_filled(rect, 2.0, colour);
        ui.label(name);
    }
}

/// The waterfall's time axis: from the first request's start to the last
/// one's end.
struct Axis {
    start_ns: i64,
    span_ns: i64,
}

impl Axis {
    fn of(requests: &[Exchange]) -> Axis {
        let spans = requests
            .iter()
            .filter_map(|e| Some((e.phases()?.start_ns, end_ns(e)?)));
        let start_ns = spans.clone().map(|s| s.0).min().unwrap_or(0);
        let end = spans.map(|s| s.1).max().unwrap_or(start_ns);
        Axis {
            start_ns,
            span_ns: end.saturating_sub(start_ns).max(1),
        }
    }

    fn x(&self, ns: i64, area: Rect) -> f32 {
        let f = ns.saturating_sub(self.start_ns) as f64 / self.span_ns as f64;
        area.left() + (f.clamp(0.0, 1.0) as f32) * area.width()
    }
}

fn end_ns(e: &Exchange) -> Option<i64> {
    Some(e.response.map_or(e.request?.last_ns, |r| r.last_ns))
}

/// The exchange's phases as (phase index, from, to) on the clock.
fn segments(e: &Exchange) -> Vec<(usize, i64, i64)> {
    let (Some(p), Some(req)) = (e.phases(), e.request) else {
        return Vec::new();
    };
    let mut out = vec![(0, p.start_ns, req.first_ns)];
    if let Some(s) = &e.setup {
        if let Some(d) = &s.dns {
            out.push((1, d.query_ns, d.answer_ns));
        }
        out.push((2, s.syn_ns, s.connected_ns));
        if let Some(t) = s.tls {
            out.push((3, t.hello_ns, t.done_ns));
        }
    }
    out.push((4, req.first_ns, req.last_ns));
    if let Some(r) = e.response {
        out.push((5, req.last_ns, r.first_ns));
        out.push((6, r.first_ns, r.last_ns));
    }
    out
}

/// One request: what it was on the left, its bar on the right.
fn row(ui: &mut egui::Ui, e: &Exchange, axis: &Axis) -> egui::Response {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(vec2(width, ROW), Sense::click());
    let label = format!(
        "{} {} {}",
        e.method,
        e.url(),
        e.status.map_or("-".into(), |s| s.to_string())
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    if response.hovered() {
        painter.rect_filled(rect, 0.0, visuals.widgets.hovered.weak_bg_fill);
    }
    let font = egui::TextStyle::Body.resolve(ui.style());
    let text = visuals.text_color();
    let mid = rect.center().y;
    let at = |x: f32| Pos2::new(rect.left() + x, mid);
    let left = egui::Align2::LEFT_CENTER;
    painter.text(at(METHOD_X), left, &e.method, font.clone(), text);
    let status = e.status.map_or("-".into(), |s| s.to_string());
    painter.text(at(STATUS_X), left, status, font.clone(), text);
    let total_ms = e
        .phases()
        .zip(end_ns(e))
        .map(|(p, end)| end.saturating_sub(p.start_ns) as f64 / 1e6);
    let took = total_ms.map_or("-".into(), |t| format!("{t:.1} ms"));
    painter.text(at(TIME_X), left, took, font.clone(), text);
    let bars = bars_area(rect);
    let url_area = Rect::from_min_max(
        Pos2::new(rect.left() + URL_X, rect.top()),
        Pos2::new(bars.left() - 8.0, rect.bottom()),
    );
    ui.painter_at(url_area)
        .text(Pos2::new(url_area.left(), mid), left, e.url(), font, text);
    painter.hline(
        bars.x_range(),
        mid,
        Stroke::new(1.0, visuals.weak_text_color().gamma_multiply(0.3)),
    );
    for (phase, from, to) in segments(e) {
        let (x0, x1) = (axis.x(from, bars), axis.x(to, bars));
        let r = Rect::from_x_y_ranges(x0..=x1.max(x0 + 1.0), bars.y_range());
        // What waits is drawn thin; what works, full height.
        let r = if phase == 0 {
            r.shrink2(vec2(0.0, r.height() * 0.35))
        } else {
            r
        };
        painter.rect_filled(r, 0.0, PHASES[phase].1);
    }
    response.on_hover_ui(|ui| tooltip(ui, e))
}

fn tooltip(ui: &mut egui::Ui, e: &Exchange) {
    ui.label(format!("{} {}", e.method, e.url()));
    if e.reused {
        ui.weak("on a reused connection");
    }
    for (phase, from, to) in segments(e) {
        ui.label(format!(
            "{}: {:.3} ms",
            PHASES[phase].0,
            to.saturating_sub(from) as f64 / 1e6
        ));
    }
}
