//! Statistics › gRPC Calls: every gRPC call with its status, messages
//! each way and timing, as `wirelens grpc` lists them, each with its
//! messages on a line across the call's duration (the client's above,
//! the server's below). Clicking a call selects its first packet and opens
//! its connection's sequence diagram.

use std::sync::Arc;

use eframe::egui::{self, Color32, Pos2, Rect, Sense, vec2};
use serde_json::Value;

use super::report_scan::ExchangeScan;
use crate::capture::CaptureFile;
use crate::store::Snapshot;

const ROW: f32 = 22.0;
const CLIENT: Color32 = Color32::from_rgb(0x42, 0x85, 0xf4);
const SERVER: Color32 = Color32::from_rgb(0x34, 0xa8, 0x53);

#[derive(Default)]
pub struct GrpcCalls {
    pub open: bool,
    pub scan: ExchangeScan,
    /// The calls as the command line lists them, for the exchanges shown.
    calls: Option<(Arc<Vec<crate::report::http_timing::Exchange>>, Vec<Value>)>,
    /// A call clicked: its first frame and its TCP stream.
    pub clicked: Option<(u32, u32)>,
}

impl GrpcCalls {
    pub fn show(&mut self, ctx: &egui::Context, snap: &Snapshot, file: &Arc<CaptureFile>) {
        if !self.open {
            self.scan.stop();
            return;
        }
        self.scan.update(snap, file, ctx);
        let mut open = true;
        egui::Window::new("gRPC Calls")
            .open(&mut open)
            .default_size([900.0, 360.0])
            .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    /// The calls of the exchanges in hand, worked out once per scan.
    pub fn calls(&mut self) -> Option<&[Value]> {
        let exchanges = self.scan.found.as_ref()?;
        if self
            .calls
            .as_ref()
            .is_none_or(|c| !Arc::ptr_eq(&c.0, exchanges))
        {
            let calls = crate::report::grpc_calls::calls(exchanges);
            self.calls = Some((exchanges.clone(), calls));
        }
        self.calls.as_ref().map(|c| c.1.as_slice())
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        let running = self.scan.is_running();
        let Some(calls) = self.calls() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Finding gRPC calls…");
            });
            return;
        };
        let mut clicked = None;
        ui.horizontal(|ui| {
            ui.label(format!("{} calls", calls.len()));
            if running {
                ui.spinner();
            }
        });
        if calls.is_empty() {
            ui.label("No gRPC calls in this capture.");
            return;
        }
        egui::ScrollArea::vertical().auto_shrink(false).show_rows(
            ui,
            ROW,
            calls.len(),
            |ui, rows| {
                for c in &calls[rows] {
                    if row(ui, c).clicked() {
                        let n = |k: &str| c[k].as_u64().and_then(|v| u32::try_from(v).ok());
                        clicked = n("request_frame").zip(n("tcp_stream"));
                    }
                }
            },
        );
        if clicked.is_some() {
            self.clicked = clicked;
        }
    }
}

/// The call's status as a word: the number, "cancelled", or "-".
fn status(c: &Value) -> String {
    match (c["grpc_status"].as_u64(), c["cancelled"] == true) {
        (Some(s), _) => s.to_string(),
        (None, true) => "cancelled".into(),
        (None, false) => "-".into(),
    }
}

fn row(ui: &mut egui::Ui, c: &Value) -> egui::Response {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(vec2(width, ROW), Sense::click());
    let path = c["path"].as_str().unwrap_or("");
    let label = format!("{path} {}", status(c));
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    if response.hovered() {
        painter.rect_filled(rect, 0.0, visuals.widgets.hovered.weak_bg_fill);
    }
    let font = egui::TextStyle::Body.resolve(ui.style());
    let ok = c["grpc_status"].as_u64() == Some(0);
    let status_colour = if ok {
        visuals.text_color()
    } else {
        visuals.error_fg_color
    };
    let mid = rect.center().y;
    let left = egui::Align2::LEFT_CENTER;
    let at = |x: f32| Pos2::new(rect.left() + x, mid);
    let ms = |k: &str| {
        c[k].as_f64()
            .map_or("-".into(), |s| format!("{:.1} ms", s * 1e3))
    };
    painter.text(at(4.0), left, path, font.clone(), visuals.text_color());
    painter.text(
        at(width * 0.38),
        left,
        status(c),
        font.clone(),
        status_colour,
    );
    let counts = format!("{} up, {} down", c["messages_c2s"], c["messages_s2c"]);
    painter.text(
        at(width * 0.46),
        left,
        counts,
        font.clone(),
        visuals.text_color(),
    );
    painter.text(
        at(width * 0.55),
        left,
        ms("duration"),
        font.clone(),
        visuals.text_color(),
    );
    let line = Rect::from_min_max(
        Pos2::new(rect.left() + width * 0.65, rect.top() + 3.0),
        Pos2::new(rect.right() - 6.0, rect.bottom() - 3.0),
    );
    messages_line(&painter, c, line, visuals.weak_text_color());
    response.on_hover_text(c["grpc_message"].as_str().unwrap_or("").to_string())
}

/// Each message as a tick at its time within the call.
fn messages_line(painter: &egui::Painter, c: &Value, area: Rect, axis: Color32) {
    painter.hline(
        area.x_range(),
        area.center().y,
        (1.0, axis.gamma_multiply(0.4)),
    );
    let duration = c["duration"].as_f64().unwrap_or(0.0).max(1e-9);
    for m in c["messages"].as_array().into_iter().flatten() {
        let f = (m["time"].as_f64().unwrap_or(0.0) / duration).clamp(0.0, 1.0) as f32;
        let x = area.left() + f * area.width();
        let client = m["direction"] == "c2s";
        let (y0, y1, colour) = if client {
            (area.top(), area.center().y, CLIENT)
        } else {
            (area.center().y, area.bottom(), SERVER)
        };
        painter.rect_filled(
            Rect::from_x_y_ranges(x - 1.5..=x + 1.5, y0..=y1),
            1.0,
            colour,
        );
    }
}
