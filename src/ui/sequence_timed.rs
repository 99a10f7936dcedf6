//! The sequence diagram drawn to time scale, as networking textbooks draw
//! it: time runs down, each arrow slants by the one-way delay (half the
//! handshake's RTT, from the side the capture was taken on), idle gaps
//! are compressed and labelled, and bands behind the arrows name the
//! phases: the TCP handshake, the TLS handshake with its round trips,
//! each HTTP request (with its time to first byte) and the teardown.

use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use dissectors::tcp_analysis::Flag;

use crate::report::http_timing::Exchange;
use crate::store::tcp::TcpRecord;

const SYN: u16 = 0x02;
const ACK: u16 = 0x10;
const FIN: u16 = 0x01;
const RST: u16 = 0x04;
/// The least space between two arrows, so that labels stay readable.
const MIN_STEP: f32 = 24.0;
/// The height a compressed idle gap takes.
const BREAK: f32 = 36.0;

/// Where each moment of the conversation is drawn: a piecewise-linear map
/// from time to height through the arrows' times.
pub struct TimeScale {
    /// (time, y) at each arrow, in order.
    points: Vec<(i64, f32)>,
    /// Gaps drawn shorter than they were: where, and how long they were.
    pub breaks: Vec<(f32, i64)>,
    pub height: f32,
    /// The one-way delay arrows slant by, and whether the capture was
    /// taken at side A (A's packets leave at their time, B's arrive then).
    pub one_way_ns: i64,
    pub captured_at_a: bool,
}

impl TimeScale {
    /// `per_rtt`: how tall one round trip is drawn.
    pub fn of(records: &[TcpRecord], per_rtt: f32) -> TimeScale {
        let (one_way_ns, captured_at_a) = one_way_delay(records);
        let unit = (2 * one_way_ns).max(median_gap(records)).max(1) as f64;
        let px_per_ns = f64::from(per_rtt) / unit;
        let cap = 3.0 * per_rtt;
        let mut points = Vec::with_capacity(records.len());
        let mut breaks = Vec::new();
        let mut y = 2.0 * MIN_STEP + one_way_ns as f32 * px_per_ns as f32;
        for (i, r) in records.iter().enumerate() {
            if i > 0 {
                let gap = r.ts_ns - records[i - 1].ts_ns;
                let step = (gap as f64 * px_per_ns) as f32;
                if step > cap {
                    breaks.push((y + BREAK / 2.0, gap));
                    y += BREAK;
                } else {
                    y += step.max(MIN_STEP);
                }
            }
            points.push((r.ts_ns, y));
        }
        TimeScale {
            points,
            breaks,
            height: y + MIN_STEP + one_way_ns as f32 * px_per_ns as f32,
            one_way_ns,
            captured_at_a,
        }
    }

    /// The height of time `t` (between arrows, in proportion).
    pub fn y(&self, t: i64) -> f32 {
        let i = self.points.partition_point(|p| p.0 <= t);
        match (i.checked_sub(1).map(|j| self.points[j]), self.points.get(i)) {
            (Some((t0, y0)), Some(&(t1, y1))) if t1 > t0 => {
                y0 + (y1 - y0) * ((t - t0) as f64 / (t1 - t0) as f64) as f32
            }
            (Some((_, y0)), _) => y0 + self.slope_px(t - self.points[i - 1].0),
            (None, Some(&(t1, y1))) => y1 - self.slope_px(t1 - t),
            (None, None) => 0.0,
        }
    }

    /// Beyond the first or last arrow: the one-way delay's own scale.
    fn slope_px(&self, dt: i64) -> f32 {
        let first = self.points.first().map_or(0.0, |p| p.1);
        if self.one_way_ns == 0 {
            return 0.0;
        }
        (dt as f64 / self.one_way_ns as f64) as f32 * (first - MIN_STEP).max(0.0)
    }

