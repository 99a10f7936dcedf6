//! The sequence diagram of one TCP conversation (Wireshark's TCP Flow
//! graph): two lifelines, A (the side that spoke first) and B, and one
//! arrow per segment with its time, flags, relative seq/ack and length,
//! and what it carries above TCP (the packet's Info: "Client Hello", an
//! HTTP/2 frame, a DNS query). Retransmissions and other problems are
//! drawn red with the analysis' words. Only the arrows in view are laid
//! out; clicking one selects its packet, and the selected packet's arrow
//! is highlighted.

use dissectors::tcp_analysis::{Flag, SegmentAnalysis};
use eframe::egui::{self, Align2, Color32, FontId, Pos2, Sense, Stroke, Vec2};

use super::packet_list::RowCache;
use super::png_export::PngExport;
use super::sequence_timed::{Band, TimeScale, TimedView, bands};
use crate::report::http_timing::Exchange;
use crate::store::Snapshot;
use crate::store::frame::PacketBytes;
use crate::store::tcp::TcpRecord;
use crate::store::tcp_series::StreamRecords;

/// The TCP part of an arrow's label: `[TCP Retransmission] [PSH, ACK]
/// Seq=1 Ack=1 Len=517`.
pub fn tcp_label(r: &TcpRecord) -> String {
    let mut s = String::new();
    let analysis = SegmentAnalysis {
        flags: u32::from(r.analysis),
        ..SegmentAnalysis::default()
    };
    analysis.info_prefix(&mut s);
    s.push('[');
    dissectors::tcp::flag_names(r.tcp_flags, &mut s);
    s.push_str(&format!("] Seq={}", r.seq));
    if r.tcp_flags & 0x10 != 0 {
        s.push_str(&format!(" Ack={}", r.ack));
    }
    s.push_str(&format!(" Len={}", r.len));
    s
}

/// Whether the analysis flags a problem (a window update is news, not one).
fn is_problem(r: &TcpRecord) -> bool {
    u32::from(r.analysis) & !Flag::WindowUpdate.bit() != 0
}

pub struct SequenceDiagram {
    pub stream: u32,
    pub open: bool,
    /// `a:port`, `b:port`.
    pub nodes: (String, String),
    /// The conversation's segments in capture order (growing while a
    /// live capture runs).
    pub segments: StreamRecords,
    /// Vertical space per arrow, in points (zoom).
    pub spacing: f32,
    /// A packet the user clicked.
    pub clicked: Option<u32>,
    /// Scroll to this frame's arrow next frame.
    pub scroll_to: Option<u32>,
    pub png: PngExport,
    /// Drawn to time scale, with phase bands, instead of a row per segment.
    pub time_scale: bool,
    /// The capture's HTTP exchanges, when a window worked them out: the
    /// time-scaled drawing's request bands.
    pub exchanges: Option<std::sync::Arc<Vec<Exchange>>>,
    /// The time scale and the phase bands, for this many segments at this
    /// spacing and these exchanges (worked out when one of them changes,
    /// not every frame).
    timed: Option<(TimedKey, TimeScale, Vec<Band>)>,
}

impl SequenceDiagram {
    pub fn new(snap: &Snapshot, stream: u32) -> SequenceDiagram {
        let nodes = snap.tcp_endpoints(stream);
        SequenceDiagram {
            stream,
            open: true,
            nodes,
            segments: StreamRecords::new(snap, stream),
            spacing: 44.0,
            clicked: None,
            scroll_to: None,
            png: PngExport::default(),
            time_scale: false,
            exchanges: None,
            timed: None,
        }
    }

    /// An arrow's label: the TCP line, then the Info of what the segment
    /// carries when that is above TCP.
    pub fn label(
        r: &TcpRecord,
        snap: &Snapshot,
        bytes: &dyn PacketBytes,
        rows: &mut RowCache,
    ) -> String {
        let text = rows.get(snap, bytes, r.frame);
        let mut s = tcp_label(r);
        if text.protocol != "TCP" && !text.info.is_empty() {
            s.push('\n');
            s.push_str(&text.protocol);
            s.push_str(": ");
            s.push_str(&text.info);
        }
        s
    }

