//! Reassembly of a TCP connection into an in-order byte stream per
//! direction, with Wireshark's "Follow TCP Stream" rules: bytes are delivered
//! once and in order; a segment ahead of the expected sequence number waits
//! until the gap before it fills; when the other side acknowledges past a
//! gap that never fills, the gap is declared and delivery moves on.
//!
//! Memory is bounded: at most [`MAX_PENDING`] bytes wait per direction (a
//! hostile or lossy stream gets its oldest gap declared instead; every
//! waiting piece counts [`PIECE_OVERHEAD`] bytes besides its data, so
//! one-byte pieces cannot hold much more than they show), and a consumer
//! that keeps the bytes caps what it keeps ([`KeptStream`]). Time is
//! bounded too: a waiting piece costs O(log n) to file and to deliver.

use std::collections::BTreeMap;
use std::ops::Range;

/// Out-of-order bytes held per direction before a gap is forced.
pub const MAX_PENDING: usize = 4 << 20;
/// What a waiting piece costs besides its bytes, as counted against the
/// limit (its map entries and allocation).
pub const PIECE_OVERHEAD: usize = 64;

/// What the reassembler hands its consumer, in stream order per direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// Bytes at `offset` (counted from the direction's first byte) that
    /// arrived in `frame`.
    Data {
        dir: usize,
        frame: u32,
        offset: u64,
        bytes: &'a [u8],
        /// Where `bytes` start in the frame's captured data, when known.
        at: Option<u32>,
    },
    /// Bytes of a declared gap that arrived after all (a retransmission of
    /// a segment given up on): delivered out of the stream's order, for
    /// consumers that show them where they come (see
    /// [`TcpReassembler::with_late_data`]).
    Late {
        dir: usize,
        frame: u32,
        bytes: &'a [u8],
        at: Option<u32>,
    },
    /// `len` bytes at `offset` were never captured; known in `frame`.
    /// `limit`: declared because too much waited behind it, not because
    /// the receiver moved on.
    Gap {
        dir: usize,
        frame: u32,
        offset: u64,
        len: u32,
        limit: bool,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    frame: u32,
    seq: u32,
    data: Vec<u8>,
    at: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct Direction {
    /// Next expected sequence number, once the direction has been seen.
    seq: Option<u32>,
    /// Bytes delivered (and gaps declared) so far.
    offset: u64,
    /// Pieces ahead of the stream, by the stream offset where they start
    /// and the order they came in.
    waiting: BTreeMap<(u64, u64), Pending>,
    /// Pieces the stream has reached (they start at or before `offset`),
    /// by the order they came in: the first one that came is used first,
    /// as Wireshark's follow-stream does.
    reached: BTreeMap<u64, Pending>,
    /// Pieces filed so far (their order).
    filed: u64,
    pending_bytes: usize,
    /// Sequence ranges declared lost (when late data is delivered).
    gaps: std::collections::VecDeque<(u32, u32)>,
}

/// Declared gaps remembered per direction for late data.
const MAX_GAPS: usize = 64;

fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
fn gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The reassembler of one connection. Direction 0 is from the source of the
/// first segment it sees.
#[derive(Debug, Clone, Default)]
pub struct TcpReassembler {
    dirs: [Direction; 2],
    /// Out-of-order bytes held per direction (0: [`MAX_PENDING`]).
    limit: usize,
    late: bool,
}

impl TcpReassembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// A reassembler holding at most `limit` out-of-order bytes per direction.
    pub fn with_limit(limit: usize) -> Self {
        TcpReassembler {
            limit: limit.max(1),
            ..Default::default()
        }
    }

    /// Also deliver, as [`StreamEvent::Late`], bytes of a declared gap that
    /// arrive afterwards.
    pub fn with_late_data(mut self) -> Self {
        self.late = true;
        self
    }

    fn limit(&self) -> usize {
        if self.limit == 0 {
            MAX_PENDING
        } else {
            self.limit
        }
    }

    /// Feeds one segment travelling in `dir`. `len` is its TCP payload length
    /// on the wire; `payload` the bytes captured of it (snaplen may have cut
    /// them short: the missing tail is skipped silently, as Wireshark does).
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        dir: usize,
        frame: u32,
        seq: u32,
        syn: bool,
        ack: u32,
        len: u32,
        payload: &[u8],
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        self.segment_at(dir, frame, seq, syn, ack, len, payload, None, out);
    }

    /// [`TcpReassembler::segment`], knowing where `payload` starts in the
    /// frame's captured data (the events then say where their bytes are).
    #[allow(clippy::too_many_arguments)]
    pub fn segment_at(
        &mut self,
        dir: usize,
        frame: u32,
        seq: u32,
        syn: bool,
        ack: u32,
        len: u32,
        payload: &[u8],
        mut at: Option<u32>,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        let dir = dir & 1;
        let other = 1 - dir;
        // This ACK may show that the other side's gap was seen by its receiver.
        while self.next_fragment(other, Some(ack), frame, out) {}

        let mut sequence = if syn { seq.wrapping_add(1) } else { seq };
        let mut length = len;
        let mut data = &payload[..payload.len().min(len as usize)];
        let d = &mut self.dirs[dir];
        let expected = *d.seq.get_or_insert(sequence);
        if lt(sequence, expected) {
            if self.late {
                self.late_bytes(dir, frame, sequence, data, at, out);
            }
            // Dated: keep only what goes beyond what was delivered.
            let end = sequence.wrapping_add(length);
            if gt(end, expected) {
                let skip = expected.wrapping_sub(sequence) as usize;
                data = data.get(skip..).unwrap_or(&[]);
                at = at.map(|a| a.saturating_add(skip as u32));
                sequence = expected;
                length = end.wrapping_sub(expected);
            }
        }
        if data.is_empty() || lt(sequence, expected) {
            return;
        }
        if sequence == expected {
            let d = &mut self.dirs[dir];
            out(StreamEvent::Data {
                dir,
                frame,
                offset: d.offset,
                bytes: data,
                at,
            });
            d.offset += u64::from(length);
            d.seq = Some(expected.wrapping_add(length));
            while self.next_fragment(dir, None, frame, out) {}
        } else {
            let d = &mut self.dirs[dir];
            d.pending_bytes += data.len() + PIECE_OVERHEAD;
            let start = d.offset + u64::from(sequence.wrapping_sub(expected));
            d.filed += 1;
            d.waiting.insert(
                (start, d.filed),
                Pending {
                    frame,
                    seq: sequence,
                    data: data.to_vec(),
                    at,
                },
            );
            let limit = self.limit();
            let d = &mut self.dirs[dir];
            if d.pending_bytes > limit
                && let Some(lowest) = d.waiting.values().next().map(|p| p.seq)
            {
                // Too much waits on a gap that does not fill: declare it.
                self.force_gap(dir, lowest, frame, true, out);
                while self.next_fragment(dir, None, frame, out) {}
            }
        }
    }

    /// Delivers what of a dated segment falls in a declared gap.
    fn late_bytes(
        &mut self,
        dir: usize,
        frame: u32,
        seq: u32,
        data: &[u8],
        at: Option<u32>,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        let end = seq.wrapping_add(data.len() as u32);
        let d = &mut self.dirs[dir];
        let mut i = 0;
        while i < d.gaps.len() {
            let (gs, ge) = d.gaps[i];
            let from = if gt(gs, seq) { gs } else { seq };
            let to = if lt(ge, end) { ge } else { end };
            if !lt(from, to) {
                i += 1;
                continue;
            }
            let skip = from.wrapping_sub(seq) as usize;
            let n = to.wrapping_sub(from) as usize;
            out(StreamEvent::Late {
                dir,
                frame,
                bytes: &data[skip..skip + n],
                at: at.map(|a| a.saturating_add(skip as u32)),
            });
            // What is left of the gap on either side stays a gap.
            d.gaps.remove(i);
            if lt(to, ge) {
                d.gaps.insert(i, (to, ge));
                i += 1;
            }
            if lt(gs, from) {
                d.gaps.insert(i, (gs, from));
                i += 1;
            }
        }
    }

    fn force_gap(
        &mut self,
        dir: usize,
        to: u32,
        frame: u32,
        limit: bool,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        let late = self.late;
        let d = &mut self.dirs[dir];
        let Some(expected) = d.seq else { return };
        if late {
            if d.gaps.len() >= MAX_GAPS {
                d.gaps.pop_front();
            }
            d.gaps.push_back((expected, to));
        }
        let len = to.wrapping_sub(expected);
        out(StreamEvent::Gap {
            dir,
            frame,
            offset: d.offset,
            len,
            limit,
        });
        d.offset += u64::from(len);
        d.seq = Some(to);
    }

    /// Delivers the next waiting fragment of `dir` if it now fits (or, with
    /// an `ack` past the lowest one, declares the gap before it). Returns
    /// whether anything changed.
    fn next_fragment(
        &mut self,
        dir: usize,
        ack: Option<u32>,
        frame: u32,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) -> bool {
        let d = &mut self.dirs[dir];
        let Some(expected) = d.seq else {
            return false;
        };
        // Pieces the stream has reached become candidates.
        while let Some(e) = d.waiting.first_entry() {
            if e.key().0 > d.offset {
                break;
            }
            let ((_, order), p) = e.remove_entry();
            d.reached.insert(order, p);
        }
        if let Some((_, f)) = d.reached.pop_first() {
            d.pending_bytes -= f.data.len() + PIECE_OVERHEAD;
            // It starts at or before the expected byte: what goes beyond
            // is new (a piece wholly delivered before adds nothing).
            let skip = expected.wrapping_sub(f.seq) as usize;
            if let Some(rest) = f.data.get(skip..).filter(|r| !r.is_empty()) {
                out(StreamEvent::Data {
                    dir,
                    frame: f.frame,
                    offset: d.offset,
                    bytes: rest,
                    at: f.at.map(|a| a.saturating_add(skip as u32)),
                });
                d.offset += rest.len() as u64;
                d.seq = Some(expected.wrapping_add(rest.len() as u32));
            }
            return true;
        }
        if let (Some(ack), Some(lowest)) = (ack, d.waiting.values().next().map(|p| p.seq))
            && gt(ack, lowest)
        {
            self.force_gap(dir, lowest, frame, false, out);
            return true;
        }
        false
    }

    /// The next expected sequence number of `dir` and its offset in the
    /// direction's stream, once the direction has been seen.
    pub fn position(&self, dir: usize) -> Option<(u32, u64)> {
        let d = &self.dirs[dir & 1];
        Some((d.seq?, d.offset))
    }

    /// Declares the bytes of `dir` before `seq` lost (the analysis found the
    /// previous segment not captured), so what follows is delivered now.
    pub fn gap_to(
        &mut self,
        dir: usize,
        seq: u32,
        frame: u32,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        let dir = dir & 1;
        if let Some(expected) = self.dirs[dir].seq
            && gt(seq, expected)
        {
            self.force_gap(dir, seq, frame, false, out);
            while self.next_fragment(dir, None, frame, out) {}
        }
    }

    /// Bytes waiting on gaps, per direction.
    pub fn pending_bytes(&self) -> [usize; 2] {
        [self.dirs[0].pending_bytes, self.dirs[1].pending_bytes]
    }
}

