//! Statistics › Flow Graph: every packet (or every displayed one) as an
//! arrow between its source and destination hosts, one lifeline per host
//! in order of first appearance, as Wireshark's flow graph draws the whole
//! capture. Which host each packet goes between needs every frame dissected
//! again, so that runs on a thread of its own; only the arrows in view are
//! laid out, with their Info. Clicking an arrow selects its packet.

use std::collections::HashMap;
use std::sync::Arc;

use dissectors::packet::PacketInfo;
use dissectors::sink::NullSink;
use eframe::egui::{self, Align2, FontId, RichText, Sense, Stroke, Vec2};

use super::job::Job;
use super::packet_list::RowCache;
use super::sequence::arrow;
use crate::capture::CaptureFile;
use crate::store::Snapshot;
use crate::store::frame::redissect;

/// Hosts get a lifeline each up to this many; the rest share the last one
/// (a graph wider than this is unreadable: filter first).
pub const MAX_HOSTS: usize = 24;

/// One packet's arrow: between lifelines `from` and `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrow {
    pub frame: u32,
    pub from: u16,
    pub to: u16,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlowRows {
    /// Lifelines, in order of first appearance (the last may be "others").
    pub hosts: Vec<String>,
    pub arrows: Vec<Arrow>,
}

/// Works out the hosts and arrows of `frames` (None: every frame).
pub fn flow_rows(
    snap: &Snapshot,
    file: &CaptureFile,
    frames: Option<&[u32]>,
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<FlowRows> {
    let mut out = FlowRows::default();
    let mut index: HashMap<String, u16> = HashMap::new();
    let mut pi = PacketInfo::default();
    let total = frames.map_or(snap.index.len(), <[u32]>::len);
    let mut others: Option<u16> = None;
    for i in 0..total {
        if i % 4096 == 0 && cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let n = frames.map_or(i as u32 + 1, |f| f[i]);
        if !redissect(snap, file, n, &mut NullSink, &mut pi) {
            continue;
        }
        let mut host = |name: String| -> u16 {
            if let Some(&k) = index.get(&name) {
                return k;
            }
            if out.hosts.len() + 1 < MAX_HOSTS {
                let k = out.hosts.len() as u16;
                out.hosts.push(name.clone());
                index.insert(name, k);
                return k;
            }
            *others.get_or_insert_with(|| {
                out.hosts.push("(other hosts)".into());
                (out.hosts.len() - 1) as u16
            })
        };
        let from = host(pi.src.to_string());
        let to = host(pi.dst.to_string());
        out.arrows.push(Arrow { frame: n, from, to });
    }
    Some(out)
}

pub struct FlowGraph {
    pub open: bool,
    /// Only the packets the display filter shows.
    pub limit_to_filter: bool,
    pub rows: Option<Arc<FlowRows>>,
    job: Option<Job<FlowRows>>,
    /// What the rows (or the job) were made from: the frames' count and
    /// whether filtered.
    made_for: Option<(usize, bool)>,
    pub clicked: Option<u32>,
}

impl Default for FlowGraph {
    fn default() -> Self {
        FlowGraph {
            open: false,
            limit_to_filter: true,
            rows: None,
            job: None,
            made_for: None,
            clicked: None,
        }
    }
}

const COLUMN: f32 = 150.0;
const ROW: f32 = 30.0;
const TIME_W: f32 = 100.0;

impl FlowGraph {
    pub fn reset(&mut self) {
        *self = FlowGraph {
            open: self.open,
            limit_to_filter: self.limit_to_filter,
            ..FlowGraph::default()
        };
    }

    pub fn is_ready(&self) -> bool {
        self.rows.is_some() && self.job.is_none()
    }

    /// Starts working out the arrows when what is shown changed (a filter,
    /// a growing capture) and takes in finished work.
    fn update(
        &mut self,
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        displayed: Option<Arc<Vec<u32>>>,
        ctx: &egui::Context,
    ) {
        if let Some(j) = &self.job
            && let Some(rows) = j.take()
        {
            self.job = None;
            self.rows = Some(Arc::new(rows));
        }
        let frames = displayed.filter(|_| self.limit_to_filter);
        let key = (
            frames.as_ref().map_or(snap.index.len(), |f| f.len()),
            frames.is_some(),
        );
        if self.made_for == Some(key) || self.job.is_some() {
            return;
        }
        self.made_for = Some(key);
        let (snap, file) = (snap.clone(), file.clone());
        self.job = Job::spawn("flow graph", ctx, move |cancel| {
            flow_rows(&snap, &file, frames.as_deref().map(Vec::as_slice), cancel)
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        displayed: Option<Arc<Vec<u32>>>,
        rows: &mut RowCache,
        selected: Option<u32>,
    ) {
        if !self.open {
            return;
        }
        self.update(snap, file, displayed, ctx);
        let mut open = true;
        egui::Window::new("Flow Graph")
            .open(&mut open)
            .default_size([900.0, 600.0])
            .show(ctx, |ui| self.contents(ui, snap, file, rows, selected));
        self.open = open;
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        snap: &Snapshot,
        file: &CaptureFile,
        cache: &mut RowCache,
        selected: Option<u32>,
    ) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.limit_to_filter, "Limit to display filter");
            if let Some(r) = &self.rows {
                ui.label(format!(
                    "{} packets, {} hosts",
                    r.arrows.len(),
                    r.hosts.len()
                ));
            }
            if self.job.is_some() {
                ui.spinner();
            }
        });
        let Some(flow) = self.rows.clone() else {
            return;
        };
        let width = TIME_W + COLUMN * flow.hosts.len().max(2) as f32;
        let x_of = |h: u16| TIME_W + COLUMN * (f32::from(h) + 0.5);
        let first_ts = snap.index.row(0).map_or(0, |r| r.ts_ns);
        let text_colour = ui.visuals().text_color();
        let weak = ui.visuals().weak_text_color();
        let mut clicked = None;
        egui::ScrollArea::horizontal().show(ui, |ui| {
            // Host names over their lifelines.
            let (head, painter) = ui.allocate_painter(Vec2::new(width, 22.0), Sense::hover());
            for (i, h) in flow.hosts.iter().enumerate() {
                painter.text(
                    head.rect.left_top() + Vec2::new(x_of(i as u16), 11.0),
                    Align2::CENTER_CENTER,
                    h,
                    FontId::monospace(11.0),
                    text_colour,
                );
            }
            egui::ScrollArea::vertical().auto_shrink(false).show_rows(
                ui,
                ROW,
                flow.arrows.len(),
                |ui, range| {
                    for a in &flow.arrows[range] {
                        let (rect, resp) =
                            ui.allocate_exact_size(Vec2::new(width, ROW), Sense::click());
                        let p = ui.painter_at(rect);
                        let o = rect.left_top();
                        if selected == Some(a.frame) {
                            p.rect_filled(rect, 2.0, ui.visuals().selection.bg_fill);
                        } else if resp.hovered() {
                            p.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
                        }
                        for h in 0..flow.hosts.len() {
                            let x = x_of(h as u16);
                            p.line_segment(
                                [o + Vec2::new(x, 0.0), o + Vec2::new(x, ROW)],
                                Stroke::new(1.0, weak),
                            );
                        }
                        let ts = snap.index.row(a.frame as usize - 1).map_or(0, |r| r.ts_ns);
                        p.text(
                            o + Vec2::new(4.0, ROW / 2.0),
                            Align2::LEFT_CENTER,
                            format!("{:.6}", ts.saturating_sub(first_ts) as f64 / 1e9),
                            FontId::monospace(11.0),
                            weak,
                        );
                        let y = ROW - 6.0;
                        let (x0, x1) = (x_of(a.from), x_of(a.to));
                        let stroke = Stroke::new(1.5, text_colour);
                        arrow(&p, o + Vec2::new(x0, y), o + Vec2::new(x1, y), stroke);
                        // The label is a widget, so it can be found and read.
                        let text = cache.get(snap, file, a.frame);
                        let label = format!("{}: {}", text.protocol, text.info);
                        let (l, r) = (x0.min(x1), x0.max(x1).max(x0.min(x1) + COLUMN));
                        let label_rect = egui::Rect::from_min_max(
                            o + Vec2::new(l + 6.0, 1.0),
                            o + Vec2::new(r - 6.0, y - 2.0),
                        );
                        ui.put(
                            label_rect,
                            egui::Label::new(
                                RichText::new(label)
                                    .monospace()
                                    .size(10.5)
                                    .color(text_colour),
                            )
                            .selectable(false)
                            .truncate(),
                        );
                        if resp.clicked() {
                            clicked = Some(a.frame);
                        }
                    }
                },
            );
        });
        if clicked.is_some() {
            self.clicked = clicked;
        }
    }
}
