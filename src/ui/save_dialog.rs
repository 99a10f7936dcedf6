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

/// Writes `frames` of `file` (None: all of them) to `path`.
pub fn save(file: &CaptureFile, frames: Option<&[u32]>, path: PathBuf) -> Saved {
    let w = write_packets(file, &path, |n| {
        frames.is_none_or(|f| u32::try_from(n).is_ok_and(|n| f.binary_search(&n).is_ok()))
    })?;
    Ok((path, w.packets))
}

/// Where saves go without asking (`WIRELENS_SAVE_DIR`, each under the name
/// the dialog would suggest): for scripted sessions and desktops without an
/// xdg portal, where the dialog cannot open.
fn save_dir() -> Option<PathBuf> {
    std::env::var_os("WIRELENS_SAVE_DIR").map(PathBuf::from)
}

/// The portal's save dialog on a thread of its own, which then writes the
/// file there too (a large capture takes a while); `T` is how writing went.
pub struct SaveTo<T> {
    waiting: Option<Receiver<Option<T>>>,
    /// Where saves go without asking, before `WIRELENS_SAVE_DIR` (a test
    /// driving the app sets it: the environment is the whole process's).
    pub dir: Option<PathBuf>,
}

impl<T> Default for SaveTo<T> {
    fn default() -> Self {
        SaveTo {
            waiting: None,
            dir: None,
        }
    }
}

impl<T: Send + 'static> SaveTo<T> {
    pub fn is_open(&self) -> bool {
        self.waiting.is_some()
    }

    /// Asks where (titled `title`, suggesting `name`, offering `filters`:
    /// name and extension), then runs `write` with the path chosen.
    pub fn request(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        name: &str,
        filters: &[(&str, &str)],
        write: impl FnOnce(PathBuf) -> T + Send + 'static,
    ) {
        if self.waiting.is_some() {
            return;
        }
        let (tx, rx) = bounded(1);
        let (ctx, title, name) = (ctx.clone(), title.to_string(), name.to_string());
        let dir = self.dir.clone().or_else(save_dir);
        let filters: Vec<(String, String)> = filters
            .iter()
            .map(|(k, e)| (k.to_string(), e.to_string()))
            .collect();
        let spawned = std::thread::Builder::new()
            .name("save dialog".into())
            .spawn(move || {
                let path = match dir {
                    Some(dir) => Some(dir.join(&name)),
                    None => {
                        let mut dialog = rfd::AsyncFileDialog::new()
                            .set_title(&title)
                            .set_file_name(&name);
                        for (kind, extension) in &filters {
                            dialog = dialog.add_filter(kind, &[extension.as_str()]);
                        }
                        pollster::block_on(dialog.save_file()).map(|h| h.path().to_owned())
                    }
                };
                let _ = tx.send(path.map(write));
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.waiting = Some(rx);
        }
    }

    /// How the save ended, once it has (None inside: the dialog was cancelled).
    pub fn poll(&mut self) -> Option<Option<T>> {
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

/// File › Save As and Export Displayed Packets.
#[derive(Default)]
pub struct SaveDialog(SaveTo<Saved>);

impl SaveDialog {
    pub fn is_open(&self) -> bool {
        self.0.is_open()
    }

    /// Asks where, then writes `frames` of `file` (None: every packet).
    pub fn request(
        &mut self,
        ctx: &egui::Context,
        title: &str,
        file: Arc<CaptureFile>,
        frames: Option<Arc<Vec<u32>>>,
    ) {
        let filters = [("pcapng", "pcapng"), ("pcap", "pcap")];
        self.0
            .request(ctx, title, "capture.pcapng", &filters, move |p| {
                save(&file, frames.as_deref().map(Vec::as_slice), p)
            });
    }

    /// How the save ended, once it has (None inside: the dialog was cancelled).
    pub fn poll(&mut self) -> Option<Option<Saved>> {
        self.0.poll()
    }
}

/// How a HAR export ended: where and how many requests, or why not.
pub type HarSaved = Result<(PathBuf, usize), String>;

/// File › Export HTTP Requests as HAR…: the capture's requests with their
/// timings, as `wirelens export --format har` writes them.
#[derive(Default)]
pub struct HarDialog(pub SaveTo<HarSaved>);

impl HarDialog {
    pub fn request(&mut self, ctx: &egui::Context, file: Arc<CaptureFile>) {
        let filters = [("HTTP Archive", "har")];
        self.0.request(
            ctx,
            "Export HTTP Requests as HAR",
            "requests.har",
            &filters,
            move |p| {
                let (exchanges, _) = crate::report::http_timing::exchanges(&file);
                let archive = crate::report::har::archive(&exchanges);
                let n = crate::report::har::write(&archive, &p)?;
                Ok((p, n))
            },
        );
    }
}