    /// Where a segment leaves and arrives: the capture's side sees it at
    /// its time; the other side one way earlier or later.
    pub fn ends(&self, r: &TcpRecord) -> (f32, f32) {
        let from_capture_side = (r.dir == 0) == self.captured_at_a;
        if from_capture_side {
            (self.y(r.ts_ns), self.y(r.ts_ns + self.one_way_ns))
        } else {
            (self.y(r.ts_ns - self.one_way_ns), self.y(r.ts_ns))
        }
    }
}

/// Half the handshake's round trip, from the side that sees most of it:
/// a capture at the client sees SYN → SYN-ACK take the whole RTT.
fn one_way_delay(records: &[TcpRecord]) -> (i64, bool) {
    let at = |want: u16, dir: u8| {
        records
            .iter()
            .find(|r| r.tcp_flags & (SYN | ACK) == want && r.dir == dir)
            .map(|r| r.ts_ns)
    };
    let (Some(syn), Some(syn_ack)) = (at(SYN, 0), at(SYN | ACK, 1)) else {
        return (0, true);
    };
    let ack = records
        .iter()
        .find(|r| r.dir == 0 && r.ts_ns >= syn_ack && r.tcp_flags & (SYN | ACK) == ACK)
        .map_or(syn_ack, |r| r.ts_ns);
    let (at_a, at_b) = (syn_ack - syn, ack - syn_ack);
    ((at_a.max(at_b)) / 2, at_a >= at_b)
}

fn median_gap(records: &[TcpRecord]) -> i64 {
    let mut gaps: Vec<i64> = records
        .windows(2)
        .map(|w| w[1].ts_ns - w[0].ts_ns)
        .filter(|g| *g > 0)
        .collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied().unwrap_or(0)
}

/// A phase of the conversation, drawn as a band behind its arrows.
pub struct Band {
    pub from_ns: i64,
    pub to_ns: i64,
    pub name: String,
    pub colour: Color32,
}

/// The phases: the TCP handshake and teardown from the segments; the TLS
/// handshake and each request from the HTTP exchanges on this stream.
pub fn bands<'e>(
    records: &[TcpRecord],
    exchanges: impl Iterator<Item = &'e Exchange>,
) -> Vec<Band> {
    let band = |from_ns, to_ns, name: String, (r, g, b)| Band {
        from_ns,
        to_ns,
        name,
        colour: Color32::from_rgba_unmultiplied(r, g, b, 48),
    };
    let mut out = Vec::new();
    let syn = records.iter().find(|r| r.tcp_flags & (SYN | ACK) == SYN);
    let fin = records.iter().find(|r| r.tcp_flags & FIN != 0);
    if let (Some(s), Some(last)) = (syn, records.last()) {
        let done = records
            .iter()
            .find(|r| r.dir == s.dir && r.ts_ns > s.ts_ns && r.tcp_flags & (SYN | ACK) == ACK);
        let end = done.map_or(s.ts_ns, |r| r.ts_ns).min(last.ts_ns);
        out.push(band(
            s.ts_ns,
            end,
            "TCP handshake".into(),
            (0xf5, 0x7c, 0x00),
        ));
    }
    for e in exchanges {
        if let Some(tls) = e.setup.as_ref().and_then(|s| s.tls) {
            let trips = match tls.round_trips {
                1 => "1 round trip".to_string(),
                n => format!("{n} round trips"),
            };
            let name = format!("TLS handshake, {trips}");
            out.push(band(tls.hello_ns, tls.done_ns, name, (0x9c, 0x27, 0xb0)));
        }
        let (Some(req), Some(resp)) = (e.request, e.response) else {
            continue;
        };
        let ttfb = (resp.first_ns - req.last_ns) as f64 / 1e6;
        let what = match e.stream_id {
            Some(id) => format!("{} {} (stream {id})", e.method, e.path),
            None => format!("{} {}", e.method, e.path),
        };
        let name = format!("{what}: {}, TTFB {ttfb:.1} ms", status(e));
        out.push(band(req.first_ns, resp.last_ns, name, (0x42, 0x85, 0xf4)));
    }
    if let (Some(f), Some(last)) = (fin, records.last()) {
        out.push(band(
            f.ts_ns,
            last.ts_ns,
            "Teardown".into(),
            (0x9e, 0x9e, 0x9e),
        ));
    }
    out
}

