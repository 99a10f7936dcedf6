//! File › Recover…: the live captures an earlier session left unsaved (it
//! crashed or was killed), with when they started, the interface and how
//! many packets each holds; each can be opened (then saved, which deletes
//! its spill file) or deleted.

use std::path::PathBuf;

use eframe::egui;

use crate::capture::spill::{self, SpillDir, SpillFile};

/// A capture left behind, with what its file holds.
struct Entry {
    file: SpillFile,
    /// Whole packets, and whether the file ends on a whole block.
    packets: Option<(u64, bool)>,
}

/// What the user asked of the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoverAction {
    /// Open this spill file as an unsaved capture on this interface.
    Open(PathBuf, String),
}

#[derive(Default)]
pub struct RecoverWindow {
    pub open: bool,
    /// Where spill files are (the user's cache; tests set their own).
    pub dir: SpillDir,
    entries: Vec<Entry>,
    /// Why the last deletion failed.
    error: Option<String>,
}

impl RecoverWindow {
    /// Reads the directory again; returns how many captures were left.
    pub fn refresh(&mut self) -> usize {
        self.entries = self
            .dir
            .left_behind()
            .into_iter()
            .map(|file| Entry {
                packets: file.packets().ok(),
                file,
            })
            .collect();
        self.entries.len()
    }

    /// The window, when open.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<RecoverAction> {
        if !self.open {
            return None;
        }
        let mut open = self.open;
        let mut asked = None;
        egui::Window::new("Recover Captures")
            .open(&mut open)
            .resizable(true)
            .show(ctx, |ui| asked = self.contents(ui));
        self.open = open && asked.is_none();
        asked
    }

    fn contents(&mut self, ui: &mut egui::Ui) -> Option<RecoverAction> {
        if self.entries.is_empty() {
            ui.label("No unsaved captures from earlier sessions.");
            return None;
        }
        ui.label(format!(
            "Captures an earlier session did not save, in {}:",
            self.dir.path().display()
        ));
        let mut asked = None;
        let mut delete = None;
        egui::Grid::new("recover grid")
            .striped(true)
            .show(ui, |ui| {
                for h in ["Started (UTC)", "Interface", "Packets", "Size", "", ""] {
                    ui.strong(h);
                }
                ui.end_row();
                for (i, e) in self.entries.iter().enumerate() {
                    ui.label(started_text(e.file.started_ms));
                    ui.label(&e.file.interface);
                    ui.label(packets_text(e.packets));
                    ui.label(size_text(e.file.bytes));
                    if ui.button("Open").clicked() {
                        let f = &e.file;
                        asked = Some(RecoverAction::Open(f.path.clone(), f.interface.clone()));
                    }
                    if ui.button("Delete").clicked() {
                        delete = Some(i);
                    }
                    ui.end_row();
                }
            });
        if let Some(i) = delete {
            let e = self.entries.remove(i);
            if let Err(err) = spill::remove(&e.file.path) {
                self.error = Some(format!("{}: {err}", e.file.path.display()));
            }
        }
        if let Some(err) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        asked
    }
}

fn started_text(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (y, m, d) = dissectors::field::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn packets_text(p: Option<(u64, bool)>) -> String {
    match p {
        Some((n, true)) => n.to_string(),
        Some((n, false)) => format!("{n} (last block cut)"),
        None => "unreadable".into(),
    }
}

fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_as_a_user_expects() {
        assert_eq!(started_text(1_700_000_000_123), "2023-11-14 22:13:20");
        assert_eq!(size_text(512), "512 B");
        assert_eq!(size_text(3 << 20), "3.0 MiB");
        assert_eq!(packets_text(Some((7, false))), "7 (last block cut)");
    }
}
