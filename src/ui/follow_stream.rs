//! Follow TCP Stream: a conversation's reassembled bytes, the two
//! directions coloured (A, the side that spoke first, red; B blue, as in
//! Wireshark), as ASCII, a hex dump or raw hex, one direction or both,
//! with a find box. The bytes are reassembled off the UI thread
//! ([`follow_tcp`]); the text is laid out once per change of view.

use std::sync::Arc;

use dissectors::tcp_reassembly::{ChunkKind, KeptStream};
use eframe::egui::{
    self, Color32, RichText, TextFormat,
    text::{ByteIndex, LayoutJob},
};

use super::job::Job;
use super::save_bytes::SaveBytes;
use crate::capture::CaptureFile;
use crate::store::Snapshot;
use crate::store::follow::follow_tcp;
use crate::store::follow_tls::follow_tls;

/// Bytes reassembled per stream (as `wirelens follow`).
const CAP: usize = 256 << 20;
/// Bytes of text laid out at once; a longer stream says where it stops.
const SHOWN: usize = 2 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Ascii,
    Hex,
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Both,
    AToB,
    BToA,
}

impl Direction {
    /// Whether data sent by side `dir` (0: A, 1: B) is shown.
    fn shows(self, dir: usize) -> bool {
        match self {
            Direction::Both => true,
            Direction::AToB => dir == 0,
            Direction::BToA => dir == 1,
        }
    }
}

/// The text laid out, for which view, direction and find, and how many
/// matches it marks.
type LaidOut = ((View, Direction, String), Arc<egui::Galley>, usize);

pub struct FollowStream {
    pub stream: u32,
    /// The decrypted TLS data rather than the TCP bytes.
    pub tls: bool,
    pub open: bool,
    pub view: View,
    pub direction: Direction,
    pub find: String,
    /// `a:port` and `b:port`.
    pub nodes: (String, String),
    /// The reassembled stream, once ready (None inside: no such stream).
    pub kept: Option<Option<KeptStream>>,
    /// The reassembly under way (its result: the stream, or None when
    /// there is no such stream).
    pending: Option<Job<Option<KeptStream>>>,
    text: Option<LaidOut>,
    pub save: SaveBytes,
}

/// The text colours of side A and side B, as Wireshark's Follow Stream
/// shows them (red and blue), for a dark or a light theme.
pub fn side_colours(dark: bool) -> [Color32; 2] {
    if dark {
        [
            Color32::from_rgb(0xff, 0x8a, 0x8a),
            Color32::from_rgb(0x8a, 0xb4, 0xff),
        ]
    } else {
        [
            Color32::from_rgb(0x9c, 0x00, 0x00),
            Color32::from_rgb(0x00, 0x00, 0x9c),
        ]
    }
}

/// Printable ASCII as is, line ends kept, anything else as '.'.
fn ascii(bytes: &[u8], out: &mut String) {
    out.extend(bytes.iter().map(|&b| match b {
        b'\n' | b'\r' | b'\t' | 0x20..=0x7e => b as char,
        _ => '.',
    }));
}