fn status(e: &Exchange) -> String {
    e.status.map_or("no answer".into(), |s| s.to_string())
}

/// The kinds of trouble drawn in their own colours, most serious first.
pub const TROUBLE: [(&str, Color32); 4] = [
    ("RST", Color32::from_rgb(0xff, 0x30, 0x30)),
    ("Retransmission / loss", Color32::from_rgb(0xe0, 0x60, 0x40)),
    ("Duplicate ACK", Color32::from_rgb(0xe0, 0xa0, 0x20)),
    ("Zero window", Color32::from_rgb(0xb0, 0x60, 0xe0)),
];

/// The colour of a segment's trouble, if it has one.
pub fn trouble(r: &TcpRecord) -> Option<Color32> {
    let has = |flags: &[Flag]| flags.iter().any(|f| u32::from(r.analysis) & f.bit() != 0);
    let kind = if r.tcp_flags & RST != 0 {
        0
    } else if has(&[
        Flag::Retransmission,
        Flag::FastRetransmission,
        Flag::SpuriousRetransmission,
        Flag::OutOfOrder,
        Flag::LostSegment,
        Flag::AckLostSegment,
    ]) {
        1
    } else if has(&[Flag::DuplicateAck]) {
        2
    } else if has(&[Flag::ZeroWindow, Flag::ZeroWindowProbe, Flag::WindowFull]) {
        3
    } else {
        return None;
    };
    Some(TROUBLE[kind].1)
}

/// The trouble colours' key.
pub fn legend(ui: &mut egui::Ui) {
    for (name, colour) in TROUBLE {
        let (rect, _) = ui.allocate_exact_size(Vec2::new(10.0, 10.0), Sense::hover());
        ui.painter().rect_filled(rect, 2.0, colour);
        ui.label(name);
    }
}

/// What the drawing needs besides the segments.
pub struct TimedView<'a> {
    pub lanes: (f32, f32),
    pub first_ts: i64,
    pub selected: Option<u32>,
    pub bands: &'a [Band],
}

