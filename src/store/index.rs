//! The packet index: one compact row per packet, stored by column in
//! fixed-size chunks. Finished chunks are immutable and shared (`Arc`);
//! a snapshot is the list of chunks plus a length, so readers never wait
//! for the writer.

use std::sync::Arc;

/// Packets per chunk.
pub const CHUNK: usize = 1 << 16;

/// One packet's row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row {
    /// Where the packet's bytes are in its source.
    pub offset: u64,
    pub ts_ns: i64,
    pub caplen: u32,
    pub orig_len: u32,
    pub interface: u16,
    /// Id of the highest protocol (Protocol column, colouring, IO graph).
    pub proto: u8,
    /// Conversation: see [`FlowRef`].
    pub flow: FlowRef,
    /// Expert summary and TCP analysis flags: see [`ExpertBits`].
    pub expert: ExpertBits,
}

impl Row {
    /// The capture record this row indexes, to read and dissect the packet
    /// again (its comments and flags live apart, in the store's
    /// [`BlockOptions`](super::block_options::BlockOptions)).
    pub fn record(&self) -> crate::capture::Record {
        crate::capture::Record {
            offset: self.offset,
            caplen: self.caplen,
            orig_len: self.orig_len,
            ts_ns: self.ts_ns,
            interface: u32::from(self.interface),
            comments: Vec::new(),
            flags: None,
            has_ts: self.expert.has_ts(),
        }
    }
}

/// A packet's conversation: TCP or UDP stream, or none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FlowRef(pub u32);

impl FlowRef {
    pub const NONE: FlowRef = FlowRef(0);
    pub fn tcp(stream: u32) -> FlowRef {
        FlowRef((stream << 1) + 1)
    }
    pub fn udp(stream: u32) -> FlowRef {
        FlowRef((stream << 1) + 2)
    }
    pub fn tcp_stream(self) -> Option<u32> {
        (self.0 != 0 && (self.0 - 1) & 1 == 0).then(|| (self.0 - 1) >> 1)
    }
    pub fn udp_stream(self) -> Option<u32> {
        (self.0 != 0 && (self.0 - 1) & 1 == 1).then(|| (self.0 - 1) >> 1)
    }
}

/// Bits 0..15: TCP analysis flags (`dissectors::tcp_analysis::Flag`);
/// 16..19: highest expert severity + 1 (0: none); 19: malformed; 20: has comments;
/// 21: no timestamp (a Simple Packet Block).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExpertBits(pub u32);

impl ExpertBits {
    pub const MALFORMED: u32 = 1 << 19;
    pub const COMMENT: u32 = 1 << 20;
    pub const NO_TIME: u32 = 1 << 21;

    /// The file gave the frame a time (a Simple Packet Block gives none).
    pub fn has_ts(self) -> bool {
        self.0 & Self::NO_TIME == 0
    }

