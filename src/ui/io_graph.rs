//! The IO graph: packets, bytes or bits per interval over the capture,
//! one line for every packet and one per display filter the user adds (as
//! Wireshark's Statistics › I/O Graphs). Series are counted a bounded
//! amount per frame from the index and the filters' matches (worked out
//! off the UI thread by [`Displayed`]); lines are decimated to the visible
//! range before egui_plot sees them.

use std::sync::Arc;

use eframe::egui::{self, Color32};
use egui_plot::{Legend, Line, Plot, PlotPoint, PlotPoints};

use super::compiled_text::CompiledText;
use super::decimate::decimate;
use super::displayed::Displayed;
use super::plot_border;
use crate::capture::CaptureFile;
use crate::filter::{DisplayFilter, FilterError};
use crate::store::Snapshot;
use crate::store::io_series::IoSeries;

/// Intervals offered, in nanoseconds, with their names.
pub const INTERVALS: [(i64, &str); 7] = [
    (1_000_000, "1 ms"),
    (10_000_000, "10 ms"),
    (100_000_000, "100 ms"),
    (1_000_000_000, "1 s"),
    (10_000_000_000, "10 s"),
    (60_000_000_000, "1 min"),
    (600_000_000_000, "10 min"),
];

/// Packets counted per graph per frame: a few milliseconds at most, so a
/// 5M-packet capture is counted over a handful of frames.
const BUDGET: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    #[default]
    Packets,
    Bytes,
    Bits,
}

impl Unit {
    const ALL: [Unit; 3] = [Unit::Packets, Unit::Bytes, Unit::Bits];
    fn name(self) -> &'static str {
        match self {
            Unit::Packets => "Packets",
            Unit::Bytes => "Bytes",
            Unit::Bits => "Bits",
        }
    }
}

/// One line: every packet (empty filter) or a display filter's matches.
pub struct Graph {
    pub name: String,
    pub filter_text: String,
    pub enabled: bool,
    pub color: Color32,
    /// `filter_text` as last compiled.
    checked: CompiledText,
    /// The filter's matches (None: every packet).
    displayed: Option<Displayed>,
    pub series: Option<IoSeries>,
    /// The series' values in the chosen unit, rebuilt when it grows.
    ys: Vec<f64>,
    ys_of: (usize, Unit),
    points: Vec<PlotPoint>,
}

impl Graph {
    pub fn new(name: &str, filter_text: &str, color: Color32) -> Graph {
        Graph {
            name: name.to_string(),
            filter_text: filter_text.to_string(),
            enabled: true,
            color,
            checked: CompiledText::default(),
            displayed: None,
            series: None,
            ys: Vec::new(),
            ys_of: (usize::MAX, Unit::Packets),
            points: Vec::new(),
        }
    }

    fn filter(&mut self) -> Option<&Result<DisplayFilter, FilterError>> {
        self.checked.get(&self.filter_text)
    }

    /// Whether the counting is complete for what the store holds now.
    pub fn is_complete(&self) -> bool {
        self.series.is_some() && self.displayed.as_ref().is_none_or(|d| !d.is_running())
    }

    fn reset(&mut self) {
        self.series = None;
        self.ys_of.0 = usize::MAX;
    }

    /// Brings the series up to date with `snap`, a bounded amount; true
    /// when there is more to count.
    fn update(
        &mut self,
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        interval_ns: i64,
        ctx: &egui::Context,
    ) -> bool {
        let wanted = match self.filter() {
            None => None,
            Some(Ok(f)) => Some(f.clone()),
            // A filter that does not compile draws nothing.
            Some(Err(_)) => {
                self.displayed = None;
                self.reset();
                return false;
            }
        };
        let same_filter = match (&self.displayed, &wanted) {
            (None, None) => true,
            (Some(d), Some(f)) => d.filter.text() == f.text(),
            _ => false,
        };
        if !same_filter {
            self.displayed = wanted.map(Displayed::new);
            self.reset();
        }
        if self
            .series
            .as_ref()
            .is_none_or(|s| s.interval_ns != interval_ns)
        {
            self.series = Some(IoSeries::new(interval_ns, snap));
            self.ys_of.0 = usize::MAX;
        }
        let Some(series) = &mut self.series else {
            return false;
        };
        match &mut self.displayed {
            None => !series.add_packets(snap, BUDGET),
            Some(d) => {
                d.update(snap, file, ctx);
                match &d.frames {
                    Some(f) => !series.add_frames(snap, f, BUDGET),
                    None => false,
                }
            }
        }
    }

