//! Expert items of a loaded capture, grouped as Wireshark's Expert
//! Information dialog and `tshark -z expert` group them: by severity,
//! group, protocol and summary text, with the frames of each. Only frames
//! whose index row shows an expert item are dissected again.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::expert::{ExpertDef, Group, Severity};
use dissectors::field::{FieldDef, Value};
use dissectors::packet::PacketInfo;
use dissectors::sink::{Presence, Sink, Span};

use super::Snapshot;
use super::frame::{PacketBytes, redissect_reusing};

/// Groups kept at most (a hostile capture could word every summary apart).
pub const MAX_GROUPS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertGroup {
    pub severity: Severity,
    pub group: Group,
    /// The protocol that raised it (its display-filter name's first part).
    pub protocol: String,
    pub summary: String,
    /// Frames with this item, ascending (a frame may hold it twice).
    pub frames: Vec<u32>,
}

/// Collects a frame's expert items and nothing else.
#[derive(Default)]
struct ExpertSink {
    items: Vec<(&'static ExpertDef, String)>,
}

impl Sink for ExpertSink {
    fn wants(&self, _: &'static FieldDef) -> bool {
        false
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn layer(&mut self, _: &'static FieldDef, _: Span, _: fmt::Arguments<'_>) {}
    fn end_layer(&mut self) {}
    fn field(&mut self, _: &'static FieldDef, _: Span, _: Value<'_>, _: Presence) {}
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(&mut self, def: &'static ExpertDef, _: Span, message: fmt::Arguments<'_>) {
        self.items.push((def, message.to_string()));
    }
}

/// Expert groups collected so far, added to as the store grows (a file
/// loading, a live capture): each scan covers only frames not seen yet.
#[derive(Debug, Default)]
pub struct ExpertGroups {
    groups: Vec<ExpertGroup>,
    /// (definition address, summary) → position in `groups`.
    index: HashMap<(usize, String), usize>,
    /// Frames 1..=covered are counted.
    pub covered: usize,
}

impl ExpertGroups {
    /// The groups of the frames at `rows` (0-based index rows: frames
    /// `rows.start + 1 ..= rows.end`) of `snap`; None when `cancel` was set.
    pub fn scan(
        snap: &Snapshot,
        source: &dyn PacketBytes,
        rows: std::ops::Range<usize>,
        cancel: &AtomicBool,
    ) -> Option<ExpertGroups> {
        let rows = rows.start..rows.end.min(snap.index.len());
        let mut out = ExpertGroups {
            covered: rows.end,
            ..ExpertGroups::default()
        };
        let mut sink = ExpertSink::default();
        let mut pi = PacketInfo::default();
        let mut tape = Vec::new();
        for i in rows {
            if i % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
                return None;
            }
            let Some(row) = snap.index.row(i) else {
                break;
            };
            if row.expert.severity().is_none() {
                continue;
            }
            let number = i as u32 + 1;
            sink.items.clear();
            let opts = crate::pass::options(false);
            if !redissect_reusing(snap, source, number, &mut sink, &mut pi, opts, &mut tape) {
                continue;
            }
            for (def, message) in sink.items.drain(..) {
                let key = (def as *const ExpertDef as usize, message);
                if let Some(at) = out.group(key, def) {
                    out.groups[at].frames.push(number);
                }
            }
        }
        Some(out)
    }

    /// The position of the group for `key`, made if new (None past
    /// [`MAX_GROUPS`]).
    fn group(&mut self, key: (usize, String), def: &ExpertDef) -> Option<usize> {
        if let Some(&at) = self.index.get(&key) {
            return Some(at);
        }
        if self.groups.len() >= MAX_GROUPS {
            return None;
        }
        self.groups.push(ExpertGroup {
            severity: def.severity,
            group: def.group,
            protocol: def.name.split('.').next().unwrap_or("").to_string(),
            summary: key.1.clone(),
            frames: Vec::new(),
        });
        self.index.insert(key, self.groups.len() - 1);
        Some(self.groups.len() - 1)
    }

    /// Adds a later scan (its frames all come after ours).
    pub fn merge(&mut self, later: ExpertGroups) {
        let mut by_position: Vec<((usize, String), usize)> = later.index.into_iter().collect();
        by_position.sort_by_key(|(_, at)| *at);
        let mut groups: Vec<Option<ExpertGroup>> = later.groups.into_iter().map(Some).collect();
        for (key, at) in by_position {
            let Some(g) = groups[at].take() else {
                continue;
            };
            let mine = match self.index.get(&key) {
                Some(&i) => Some(i),
                None if self.groups.len() < MAX_GROUPS => {
                    self.groups.push(ExpertGroup {
                        frames: Vec::new(),
                        ..g.clone()
                    });
                    self.index.insert(key, self.groups.len() - 1);
                    Some(self.groups.len() - 1)
                }
                None => None,
            };
            if let Some(i) = mine {
                self.groups[i].frames.extend(g.frames);
            }
        }
        self.covered = self.covered.max(later.covered);
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn groups(&self) -> &[ExpertGroup] {
        &self.groups
    }

    /// Positions in [`ExpertGroups::groups`] as Wireshark lists them: most
    /// severe first, then by count.
    pub fn order(&self) -> Vec<usize> {
        let g = &self.groups;
        let mut v: Vec<usize> = (0..g.len()).collect();
        v.sort_by(|&a, &b| {
            g[b].severity
                .cmp(&g[a].severity)
                .then(g[b].frames.len().cmp(&g[a].frames.len()))
                .then(g[a].summary.cmp(&g[b].summary))
        });
        v
    }

    /// The groups in [`ExpertGroups::order`].
    pub fn sorted(&self) -> Vec<&ExpertGroup> {
        self.order().into_iter().map(|i| &self.groups[i]).collect()
    }
}
