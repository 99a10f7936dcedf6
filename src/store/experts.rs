//! Expert items of a loaded capture, grouped as Wireshark's Expert
//! Information dialog and `tshark -z expert` group them: by severity,
//! group, protocol and summary text, with the frames of each. Only frames
//! whose index row shows an expert item are dissected again.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use dissectors::expert::{ExpertDef, Group, Severity};
use dissectors::field::{FieldDef, Value};
use dissectors::packet::{Options, PacketInfo};
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
    fn field_with_label(
        &mut self,
        _: &'static FieldDef,
        _: Span,
        _: Value<'_>,
        _: Presence,
        _: fmt::Arguments<'_>,
    ) {
    }
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(&mut self, def: &'static ExpertDef, _: Span, message: fmt::Arguments<'_>) {
        self.items.push((def, message.to_string()));
    }
}

/// The expert groups of `snap`, ordered as Wireshark
/// lists them: most severe first, then by count. None when `cancel` was set.
pub fn expert_groups(
    snap: &Snapshot,
    source: &dyn PacketBytes,
    cancel: &AtomicBool,
) -> Option<Vec<ExpertGroup>> {
    let mut index: HashMap<(usize, String), usize> = HashMap::new();
    let mut groups: Vec<ExpertGroup> = Vec::new();
    let mut sink = ExpertSink::default();
    let mut pi = PacketInfo::default();
    let mut tape = Vec::new();
    for i in 0..snap.index.len() {
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
        let opts = Options { columns: false };
        if !redissect_reusing(snap, source, number, &mut sink, &mut pi, opts, &mut tape) {
            continue;
        }
        for (def, message) in sink.items.drain(..) {
            let key = (def as *const ExpertDef as usize, message);
            let at = match index.get(&key) {
                Some(&at) => at,
                None if groups.len() < MAX_GROUPS => {
                    groups.push(ExpertGroup {
                        severity: def.severity,
                        group: def.group,
                        protocol: def.name.split('.').next().unwrap_or("").to_string(),
                        summary: key.1.clone(),
                        frames: Vec::new(),
                    });
                    index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
                None => continue,
            };
            groups[at].frames.push(number);
        }
    }
    groups.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.frames.len().cmp(&a.frames.len()))
            .then(a.summary.cmp(&b.summary))
    });
    Some(groups)
}