    pub fn show(
        &mut self,
        ctx: &egui::Context,
        snap: &Snapshot,
        bytes: &dyn PacketBytes,
        rows: &mut RowCache,
        selected: Option<u32>,
    ) {
        self.segments.update(snap);
        let mut open = self.open;
        let shown = egui::Window::new(format!("Sequence diagram (tcp.stream eq {})", self.stream))
            .open(&mut open)
            .default_size([760.0, 620.0])
            .show(ctx, |ui| self.contents(ui, snap, bytes, rows, selected));
        self.open = open;
        let stream = self.stream;
        self.png
            .after_window(ctx, shown, || format!("tcp-stream-{stream}-sequence.png"));
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        snap: &Snapshot,
        bytes: &dyn PacketBytes,
        rows: &mut RowCache,
        selected: Option<u32>,
    ) {
        self.png.poll(ui);
        ui.horizontal(|ui| {
            ui.label(format!("{} segments", self.segments.records.len()));
            ui.separator();
            ui.add(egui::Slider::new(&mut self.spacing, 28.0..=120.0).text("Spacing"));
            ui.separator();
            ui.checkbox(&mut self.time_scale, "Time to scale");
            ui.separator();
            self.png.button(ui);
        });
        if self.time_scale {
            ui.horizontal(super::sequence_timed::legend);
        }
        let records = self.segments.records.clone();
        if self.time_scale {
            let clicked = self.timed(ui, snap, bytes, rows, selected, &records);
            if clicked.is_some() {
                self.clicked = clicked;
            }
            return;
        }
        let lanes = TwoLifelines {
            nodes: (&self.nodes.0, &self.nodes.1),
            first_ts: snap.index.row(0).map_or(0, |r| r.ts_ns),
            selected,
            scroll_to: self.scroll_to.take(),
        };
        let arrow = |r: &TcpRecord| Arrow {
            frame: r.frame,
            ts_ns: r.ts_ns,
            dir: r.dir,
            problem: is_problem(r),
        };
        let clicked = lanes.show(ui, &mut self.spacing, &records, arrow, |r| {
            Self::label(r, snap, bytes, rows)
        });
        if clicked.is_some() {
            self.clicked = clicked;
        }
    }
}

impl SequenceDiagram {
    /// The time-scaled drawing, with the phases as bands.
    fn timed(
        &mut self,
        ui: &mut egui::Ui,
        snap: &Snapshot,
        bytes: &dyn PacketBytes,
        rows: &mut RowCache,
        selected: Option<u32>,
        records: &[TcpRecord],
    ) -> Option<u32> {
        let key = TimedKey {
            segments: records.len(),
            spacing: self.spacing,
            exchanges: self.exchanges.clone(),
        };
        if self.timed.as_ref().is_none_or(|t| !t.0.same(&key)) {
            let stream = self.stream;
            let here = self.exchanges.iter().flat_map(|e| e.iter());
            let here = here.filter(|e| e.tcp_stream == stream);
            let scale = TimeScale::of(records, self.spacing * 2.0);
            self.timed = Some((key, scale, bands(records, here)));
        }
        let (_, scale, bands) = self.timed.as_ref()?;
        let width = ui.available_width().max(400.0);
        let lanes = TwoLifelines {
            nodes: (&self.nodes.0, &self.nodes.1),
            first_ts: 0,
            selected,
            scroll_to: None,
        }
        .heads(ui, width);
        let view = TimedView {
            lanes,
            first_ts: snap.index.row(0).map_or(0, |r| r.ts_ns),
            selected,
            bands,
        };
        view.show(ui, records, scale, |r| Self::label(r, snap, bytes, rows))
    }
}

/// What the time-scaled drawing was worked out for.
struct TimedKey {
    segments: usize,
    spacing: f32,
    exchanges: Option<std::sync::Arc<Vec<Exchange>>>,
}

