//! The Expert Info window: every expert item of the capture grouped by
//! severity, group, protocol and summary with its count (as Wireshark's
//! Analyze › Expert Information), worked out on its own thread; a group
//! opens to its frames, and clicking one selects that packet.

use std::sync::Arc;

use dissectors::expert::Severity;
use eframe::egui::{self, RichText};

use super::job::Job;
use super::packet_list::severity_colour;
use crate::capture::CaptureFile;
use crate::store::Snapshot;
use crate::store::experts::{ExpertGroup, ExpertGroups};

/// Frames listed under an open group (the count says how many there are).
const LISTED: usize = 1000;

#[derive(Default)]
pub struct ExpertInfo {
    pub open: bool,
    /// The groups, once a first scan has finished; each later scan covers
    /// only the packets the store gained since.
    pub groups: Option<ExpertGroups>,
    /// The scan under way.
    pending: Option<Job<ExpertGroups>>,
    /// The groups' display order (sorted when they change, not per frame).
    order: Vec<usize>,
    pub clicked: Option<u32>,
}

impl ExpertInfo {
    /// Forgets the groups (another file was opened); the window stays.
    pub fn reset(&mut self) {
        self.pending = None;
        self.groups = None;
    }

    /// Whether the groups cover every packet the store holds now.
    pub fn is_current(&self, snap: &Snapshot) -> bool {
        self.groups
            .as_ref()
            .is_some_and(|g| g.covered == snap.index.len())
            && self.pending.is_none()
    }

    /// Collects a finished count and starts one when the store has grown
    /// (a file still loading, a live capture). Never waits.
    fn update(&mut self, snap: &Arc<Snapshot>, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        if let Some(job) = &self.pending {
            let Some(new) = job.take() else {
                return;
            };
            self.pending = None;
            let g = self.groups.get_or_insert_with(ExpertGroups::default);
            g.merge(new);
            self.order = g.order();
        }
        let from = self.groups.as_ref().map(|g| g.covered);
        let len = snap.index.len();
        if from == Some(len) {
            return;
        }
        let (snap, file) = (snap.clone(), file.clone());
        self.pending = Job::spawn("expert info", ctx, move |cancel| {
            ExpertGroups::scan(&snap, file.as_ref(), from.unwrap_or(0)..len, cancel)
        });
    }

    pub fn show(&mut self, ctx: &egui::Context, snap: &Arc<Snapshot>, file: &Arc<CaptureFile>) {
        if !self.open {
            return;
        }
        self.update(snap, file, ctx);
        let mut open = true;
        egui::Window::new("Expert Information")
            .open(&mut open)
            .default_size([760.0, 420.0])
            .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        let Some(all) = &self.groups else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Collecting expert items…");
            });
            return;
        };
        if self.pending.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Updating…");
            });
        }
        if all.is_empty() {
            ui.label("No expert items in this capture.");
            return;
        }
        let mut clicked = None;
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                for sev in [
                    Severity::Error,
                    Severity::Warning,
                    Severity::Note,
                    Severity::Chat,
                    Severity::Comment,
                ] {
                    let of_sev: Vec<&ExpertGroup> = self
                        .order
                        .iter()
                        .map(|&i| &all.groups()[i])
                        .filter(|g| g.severity == sev)
                        .collect();
                    if of_sev.is_empty() {
                        continue;
                    }
                    let total: usize = of_sev.iter().map(|g| g.frames.len()).sum();
                    let colour = severity_colour(sev).unwrap_or(ui.visuals().text_color());
                    let title = RichText::new(format!("{} ({total})", sev.name()))
                        .strong()
                        .color(colour);
                    egui::CollapsingHeader::new(title)
                        .id_salt(("expert severity", sev.name()))
                        .default_open(true)
                        .show(ui, |ui| {
                            for (k, g) in of_sev.iter().enumerate() {
                                let head = format!(
                                    "{:>7}  {:<10} {:<6} {}",
                                    g.frames.len(),
                                    g.group.name(),
                                    g.protocol.to_uppercase(),
                                    g.summary.replace("\r\n", "\\r\\n")
                                );
                                egui::CollapsingHeader::new(RichText::new(head).monospace())
                                    .id_salt(("expert group", sev.name(), k))
                                    .show(ui, |ui| {
                                        ui.horizontal_wrapped(|ui| {
                                            for &f in g.frames.iter().take(LISTED) {
                                                if ui.link(f.to_string()).clicked() {
                                                    clicked = Some(f);
                                                }
                                            }
                                            if g.frames.len() > LISTED {
                                                ui.weak(format!(
                                                    "… and {} more",
                                                    g.frames.len() - LISTED
                                                ));
                                            }
                                        });
                                    });
                            }
                        });
                }
            });
        if clicked.is_some() {
            self.clicked = clicked;
        }
    }
}
