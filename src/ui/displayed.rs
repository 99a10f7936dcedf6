//! The frames a display filter lets through, computed off the UI thread:
//! every frame is dissected again from its tape on all cores
//! (filter::apply), and the packet list then shows only those.

use std::sync::Arc;

use eframe::egui;

use super::job::Job;
use crate::capture::CaptureFile;
use crate::filter::DisplayFilter;
use crate::filter::apply::matching_frames;
use crate::store::Snapshot;

pub struct Displayed {
    pub filter: DisplayFilter,
    /// The frames matched so far: numbers, ascending.
    pub frames: Option<Arc<Vec<u32>>>,
    /// Frames 1..=covered have been filtered (the store may still be growing).
    covered: usize,
    /// The run under way, and the frames it covers (1..=n).
    running: Option<(Job<Vec<u32>>, usize)>,
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

    /// Collects a finished run and starts one over the frames of `snap`
    /// the last runs did not see (the store only grows: while a file loads
    /// or a capture runs, each run filters only what was added). Never waits.
    pub fn update(&mut self, snap: &Arc<Snapshot>, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        if let Some((job, covered)) = &self.running {
            let Some(new) = job.take() else {
                return;
            };
            let mut frames = self.frames.as_ref().map_or_else(Vec::new, |f| f.to_vec());
            frames.extend(new);
            self.covered = *covered;
            self.frames = Some(Arc::new(frames));
            self.running = None;
        }
        let len = snap.index.len();
        if len == self.covered && self.frames.is_some() {
            return;
        }
        let numbers = self.covered as u32 + 1..=len as u32;
        let (filter, snap, file) = (self.filter.clone(), snap.clone(), file.clone());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let job = Job::spawn("display filter", ctx, move |cancel| {
            matching_frames(&filter, &snap, file.as_ref(), numbers, threads, cancel)
        });
        self.running = job.map(|j| (j, len));
    }
}
