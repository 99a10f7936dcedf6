//! The packet list sorted by a column, as a click on its header asks
//! (ascending, then descending, then capture order again, as in Wireshark).
//!
//! No., Time and Length come from the index; Source, Destination, Protocol
//! and Info need every shown frame dissected again, so the order is worked
//! out on a thread of its own and the list keeps its old order meanwhile.
//! Ties keep capture order. Text columns compare as text, as Wireshark's
//! list does for them.

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use dissectors::packet::PacketInfo;
use dissectors::sink::NullSink;
use eframe::egui;

use super::field_columns::FieldColumnSink;
use super::job::Job;
use crate::capture::CaptureFile;
use crate::settings::{FieldColumn, TimeFormat};
use crate::store::Snapshot;
use crate::store::frame::redissect;

/// The packet list's columns, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListColumn {
    No,
    Time,
    Source,
    Destination,
    Protocol,
    Length,
    Info,
    /// The values of a field: the settings' field column with this index.
    Field(u8),
}

impl ListColumn {
    pub const ALL: [ListColumn; 7] = [
        ListColumn::No,
        ListColumn::Time,
        ListColumn::Source,
        ListColumn::Destination,
        ListColumn::Protocol,
        ListColumn::Length,
        ListColumn::Info,
    ];

    /// The header of a built-in column (field columns have their own).
    pub fn title(self) -> &'static str {
        match self {
            ListColumn::No => "No.",
            ListColumn::Time => "Time",
            ListColumn::Source => "Source",
            ListColumn::Destination => "Destination",
            ListColumn::Protocol => "Protocol",
            ListColumn::Length => "Length",
            ListColumn::Info => "Info",
            ListColumn::Field(_) => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: ListColumn,
    pub descending: bool,
    /// Time sorts by what the column shows (Delta differs from the others).
    pub time: TimeFormat,
}

/// The rows in sorted order and, for each frame, its row.
pub struct SortedRows {
    pub key: SortKey,
    /// Frame numbers in the order shown.
    pub frames: Arc<Vec<u32>>,
    /// Row of frame n at `rank[n - 1]` (`u32::MAX`: not shown).
    rank: Vec<u32>,
}

impl SortedRows {
    pub fn row_of(&self, frame: u32) -> Option<usize> {
        let r = *self.rank.get((frame as usize).checked_sub(1)?)?;
        (r != u32::MAX).then_some(r as usize)
    }
}

/// The row of frame `n` in the packet list: in `sorted` when the list is
/// sorted, else in `order` (a display filter's frames, in capture order),
/// else among all frames. Err: not shown (with where it would go in
/// capture order, or 0 when sorted).
pub fn row_in(sorted: Option<&SortedRows>, order: Option<&[u32]>, n: u32) -> Result<usize, usize> {
    match (sorted, order) {
        (Some(s), _) => s.row_of(n).ok_or(0),
        (None, Some(d)) => d.binary_search(&n),
        (None, None) => Ok(n.saturating_sub(1) as usize),
    }
}

/// The sort the user chose, its result, and the work towards the next one.
#[derive(Default)]
pub struct ListSort {
    pub key: Option<SortKey>,
    pub sorted: Option<SortedRows>,
    /// What `sorted` (or the job) was made from: the shown frames' count
    /// and the key.
    made_for: Option<(usize, SortKey)>,
    job: Option<Job<SortedRows>>,
}

impl ListSort {
    /// A click on `column`'s header: ascending, descending, then none.
    pub fn clicked(&mut self, column: ListColumn, time: TimeFormat) {
        self.key = match self.key {
            Some(k) if k.column == column && !k.descending => Some(SortKey {
                descending: true,
                ..k
            }),
            Some(k) if k.column == column => None,
            _ => Some(SortKey {
                column,
                descending: false,
                time,
            }),
        };
        if self.key.is_none() {
            self.sorted = None;
            self.job = None;
            self.made_for = None;
        }
    }

    /// Back to capture order (the columns changed under the sort).
    pub fn reset(&mut self) {
        *self = ListSort::default();
    }

    /// Whether a sort is asked for but not ready yet.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Starts the sort when the key or the shown frames changed, and takes
    /// in a finished one. `shown`: the frames a filter lets through (None:
    /// every frame).
    pub fn update(
        &mut self,
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        shown: Option<Arc<Vec<u32>>>,
        fields: &[FieldColumn],
        ctx: &egui::Context,
    ) {
        if let Some(job) = &self.job
            && let Some(done) = job.take()
        {
            self.job = None;
            self.sorted = Some(done);
        }
        let Some(key) = self.key else {
            return;
        };
        let count = shown.as_ref().map_or(snap.index.len(), |s| s.len());
        if self.made_for == Some((count, key)) {
            return;
        }
        // A live capture grows while a sort runs: the next one starts when
        // this one is done.
        if self.job.is_some() && self.made_for.is_some_and(|(_, k)| k == key) {
            return;
        }
        // What was sorted stays shown while the next sort runs if the
        // shown frames only grew (a live capture); otherwise (a new filter)
        // it would show frames no longer there.
        if self.sorted.as_ref().is_some_and(|s| s.frames.len() > count) {
            self.sorted = None;
        }
        self.made_for = Some((count, key));
        let (snap, file) = (snap.clone(), file.clone());
        let fields = fields.to_vec();
        self.job = Job::spawn("sort packet list", ctx, move |cancel| {
            sort(
                &snap,
                &file,
                shown.as_ref().map(|s| s.as_slice()),
                key,
                &fields,
                cancel,
            )
        });
    }