    fn rebuild_ys(&mut self, unit: Unit) {
        let Some(s) = &self.series else {
            self.ys.clear();
            return;
        };
        if self.ys_of == (s.counted(), unit) {
            return;
        }
        self.ys_of = (s.counted(), unit);
        self.ys.clear();
        self.ys.extend(s.buckets.iter().map(|b| match unit {
            Unit::Packets => b.packets as f64,
            Unit::Bytes => b.bytes as f64,
            Unit::Bits => b.bytes as f64 * 8.0,
        }));
    }
}

pub struct IoGraph {
    pub open: bool,
    /// Index into [`INTERVALS`]; None: chosen from the capture's length.
    pub interval: Option<usize>,
    pub unit: Unit,
    pub graphs: Vec<Graph>,
    /// A frame the user picked by clicking the chart.
    pub clicked: Option<u32>,
}

impl Default for IoGraph {
    fn default() -> Self {
        IoGraph {
            open: false,
            interval: None,
            unit: Unit::Packets,
            // Wireshark's two default graphs.
            graphs: vec![
                Graph::new("All packets", "", Color32::from_rgb(0x40, 0x8a, 0xd8)),
                Graph::new(
                    "TCP errors",
                    "tcp.analysis.flags",
                    Color32::from_rgb(0xe0, 0x40, 0x40),
                ),
            ],
            clicked: None,
        }
    }
}

/// The interval that gives the capture at least 100 of them.
fn auto_interval(snap: &Snapshot) -> usize {
    let n = snap.index.len();
    let (Some(first), Some(last)) = (
        snap.index.row(0),
        n.checked_sub(1).and_then(|i| snap.index.row(i)),
    ) else {
        return 3;
    };
    let span = last.ts_ns.saturating_sub(first.ts_ns);
    INTERVALS
        .iter()
        .rposition(|(ns, _)| span / ns >= 100)
        .unwrap_or(0)
}

