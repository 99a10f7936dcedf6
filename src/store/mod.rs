//! What a loaded capture is once analysed: the packet index, the
//! conversations, what reading reported. One writer (the analysis thread)
//! publishes [`Snapshot`]s; the UI and the CLI only read them.

pub mod block_options;
pub mod builder;
pub mod connections;
pub mod experts;
pub mod follow;
pub mod follow_http2;
pub mod follow_http3;
pub mod follow_tls;
pub mod frame;
pub mod hierarchy;
pub mod index;
pub mod io_series;
pub mod log;
pub mod quic_pass;
pub mod quic_series;
pub mod tapes;
pub mod tcp;
pub mod tcp_series;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use dissectors::conversation::Conversation;

use crate::capture::{Interface, ReadNotes};
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
    /// One record per TCP segment (full analysis only), in frame order.
    pub tcp_records: log::LogView<tcp::TcpRecord>,
    /// SACK blocks, referenced from [`tcp::TcpRecord::sack`].
    pub tcp_sacks: log::LogView<tcp::SackBlocks>,
    /// Each frame's analysis answers, to dissect it again on its own
    /// (empty when the load kept none: the command line).
    pub tapes: tapes::Tapes,
    /// The comments and flags of the frames whose packet blocks have them.
    pub options: block_options::BlockOptions,
    /// The UDP conversations of each QUIC connection.
    pub connection_paths: connections::ConnectionPaths,
    /// The source describes its interfaces (pcapng).
    pub interfaces_described: bool,
    /// The TLS secrets the load decrypted with: passes over part of the
    /// capture (Follow HTTP/2 Stream) must decrypt as it did.
    pub keys: Option<Arc<dissectors::tls::keylog::KeyLog>>,
    /// Per-connection analysis (handshake, options, counts), by stream.
    pub tcp_analysis: Arc<Vec<dissectors::tcp_analysis::TcpStreamAnalyzer>>,
    /// Bytes of the source read so far, and its size.
    pub progress: (u64, u64),
    /// Reading and analysis have finished (or were cancelled).
    pub done: bool,
    pub cancelled: bool,
    /// Where reading stopped (a damaged or truncated file), and warnings
    /// about what was read.
    pub notes: ReadNotes,
}

impl Snapshot {
    /// QUIC connections as conversations, by `quic.connection.number`:
    /// each sums the UDP conversations it travelled.
    pub fn quic_conversations(&self) -> Vec<Conversation> {
        self.connection_paths
            .conversations(dissectors::proto::QUIC.id, &self.udp)
    }

    /// The UDP conversations QUIC connection `number` travelled.
    pub fn quic_connection_streams(&self, number: u32) -> Vec<u32> {
        self.connection_paths
            .streams_of(dissectors::proto::QUIC.id, number)
    }

    /// The frame of QUIC connection `number`'s first packet.
    pub fn quic_connection_first_frame(&self, number: u32) -> Option<u32> {
        self.connection_paths
            .first_frame_of(dissectors::proto::QUIC.id, number)
    }

    /// The QUIC connection on UDP conversation `udp_stream`.
    pub fn quic_connection_on(&self, udp_stream: u32) -> Option<u32> {
        self.connection_paths
            .connection_on(dissectors::proto::QUIC.id, udp_stream)
    }

    /// TCP stream `stream`'s two endpoints as text, A (the side that sent
    /// first) then B; empty when there is no such stream.
    pub fn tcp_endpoints(&self, stream: u32) -> (String, String) {
        use dissectors::conversation::endpoint_text;
        self.tcp
            .get(stream as usize)
            .map(|c| (endpoint_text(&c.a), endpoint_text(&c.b)))
            .unwrap_or_default()
    }
}

/// Called after each publish (the UI asks for a repaint; tests record).
pub type Listener = Box<dyn Fn(&Snapshot) + Send + Sync>;

#[derive(Default)]
struct Shared {
    snapshot: Mutex<Arc<Snapshot>>,
    cancel: AtomicBool,
    listener: Mutex<Option<Listener>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("cancel", &self.cancel)
            .finish_non_exhaustive()
    }
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
        self.shared
            .snapshot
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    pub fn publish(&self, s: Snapshot) {
        let s = Arc::new(s);
        if let Ok(mut g) = self.shared.snapshot.lock() {
            *g = s.clone();
        }
        if let Ok(l) = self.shared.listener.lock()
            && let Some(l) = l.as_ref()
        {
            l(&s);
        }
    }

    /// Calls `f` after every publish, on the writer's thread (keep it short).
    pub fn set_listener(&self, f: impl Fn(&Snapshot) + Send + Sync + 'static) {
        if let Ok(mut l) = self.shared.listener.lock() {
            *l = Some(Box::new(f));
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
