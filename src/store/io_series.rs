//! Packets and bytes per time interval (the IO graph, tshark's
//! `-z io,stat`), counted from the packet index: every packet, or only the
//! frames a display filter matched. Intervals start at the first packet,
//! as tshark's do. Counting is incremental and bounded per call, so the UI
//! thread can keep a series up to date while a file loads or a capture
//! runs without ever spending long on it.

use super::Snapshot;

/// Intervals one series may have. A capture whose timestamps jump years
/// ahead (a damaged or hostile file) would otherwise ask for billions.
pub const MAX_BUCKETS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    pub packets: u64,
    /// Sum of the frames' lengths on the wire (`frame.len`).
    pub bytes: u64,
}

#[derive(Debug, Clone)]
pub struct IoSeries {
    pub interval_ns: i64,
    /// Time of the capture's first packet: interval 0 starts there.
    pub origin_ns: i64,
    pub buckets: Vec<Bucket>,
    /// Packets (or list entries) counted so far.
    counted: usize,
    /// Packets that fell past [`MAX_BUCKETS`] intervals (not counted).
    pub beyond: u64,
}

impl IoSeries {
    /// An empty series with intervals of `interval_ns` (at least 1 µs).
    pub fn new(interval_ns: i64, snap: &Snapshot) -> IoSeries {
        IoSeries {
            interval_ns: interval_ns.max(1_000),
            origin_ns: snap.index.row(0).map_or(0, |r| r.ts_ns),
            buckets: Vec::new(),
            counted: 0,
            beyond: 0,
        }
    }

    /// Packets (or list entries) counted so far.
    pub fn counted(&self) -> usize {
        self.counted
    }

    fn add(&mut self, ts_ns: i64, len: u32) {
        // A packet stamped before the first one counts in the first interval.
        let i = (ts_ns.saturating_sub(self.origin_ns).max(0) / self.interval_ns) as usize;
        if i >= MAX_BUCKETS {
            self.beyond += 1;
            return;
        }
        if i >= self.buckets.len() {
            self.buckets.resize(i + 1, Bucket::default());
        }
        let b = &mut self.buckets[i];
        b.packets += 1;
        b.bytes += u64::from(len);
    }

    /// Counts up to `budget` more packets of `snap`; true when every packet
    /// it holds is counted.
    pub fn add_packets(&mut self, snap: &Snapshot, budget: usize) -> bool {
        let total = snap.index.len();
        let end = total.min(self.counted.saturating_add(budget));
        let chunk_len = super::index::CHUNK;
        while self.counted < end {
            let (c, at) = (self.counted / chunk_len, self.counted % chunk_len);
            let Some(chunk) = snap.index.chunks().get(c) else {
                break;
            };
            let n = (chunk.len() - at).min(end - self.counted);
            for (ts, len) in chunk.ts()[at..at + n]
                .iter()
                .zip(&chunk.orig_lens()[at..at + n])
            {
                self.add(*ts, *len);
            }
            self.counted += n;
        }
        self.counted == total
    }

    /// Counts up to `budget` more of `frames` (ascending frame numbers, a
    /// filter's matches); true when all of them are counted.
    pub fn add_frames(&mut self, snap: &Snapshot, frames: &[u32], budget: usize) -> bool {
        let end = frames.len().min(self.counted.saturating_add(budget));
        for &n in &frames[self.counted.min(end)..end] {
            if let Some(r) = snap.index.row(n as usize - 1) {
                self.add(r.ts_ns, r.orig_len);
            }
        }
        self.counted = end;
        self.counted == frames.len()
    }

    /// Start of interval `i`, in seconds since the first packet.
    pub fn x(&self, i: usize) -> f64 {
        i as f64 * self.interval_ns as f64 / 1e9
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IndexWriter, Row};

    fn snap(rows: &[(i64, u32)]) -> Snapshot {
        let mut w = IndexWriter::new();
        for &(ts_ns, orig_len) in rows {
            w.push(&Row {
                ts_ns,
                orig_len,
                ..Row::default()
            });
        }
        Snapshot {
            index: w.finish(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn packets_fall_in_intervals_from_the_first_packet() {
        let s = snap(&[(5_000, 60), (5_999, 40), (7_000, 100), (4_000, 1)]);
        let mut io = IoSeries::new(1_000, &s);
        assert!(io.add_packets(&s, usize::MAX));
        assert_eq!(io.buckets.len(), 3);
        // The early packet counts in the first interval.
        assert_eq!(
            io.buckets[0],
            Bucket {
                packets: 3,
                bytes: 101
            }
        );
        assert_eq!(io.buckets[1], Bucket::default());
        assert_eq!(
            io.buckets[2],
            Bucket {
                packets: 1,
                bytes: 100
            }
        );
    }

    #[test]
    fn counting_in_small_steps_gives_the_same_series() {
        let rows: Vec<(i64, u32)> = (0..200_000)
            .map(|i| (i * 37_000, (i % 1500) as u32))
            .collect();
        let s = snap(&rows);
        let mut whole = IoSeries::new(1_000_000, &s);
        assert!(whole.add_packets(&s, usize::MAX));
        let mut steps = IoSeries::new(1_000_000, &s);
        while !steps.add_packets(&s, 7_777) {}
        assert_eq!(steps.buckets, whole.buckets);
        let frames: Vec<u32> = (1..=200_000).step_by(3).collect();
        let mut some = IoSeries::new(1_000_000, &s);
        while !some.add_frames(&s, &frames, 1_000) {}
        let total: u64 = some.buckets.iter().map(|b| b.packets).sum();
        assert_eq!(total, frames.len() as u64);
    }

    #[test]
    fn a_timestamp_years_ahead_does_not_allocate_without_bound() {
        let s = snap(&[(0, 60), (i64::MAX, 60), (3_000, 60)]);
        let mut io = IoSeries::new(1_000, &s);
        assert!(io.add_packets(&s, usize::MAX));
        assert_eq!(io.buckets.len(), 4);
        assert_eq!(io.beyond, 1);
    }
}