/// The first frame stamped at or after `ts_ns` (frames are in capture
/// order, which is time order in all but damaged files).
fn frame_at(snap: &Snapshot, ts_ns: i64) -> Option<u32> {
    let (mut lo, mut hi) = (0usize, snap.index.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if snap.index.row(mid)?.ts_ns < ts_ns {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    (lo < snap.index.len()).then_some(lo as u32 + 1)
}

const PALETTE: [Color32; 6] = [
    Color32::from_rgb(0x3c, 0xb0, 0x44),
    Color32::from_rgb(0xd8, 0x9c, 0x20),
    Color32::from_rgb(0x9c, 0x5c, 0xd8),
    Color32::from_rgb(0x20, 0xb0, 0xb0),
    Color32::from_rgb(0xd8, 0x5c, 0xa0),
    Color32::from_rgb(0x90, 0x90, 0x90),
];

impl IoGraph {
    /// Starts again (another file was opened).
    pub fn reset(&mut self) {
        for g in &mut self.graphs {
            g.displayed = None;
            g.reset();
        }
    }

    /// The interval in use, as an index into [`INTERVALS`].
    pub fn interval_index(&self, snap: &Snapshot) -> usize {
        self.interval.unwrap_or_else(|| auto_interval(snap))
    }

    /// Counts what is new (a bounded amount per call); asks for another
    /// frame while there is more.
    pub fn update(&mut self, snap: &Arc<Snapshot>, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        let interval_ns = INTERVALS[self.interval_index(snap)].0;
        let mut more = false;
        for g in self.graphs.iter_mut().filter(|g| g.enabled) {
            more |= g.update(snap, file, interval_ns, ctx);
        }
        if more {
            ctx.request_repaint();
        }
    }

    /// Adds a graph for `filter` (the filter bar's text, which is what a
    /// user most often wants to plot next).
    pub fn add_graph(&mut self, filter: &str) {
        let color = PALETTE[self.graphs.len() % PALETTE.len()];
        let name = if filter.is_empty() {
            format!("Graph {}", self.graphs.len() + 1)
        } else {
            filter.to_string()
        };
        self.graphs.push(Graph::new(&name, filter, color));
    }

    /// The window, when open; `filter_text` seeds a new graph's filter.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        filter_text: &str,
    ) {
        if !self.open {
            return;
        }
        self.update(snap, file, ctx);
        let mut open = true;
        egui::Window::new("I/O Graph")
            .open(&mut open)
            .default_size([900.0, 480.0])
            .show(ctx, |ui| self.contents(ui, snap, filter_text));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui, snap: &Snapshot, filter_text: &str) {
        let interval = self.interval_index(snap);
        ui.horizontal(|ui| {
            let auto = format!("Auto ({})", INTERVALS[auto_interval(snap)].1);
            let shown = match self.interval {
                None => auto.clone(),
                Some(i) => INTERVALS[i].1.to_string(),
            };
            egui::ComboBox::from_label("Interval")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.interval, None, auto);
                    for (i, (_, name)) in INTERVALS.iter().enumerate() {
                        ui.selectable_value(&mut self.interval, Some(i), *name);
                    }
                });
            egui::ComboBox::from_label("Y axis")
                .selected_text(self.unit.name())
                .show_ui(ui, |ui| {
                    for u in Unit::ALL {
                        ui.selectable_value(&mut self.unit, u, u.name());
                    }
                });
            if ui.button("Add graph").clicked() {
                self.add_graph(filter_text);
            }
        });
        let mut remove = None;
        egui::Grid::new("io graphs").striped(true).show(ui, |ui| {
            // Each row's widgets are named by their column's heading.
            let heads = ["Show", "Colour", "Name", "Display filter"].map(|h| ui.strong(h).id);
            ui.end_row();
            for (i, g) in self.graphs.iter_mut().enumerate() {
                ui.checkbox(&mut g.enabled, "").labelled_by(heads[0]);
                ui.color_edit_button_srgba(&mut g.color)
                    .labelled_by(heads[1]);
                ui.add_sized([140.0, 20.0], egui::TextEdit::singleline(&mut g.name))
                    .labelled_by(heads[2]);
                let bad = matches!(g.filter(), Some(Err(_)));
                let mut edit = egui::TextEdit::singleline(&mut g.filter_text)
                    .code_editor()
                    .hint_text("every packet");
                if bad {
                    edit = edit.text_color(ui.visuals().error_fg_color);
                }
                let r = ui.add_sized([360.0, 20.0], edit).labelled_by(heads[3]);
                if let Some(Err(e)) = g.filter() {
                    r.on_hover_text(e.to_string());
                }
                let state = match (&g.series, g.is_complete()) {
                    (_, _) if bad => "invalid filter".to_string(),
                    (Some(s), true) => format!(
                        "{} packets",
                        s.buckets.iter().map(|b| b.packets).sum::<u64>()
                    ),
                    _ => "counting…".to_string(),
                };
                ui.weak(state);
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
        if let Some(i) = remove {
            self.graphs.remove(i);
        }
        let unit = self.unit;
        for g in &mut self.graphs {
            g.rebuild_ys(unit);
        }
        let (interval_ns, interval_name) = INTERVALS[interval];
        let dx = interval_ns as f64 / 1e9;
        let span = self
            .graphs
            .iter()
            .filter(|g| g.enabled)
            .map(|g| g.ys.len())
            .max()
            .unwrap_or(0) as f64
            * dx;
        let graphs: Vec<&mut Graph> = self.graphs.iter_mut().filter(|g| g.enabled).collect();
        let shown = plot_border::without_fill(Plot::new("io graph"))
            .legend(Legend::default())
            .x_axis_label("Time since the first packet (s)")
            .y_axis_label(format!("{} / {interval_name}", unit.name()))
            .include_y(0.0)
            .show(ui, move |pui| {
                // While the view follows the data, it spans all of it;
                // once the user pans or zooms, only what is visible.
                let b = pui.plot_bounds();
                let (x0, x1) = if pui.auto_bounds().x {
                    (0.0, span.max(dx))
                } else {
                    (b.min()[0], b.max()[0])
                };
                let columns = pui.response().rect.width().max(1.0) as usize;
                for g in graphs {
                    decimate(&g.ys, dx, x0, x1, columns, &mut g.points);
                    // Done writing: the line borrows the points for as
                    // long as the plot lives.
                    let g: &Graph = g;
                    // Already cut to two points per column: no egui_plot
                    // "band", which joins columns with filled slopes.
                    let line = Line::new(g.name.clone(), PlotPoints::Borrowed(&g.points));
                    pui.line(line.color(g.color).allow_band(false));
                }
                if pui.response().clicked() {
                    pui.pointer_coordinate().map(|p| p.x)
                } else {
                    None
                }
            });
        plot_border::draw(ui, &shown.response);
        let picked = shown.inner;
        if let Some(x) = picked {
            let i = (x / dx).floor().max(0.0) as i64;
            let origin = snap.index.row(0).map_or(0, |r| r.ts_ns);
            self.clicked = frame_at(snap, origin.saturating_add(i.saturating_mul(interval_ns)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IndexWriter, Row};

    #[test]
    fn a_click_finds_the_first_frame_of_its_interval() {
        let mut w = IndexWriter::new();
        for ts_ns in [0, 10, 10, 25, 40] {
            w.push(&Row {
                ts_ns,
                ..Row::default()
            });
        }
        let snap = Snapshot {
            index: w.finish(),
            ..Snapshot::default()
        };
        assert_eq!(frame_at(&snap, 0), Some(1));
        assert_eq!(frame_at(&snap, 10), Some(2));
        assert_eq!(frame_at(&snap, 11), Some(4));
        assert_eq!(frame_at(&snap, 41), None);
    }
}
