//! IPv4 and IPv6 fragment reassembly, bounded in time and memory.
//!
//! - Each fragment costs O(log n) in the number of its datagram's
//!   fragments: the bytes covered so far are kept as merged intervals, so a
//!   datagram is known complete without re-sorting its pieces; they are
//!   put in order once, when it completes.
//! - At most [`MAX_PENDING`] datagrams and [`MAX_HELD_BYTES`] bytes wait for
//!   their missing pieces (the oldest give way), and a datagram keeps at
//!   most [`MAX_PARTS`] fragments: past that a fragment is refused, which
//!   the dissector reports as a reassembly error.
//! - A fragment with the offset and length of one already kept adds
//!   nothing (the first received wins) and is not kept again.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::IpAddr;

use crate::packet::{FragOutcome, FragRefusal, Fragment};

pub const MAX_PENDING: usize = 4096;
pub const MAX_HELD_BYTES: usize = 64 << 20;
pub use crate::packet::MAX_FRAGMENTS as MAX_PARTS;
/// No datagram is larger (IPv4's and IPv6's length fields are 16 bits).
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    v6: bool,
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    protocol: u8,
}

/// A reassembled payload and, per contributing frame, how many bytes it gave.
type Assembled = (Vec<u8>, Vec<(u32, u32)>);

/// One fragment kept: where it goes, its bytes, its frame.
#[derive(Debug)]
struct Part {
    offset: u32,
    bytes: Vec<u8>,
    frame: u32,
}

#[derive(Debug, Default)]
struct Pending {
    /// In arrival order.
    parts: Vec<Part>,
    /// (offset, length) of every part, to skip exact repeats.
    seen: HashSet<(u32, u32)>,
    /// Bytes covered so far, as disjoint intervals: start → end.
    covered: BTreeMap<u32, u32>,
    total: Option<u32>,
    held: usize,
    /// Which admission to the table this is (an evicted key may come back).
    generation: u64,
}

impl Pending {
    /// Adds `[start, end)` to the covered intervals, merging neighbours.
    fn cover(&mut self, mut start: u32, mut end: u32) {
        if start >= end {
            return;
        }
        // An interval that starts before and reaches `start` absorbs it.
        if let Some((&s, &e)) = self.covered.range(..=start).next_back()
            && e >= start
        {
            start = s;
            end = end.max(e);
        }
        // Every interval starting inside [start, end] is absorbed.
        let inside: Vec<(u32, u32)> = self
            .covered
            .range(start..=end)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in inside {
            self.covered.remove(&s);
            end = end.max(e);
        }
        self.covered.insert(start, end);
    }

    fn complete(&self) -> bool {
        let Some(total) = self.total else {
            return false;
        };
        matches!(self.covered.iter().next(), Some((&0, &e)) if e >= total)
    }

    /// The datagram's payload, every byte from 0 to the end being present.
    /// Parts are laid down by offset (ties in arrival order); where they
    /// overlap, the part laid down first keeps its bytes.
    fn assemble(mut self) -> Option<Assembled> {
        let total = self.total?;
        self.parts.sort_by_key(|p| p.offset);
        let mut out = vec![0u8; total as usize];
        let mut covered = 0u32;
        let mut frames = Vec::new();
        for p in &self.parts {
            if p.offset > covered {
                return None;
            }
            let end = (p.offset + p.bytes.len() as u32).min(total);
            if end > covered {
                let from = (covered - p.offset) as usize;
                out[covered as usize..end as usize]
                    .copy_from_slice(&p.bytes[from..from + (end - covered) as usize]);
                frames.push((p.frame, end - covered));
                covered = end;
            }
        }
        (covered >= total).then_some((out, frames))
    }
}

#[derive(Debug, Default)]
pub struct IpReassembler {
    pending: HashMap<Key, Pending>,
    /// Admissions in order, oldest first; an entry whose generation is no
    /// longer the key's is stale (completed or evicted since) and skipped.
    order: VecDeque<(Key, u64)>,
    generations: u64,
    held: usize,
}

