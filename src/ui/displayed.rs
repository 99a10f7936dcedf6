//! The frames a display filter lets through, computed off the UI thread:
//! every frame is dissected again from its tape on all cores
//! (filter::apply), and the packet list then shows only those.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use eframe::egui;

use crate::capture::CaptureFile;
use crate::filter::DisplayFilter;
use crate::filter::apply::matching_frames;
use crate::store::Snapshot;

pub struct Displayed {
    pub filter: DisplayFilter,
    /// The latest finished result: frame numbers, ascending.
    pub frames: Option<Arc<Vec<u32>>>,
    /// Frames the latest run looked at (the store may still be growing).
    covered: usize,
    running: Option<Run>,
}

struct Run {
    covered: usize,
    result: Arc<Mutex<Option<Vec<u32>>>>,
    cancel: Arc<AtomicBool>,
}

impl Drop for Run {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Displayed {
    pub fn new(filter: DisplayFilter) -> Self {
        Displayed {
            filter,
            frames: None,
            covered: 0,
            running: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Collects a finished run and starts one over `snap` when it holds
    /// frames the last run did not see. Never waits.
    pub fn update(&mut self, snap: &Arc<Snapshot>, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        if let Some(run) = &self.running {
            let done = run.result.lock().ok().and_then(|mut r| r.take());
            match done {
                Some(frames) => {
                    self.covered = run.covered;
                    self.frames = Some(Arc::new(frames));
                    self.running = None;
                }
                None => return,
            }
        }
        let len = snap.index.len();
        if len == self.covered && self.frames.is_some() {
            return;
        }
        let run = Run {
            covered: len,
            result: Arc::new(Mutex::new(None)),
            cancel: Arc::new(AtomicBool::new(false)),
        };
        let (filter, snap, file) = (self.filter.clone(), snap.clone(), file.clone());
        let (result, cancel, ctx) = (run.result.clone(), run.cancel.clone(), ctx.clone());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let spawned = std::thread::Builder::new()
            .name("display filter".into())
            .spawn(move || {
                if let Some(frames) =
                    matching_frames(&filter, &snap, file.as_ref(), threads, &cancel)
                    && let Ok(mut r) = result.lock()
                {
                    *r = Some(frames);
                }
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.running = Some(run);
        }
    }

    /// Waits for the running filter (tests).
    pub fn wait(&mut self, snap: &Arc<Snapshot>, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        while self.running.is_some() || self.frames.is_none() {
            self.update(snap, file, ctx);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}
