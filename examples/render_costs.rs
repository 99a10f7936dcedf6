//! What a frame costs the renderer, apart from wirelens: a bare eframe
//! window (glow, vsync off, 1400x900 like the app) drawing one kind of
//! content, printing the mean interval between 300 frames. Under Xvfb with
//! Mesa's llvmpipe this shows where the app's frame time goes (filled
//! pixels, triangles), which the app's own frame log cannot separate.
//!
//!     Xvfb :95 -screen 0 1600x1000x24 &
//!     DISPLAY=:95 cargo run --release --example render_costs -- MODE
//!
//! MODE names what is drawn (several may be joined with `_`): `blank`
//! (nothing), `fill` (the central panel's background), `text` (40 lines of
//! list rows), `chart` (a window with an empty plot), `line` and `markers`
//! (1,400 points in that plot), `flat` (shapes without anti-aliasing),
//! `rows` and `cells` (list-row backgrounds, one rectangle per row or per
//! each of 8 cells; `ROWS=N` rows, default 40), `block` (the same area as
//! one rectangle), `dot` (one 4-pixel square), `nodither` (eframe's
//! dithering off).

use std::time::Instant;

use eframe::egui;
use egui_plot::{Line, MarkerShape, Plot, PlotPoints, Points};

const FRAMES: u32 = 300;
const WARM_UP: u32 = 20;

struct Costs {
    mode: String,
    last: Instant,
    frames: u32,
    total_ms: f64,
    points: Vec<[f64; 2]>,
}

impl Costs {
    fn has(&self, what: &str) -> bool {
        self.mode.split('_').any(|m| m == what)
    }
}

impl eframe::App for Costs {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let now = Instant::now();
        self.frames += 1;
        if self.frames > WARM_UP {
            self.total_ms += now.duration_since(self.last).as_secs_f64() * 1e3;
        }
        self.last = now;
        if self.frames == WARM_UP + FRAMES {
            println!(
                "{}: mean frame interval {:.2} ms",
                self.mode,
                self.total_ms / f64::from(FRAMES)
            );
            std::process::exit(0);
        }
        let ctx = ui.ctx().clone();
        ctx.global_style_mut(|s| s.visuals.window_shadow = egui::Shadow::NONE);
        if self.has("flat") {
            ctx.tessellation_options_mut(|o| o.feathering = false);
        }
        let panel = if self.has("fill") {
            egui::CentralPanel::default()
        } else {
            egui::CentralPanel::default().frame(egui::Frame::NONE)
        };
        panel.show(ui, |ui| {
            // Row backgrounds over the upper half of the window, as one
            // rectangle per row or one per cell (8 columns).
            let area = ui.max_rect();
            let cells = if self.has("cells") { 8 } else { 1 };
            if self.has("rows") || self.has("cells") {
                let n: usize = std::env::var("ROWS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(40);
                for i in 0..n {
                    let y = area.top() + 11.0 * i as f32;
                    let w = area.width() / cells as f32;
                    for c in 0..cells {
                        let x = area.left() + w * c as f32;
                        let r = egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(w, 11.0));
                        ui.painter()
                            .rect_filled(r, 0.0, egui::Color32::from_rgb(0xe7, 0xe6, 0xff));
                    }
                }
            }
            if self.has("block") {
                let n: f32 = std::env::var("ROWS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(40.0);
                let r = egui::Rect::from_min_size(area.min, egui::vec2(area.width(), 11.0 * n));
                ui.painter()
                    .rect_filled(r, 0.0, egui::Color32::from_rgb(0xe7, 0xe6, 0xff));
            }
            if self.has("dot") {
                let r = egui::Rect::from_min_size(area.min, egui::vec2(4.0, 4.0));
                ui.painter().rect_filled(r, 0.0, egui::Color32::RED);
            }
            if self.has("text") {
                for i in 0..40 {
                    ui.monospace(format!(
                        "{i:5} 0.034269 104.16.125.34 192.168.65.3 TCP 54 \
                         443 → 46638 [ACK] Seq=1 Ack=518 Win=262140 Len=0"
                    ));
                }
            }
        });
        let nobg = self.has("nobg");
        if self.has("chart") || self.has("line") || self.has("markers") {
            egui::Window::new("chart")
                .default_size([800.0, 480.0])
                .show(&ctx, |ui| {
                    Plot::new("plot").show_background(!nobg).show(ui, |pui| {
                        let points: Vec<egui_plot::PlotPoint> = self
                            .points
                            .iter()
                            .map(|p| egui_plot::PlotPoint::new(p[0], p[1]))
                            .collect();
                        if self.has("line") {
                            pui.line(
                                Line::new("line", PlotPoints::Owned(points.clone()))
                                    .allow_band(false),
                            );
                        }
                        if self.has("markers") {
                            pui.points(
                                Points::new("markers", PlotPoints::Owned(points))
                                    .shape(MarkerShape::Circle)
                                    .radius(2.0),
                            );
                        }
                    });
                });
        }
        ctx.request_repaint();
    }
}

fn main() -> eframe::Result {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "blank".into());
    let points = (0..1400)
        .map(|i| {
            let x = f64::from(i);
            [x, (x * 0.1).sin() * 100.0 + x]
        })
        .collect();
    let mut options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1400.0, 900.0]),
        ..Default::default()
    };
    options.glow_options.vsync = false;
    options.dithering = !mode.split('_').any(|m| m == "nodither");
    eframe::run_native(
        "render costs",
        options,
        Box::new(move |_| {
            Ok(Box::new(Costs {
                mode,
                last: Instant::now(),
                frames: 0,
                total_ms: 0.0,
                points,
            }))
        }),
    )
}
