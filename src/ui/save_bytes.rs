//! Saving what a window shows (a followed stream, the conversations table)
//! to a file: the portal's save dialog runs on its own thread, which also
//! writes the file, and the window picks up how it went on a later frame.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use eframe::egui;

/// Where the bytes went, or why not.
pub type Written = Result<(PathBuf, usize), String>;

#[derive(Default)]
pub struct SaveBytes {
    waiting: Option<Receiver<Option<Written>>>,
    /// How the last save went, for the window to show.
    pub outcome: Option<Written>,
}

impl SaveBytes {
    pub fn is_open(&self) -> bool {
        self.waiting.is_some()
    }

    /// Asks where (suggesting `name`, of `kind` with `extension`), then
    /// writes `bytes` there.
    pub fn request(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        name: &str,
        (kind, extension): (&str, &str),
        bytes: Vec<u8>,
    ) {
        if self.waiting.is_some() {
            return;
        }
        let (tx, rx) = bounded(1);
        let (ctx, title, name) = (ctx.clone(), title.to_string(), name.to_string());
        let (kind, extension) = (kind.to_string(), extension.to_string());
        let spawned = std::thread::Builder::new()
            .name("save dialog".into())
            .spawn(move || {
                let pick = rfd::AsyncFileDialog::new()
                    .set_title(&title)
                    .set_file_name(&name)
                    .add_filter(&kind, &[extension.as_str()])
                    .save_file();
                let path = pollster::block_on(pick).map(|h| h.path().to_owned());
                let _ = tx.send(path.map(|p| write(p, &bytes)));
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.waiting = Some(rx);
        }
    }

    /// Takes in a finished save (a cancelled dialog leaves no outcome).
    pub fn poll(&mut self) {
        let Some(rx) = &self.waiting else {
            return;
        };
        match rx.try_recv() {
            Ok(w) => {
                self.waiting = None;
                if w.is_some() {
                    self.outcome = w;
                }
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => self.waiting = None,
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
