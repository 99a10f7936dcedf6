//! A TCP conversation's chart series from its records: RTT, calculated
//! window, bytes in flight, sequence numbers and throughput. One
//! definition for `wirelens tcp --series` and the app's charts, so what
//! the charts draw is what the command line prints (and tests hold
//! against tshark's fields).

use super::Snapshot;
use super::tcp::TcpRecord;

/// The segments of TCP stream `stream`, in capture order (one pass over
/// the TCP records: a few milliseconds for millions).
pub fn stream_records(snap: &Snapshot, stream: u32) -> Vec<TcpRecord> {
    snap.tcp_records
        .iter()
        .filter(|r| r.stream == stream)
        .copied()
        .collect()
}

/// One conversation's segments as a view holds them, kept up to date while
/// a live capture's store grows: each update reads only the records the
/// store gained since the last one.
pub struct StreamRecords {
    pub stream: u32,
    pub records: std::sync::Arc<Vec<TcpRecord>>,
    /// How many of the store's records have been read.
    scanned: usize,
}

impl StreamRecords {
    pub fn new(snap: &Snapshot, stream: u32) -> StreamRecords {
        StreamRecords {
            stream,
            records: std::sync::Arc::new(stream_records(snap, stream)),
            scanned: snap.tcp_records.len(),
        }
    }

    /// Takes in what `snap` holds beyond what was read; true when the
    /// conversation gained segments.
    pub fn update(&mut self, snap: &Snapshot) -> bool {
        let total = snap.tcp_records.len();
        if total <= self.scanned {
            return false;
        }
        let stream = self.stream;
        let new: Vec<TcpRecord> = snap
            .tcp_records
            .iter_from(self.scanned)
            .filter(|r| r.stream == stream)
            .copied()
            .collect();
        self.scanned = total;
        if new.is_empty() {
            return false;
        }
        std::sync::Arc::make_mut(&mut self.records).extend(new);
        true
    }
}

/// One point: when (seconds since the capture's first packet), which
/// frame, which direction sent it (0: A, 1: B), and the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub time: f64,
    pub frame: u32,
    pub dir: u8,
    pub value: f64,
}

/// Seconds from nanoseconds, to the nanosecond (printed without float
/// noise: 0.1, not 0.10000000000000001).
pub fn secs(ns: i64) -> f64 {
    (ns as f64 / 1e9 * 1e9).round() / 1e9
}

fn point(r: &TcpRecord, start_ns: i64, value: f64) -> Point {
    Point {
        time: secs(r.ts_ns.saturating_sub(start_ns)),
        frame: r.frame,
        dir: r.dir,
        value,
    }
}

/// RTT in seconds, on the segments that acknowledge data.
pub fn rtt(recs: &[TcpRecord], start_ns: i64) -> Vec<Point> {
    recs.iter()
        .filter(|r| r.rtt_ns >= 0)
        .map(|r| point(r, start_ns, r.rtt_ns as f64 / 1e9))
        .collect()
}

/// The calculated (scaled) window each segment advertises.
pub fn window(recs: &[TcpRecord], start_ns: i64) -> Vec<Point> {
    recs.iter()
        .map(|r| point(r, start_ns, f64::from(r.win)))
        .collect()
}

/// Bytes in flight after each segment, where known.
pub fn in_flight(recs: &[TcpRecord], start_ns: i64) -> Vec<Point> {
    recs.iter()
        .filter(|r| r.in_flight != TcpRecord::NONE)
        .map(|r| point(r, start_ns, f64::from(r.in_flight)))
        .collect()
}

/// Relative sequence number of each segment (the Stevens graph).
pub fn seq(recs: &[TcpRecord], start_ns: i64) -> Vec<Point> {
    recs.iter()
        .map(|r| point(r, start_ns, f64::from(r.seq)))
        .collect()
}

/// Payload bytes per interval and direction, intervals counted from the
/// conversation's first segment: (interval start in seconds since the
/// capture's first packet, direction, bytes), in time order, A before B.
pub fn throughput(recs: &[TcpRecord], start_ns: i64, interval_ns: i64) -> Vec<(f64, u8, u64)> {
    let items = recs.iter().map(|r| (r.ts_ns, r.dir, u64::from(r.len)));
    bins(items, start_ns, interval_ns)
}

/// Bytes per interval and direction of `(time ns, direction, bytes)` items
/// in time order, intervals counted from the first item's time: (interval
/// start in seconds since `start_ns`, direction, bytes), A before B.
pub fn bins(
    items: impl Iterator<Item = (i64, u8, u64)>,
    start_ns: i64,
    interval_ns: i64,
) -> Vec<(f64, u8, u64)> {
    let step = interval_ns.max(1);
    let mut first = None;
    let mut bins: std::collections::BTreeMap<(i64, u8), u64> = std::collections::BTreeMap::new();
    for (ts, dir, bytes) in items {
        let first = *first.get_or_insert(ts);
        let bin = ts.saturating_sub(first).div_euclid(step);
        *bins.entry((bin, dir)).or_default() += bytes;
    }
    let first = first.unwrap_or(start_ns);
    bins.into_iter()
        .map(|((bin, d), bytes)| {
            let t = first.saturating_add(bin.saturating_mul(step)) - start_ns;
            (secs(t), d, bytes)
        })
        .collect()
}
