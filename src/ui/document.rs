//! An open capture as the app holds it: the mapped file (packet bytes stay
//! there), the store the loading threads publish into, and where it came
//! from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::capture::CaptureFile;
use crate::capture::live::{CaptureStats, LiveOptions};
use crate::pipeline::live::LiveSession;
use crate::pipeline::{LoadOptions, load_file_into};
use crate::store::{Snapshot, Store};

pub struct Document {
    pub path: PathBuf,
    pub file: Arc<CaptureFile>,
    pub store: Store,
    /// The capture feeding this document, while it runs.
    pub live: Option<LiveSession>,
    /// How a live capture ended, once stopped: a message and the counters.
    pub live_ended: Option<(String, CaptureStats)>,
    /// The interface captured on (live documents).
    pub interface: Option<String>,
    /// A live capture has been saved somewhere (files are saved already).
    pub saved: bool,
}

impl Document {
    /// Opens `path` and starts loading it; `repaint` is asked for a new
    /// frame whenever the loader publishes. The file's bytes are mapped,
    /// not read: this returns at once whatever the file's size.
    pub fn open(path: &Path, repaint: Option<eframe::egui::Context>) -> Result<Document, String> {
        let file = Arc::new(CaptureFile::open(path).map_err(|e| e.to_string())?);
        let store = Store::new();
        if let Some(ctx) = repaint {
            store.set_listener(move |_| ctx.request_repaint());
        }
        // The loading threads run on; the store is how we see them.
        let _loading = load_file_into(store.clone(), file.clone(), LoadOptions::default());
        Ok(Document {
            path: path.to_owned(),
            file,
            store,
            live: None,
            live_ended: None,
            interface: None,
            saved: true,
        })
    }

    /// Starts capturing with `opts`; packets go to a spill file in the
    /// user's cache directory (nothing captured is lost if the app is) and
    /// through the same analysis as files into the store.
    pub fn capture(
        opts: &LiveOptions,
        path: PathBuf,
        repaint: Option<eframe::egui::Context>,
    ) -> Result<Document, String> {
        let store = Store::new();
        if let Some(ctx) = repaint {
            store.set_listener(move |_| ctx.request_repaint());
        }
        let live =
            LiveSession::start_into(store.clone(), opts, &path).map_err(|e| e.to_string())?;
        // The capture thread writes the file as packets come; it is mapped
        // once the store holds packets (see follow_growth).
        let file = Arc::new(CaptureFile {
            path: path.clone(),
            bytes: crate::capture::file::Bytes::Owned(Vec::new()),
            format: crate::capture::Format::Pcapng,
        });
        Ok(Document {
            path,
            file,
            store,
            live: Some(live),
            live_ended: None,
            interface: Some(opts.interface.clone()),
            saved: false,
        })
    }

    pub fn is_capturing(&self) -> bool {
        self.live.is_some()
    }

    /// The spill file grows while capturing: map it again when the store
    /// holds packets past the end of the current mapping.
    pub fn follow_growth(&mut self, snap: &Snapshot) {
        if self.interface.is_none() {
            return;
        }
        let Some(last) = snap
            .index
            .len()
            .checked_sub(1)
            .and_then(|i| snap.index.row(i))
        else {
            return;
        };
        let end = last.offset + u64::from(last.caplen);
        if end > self.file.bytes.len() as u64
            && let Ok(f) = CaptureFile::open(&self.path)
        {
            self.file = Arc::new(f);
        }
    }

    /// Stops the capture (every captured packet is analysed first).
    pub fn stop_capture(&mut self) {
        if let Some(mut live) = self.live.take() {
            let (ended, stats) = live.stop();
            let how = match ended {
                Ok(e) => format!("{e:?}"),
                Err(e) => e.to_string(),
            };
            self.live_ended = Some((how, stats));
        }
    }

    /// Analyses the file again from its start (keys that arrived while
    /// capturing decrypt the records that went by before them too); what
    /// the document says about its capture is kept.
    pub fn reanalyse(&mut self, repaint: Option<eframe::egui::Context>) -> Result<(), String> {
        if self.is_capturing() {
            return Err("still capturing".into());
        }
        let mut fresh = Document::open(&self.path, repaint)?;
        std::mem::swap(&mut self.file, &mut fresh.file);
        std::mem::swap(&mut self.store, &mut fresh.store);
        // `fresh` now holds the old store, which its drop cancels.
        Ok(())
    }

    /// The live capture's counters now (or at its end).
    pub fn capture_stats(&self) -> Option<CaptureStats> {
        match &self.live {
            Some(l) => l.stats(),
            None => self.live_ended.as_ref().map(|(_, s)| *s),
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.store.snapshot()
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        // A document closed while loading stops its loader; a capture
        // stops (its spill file stays).
        self.store.cancel();
        self.stop_capture();
    }
}

/// The capture shown when the app starts with no file (samples/).
pub fn sample_path() -> PathBuf {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("samples")));
    let candidates = [
        beside_exe,
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")),
        Some(PathBuf::from("samples")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|d| d.join(SAMPLE))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("samples").join(SAMPLE))
}

pub const SAMPLE: &str = "wirelens-tour.pcapng";
