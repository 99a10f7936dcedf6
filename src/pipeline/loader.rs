//! Loading a capture file: a reader thread walks the records and sends them
//! in batches to the analysis thread, which dissects each packet, appends
//! its row to the index and publishes snapshots as it goes, so the first
//! packets can be shown while the rest is still being read.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};
use dissectors::packet::Options;
use dissectors::sink::NullSink;

use crate::capture::{CaptureFile, Interface, ReadNotes, Record};
use crate::pass::Pass;
use crate::store::builder::{FrameSource, StoreBuilder};
use crate::store::{Snapshot, Store};

const BATCH: usize = 1024;
/// Readers see new packets at most this often while loading.
const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// How many analysed bytes an app's load lets go of at a time.
const RELEASE_EVERY: u64 = 64 << 20;

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Run the full TCP sequence analysis while loading.
    pub analyze_tcp: bool,
    /// Analyse application protocols (with the TCP analysis): off for a
    /// report of TCP alone.
    pub analyze_apps: bool,
    /// Publish snapshots while loading, at most this often; `None` publishes
    /// only the finished store (the command line waits for it anyway).
    pub publish_every: Option<Duration>,
    /// Keep each frame's tape so that single frames can be dissected again
    /// exactly (the app's list and details; see store::frame).
    pub keep_tapes: bool,
    /// TLS secrets to decrypt with (by default the process' key log).
    pub keys: Option<Arc<dissectors::tls::keylog::KeyLog>>,
}

impl LoadOptions {
    /// For the command line: the finished store only.
    pub fn batch(analyze_tcp: bool) -> Self {
        LoadOptions {
            analyze_tcp,
            analyze_apps: analyze_tcp,
            publish_every: None,
            keep_tapes: false,
            keys: crate::pass::keys(),
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            analyze_tcp: true,
            analyze_apps: true,
            publish_every: Some(PUBLISH_EVERY),
            keep_tapes: true,
            keys: crate::pass::keys(),
        }
    }
}

struct Batch {
    records: Vec<Record>,
    /// The interfaces known when the batch was read (pcapng adds them as it goes).
    interfaces: Option<Arc<Vec<Interface>>>,
    /// TLS key log text of the Decryption Secrets Blocks, when it grew.
    secrets: Option<Vec<u8>>,
    position: u64,
    /// On the last batch: where reading stopped early, and warnings.
    notes: Option<ReadNotes>,
}

/// A load in progress.
pub struct Loading {
    pub store: Store,
    threads: Vec<JoinHandle<()>>,
}

impl Loading {
    /// Waits for the load to finish and returns the final snapshot.
    pub fn wait(self) -> Arc<Snapshot> {
        for t in self.threads {
            let _ = t.join();
        }
        self.store.snapshot()
    }
}

pub fn load_file(file: Arc<CaptureFile>, opts: LoadOptions) -> Loading {
    load_file_into(Store::new(), file, opts)
}

/// Loads into an existing store (whose listener is already set).
pub fn load_file_into(store: Store, file: Arc<CaptureFile>, opts: LoadOptions) -> Loading {
    let (tx, rx) = bounded::<Batch>(16);
    let reader_file = file.clone();
    let reader_store = store.clone();
    // Someone watches the snapshots (the app): its frames come first.
    let viewer = opts.publish_every.is_some();
    let reader = std::thread::Builder::new()
        .name("capture-reader".into())
        .spawn(move || {
            if viewer {
                super::yield_to_viewer();
            }
            let mut r = reader_file.reader();
            let mut known = 0;
            let mut secrets_known = 0;
            loop {
                let records: Vec<Record> = r.by_ref().take(BATCH).collect();
                let last = records.len() < BATCH;
                let interfaces = (r.interfaces.len() != known).then(|| {
                    known = r.interfaces.len();
                    Arc::new(r.interfaces.clone())
                });
                let secrets = (r.tls_secrets.len() != secrets_known).then(|| {
                    secrets_known = r.tls_secrets.len();
                    r.tls_secrets.clone()
                });
                let batch = Batch {
                    records,
                    interfaces,
                    secrets,
                    position: r.position(),
                    notes: if last { Some(r.notes.clone()) } else { None },
                };
                if tx.send(batch).is_err() || last || reader_store.cancelled() {
                    break;
                }
            }
        })
        .expect("spawning a thread");
    let analysis_store = store.clone();
    let analysis = std::thread::Builder::new()
        .name("analysis".into())
        .spawn(move || {
            if viewer {
                super::yield_to_viewer();
            }
            analyse(&file, rx, &analysis_store, opts)
        })
        .expect("spawning a thread");
    Loading {
        store,
        threads: vec![reader, analysis],
    }
}

fn analyse(file: &CaptureFile, rx: Receiver<Batch>, store: &Store, opts: LoadOptions) {
    let total = file.bytes.len() as u64;
    let mut pass = if opts.analyze_apps {
        Pass::new(opts.analyze_tcp)
    } else {
        Pass::without_applications(opts.analyze_tcp)
    };
    pass.interfaces_described = file.format == crate::capture::Format::Pcapng;
    pass.analyzer.set_keys(opts.keys.clone());
    pass.record = opts.keep_tapes;
    let mut builder = StoreBuilder::new(opts.analyze_tcp);
    builder.interfaces_described = pass.interfaces_described;
    if opts.keep_tapes {
        builder = builder.keep_tapes();
    }
    let mut interfaces: Arc<Vec<Interface>> = Arc::default();
    let mut last_publish = Instant::now();
    let mut notes = ReadNotes::default();
    let mut position = 0;
    let mut cancelled = false;
    let mut released = 0u64;
    for batch in rx {
        if let Some(i) = batch.interfaces {
            interfaces = i;
        }
        if let Some(s) = &batch.secrets {
            pass.take_secrets(s);
        }
        for rec in &batch.records {
            let iface = interfaces.get(rec.interface as usize);
            let data = file.data(rec.offset, rec.caplen);
            let number = pass.frames() + 1;
            let (pi, answers) = pass.frame(rec, iface, data, Options::default(), &mut NullSink);
            builder.add(&FrameSource::from(rec), number, pi, answers);
            builder.add_tape(&pass.tape, pass.blobs.new_bytes());
        }
        position = batch.position;
        // For an app, the bytes analysed leave its resident memory (they
        // are read again only for rows in view): every 64 MiB.
        if opts.publish_every.is_some()
            && let Some(last) = batch.records.last()
            && last.offset - released >= RELEASE_EVERY
        {
            file.release(released, last.offset);
            released = last.offset;
        }
        if let Some(n) = batch.notes {
            notes = n;
        }
        if store.cancelled() {
            cancelled = true;
            break;
        }
        if opts
            .publish_every
            .is_some_and(|every| last_publish.elapsed() >= every)
        {
            store.publish(builder.snapshot(&pass.analyzer, &interfaces, (position, total)));
            last_publish = Instant::now();
        }
    }
    let progress = (if cancelled { position } else { total }, total);
    store.publish(builder.finish(pass.analyzer, interfaces, progress, notes, cancelled));
}