/// A reassembled conversation kept in memory (for Follow Stream), up to a cap.
#[derive(Debug, Clone, Default)]
pub struct KeptStream {
    /// Chunks in delivery order: direction, first frame, data or a gap.
    pub chunks: Vec<KeptChunk>,
    /// Bytes kept so far.
    pub kept: usize,
    /// Set once the cap was reached: nothing after this point was kept.
    pub truncated_at: Option<(usize, u64)>,
    cap: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptChunk {
    pub dir: usize,
    pub frame: u32,
    /// Offset in the direction's stream.
    pub offset: u64,
    pub kind: ChunkKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkKind {
    Data(Vec<u8>),
    Gap(u32),
}

impl KeptStream {
    pub fn with_cap(cap: usize) -> Self {
        KeptStream {
            cap,
            ..Default::default()
        }
    }

    pub fn push(&mut self, e: StreamEvent<'_>) {
        if self.truncated_at.is_some() {
            return;
        }
        match e {
            StreamEvent::Data {
                dir,
                frame,
                offset,
                bytes,
                ..
            } => {
                if self.kept + bytes.len() > self.cap {
                    self.truncated_at = Some((dir, offset));
                    return;
                }
                self.kept += bytes.len();
                // Consecutive bytes of one segment stay one chunk; segments stay apart
                // (Follow shows them as Wireshark does, one record per segment).
                self.chunks.push(KeptChunk {
                    dir,
                    frame,
                    offset,
                    kind: ChunkKind::Data(bytes.to_vec()),
                });
            }
            StreamEvent::Late { .. } => {}
            StreamEvent::Gap {
                dir,
                frame,
                offset,
                len,
                ..
            } => {
                self.chunks.push(KeptChunk {
                    dir,
                    frame,
                    offset,
                    kind: ChunkKind::Gap(len),
                });
            }
        }
    }

    /// The bytes of one direction (or both, interleaved), gaps left out.
    pub fn bytes(&self, dir: Option<usize>) -> Vec<u8> {
        let mut v = Vec::new();
        for c in &self.chunks {
            if let ChunkKind::Data(d) = &c.kind
                && dir.is_none_or(|x| x == c.dir)
            {
                v.extend_from_slice(d);
            }
        }
        v
    }

    /// Stream offsets covered by data, per direction (for checks).
    pub fn ranges(&self, dir: usize) -> Vec<Range<u64>> {
        self.chunks
            .iter()
            .filter(|c| c.dir == dir)
            .filter_map(|c| match &c.kind {
                ChunkKind::Data(d) => Some(c.offset..c.offset + d.len() as u64),
                ChunkKind::Gap(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(segs: &[(usize, u32, &[u8], u32)]) -> KeptStream {
        // (dir, seq, data, ack)
        let mut r = TcpReassembler::new();
        let mut k = KeptStream::with_cap(1 << 20);
        for (i, &(dir, seq, data, ack)) in segs.iter().enumerate() {
            r.segment(
                dir,
                i as u32 + 1,
                seq,
                false,
                ack,
                data.len() as u32,
                data,
                &mut |e| k.push(e),
            );
        }
        k
    }

    #[test]
    fn in_order_retransmitted_and_overlapping_data_is_delivered_once() {
        let k = run(&[
            (0, 100, b"hello", 0),
            (0, 100, b"hello", 0),
            (0, 103, b"lo world", 0),
            (0, 111, b"!", 0),
        ]);
        assert_eq!(k.bytes(Some(0)), b"hello world!");
    }

    #[test]
    fn early_segments_wait_for_the_gap_to_fill() {
        let k = run(&[(0, 1, b"ab", 0), (0, 5, b"ef", 0), (0, 3, b"cd", 0)]);
        assert_eq!(k.bytes(Some(0)), b"abcdef");
        assert_eq!(
            k.chunks.iter().map(|c| c.frame).collect::<Vec<_>>(),
            vec![1, 3, 2]
        );
    }

    #[test]
    fn an_ack_past_a_gap_declares_it() {
        // The receiver acknowledges up to 9: bytes 3..5 were seen by it, not by us.
        let k = run(&[(0, 1, b"ab", 0), (0, 5, b"efgh", 0), (1, 1000, b"", 9)]);
        assert_eq!(k.bytes(Some(0)), b"abefgh");
        assert_eq!(k.chunks[1].kind, ChunkKind::Gap(2));
        assert_eq!(k.chunks[2].offset, 4);
    }

    #[test]
    fn the_kept_bytes_stop_at_the_cap_with_a_marker() {
        let mut r = TcpReassembler::new();
        let mut k = KeptStream::with_cap(4);
        r.segment(0, 1, 1, false, 0, 3, b"abc", &mut |e| k.push(e));
        r.segment(0, 2, 4, false, 0, 3, b"def", &mut |e| k.push(e));
        assert_eq!(k.bytes(None), b"abc");
        assert_eq!(k.truncated_at, Some((0, 3)));
    }

    #[test]
    fn reversed_one_byte_segments_come_out_in_order() {
        let mut r = TcpReassembler::new();
        let n = 20_000u32;
        let mut got = Vec::new();
        r.segment(0, 0, 999, true, 0, 0, &[], &mut |_| {});
        for i in (1..n).rev() {
            r.segment(0, i, 1000 + i, false, 0, 1, &[i as u8], &mut |e| {
                if let StreamEvent::Data { bytes, .. } = e {
                    got.extend_from_slice(bytes);
                }
            });
        }
        assert!(got.is_empty());
        assert_eq!(
            r.pending_bytes()[0],
            (n as usize - 1) * (1 + PIECE_OVERHEAD)
        );
        r.segment(0, n, 1000, false, 0, 1, &[0], &mut |e| {
            if let StreamEvent::Data { bytes, .. } = e {
                got.extend_from_slice(bytes);
            }
        });
        let want: Vec<u8> = (0..n).map(|i| i as u8).collect();
        assert_eq!(got, want);
        assert_eq!(r.pending_bytes()[0], 0);
    }

    #[test]
    fn pending_data_is_bounded() {
        let mut r = TcpReassembler::new();
        let chunk = vec![7u8; 64 * 1024];
        r.segment(0, 1, 0, false, 0, 1, b"x", &mut |_| {});
        // Everything arrives beyond a gap that never fills.
        for i in 0..200u32 {
            r.segment(
                0,
                i + 2,
                1_000_000 + i * 65_536,
                false,
                0,
                chunk.len() as u32,
                &chunk,
                &mut |_| {},
            );
            assert!(r.pending_bytes()[0] <= MAX_PENDING + chunk.len());
        }
    }
}
