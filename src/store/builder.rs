//! Builds a store from dissected frames: the writer side of [`super::Store`].
//! File loading and live capture both feed it, one frame at a time.

use std::sync::Arc;

use dissectors::analysis::{Analyzer, FrameAnswers};
use dissectors::packet::{PacketInfo, Transport};

use super::block_options::OptionLog;
use super::connections::ConnectionPathLog;
use super::log::AppendLog;
use super::tapes::TapeWriter;
use super::tcp::{SackBlocks, TcpRecord};
use super::{ExpertBits, FlowRef, Hierarchy, IndexWriter, Row, Snapshot};
use crate::capture::{Interface, ReadNotes};

/// Where a frame's bytes are and what the file says of it.
#[derive(Debug, Clone, Copy)]
pub struct FrameSource<'a> {
    pub offset: u64,
    pub ts_ns: i64,
    pub caplen: u32,
    pub orig_len: u32,
    pub interface: u32,
    /// False for a Simple Packet Block, which carries no time.
    pub has_ts: bool,
    pub comments: &'a [String],
    pub flags: Option<u32>,
}

impl<'a> From<&'a crate::capture::Record> for FrameSource<'a> {
    fn from(rec: &'a crate::capture::Record) -> Self {
        FrameSource {
            offset: rec.offset,
            ts_ns: rec.ts_ns,
            caplen: rec.caplen,
            orig_len: rec.orig_len,
            interface: rec.interface,
            has_ts: rec.has_ts,
            comments: &rec.comments,
            flags: rec.flags,
        }
    }
}

#[derive(Default)]
pub struct StoreBuilder {
    /// Keep a record per TCP segment (the full analysis's charts need them).
    keep_tcp: bool,
    index: IndexWriter,
    hierarchy: Hierarchy,
    tcp_records: AppendLog<TcpRecord>,
    tcp_sacks: AppendLog<SackBlocks>,
    /// Keep each frame's tape (the app re-dissects single frames with it).
    keep_tapes: bool,
    tapes: TapeWriter,
    options: OptionLog,
    connection_paths: ConnectionPathLog,
    pub interfaces_described: bool,
}

impl StoreBuilder {
    pub fn new(keep_tcp: bool) -> Self {
        StoreBuilder {
            keep_tcp,
            index: IndexWriter::new(),
            ..Default::default()
        }
    }

    /// Keeps every frame's tape from now on (see [`Snapshot::tapes`]).
    pub fn keep_tapes(mut self) -> Self {
        self.keep_tapes = true;
        self
    }

    pub fn keeps_tapes(&self) -> bool {
        self.keep_tapes
    }

    /// The frame just added's tape (when tapes are kept).
    pub fn add_tape(&mut self, tape: &[u8], blobs: &[u8]) {
        if self.keep_tapes {
            self.tapes.push(tape, blobs);
        }
    }

    pub fn add(&mut self, src: &FrameSource, number: u32, pi: &PacketInfo, answers: &FrameAnswers) {
        self.hierarchy.add(&pi.protocols, src.orig_len.into());
        let (flow, tcp_flags) = match pi.transport {
            Transport::Tcp(seg) => match &answers.tcp {
                Some(a) if !self.keep_tcp => (FlowRef::tcp(a.stream), a.flags),
                Some(a) => {
                    let sack = if seg.options.sack_count > 0 {
                        let base = a.ack_base.unwrap_or(0);
                        let mut blocks = [(0, 0); 4];
                        for (i, &(l, r)) in seg.options.sack_blocks().iter().enumerate() {
                            blocks[i] = (l.wrapping_sub(base), r.wrapping_sub(base));
                        }
                        self.tcp_sacks.push((blocks, seg.options.sack_count));
                        (self.tcp_sacks.len() - 1) as u32
                    } else {
                        TcpRecord::NONE
                    };
                    self.tcp_records
                        .push(TcpRecord::new(number, src.ts_ns, &seg, a, sack));
                    (FlowRef::tcp(a.stream), a.flags)
                }
                None => (FlowRef::NONE, 0),
            },
            Transport::Udp(_) => match answers.udp {
                Some(a) => {
                    if let Some(c) = pi.connection {
                        self.connection_paths.add(c, a.stream, number);
                    }
                    (FlowRef::udp(a.stream), 0)
                }
                None => (FlowRef::NONE, 0),
            },
            Transport::None => (FlowRef::NONE, 0),
        };
        self.index.push(&Row {
            offset: src.offset,
            ts_ns: src.ts_ns,
            caplen: src.caplen,
            orig_len: src.orig_len,
            interface: src.interface.min(u32::from(u16::MAX)) as u16,
            proto: pi.top().map_or(0, |p| p.id),
            flow,
            expert: ExpertBits::from_parts(tcp_flags, &pi.expert, src.comments, src.has_ts),
        });
        self.options.push(number, src.comments, src.flags);
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// A snapshot of everything so far (while loading).
    pub fn snapshot(
        &self,
        analyzer: &Analyzer,
        interfaces: &Arc<Vec<Interface>>,
        progress: (u64, u64),
    ) -> Snapshot {
        let conv = &analyzer.conversations;
        Snapshot {
            index: self.index.snapshot(),
            tcp: Arc::new(conv.tcp.table.list.clone()),
            udp: Arc::new(conv.udp.table.list.clone()),
            interfaces: interfaces.clone(),
            hierarchy: Arc::new(self.hierarchy.clone()),
            tcp_records: self.tcp_records.snapshot(),
            tcp_sacks: self.tcp_sacks.snapshot(),
            tapes: self.tapes.snapshot(),
            options: self.options.snapshot(),
            connection_paths: self.connection_paths.snapshot(),
            interfaces_described: self.interfaces_described,
            keys: analyzer.keys(),
            tcp_analysis: Arc::new(conv.tcp.analyzers.clone()),
            progress,
            done: false,
            cancelled: false,
            notes: ReadNotes::default(),
        }
    }

    /// The finished store (the analysis state is handed over, not copied).
    pub fn finish(
        self,
        analyzer: Analyzer,
        interfaces: Arc<Vec<Interface>>,
        progress: (u64, u64),
        notes: ReadNotes,
        cancelled: bool,
    ) -> Snapshot {
        let keys = analyzer.keys();
        let conv = analyzer.conversations;
        Snapshot {
            index: self.index.finish(),
            tcp: Arc::new(conv.tcp.table.list),
            udp: Arc::new(conv.udp.table.list),
            interfaces,
            hierarchy: Arc::new(self.hierarchy),
            tcp_records: self.tcp_records.finish(),
            tcp_sacks: self.tcp_sacks.finish(),
            tapes: self.tapes.finish(),
            options: self.options.finish(),
            connection_paths: self.connection_paths.finish(),
            interfaces_described: self.interfaces_described,
            keys,
            tcp_analysis: Arc::new(conv.tcp.analyzers),
            progress,
            done: true,
            cancelled,
            notes,
        }
    }
}
