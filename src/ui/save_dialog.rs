//! File › Save As and File › Export Displayed Packets: the portal's save
//! dialog on its own thread, which then writes the file there too (a large
//! capture takes a while), and reports back what it wrote.

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use eframe::egui;

use crate::capture::CaptureFile;
use crate::export::write_packets;

/// How a save ended: where and how many packets, or why not.
pub type Saved = Result<(PathBuf, u64), String>;

#[derive(Default)]
pub struct SaveDialog {
    waiting: Option<Receiver<Option<Saved>>>,
}

/// Writes `frames` of `file` (None: all of them) to `path`.
pub fn save(file: &CaptureFile, frames: Option<&[u32]>, path: PathBuf) -> Saved {
    let w = write_packets(file, &path, |n| {
        frames.is_none_or(|f| u32::try_from(n).is_ok_and(|n| f.binary_search(&n).is_ok()))
    })?;
    Ok((path, w.packets))
}

impl SaveDialog {
    pub fn is_open(&self) -> bool {
        self.waiting.is_some()
    }

    /// Asks where, then writes `frames` of `file` (None: every packet).
    pub fn request(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        file: Arc<CaptureFile>,
        frames: Option<Arc<Vec<u32>>>,
    ) {
        if self.waiting.is_some() {
            return;
        }
        let (tx, rx) = bounded(1);
        let (ctx, title) = (ctx.clone(), title.to_string());
        let spawned = std::thread::Builder::new()
            .name("save dialog".into())
            .spawn(move || {
                let pick = rfd::AsyncFileDialog::new()
                    .set_title(&title)
                    .set_file_name("capture.pcapng")
                    .add_filter("pcapng", &["pcapng"])
                    .add_filter("pcap", &["pcap"])
                    .save_file();
                let path = pollster::block_on(pick).map(|h| h.path().to_owned());
                let saved = path.map(|p| save(&file, frames.as_deref().map(Vec::as_slice), p));
                let _ = tx.send(saved);
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.waiting = Some(rx);
        }
    }

    /// How the save ended, once it has (None inside: the dialog was cancelled).
    pub fn poll(&mut self) -> Option<Option<Saved>> {
        let rx = self.waiting.as_ref()?;
        match rx.try_recv() {
            Ok(s) => {
                self.waiting = None;
                Some(s)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.waiting = None;
                Some(None)
            }
        }
    }
}