impl TimedKey {
    fn same(&self, other: &TimedKey) -> bool {
        let exchanges = match (&self.exchanges, &other.exchanges) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        self.segments == other.segments && self.spacing == other.spacing && exchanges
    }
}

/// What one arrow of a two-lifeline diagram is: its packet, when, which
/// way (0: A → B), and whether it is drawn as a problem (red).
pub struct Arrow {
    pub frame: u32,
    pub ts_ns: i64,
    pub dir: u8,
    pub problem: bool,
}

/// A sequence diagram between two lifelines: the TCP conversation's and
/// the QUIC connection's.
pub struct TwoLifelines<'a> {
    /// The lifelines' heads, A then B.
    pub nodes: (&'a str, &'a str),
    /// Times are shown from this one (the capture's first packet).
    pub first_ts: i64,
    pub selected: Option<u32>,
    /// Scroll to this frame's arrow.
    pub scroll_to: Option<u32>,
}

impl TwoLifelines<'_> {
    /// Draws the heads and the arrows in view (`spacing` apart, zoomed by
    /// Ctrl + wheel), each with its label (one or two lines); the frame of
    /// an arrow clicked.
    pub fn show<T>(
        &self,
        ui: &mut egui::Ui,
        spacing: &mut f32,
        items: &[T],
        arrow_of: impl Fn(&T) -> Arrow,
        mut label: impl FnMut(&T) -> String,
    ) -> Option<u32> {
        // Ctrl + wheel zooms, as in the charts.
        let zoom = ui.input(|i| i.zoom_delta());
        if zoom != 1.0 && ui.rect_contains_pointer(ui.max_rect()) {
            *spacing = (*spacing * zoom).clamp(28.0, 120.0);
        }
        let spacing = *spacing;
        let width = ui.available_width().max(400.0);
        let (xa, xb) = self.heads(ui, width);
        let text_colour = ui.visuals().text_color();
        let mut scroll = egui::ScrollArea::vertical().auto_shrink(false);
        if let Some(n) = self.scroll_to
            && let Some(i) = items.iter().position(|r| arrow_of(r).frame == n)
        {
            scroll = scroll.vertical_scroll_offset((i as f32 * spacing - 100.0).max(0.0));
        }
        let mut clicked = None;
        scroll.show_rows(ui, spacing, items.len(), |ui, range| {
            for item in &items[range] {
                let r = arrow_of(item);
                let (rect, resp) =
                    ui.allocate_exact_size(Vec2::new(width, spacing), Sense::click());
                let p = ui.painter_at(rect);
                let o = rect.left_top();
                if self.selected == Some(r.frame) {
                    p.rect_filled(rect, 2.0, ui.visuals().selection.bg_fill);
                } else if resp.hovered() {
                    p.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
                }
                let life = Stroke::new(1.0, ui.visuals().weak_text_color());
                for x in [xa, xb] {
                    p.line_segment([o + Vec2::new(x, 0.0), o + Vec2::new(x, spacing)], life);
                }
                let secs = r.ts_ns.saturating_sub(self.first_ts) as f64 / 1e9;
                p.text(
                    o + Vec2::new(4.0, spacing / 2.0),
                    Align2::LEFT_CENTER,
                    format!("{secs:.6}\n#{}", r.frame),
                    FontId::monospace(11.0),
                    ui.visuals().weak_text_color(),
                );
                let colour = if r.problem {
                    Color32::from_rgb(0xe0, 0x40, 0x40)
                } else {
                    text_colour
                };
                let y = spacing - 8.0;
                let (from, to) = if r.dir == 0 { (xa, xb) } else { (xb, xa) };
                let (a, b) = (o + Vec2::new(from, y), o + Vec2::new(to, y));
                arrow(&p, a, b, Stroke::new(1.5, colour));
                let mid = Pos2::new((a.x + b.x) / 2.0, o.y + 2.0);
                let text_rect = egui::Rect::from_center_size(
                    mid + Vec2::new(0.0, (y - 4.0) / 2.0),
                    Vec2::new(xb - xa - 16.0, y - 4.0),
                );
                put_label(ui, text_rect, label(item), colour);
                if resp.clicked() {
                    clicked = Some(r.frame);
                }
            }
        });
        clicked
    }

    /// The lifeline heads, centred on their lifelines, which stand far
    /// enough in for a whole IPv6 address and port to show: their x.
    fn heads(&self, ui: &mut egui::Ui, width: f32) -> (f32, f32) {
        let time_w = 110.0;
        let (head, painter) = ui.allocate_painter(Vec2::new(width, 24.0), Sense::hover());
        let font = FontId::monospace(12.0);
        let text_colour = ui.visuals().text_color();
        let origin = head.rect.left_top();
        let heads = [self.nodes.0, self.nodes.1]
            .map(|n| painter.layout_no_wrap(n.to_string(), font.clone(), text_colour));
        let inset = |g: &std::sync::Arc<egui::Galley>| (g.size().x / 2.0 + 4.0).max(40.0);
        let (xa, xb) = (time_w + inset(&heads[0]), width - inset(&heads[1]));
        for (g, x) in heads.into_iter().zip([xa, xb]) {
            let at = origin + Vec2::new(x - g.size().x / 2.0, 12.0 - g.size().y / 2.0);
            painter.galley(at, g, text_colour);
        }
        (xa, xb)
    }
}

