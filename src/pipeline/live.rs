//! A live session: the capture thread (src/capture/live.rs) writes packets
//! to the spill file and sends their descriptors; the analysis thread here
//! reads each packet's bytes back from the spill file by offset, runs the
//! same pass and store builder as file loading, and publishes snapshots at
//! most [`PUBLISH_EVERY`]. The capture never waits for this thread: when it
//! falls behind, descriptors queue in the capture thread's backlog and the
//! bytes are already safe in the file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use dissectors::packet::Options;
use dissectors::sink::NullSink;

use crate::capture::live::{CaptureStats, Ended, LiveCapture, LiveError, LiveOptions};
use crate::capture::{Interface, Record, live};
use crate::pass::Pass;
use crate::store::Store;
use crate::store::builder::{FrameSource, StoreBuilder};

/// The UI gets a new snapshot at most this often (10 a second).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// A capture in progress and its analysis.
pub struct LiveSession {
    pub store: Store,
    /// The spill file: every packet captured so far.
    pub path: PathBuf,
    capture: Option<LiveCapture>,
    analysis: Option<JoinHandle<()>>,
    ended: Option<Result<Ended, LiveError>>,
}

impl LiveSession {
    /// Starts capturing with `opts` into `path` (a pcapng spill file, see
    /// [`live::spill_path`]) and analysing into a new store.
    pub fn start(opts: &LiveOptions, path: &Path) -> Result<LiveSession, LiveError> {
        Self::start_into(Store::new(), opts, path)
    }

    /// As [`LiveSession::start`], into a store whose listener is set.
    pub fn start_into(
        store: Store,
        opts: &LiveOptions,
        path: &Path,
    ) -> Result<LiveSession, LiveError> {
        let (tx, rx) = live::records_channel();
        let capture = LiveCapture::start(opts, path, Some(tx))?;
        let reader =
            File::open(path).map_err(|e| LiveError::Other(format!("{}: {e}", path.display())))?;
        let interfaces = Arc::new(vec![capture.interface.clone()]);
        let analysis_store = store.clone();
        let analysis = std::thread::Builder::new()
            .name("live analysis".into())
            .spawn(move || {
                // The capture thread keeps every packet whatever this one
                // does; the app's frames come before its analysis.
                super::yield_to_viewer();
                analyse(&reader, &interfaces, rx, &analysis_store)
            })
            .map_err(|e| LiveError::Other(e.to_string()))?;
        Ok(LiveSession {
            store,
            path: path.to_owned(),
            capture: Some(capture),
            analysis: Some(analysis),
            ended: None,
        })
    }

    /// The capture thread's counters (packets, bytes, drops) now.
    pub fn stats(&self) -> Option<CaptureStats> {
        self.capture.as_ref().map(|c| c.counters.get())
    }

    /// Descriptor batches the analysis has not taken yet.
    pub fn backlog(&self) -> u64 {
        self.capture.as_ref().map_or(0, |c| {
            c.counters
                .backlog
                .load(std::sync::atomic::Ordering::Relaxed)
        })
    }

    /// The capture ended by itself (count, duration, device error).
    pub fn capture_finished(&self) -> bool {
        self.capture.as_ref().is_none_or(LiveCapture::is_finished)
    }

    /// Stops the capture and waits until every captured packet is analysed;
    /// returns how the capture ended and the final counters.
    pub fn stop(&mut self) -> (Result<Ended, LiveError>, CaptureStats) {
        let mut stats = self.stats().unwrap_or_default();
        if let Some(c) = self.capture.take() {
            c.stop();
            let counters = c.counters.clone();
            self.ended = Some(c.wait());
            stats = counters.get();
        }
        if let Some(a) = self.analysis.take() {
            let _ = a.join();
        }
        let ended = self.ended.clone().unwrap_or(Ok(Ended::Stopped));
        (ended, stats)
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn analyse(
    spill: &File,
    interfaces: &Arc<Vec<Interface>>,
    rx: Receiver<Vec<Record>>,
    store: &Store,
) {
    let mut pass = Pass::new(true);
    pass.interfaces_described = true;
    pass.record = true;
    let mut builder = StoreBuilder::new(true).keep_tapes();
    builder.interfaces_described = true;
    let mut buf = Vec::new();
    let mut last_publish = Instant::now();
    let mut written = 0u64;
    let mut failed: Option<String> = None;
    let mut unpublished = false;
    let mut keys_seen = crate::pass::keys_generation();
    loop {
        // Wake up now and then even without packets, so that a snapshot
        // waiting to be published is not held back by a quiet interface.
        let batch = match rx.recv_timeout(PUBLISH_EVERY) {
            Ok(b) => Some(b),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        // The key log grew (a browser writing SSLKEYLOGFILE): sessions
        // decrypt from their next record on.
        if crate::pass::keys_generation() != keys_seen {
            keys_seen = crate::pass::keys_generation();
            pass.analyzer.set_keys(crate::pass::keys());
        }
        let mut added = false;
        for rec in batch.iter().flatten() {
            buf.resize(rec.caplen as usize, 0);
            if let Err(e) = spill.read_exact_at(&mut buf, rec.offset) {
                // The capture thread flushes before it sends, so this is a
                // file system failure; say so once and keep going.
                failed.get_or_insert_with(|| format!("reading the spill file: {e}"));
                buf.clear();
            }
            let number = pass.frames() + 1;
            let (pi, answers) = pass.frame(
                rec,
                interfaces.first(),
                &buf,
                Options::default(),
                &mut NullSink,
            );
            builder.add(&FrameSource::from(rec), number, pi, answers);
            builder.add_tape(&pass.tape, pass.blobs.new_bytes());
            written = written.max(rec.offset + u64::from(rec.caplen));
            added = true;
        }
        // Packets added since the last publish wait for the next one even
        // when the interface then goes quiet (the loop still wakes up).
        unpublished |= added;
        if unpublished && last_publish.elapsed() >= PUBLISH_EVERY {
            store.publish(builder.snapshot(&pass.analyzer, interfaces, (written, written)));
            last_publish = Instant::now();
            unpublished = false;
        }
    }
    let notes = crate::capture::ReadNotes {
        stop: failed.map(|reason| crate::capture::Stop {
            offset: written,
            reason,
        }),
        ..Default::default()
    };
    store.publish(builder.finish(
        pass.analyzer,
        interfaces.clone(),
        (written, written),
        notes,
        false,
    ));
}