impl IpReassembler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fragment(&mut self, f: &Fragment<'_>) -> FragOutcome {
        let key = Key {
            v6: f.v6,
            src: f.src,
            dst: f.dst,
            id: f.id,
            protocol: if f.v6 { 0 } else { f.protocol },
        };
        let len = f.payload.len();
        let end = f.offset.saturating_add(len as u32);
        if end > MAX_DATAGRAM {
            return FragOutcome::Refused(FragRefusal::TooLong);
        }
        if !self.pending.contains_key(&key) {
            self.admit(key, len);
        }
        let Some(p) = self.pending.get_mut(&key) else {
            return FragOutcome::Pending;
        };
        if !f.more {
            p.total = Some(end);
        }
        if p.seen.insert((f.offset, len as u32)) {
            if p.parts.len() >= MAX_PARTS {
                return FragOutcome::Refused(FragRefusal::TooManyFragments);
            }
            p.parts.push(Part {
                offset: f.offset,
                bytes: f.payload.to_vec(),
                frame: f.frame,
            });
            p.cover(f.offset, end);
            p.held += len;
            self.held += len;
        }
        if !p.complete() {
            return FragOutcome::Pending;
        }
        let Some(p) = self.pending.remove(&key) else {
            return FragOutcome::Pending;
        };
        self.held -= p.held;
        match p.assemble() {
            Some((payload, frames)) => FragOutcome::Complete { payload, frames },
            None => FragOutcome::Pending,
        }
    }

    /// Makes room for a new datagram (the oldest waiting ones give way)
    /// and enters it.
    fn admit(&mut self, key: Key, len: usize) {
        while self.pending.len() >= MAX_PENDING || self.held + len > MAX_HELD_BYTES {
            let Some((old, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .pending
                .get(&old)
                .is_some_and(|p| p.generation == generation)
                && let Some(p) = self.pending.remove(&old)
            {
                self.held -= p.held;
            }
        }
        self.generations += 1;
        let generation = self.generations;
        self.pending.insert(
            key,
            Pending {
                generation,
                ..Default::default()
            },
        );
        self.order.push_back((key, generation));
        // Stale entries (datagrams completed since) are dropped from the
        // front, so the queue stays near the table's size.
        while let Some((k, g)) = self.order.front() {
            if self.pending.get(k).is_some_and(|p| p.generation == *g) {
                break;
            }
            self.order.pop_front();
        }
    }

    /// Bytes held by datagrams waiting for pieces.
    pub fn held_bytes(&self) -> usize {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn frag(frame: u32, offset: u32, more: bool, payload: &[u8]) -> Fragment<'_> {
        Fragment {
            frame,
            v6: false,
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            id: 7,
            protocol: 17,
            offset,
            more,
            payload,
        }
    }

    #[test]
    fn out_of_order_fragments_complete_on_the_last_piece() {
        let mut r = IpReassembler::new();
        assert!(matches!(
            r.fragment(&frag(1, 8, false, b"world!!!")),
            FragOutcome::Pending
        ));
        match r.fragment(&frag(2, 0, true, b"hello, ")) {
            FragOutcome::Pending => {}
            other => panic!("{other:?}"),
        }
        match r.fragment(&frag(3, 7, true, b"_")) {
            FragOutcome::Complete { payload, frames } => {
                assert_eq!(payload, b"hello, _world!!!");
                assert_eq!(frames, vec![(2, 7), (3, 1), (1, 8)]);
            }
            other => panic!("{other:?}"),
        }
        assert!(r.pending.is_empty() && r.held == 0);
    }

    #[test]
    fn overlaps_go_to_the_lower_offset_then_to_the_first_received() {
        let mut r = IpReassembler::new();
        r.fragment(&frag(1, 4, true, b"BBBB"));
        r.fragment(&frag(2, 0, true, b"AAAAAA"));
        r.fragment(&frag(3, 0, true, b"CCCCCCCC"));
        match r.fragment(&frag(4, 8, false, b"DD")) {
            FragOutcome::Complete { payload, frames } => {
                assert_eq!(payload, b"AAAAAACCDD");
                assert_eq!(frames, vec![(2, 6), (3, 2), (4, 2)]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn endless_distinct_fragments_stay_bounded() {
        let mut r = IpReassembler::new();
        let data = [0u8; 1000];
        for i in 0..(MAX_PENDING as u32 * 3) {
            let mut f = frag(i, 0, true, &data);
            f.id = i;
            r.fragment(&f);
        }
        assert!(r.pending.len() <= MAX_PENDING);
        assert!(r.held <= MAX_HELD_BYTES);
        assert!(r.order.len() <= MAX_PENDING);
    }

    #[test]
    fn repeats_are_kept_once_and_a_datagram_missing_its_start_never_completes() {
        let mut r = IpReassembler::new();
        let data = [0u8; 8];
        for round in 0..3u32 {
            for slot in 1..8190u32 {
                let out = r.fragment(&frag(round * 10_000 + slot, slot * 8, slot != 8189, &data));
                assert!(matches!(out, FragOutcome::Pending));
            }
        }
        let p = r.pending.values().next().unwrap();
        assert_eq!(p.parts.len(), 8189);
        assert_eq!(p.covered.len(), 1);
        assert_eq!(r.held, 8189 * 8);
    }

    #[test]
    fn too_many_different_fragments_are_refused() {
        let mut r = IpReassembler::new();
        let mut refused = 0;
        for i in 0..(MAX_PARTS as u32 + 10) {
            // Lengths differ so none repeats another.
            let len = 1 + (i as usize % 7);
            let data = vec![0u8; len];
            let off = 8 + (i % 8000) * 8;
            if let FragOutcome::Refused(FragRefusal::TooManyFragments) =
                r.fragment(&frag(i, off, true, &data[..len]))
            {
                refused += 1;
            }
        }
        assert!(refused > 0);
        assert!(r.pending.values().all(|p| p.parts.len() <= MAX_PARTS));
    }
}