/// Wireshark's hex dump: offset, 16 bytes, their ASCII; B's lines indented.
fn hex_dump(bytes: &[u8], offset: u64, indent: &str, out: &mut String) {
    use std::fmt::Write;
    for (i, line) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{indent}{:08X}  ", offset + 16 * i as u64);
        for k in 0..16 {
            match line.get(k) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if k == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        out.extend(line.iter().map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
}

impl FollowStream {
    /// Starts reassembling `stream` of `snap` on its own thread.
    pub fn new(
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        stream: u32,
        ctx: &egui::Context,
    ) -> Self {
        Self::start(snap, file, stream, false, ctx)
    }

    /// Follow TLS Stream: the decrypted application data of `stream`.
    pub fn tls(
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        stream: u32,
        ctx: &egui::Context,
    ) -> Self {
        Self::start(snap, file, stream, true, ctx)
    }

    fn start(
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        stream: u32,
        tls: bool,
        ctx: &egui::Context,
    ) -> Self {
        let nodes = snap.tcp_endpoints(stream);
        let (snap, file) = (snap.clone(), file.clone());
        let pending = Job::spawn("follow stream", ctx, move |cancel| {
            // The outer Option is "not cancelled"; the inner, "such a stream".
            let kept = if tls {
                follow_tls(&snap, file.as_ref(), stream, CAP, cancel)
            } else {
                follow_tcp(&snap, file.as_ref(), stream, CAP, cancel)
            };
            (!cancel.load(std::sync::atomic::Ordering::Relaxed)).then_some(kept)
        });
        FollowStream {
            stream,
            tls,
            open: true,
            view: View::default(),
            direction: Direction::default(),
            find: String::new(),
            nodes,
            kept: None,
            pending,
            text: None,
            save: SaveBytes::default(),
        }
    }

    /// Whether the reassembly has finished.
    pub fn is_ready(&self) -> bool {
        self.kept.is_some()
    }

    /// The stream as text in the current view (one direction or both), all
    /// of it.
    pub fn plain_text(&self) -> String {
        self.build(false, usize::MAX).text
    }

    /// What Save as writes: the bytes themselves in the Raw view (as
    /// Wireshark saves raw data), else the text of the view.
    pub fn saved_bytes(&self) -> Vec<u8> {
        if self.view != View::Raw {
            return self.plain_text().into_bytes();
        }
        let Some(Some(kept)) = &self.kept else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in &kept.chunks {
            if let ChunkKind::Data(d) = &c.kind
                && self.direction.shows(c.dir)
            {
                out.extend_from_slice(d);
            }
        }
        out
    }

    /// The text of the current view, laid out up to `limit` bytes.
    fn build(&self, dark: bool, limit: usize) -> LayoutJob {
        let mut job = LayoutJob::default();
        let Some(Some(kept)) = &self.kept else {
            return job;
        };
        let font = egui::FontId::monospace(12.0);
        let colours = side_colours(dark);
        let mut text = String::new();
        for c in &kept.chunks {
            if !self.direction.shows(c.dir) {
                continue;
            }
            if job.text.len() >= limit {
                job.append(
                    "\n[… the rest is not shown here; Copy takes all of it]\n",
                    0.0,
                    TextFormat::simple(font.clone(), Color32::GRAY),
                );
                break;
            }
            text.clear();
            match &c.kind {
                ChunkKind::Data(d) => match self.view {
                    View::Ascii => ascii(d, &mut text),
                    View::Hex => {
                        hex_dump(d, c.offset, if c.dir == 1 { "    " } else { "" }, &mut text)
                    }
                    View::Raw => {
                        use std::fmt::Write;
                        for b in d {
                            let _ = write!(text, "{b:02x}");
                        }
                        text.push('\n');
                    }
                },
                ChunkKind::Gap(n) => {
                    text.push_str(&format!("[{n} bytes missing in capture file]\n"))
                }
            }
            job.append(
                &text,
                0.0,
                TextFormat::simple(font.clone(), colours[c.dir & 1]),
            );
        }
        job
    }

    /// Marks every occurrence of `find` with a background.
    fn mark(job: &mut LayoutJob, find: &str, bg: Color32) -> usize {
        if find.is_empty() {
            return 0;
        }
        let hits: Vec<usize> = job.text.match_indices(find).map(|(i, _)| i).collect();
        if hits.is_empty() {
            return 0;
        }
        let mut sections = Vec::with_capacity(job.sections.len() + 2 * hits.len());
        for s in std::mem::take(&mut job.sections) {
            // Cut each section at match edges inside it.
            let range = s.byte_range.start.0..s.byte_range.end.0;
            let mut cuts: Vec<usize> = vec![range.start, range.end];
            for &h in &hits {
                for e in [h, h + find.len()] {
                    if range.contains(&e) {
                        cuts.push(e);
                    }
                }
            }
            cuts.sort_unstable();
            cuts.dedup();
            for w in cuts.windows(2) {
                let mut part = s.clone();
                part.byte_range = ByteIndex(w[0])..ByteIndex(w[1]);
                if hits.iter().any(|&h| h <= w[0] && w[1] <= h + find.len()) {
                    part.format.background = bg;
                }
                sections.push(part);
            }
        }
        job.sections = sections;
        hits.len()
    }

    pub fn show(&mut self, ctx: &egui::Context) {
        if self.kept.is_none()
            && let Some(kept) = self.pending.as_ref().and_then(Job::take)
        {
            self.kept = Some(kept);
            self.pending = None;
        }
        let mut open = self.open;
        let what = if self.tls { "TLS" } else { "TCP" };
        egui::Window::new(format!(
            "Follow {what} Stream (tcp.stream eq {})",
            self.stream
        ))
        .open(&mut open)
        .default_size([800.0, 560.0])
        .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        self.save.poll();
        self.save.show_outcome(ui);
        let Some(kept) = &self.kept else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reassembling…");
            });
            return;
        };
        let Some(kept) = kept else {
            ui.label(format!(
                "There is no TCP stream {} in this capture.",
                self.stream
            ));
            return;
        };
        let (truncated_at, kept_bytes) = (kept.truncated_at, kept.kept);
        let bytes = [0, 1].map(|d| {
            kept.chunks
                .iter()
                .filter(|c| c.dir == d)
                .map(|c| match &c.kind {
                    ChunkKind::Data(b) => b.len(),
                    ChunkKind::Gap(_) => 0,
                })
                .sum::<usize>()
        });
        ui.horizontal(|ui| {
            let (a, b) = &self.nodes;
            // Monospace: the proportional font has no arrows.
            let names = [
                format!("Entire conversation ({} bytes)", bytes[0] + bytes[1]),
                format!("{a} → {b} ({} bytes)", bytes[0]),
                format!("{b} → {a} ({} bytes)", bytes[1]),
            ];
            let dirs = [Direction::Both, Direction::AToB, Direction::BToA];
            let current = dirs.iter().position(|d| *d == self.direction).unwrap_or(0);
            egui::ComboBox::from_label("Show")
                .selected_text(RichText::new(&names[current]).monospace())
                .show_ui(ui, |ui| {
                    for (d, name) in dirs.into_iter().zip(&names) {
                        ui.selectable_value(
                            &mut self.direction,
                            d,
                            RichText::new(name).monospace(),
                        );
                    }
                });
            ui.selectable_value(&mut self.view, View::Ascii, "ASCII");
            ui.selectable_value(&mut self.view, View::Hex, "Hex Dump");
            ui.selectable_value(&mut self.view, View::Raw, "Raw");
            if ui.button("Copy").clicked() {
                let all = self.plain_text();
                ui.ctx().copy_text(all);
            }
            if ui
                .add_enabled(!self.save.is_open(), egui::Button::new("Save as…"))
                .clicked()
            {
                let (name, kind) = match self.view {
                    View::Raw => ("stream.bin", ("Raw data", "bin")),
                    _ => ("stream.txt", ("Text", "txt")),
                };
                let bytes = self.saved_bytes();
                let name = format!("tcp-stream-{}-{name}", self.stream);
                self.save
                    .request(ui.ctx(), "Save stream as", &name, kind, bytes);
            }
        });
        let find_label = ui
            .horizontal(|ui| {
                let l = ui.label("Find:");
                ui.add(egui::TextEdit::singleline(&mut self.find).desired_width(240.0))
                    .labelled_by(l.id);
            })
            .response;
        let key = (self.view, self.direction, self.find.clone());
        if self.text.as_ref().is_none_or(|(k, _, _)| *k != key) {
            let dark = ui.visuals().dark_mode;
            let mut job = self.build(dark, SHOWN);
            let bg = ui.visuals().selection.bg_fill;
            let hits = Self::mark(&mut job, &self.find, bg);
            job.wrap.max_width = f32::INFINITY;
            let galley = ui.fonts_mut(|f| f.layout_job(job));
            self.text = Some((key, galley, hits));
        }
        let Some((_, galley, hits)) = &self.text else {
            return;
        };
        if !self.find.is_empty() {
            find_label.on_hover_text(format!("{hits} matches"));
            ui.weak(format!("{hits} matches"));
        }
        if let Some((dir, off)) = truncated_at {
            ui.weak(format!(
                "Kept the first {kept_bytes} bytes; direction {} stops at offset {off}.",
                if dir == 0 { "A → B" } else { "B → A" }
            ));
        }
        egui::ScrollArea::both().auto_shrink(false).show(ui, |ui| {
            ui.add(egui::Label::new(galley.clone()).selectable(true));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_reads_like_wiresharks() {
        let mut s = String::new();
        hex_dump(b"GET / HTTP/1.1\r\nHost", 0, "", &mut s);
        assert_eq!(
            s,
            "00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  GET / HTTP/1.1..\n\
             00000010  48 6f 73 74                                       Host\n"
        );
    }

    #[test]
    fn find_marks_every_match_across_sections() {
        let mut job = LayoutJob::default();
        // Two directions: two sections (one format would merge them).
        let f = |c| TextFormat::simple(egui::FontId::monospace(12.0), c);
        job.append("abcab", 0.0, f(Color32::BLUE));
        job.append("cx", 0.0, f(Color32::GREEN));
        let n = FollowStream::mark(&mut job, "abc", Color32::RED);
        assert_eq!(n, 2);
        let marked: Vec<_> = job
            .sections
            .iter()
            .filter(|s| s.format.background == Color32::RED)
            .map(|s| s.byte_range.start.0..s.byte_range.end.0)
            .collect();
        assert_eq!(marked, vec![0..3, 3..5, 5..6]);
    }
}
