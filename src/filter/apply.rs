//! A filter over a capture, two ways. Over a loaded capture
//! ([`matching_frames`]): every frame dissected again on its own from its
//! bytes and its tape (the analysis' answers the load kept), so the frames
//! split across threads and all cores work. Over a file in one pass
//! ([`in_capture_order`]): what the command line does, analysis included.

use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::analysis::FrameAnswers;
use dissectors::packet::PacketInfo;

use super::DisplayFilter;
use crate::capture::{CaptureFile, Format, Interface, ReadNotes};
use crate::pass::Pass;
use crate::store::Snapshot;
use crate::store::frame::{PacketBytes, redissect_reusing};

/// Reads `file` in order with the full analysis and calls `on_match` with
/// each matching frame's number, columns and analysis answers. Returns
/// the file's interfaces and where reading stopped, if it did.
pub fn in_capture_order(
    file: &CaptureFile,
    filter: &DisplayFilter,
    mut on_match: impl FnMut(u32, &PacketInfo, &FrameAnswers),
) -> (Vec<Interface>, ReadNotes) {
    let mut reader = file.reader();
    let mut pass = Pass::new(true);
    pass.interfaces_described = file.format == Format::Pcapng;
    let mut sink = filter.sink();
    while let Some(rec) = reader.next() {
        pass.take_secrets(&reader.tls_secrets);
        let iface = reader.interfaces.get(rec.interface as usize);
        let data = file.data(rec.offset, rec.caplen);
        sink.clear();
        let number = pass.frames() + 1;
        let (pi, answers) = pass.frame(&rec, iface, data, crate::pass::options(false), &mut sink);
        if filter.matches(&sink, data) {
            on_match(number, pi, answers);
        }
    }
    (reader.interfaces, reader.notes)
}

/// Frames are handed out in blocks this size, so threads finish together.
const BLOCK: u32 = 4096;

/// Numbers (1-based, ascending) of the frames of `snap` in `numbers`
/// that match, or None when `cancel` was set midway. The store only grows,
/// so a capture still loading is filtered a range at a time.
pub fn matching_frames(
    filter: &DisplayFilter,
    snap: &Snapshot,
    source: &(dyn PacketBytes + Sync),
    numbers: RangeInclusive<u32>,
    threads: usize,
    cancel: &AtomicBool,
) -> Option<Vec<u32>> {
    let total = (*numbers.end()).min(snap.index.len() as u32);
    let prefilter = super::prefilter::Prefilter::new(filter, snap);
    let from_index = super::from_index::IndexAnswers::new(filter, snap);
    let next = std::sync::atomic::AtomicU32::new((*numbers.start()).max(1));
    let threads = threads.max(1);
    let mut blocks: Vec<(u32, Vec<u32>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut sink = filter.sink();
                    let mut pi = PacketInfo::default();
                    let mut tape = Vec::new();
                    let mut done = Vec::new();
                    loop {
                        if cancel.load(Ordering::Relaxed) {
                            return done;
                        }
                        let first = next.fetch_add(BLOCK, Ordering::Relaxed);
                        if first > total {
                            return done;
                        }
                        let last = first.saturating_add(BLOCK - 1).min(total);
                        let mut hits = Vec::new();
                        for n in first..=last {
                            let Some(row) = snap.index.row(n as usize - 1) else {
                                continue;
                            };
                            if prefilter.as_ref().is_some_and(|p| !p.may_match(&row)) {
                                continue;
                            }
                            sink.clear();
                            if let Some(ix) = &from_index
                                && ix.fill(&row, snap, &mut sink)
                            {
                                // No protocol's bytes are named: the frame's
                                // own are not needed.
                                if filter.matches(&sink, &[]) {
                                    hits.push(n);
                                }
                                continue;
                            }
                            let opts = crate::pass::options(false);
                            if !redissect_reusing(
                                snap, source, n, &mut sink, &mut pi, opts, &mut tape,
                            ) {
                                continue;
                            }
                            if filter.matches(&sink, source.bytes(row.offset, row.caplen)) {
                                hits.push(n);
                            }
                        }
                        done.push((first, hits));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    blocks.sort_unstable_by_key(|b| b.0);
    Some(blocks.into_iter().flat_map(|b| b.1).collect())
}
