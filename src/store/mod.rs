//! What a loaded capture is once analysed: the packet index, the
//! conversations, what reading reported. One writer (the analysis thread)
//! publishes [`Snapshot`]s; the UI and the CLI only read them.

pub mod hierarchy;
pub mod index;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use dissectors::conversation::Conversation;

use crate::capture::{Interface, Stop};
pub use hierarchy::Hierarchy;
pub use index::{ExpertBits, FlowRef, Index, IndexWriter, Row};

/// Everything readers see at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub index: Index,
    pub tcp: Arc<Vec<Conversation>>,
    pub udp: Arc<Vec<Conversation>>,
    pub interfaces: Arc<Vec<Interface>>,
    pub hierarchy: Arc<Hierarchy>,
    /// Bytes of the source read so far, and its size.
    pub progress: (u64, u64),
    /// Reading and analysis have finished (or were cancelled).
    pub done: bool,
    pub cancelled: bool,
    /// Set when the file is damaged or truncated.
    pub stop: Option<Stop>,
}

#[derive(Debug, Default)]
struct Shared {
    snapshot: Mutex<Arc<Snapshot>>,
    cancel: AtomicBool,
}

/// The handle readers keep.
#[derive(Debug, Clone, Default)]
pub struct Store {
    shared: Arc<Shared>,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    /// The latest published snapshot (never waits for the writer beyond a
    /// pointer copy).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.shared.snapshot.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn publish(&self, s: Snapshot) {
        if let Ok(mut g) = self.shared.snapshot.lock() {
            *g = Arc::new(s);
        }
    }

    /// Ask the writer to stop (a long load the user no longer wants).
    pub fn cancel(&self) {
        self.shared.cancel.store(true, Ordering::Relaxed);
    }

    pub fn cancelled(&self) -> bool {
        self.shared.cancel.load(Ordering::Relaxed)
    }
}