    pub fn tcp_flags(self) -> u32 {
        self.0 & 0xffff
    }
    pub fn severity(self) -> Option<dissectors::expert::Severity> {
        use dissectors::expert::Severity::*;
        match (self.0 >> 16) & 7 {
            1 => Some(Comment),
            2 => Some(Chat),
            3 => Some(Note),
            4 => Some(Warning),
            5 => Some(Error),
            _ => None,
        }
    }
    pub fn from_parts(
        tcp_flags: u32,
        summary: &dissectors::expert::ExpertSummary,
        comments: &[String],
        has_ts: bool,
    ) -> Self {
        let sev = summary.max.map_or(0, |s| s as u32 + 1);
        let mut v = (tcp_flags & 0xffff) | (sev << 16);
        if summary.malformed {
            v |= Self::MALFORMED;
        }
        if !comments.is_empty() {
            v |= Self::COMMENT;
        }
        if !has_ts {
            v |= Self::NO_TIME;
        }
        ExpertBits(v)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Chunk {
    offset: Vec<u64>,
    ts_ns: Vec<i64>,
    caplen: Vec<u32>,
    orig_len: Vec<u32>,
    interface: Vec<u16>,
    proto: Vec<u8>,
    flow: Vec<u32>,
    expert: Vec<u32>,
}

impl Chunk {
    fn with_capacity(n: usize) -> Self {
        Chunk {
            offset: Vec::with_capacity(n),
            ts_ns: Vec::with_capacity(n),
            caplen: Vec::with_capacity(n),
            orig_len: Vec::with_capacity(n),
            interface: Vec::with_capacity(n),
            proto: Vec::with_capacity(n),
            flow: Vec::with_capacity(n),
            expert: Vec::with_capacity(n),
        }
    }
    pub fn len(&self) -> usize {
        self.offset.len()
    }
    pub fn is_empty(&self) -> bool {
        self.offset.is_empty()
    }
    fn push(&mut self, r: &Row) {
        self.offset.push(r.offset);
        self.ts_ns.push(r.ts_ns);
        self.caplen.push(r.caplen);
        self.orig_len.push(r.orig_len);
        self.interface.push(r.interface);
        self.proto.push(r.proto);
        self.flow.push(r.flow.0);
        self.expert.push(r.expert.0);
    }
    pub fn row(&self, i: usize) -> Row {
        Row {
            offset: self.offset[i],
            ts_ns: self.ts_ns[i],
            caplen: self.caplen[i],
            orig_len: self.orig_len[i],
            interface: self.interface[i],
            proto: self.proto[i],
            flow: FlowRef(self.flow[i]),
            expert: ExpertBits(self.expert[i]),
        }
    }
    pub fn ts(&self) -> &[i64] {
        &self.ts_ns
    }
    pub fn flows(&self) -> &[u32] {
        &self.flow
    }
    pub fn experts(&self) -> &[u32] {
        &self.expert
    }
    pub fn protos(&self) -> &[u8] {
        &self.proto
    }
    pub fn orig_lens(&self) -> &[u32] {
        &self.orig_len
    }
    /// Heap bytes held by this chunk.
    pub fn heap_bytes(&self) -> usize {
        self.offset.capacity() * 8
            + self.ts_ns.capacity() * 8
            + (self.caplen.capacity()
                + self.orig_len.capacity()
                + self.flow.capacity()
                + self.expert.capacity())
                * 4
            + self.interface.capacity() * 2
            + self.proto.capacity()
    }
}

/// Appends rows; the one writer of an index.
#[derive(Debug, Default)]
pub struct IndexWriter {
    sealed: Vec<Arc<Chunk>>,
    open: Chunk,
}

impl IndexWriter {
    pub fn new() -> Self {
        IndexWriter {
            sealed: Vec::new(),
            open: Chunk::with_capacity(CHUNK),
        }
    }

    pub fn push(&mut self, r: &Row) {
        self.open.push(r);
        if self.open.len() == CHUNK {
            let full = std::mem::replace(&mut self.open, Chunk::with_capacity(CHUNK));
            self.sealed.push(Arc::new(full));
        }
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A consistent view of everything pushed so far. Copies only the open
    /// chunk's rows, so it is cheap enough to do ten times a second.
    pub fn snapshot(&self) -> Index {
        let mut chunks = self.sealed.clone();
        if !self.open.is_empty() {
            let mut tail = Chunk::with_capacity(self.open.len());
            tail.offset.extend_from_slice(&self.open.offset);
            tail.ts_ns.extend_from_slice(&self.open.ts_ns);
            tail.caplen.extend_from_slice(&self.open.caplen);
            tail.orig_len.extend_from_slice(&self.open.orig_len);
            tail.interface.extend_from_slice(&self.open.interface);
            tail.proto.extend_from_slice(&self.open.proto);
            tail.flow.extend_from_slice(&self.open.flow);
            tail.expert.extend_from_slice(&self.open.expert);
            chunks.push(Arc::new(tail));
        }
        Index {
            chunks,
            len: self.len(),
        }
    }

    /// The finished index (no copy of the open chunk's rows).
    pub fn finish(mut self) -> Index {
        let len = self.len();
        if !self.open.is_empty() {
            self.open.offset.shrink_to_fit();
            self.open.ts_ns.shrink_to_fit();
            self.open.caplen.shrink_to_fit();
            self.open.orig_len.shrink_to_fit();
            self.open.interface.shrink_to_fit();
            self.open.proto.shrink_to_fit();
            self.open.flow.shrink_to_fit();
            self.open.expert.shrink_to_fit();
            self.sealed.push(Arc::new(self.open));
        }
        Index {
            chunks: self.sealed,
            len,
        }
    }
}

/// A read-only view of the index.
#[derive(Debug, Clone, Default)]
pub struct Index {
    chunks: Vec<Arc<Chunk>>,
    len: usize,
}

impl Index {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Row of packet `i` (0-based; frame number `i + 1`).
    pub fn row(&self, i: usize) -> Option<Row> {
        if i >= self.len {
            return None;
        }
        Some(self.chunks[i / CHUNK].row(i % CHUNK))
    }
    pub fn chunks(&self) -> &[Arc<Chunk>] {
        &self.chunks
    }
    pub fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.heap_bytes()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_see_what_was_pushed_and_stay_fixed() {
        let mut w = IndexWriter::new();
        for i in 0..(CHUNK + 10) {
            w.push(&Row {
                offset: i as u64,
                ..Default::default()
            });
        }
        let snap = w.snapshot();
        w.push(&Row {
            offset: 999_999,
            ..Default::default()
        });
        assert_eq!(snap.len(), CHUNK + 10);
        assert_eq!(snap.row(CHUNK + 9).unwrap().offset, (CHUNK + 9) as u64);
        assert!(snap.row(CHUNK + 10).is_none());
        let done = w.finish();
        assert_eq!(done.row(CHUNK + 10).unwrap().offset, 999_999);
    }

    #[test]
    fn flow_refs_round_trip() {
        assert_eq!(FlowRef::tcp(7).tcp_stream(), Some(7));
        assert_eq!(FlowRef::tcp(7).udp_stream(), None);
        assert_eq!(FlowRef::udp(0).udp_stream(), Some(0));
        assert_eq!(FlowRef::NONE.tcp_stream(), None);
    }
}
