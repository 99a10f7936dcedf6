//! The capture's HTTP exchanges, worked out on a thread for the windows
//! that show them (HTTP Requests, gRPC Calls), again whenever the store
//! has grown since. Never waits; a closed window's scan stops.

use std::sync::Arc;

use eframe::egui;

use super::job::Job;
use crate::capture::CaptureFile;
use crate::report::http_timing::{Exchange, exchanges_until};
use crate::store::Snapshot;

#[derive(Default)]
pub struct ExchangeScan {
    /// The exchanges, once a scan has finished.
    pub exchanges: Option<Arc<Vec<Exchange>>>,
    /// Packets the store held when they were worked out.
    covered: usize,
    pending: Option<(usize, Job<Vec<Exchange>>)>,
}

impl ExchangeScan {
    /// Forgets the exchanges (another file was opened).
    pub fn reset(&mut self) {
        *self = ExchangeScan::default();
    }

    /// Stops a scan under way (the window closed).
    pub fn stop(&mut self) {
        self.pending = None;
    }

    pub fn is_running(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether the exchanges cover every packet the store holds now.
    pub fn is_current(&self, snap: &Snapshot) -> bool {
        self.exchanges.is_some() && self.covered == snap.index.len() && self.pending.is_none()
    }

    /// Takes a finished scan, and starts one when the store has grown
    /// since (a file loading, a live capture).
    pub fn update(&mut self, snap: &Snapshot, file: &Arc<CaptureFile>, ctx: &egui::Context) {
        if let Some((len, job)) = &self.pending {
            let Some(found) = job.take() else { return };
            self.covered = *len;
            self.exchanges = Some(Arc::new(found));
            self.pending = None;
        }
        let len = snap.index.len();
        if self.exchanges.is_some() && self.covered == len {
            return;
        }
        let file = file.clone();
        self.pending = Job::spawn("http exchanges", ctx, move |stop| {
            exchanges_until(&file, stop)
        })
        .map(|job| (len, job));
    }
}