/// An arrow's label as a widget (so it can be found and read): two rows
/// (the transport's summary, then what the packet carries), each cut to
/// the arrow's length; a label's own truncation would keep only the first.
fn put_label(ui: &mut egui::Ui, rect: egui::Rect, label: String, colour: Color32) {
    let mut job = egui::text::LayoutJob::single_section(
        label,
        egui::TextFormat::simple(FontId::monospace(11.0), colour),
    );
    job.wrap.max_width = rect.width();
    job.wrap.max_rows = 2;
    job.wrap.break_anywhere = true;
    job.halign = egui::Align::Center;
    let galley = ui.fonts_mut(|f| f.layout_job(job));
    ui.put(rect, egui::Label::new(galley).selectable(false));
}

/// An arrow from `from` to `to`; between two points on one lifeline (a
/// host talking to itself), a small loop.
pub fn arrow(p: &egui::Painter, from: Pos2, to: Pos2, stroke: Stroke) {
    if (from.x - to.x).abs() < 1.0 {
        let r = egui::Rect::from_min_size(from + Vec2::new(0.0, -8.0), Vec2::new(16.0, 8.0));
        p.rect_stroke(r, 2.0, stroke, egui::StrokeKind::Middle);
        return;
    }
    p.line_segment([from, to], stroke);
    let dir = if to.x >= from.x { 1.0 } else { -1.0 };
    for dy in [-4.0, 4.0] {
        p.line_segment([to, to + Vec2::new(-8.0 * dir, dy)], stroke);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_wiresharks_tcp_info() {
        let r = TcpRecord {
            frame: 5,
            stream: 0,
            ts_ns: 0,
            dir: 0,
            tcp_flags: 0x12,
            analysis: 0,
            seq: 0,
            ack: 1,
            len: 0,
            win: 0,
            in_flight: TcpRecord::NONE,
            rtt_ns: -1,
            sack: TcpRecord::NONE,
        };
        assert_eq!(tcp_label(&r), "[SYN, ACK] Seq=0 Ack=1 Len=0");
        let retrans = TcpRecord {
            tcp_flags: 0x18,
            analysis: Flag::Retransmission.bit() as u16,
            seq: 1,
            len: 517,
            ..r
        };
        assert_eq!(
            tcp_label(&retrans),
            "[TCP Retransmission] [PSH, ACK] Seq=1 Ack=1 Len=517"
        );
        assert!(is_problem(&retrans) && !is_problem(&r));
    }
}