    /// The rows as sorted, when the sort is ready.
    pub fn rows(&self) -> Option<&SortedRows> {
        self.sorted.as_ref().filter(|s| Some(s.key) == self.key)
    }
}

/// Sorts `shown` (or every frame) by `key`; None when cancelled.
pub fn sort(
    snap: &Snapshot,
    file: &CaptureFile,
    shown: Option<&[u32]>,
    key: SortKey,
    fields: &[FieldColumn],
    cancel: &AtomicBool,
) -> Option<SortedRows> {
    let mut frames: Vec<u32> = match shown {
        Some(s) => s.to_vec(),
        None => (1..=snap.index.len() as u32).collect(),
    };
    let ts = |n: u32| snap.index.row(n as usize - 1).map_or(0, |r| r.ts_ns);
    let stop = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    // Ties keep capture order in both directions.
    let dir = |o: Ordering| if key.descending { o.reverse() } else { o };
    let by_number = |key_of: &dyn Fn(u32) -> i64, frames: &mut Vec<u32>| {
        frames.sort_by(|&a, &b| dir(key_of(a).cmp(&key_of(b))).then(a.cmp(&b)))
    };
    match key.column {
        ListColumn::No => by_number(&|n| i64::from(n), &mut frames),
        ListColumn::Length => by_number(
            &|n| {
                snap.index
                    .row(n as usize - 1)
                    .map_or(0, |r| i64::from(r.orig_len))
            },
            &mut frames,
        ),
        // Delta: from the previous captured frame, as the column shows it.
        ListColumn::Time if key.time == TimeFormat::Delta => by_number(
            &|n| ts(n) - if n > 1 { ts(n - 1) } else { ts(n) },
            &mut frames,
        ),
        ListColumn::Time => by_number(&ts, &mut frames),
        ListColumn::Source | ListColumn::Destination | ListColumn::Protocol | ListColumn::Info => {
            let mut pi = PacketInfo::default();
            let mut keyed: Vec<(String, u32)> = Vec::with_capacity(frames.len());
            for (i, &n) in frames.iter().enumerate() {
                if i % 4096 == 0 && stop() {
                    return None;
                }
                let text = if redissect(snap, file, n, &mut NullSink, &mut pi) {
                    match key.column {
                        ListColumn::Source => pi.src.to_string(),
                        ListColumn::Destination => pi.dst.to_string(),
                        ListColumn::Protocol => pi.protocol.to_string(),
                        _ => std::mem::take(&mut pi.info),
                    }
                } else {
                    String::new()
                };
                keyed.push((text, n));
            }
            keyed.sort_by(|a, b| dir(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
            frames = keyed.into_iter().map(|(_, n)| n).collect();
        }
        // By the first value when the field is a number (so 9 < 10), else
        // as the cell reads; frames without the field first.
        ListColumn::Field(i) => {
            let column = fields.get(usize::from(i)).cloned();
            let mut sink = FieldColumnSink::new(column.as_slice());
            let mut pi = PacketInfo::default();
            let mut keyed: Vec<(Option<f64>, String, u32)> = Vec::with_capacity(frames.len());
            for (i, &n) in frames.iter().enumerate() {
                if i % 4096 == 0 && stop() {
                    return None;
                }
                sink.clear();
                if !sink.is_empty() && redissect(snap, file, n, &mut sink, &mut pi) {
                    keyed.push((sink.numbers[0], std::mem::take(&mut sink.texts[0]), n));
                } else {
                    keyed.push((None, String::new(), n));
                }
            }
            let value =
                |a: &(Option<f64>, String, u32), b: &(Option<f64>, String, u32)| match (a.0, b.0) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    _ => (a.0.is_some(), &a.1).cmp(&(b.0.is_some(), &b.1)),
                };
            keyed.sort_by(|a, b| dir(value(a, b)).then(a.2.cmp(&b.2)));
            frames = keyed.into_iter().map(|(_, _, n)| n).collect();
        }
    }
    if stop() {
        return None;
    }
    let mut rank = vec![u32::MAX; snap.index.len()];
    for (row, &n) in frames.iter().enumerate() {
        if let Some(r) = rank.get_mut(n as usize - 1) {
            *r = row as u32;
        }
    }
    Some(SortedRows {
        key,
        frames: Arc::new(frames),
        rank,
    })
}