impl TimedView<'_> {
    /// Draws the whole diagram in a scroll area; the frame of an arrow
    /// clicked.
    pub fn show(
        &self,
        ui: &mut egui::Ui,
        records: &[TcpRecord],
        scale: &TimeScale,
        mut label: impl FnMut(&TcpRecord) -> String,
    ) -> Option<u32> {
        let mut clicked = None;
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                let width = ui.available_width().max(400.0);
                let (rect, resp) =
                    ui.allocate_exact_size(Vec2::new(width, scale.height), Sense::click());
                let p = ui.painter_at(rect);
                let o = rect.left_top();
                let visible = ui.clip_rect();
                self.paint_bands(&p, o, width, scale);
                self.paint_lifelines(&p, rect, ui.visuals().weak_text_color());
                self.paint_breaks(&p, o, width, scale, ui.visuals().weak_text_color());
                let text = ui.visuals().text_color();
                for r in records {
                    let (y0, y1) = scale.ends(r);
                    if o.y + y1.max(y0) < visible.top() - 40.0
                        || o.y + y0.min(y1) > visible.bottom() + 40.0
                    {
                        continue;
                    }
                    let colour = trouble(r).unwrap_or(text);
                    let ends = (y0, y1, scale.y(r.ts_ns));
                    self.paint_arrow(ui, &p, o, r, ends, colour, label(r));
                }
                if resp.clicked()
                    && let Some(at) = resp.interact_pointer_pos()
                {
                    let y = at.y - o.y;
                    clicked = records
                        .iter()
                        .map(|r| (r.frame, (scale.ends(r).0 + scale.ends(r).1) / 2.0))
                        .min_by(|a, b| (a.1 - y).abs().total_cmp(&(b.1 - y).abs()))
                        .filter(|(_, ry)| (ry - y).abs() < MIN_STEP)
                        .map(|(f, _)| f);
                }
            });
        clicked
    }

    fn paint_bands(&self, p: &egui::Painter, o: Pos2, width: f32, scale: &TimeScale) {
        for (i, b) in self.bands.iter().enumerate() {
            let (y0, y1) = (
                scale.y(b.from_ns),
                scale.y(b.to_ns).max(scale.y(b.from_ns) + 4.0),
            );
            // A strip above the first arrow holds the name.
            let r = Rect::from_min_max(
                o + Vec2::new(0.0, y0 - 20.0),
                o + Vec2::new(width, y1 + 6.0),
            );
            p.rect_filled(r, 3.0, b.colour);
            // Overlapping bands (a request inside the TLS handshake's
            // last flight) put their names on alternate sides.
            let (x, align) = if i % 2 == 0 {
                (width - 6.0, Align2::RIGHT_TOP)
            } else {
                (self.lanes.0 + 6.0, Align2::LEFT_TOP)
            };
            p.text(
                o + Vec2::new(x, y0 - 19.0),
                align,
                &b.name,
                FontId::proportional(11.0),
                b.colour.to_opaque(),
            );
        }
    }

    fn paint_lifelines(&self, p: &egui::Painter, rect: Rect, colour: Color32) {
        for x in [self.lanes.0, self.lanes.1] {
            let x = rect.left() + x;
            p.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                Stroke::new(1.0, colour),
            );
        }
    }

    fn paint_breaks(
        &self,
        p: &egui::Painter,
        o: Pos2,
        width: f32,
        scale: &TimeScale,
        colour: Color32,
    ) {
        for &(y, gap) in &scale.breaks {
            let a = o + Vec2::new(self.lanes.0 - 20.0, y);
            let b = o + Vec2::new(self.lanes.1 + 20.0, y);
            p.line_segment([a, b], Stroke::new(1.0, colour.gamma_multiply(0.5)));
            let label = format!("~{:.3} s idle", gap as f64 / 1e9);
            p.text(
                o + Vec2::new(width / 2.0, y),
                Align2::CENTER_CENTER,
                label,
                FontId::proportional(11.0),
                colour,
            );
        }
    }

    /// One arrow from its departure to its arrival height, its time at
    /// the height the capture saw it, its label above its middle.
    #[allow(clippy::too_many_arguments)]
    fn paint_arrow(
        &self,
        ui: &egui::Ui,
        p: &egui::Painter,
        o: Pos2,
        r: &TcpRecord,
        (y0, y1, seen): (f32, f32, f32),
        colour: Color32,
        label: String,
    ) {
        let (xa, xb) = self.lanes;
        let (from, to) = if r.dir == 0 { (xa, xb) } else { (xb, xa) };
        if self.selected == Some(r.frame) {
            let band = Rect::from_min_max(
                o + Vec2::new(0.0, y0.min(y1) - 4.0),
                o + Vec2::new(xb + 40.0, y0.max(y1) + 4.0),
            );
            p.rect_filled(band, 2.0, ui.visuals().selection.bg_fill);
        }
        let secs = (r.ts_ns - self.first_ts) as f64 / 1e9;
        p.text(
            o + Vec2::new(4.0, seen),
            Align2::LEFT_CENTER,
            format!("{secs:.6} #{}", r.frame),
            FontId::monospace(10.0),
            ui.visuals().weak_text_color(),
        );
        super::sequence::arrow(
            p,
            o + Vec2::new(from, y0),
            o + Vec2::new(to, y1),
            Stroke::new(1.5, colour),
        );
        // One line, cut to the arrow's length (monospace: 6 points a character).
        let fits = ((xb - xa - 24.0) / 6.0).max(8.0) as usize;
        let line: String = label.replace('\n', "  ").chars().take(fits).collect();
        // A's labels above their arrows, B's below: arrows that cross
        // (each side sending at once) keep their labels apart.
        let above = if r.dir == 0 { -7.0 } else { 7.0 };
        let mid = o + Vec2::new((from + to) / 2.0, (y0 + y1) / 2.0 + above);
        p.text(
            mid,
            Align2::CENTER_CENTER,
            line,
            FontId::monospace(10.0),
            colour,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(frame: u32, ms: f64, dir: u8, flags: u16) -> TcpRecord {
        TcpRecord {
            frame,
            stream: 0,
            ts_ns: (ms * 1e6) as i64,
            dir,
            tcp_flags: flags,
            analysis: 0,
            seq: 0,
            ack: 0,
            len: 0,
            win: 0,
            in_flight: TcpRecord::NONE,
            rtt_ns: -1,
            sack: TcpRecord::NONE,
        }
    }

    /// A capture at the client: SYN → SYN-ACK is the whole 40 ms RTT.
    fn at_the_client() -> Vec<TcpRecord> {
        vec![
            segment(1, 0.0, 0, SYN),
            segment(2, 40.0, 1, SYN | ACK),
            segment(3, 40.1, 0, ACK),
            segment(4, 41.0, 0, ACK),
            segment(5, 81.0, 1, ACK),
            segment(6, 5081.0, 0, ACK | FIN),
        ]
    }

    #[test]
    fn the_capture_side_and_one_way_delay_come_from_the_handshake() {
        let records = at_the_client();
        assert_eq!(one_way_delay(&records), (20_000_000, true));
        // At the server, the SYN-ACK's ACK takes the round trip.
        let mut at_server = records.clone();
        at_server[1].ts_ns = 100_000;
        at_server[2].ts_ns = 40_100_000;
        assert_eq!(one_way_delay(&at_server), (20_000_000, false));
    }

    #[test]
    fn time_runs_down_and_long_idle_gaps_are_compressed() {
        let records = at_the_client();
        let scale = TimeScale::of(&records, 80.0);
        let ys: Vec<f32> = records.iter().map(|r| scale.y(r.ts_ns)).collect();
        assert!(ys.windows(2).all(|w| w[1] >= w[0] + MIN_STEP), "{ys:?}");
        // The 5 s before the FIN is one break, not 10,000 points.
        assert_eq!(scale.breaks.len(), 1);
        assert_eq!(scale.breaks[0].1, 5_000_000_000);
        assert!(ys[5] - ys[4] <= BREAK);
        // The client's SYN leaves at its time and arrives one way later;
        // the server's SYN-ACK left one way before the client saw it.
        let (leave, arrive) = scale.ends(&records[0]);
        assert_eq!(leave, ys[0]);
        assert!(arrive > leave);
        let (leave, arrive) = scale.ends(&records[1]);
        assert_eq!(arrive, ys[1]);
        assert!(leave < arrive);
    }

    #[test]
    fn trouble_has_its_own_colours() {
        let mut r = segment(1, 0.0, 0, ACK);
        assert_eq!(trouble(&r), None);
        r.analysis = Flag::DuplicateAck.bit() as u16;
        assert_eq!(trouble(&r), Some(TROUBLE[2].1));
        r.analysis |= Flag::Retransmission.bit() as u16;
        assert_eq!(trouble(&r), Some(TROUBLE[1].1));
        r.tcp_flags |= RST;
        assert_eq!(trouble(&r), Some(TROUBLE[0].1));
        let mut z = segment(2, 0.0, 1, ACK);
        z.analysis = Flag::ZeroWindow.bit() as u16;
        assert_eq!(trouble(&z), Some(TROUBLE[3].1));
    }

    #[test]
    fn bands_name_the_handshake_and_the_teardown() {
        let names: Vec<String> = bands(&at_the_client(), [].iter())
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(names, ["TCP handshake", "Teardown"]);
    }
}
