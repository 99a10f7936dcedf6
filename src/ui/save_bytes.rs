//! Saving what a window shows (a followed stream, the conversations table,
//! a chart) to a file through the save dialog, and showing how it went.

use std::path::PathBuf;

use eframe::egui;

use super::save_dialog::SaveTo;

/// Where the bytes went, or why not.
pub type Written = Result<(PathBuf, usize), String>;

#[derive(Default)]
pub struct SaveBytes {
    dialog: SaveTo<Written>,
    /// How the last save went, for the window to show.
    pub outcome: Option<Written>,
}

impl SaveBytes {
    pub fn is_open(&self) -> bool {
        self.dialog.is_open()
    }

    /// Asks where (suggesting `name`, of `kind` with `extension`), then
    /// writes `bytes` there.
    pub fn request(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        name: &str,
        kind: (&str, &str),
        bytes: Vec<u8>,
    ) {
        self.dialog
            .request(ctx, title, name, &[kind], move |p| write(p, &bytes));
    }

    /// Takes in a finished save (a cancelled dialog leaves no outcome).
    pub fn poll(&mut self) {
        if let Some(Some(w)) = self.dialog.poll() {
            self.outcome = Some(w);
        }
    }

    /// The last outcome as a line for the window.
    pub fn show_outcome(&self, ui: &mut egui::Ui) {
        match &self.outcome {
            Some(Ok((p, n))) => {
                ui.label(format!("{n} bytes written to {}", p.display()));
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            None => {}
        }
    }
}

/// Writes `bytes` to `path`.
pub fn write(path: PathBuf, bytes: &[u8]) -> Written {
    match std::fs::write(&path, bytes) {
        Ok(()) => Ok((path, bytes.len())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
