//! The File › Open dialog (rfd's portal dialog) run on its own thread, so
//! the UI keeps drawing while it is up; the chosen path arrives through a
//! channel the app polls each frame. Where no portal answers (a bare X
//! server, CI) the dialog reports that, and files still open from the
//! command line, recent files and drag and drop.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use eframe::egui;

/// Extensions offered first in the dialog.
const CAPTURES: [&str; 4] = ["pcap", "pcapng", "cap", "dmp"];

#[derive(Default)]
pub struct OpenDialog {
    waiting: Option<Receiver<Option<PathBuf>>>,
}

impl OpenDialog {
    pub fn is_open(&self) -> bool {
        self.waiting.is_some()
    }

    /// Shows the dialog (once: a second request while it is up does nothing).
    pub fn request(&mut self, ctx: &egui::Context) {
        if self.waiting.is_some() {
            return;
        }
        let (tx, rx) = bounded(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("open dialog".into())
            .spawn(move || {
                let pick = rfd::AsyncFileDialog::new()
                    .set_title("Open a capture")
                    .add_filter("Captures", &CAPTURES)
                    .add_filter("All files", &["*"])
                    .pick_file();
                let path = pollster::block_on(pick).map(|h| h.path().to_owned());
                let _ = tx.send(path);
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.waiting = Some(rx);
        }
    }

    /// The file picked, once the dialog has closed with one.
    pub fn poll(&mut self) -> Option<PathBuf> {
        let rx = self.waiting.as_ref()?;
        match rx.try_recv() {
            Ok(p) => {
                self.waiting = None;
                p
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.waiting = None;
                None
            }
        }
    }
}
