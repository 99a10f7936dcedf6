//! A report over the whole capture (its HTTP exchanges, its event
//! streams), worked out on a thread for the windows that show it (HTTP
//! Requests, gRPC Calls, SSE Streams), again whenever the store has grown
//! since. Never waits; a closed window's scan stops.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use eframe::egui;

use super::job::Job;
use crate::capture::CaptureFile;
use crate::report::http_timing::{Exchange, exchanges_until};
use crate::store::Snapshot;

/// The HTTP exchanges, for HTTP Requests and gRPC Calls.
pub type ExchangeScan = ReportScan<Exchange>;

/// How a report is worked out: None once the flag was set.
pub type Work<T> = fn(&CaptureFile, &AtomicBool) -> Option<Vec<T>>;

pub struct ReportScan<T> {
    /// What the scan found, once one has finished.
    pub found: Option<Arc<Vec<T>>>,
    /// Packets the store held when it was worked out.
    covered: usize,
    pending: Option<(usize, Job<Vec<T>>)>,
    work: Work<T>,
}

impl Default for ReportScan<Exchange> {
    fn default() -> Self {
        ReportScan::new(exchanges_until)
    }
}

impl<T: Send + Sync + 'static> ReportScan<T> {
    pub fn new(work: Work<T>) -> Self {
        ReportScan {
            found: None,
            covered: 0,
            pending: None,
            work,
        }
    }

    /// Forgets what was found (another file was opened).
    pub fn reset(&mut self) {
        *self = ReportScan::new(self.work);
    }

    /// Stops a scan under way (the window closed).
    pub fn stop(&mut self) {
        self.pending = None;
    }

    pub fn is_running(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether the report covers every packet the store holds now.
    pub fn is_current(&self, snap: &Snapshot) -> bool {
        self.found.is_some() && self.covered == snap.index.len() && self.pending.is_none()
    }

    /// Takes a finished scan, and starts one when the store has grown
    /// since (a file loading, a live capture).
    pub fn update(&mut self, snap: &Snapshot, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        if let Some((len, job)) = &self.pending {
            let Some(found) = job.take() else { return };
            self.covered = *len;
            self.found = Some(Arc::new(found));
            self.pending = None;
        }
        let len = snap.index.len();
        if self.found.is_some() && self.covered == len {
            return;
        }
        let (file, work) = (file.clone(), self.work);
        self.pending =
            Job::spawn("report scan", ctx, move |stop| work(&file, stop)).map(|job| (len, job));
    }
}
