//! An open capture as the app holds it: the mapped file (packet bytes stay
//! there), the store the loading threads publish into, and where it came
//! from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::capture::CaptureFile;
use crate::pipeline::{LoadOptions, load_file_into};
use crate::store::{Snapshot, Store};

pub struct Document {
    pub path: PathBuf,
    pub file: Arc<CaptureFile>,
    pub store: Store,
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
        })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.store.snapshot()
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        // A document closed while loading stops its loader.
        self.store.cancel();
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
