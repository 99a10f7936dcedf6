//! The consumers of one frame's dissection that `packets` may have — the
//! display filter, the `-e` fields, the tree whose data sources `-x`
//! prints, the `-z` statistics — as one sink. Each takes what it wants;
//! a dissector skips what none wants, so with none present the pass runs
//! as with a `NullSink`.

use std::fmt;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Value};
use dissectors::sink::{Presence, Sink, Span};
use dissectors::tree::TreeBuilder;

use super::stats::Statistics;
use super::tshark_fields::FieldPicker;
use crate::filter::FilterSink;

pub struct FrameSinks<'s> {
    filter: Option<&'s mut FilterSink>,
    picker: Option<&'s mut FieldPicker>,
    tree: Option<&'s mut TreeBuilder>,
    stats: Option<&'s mut Statistics>,
    /// The fields the filter and the picker read, one bit each (the
    /// filter's `bit`, so a bit may stand for more than one), when no tree
    /// or statistics take every field: a dissector's call for any other
    /// field returns at once, inlined, instead of asking each consumer.
    /// `-T fields` is a few fields out of the dozens a packet has.
    screen: Option<u64>,
}

impl<'s> FrameSinks<'s> {
    pub fn new(
        filter: Option<&'s mut FilterSink>,
        picker: Option<&'s mut FieldPicker>,
        tree: Option<&'s mut TreeBuilder>,
        stats: Option<&'s mut Statistics>,
    ) -> FrameSinks<'s> {
        let screen = (tree.is_none() && stats.is_none()).then(|| {
            filter.as_deref().map_or(0, FilterSink::wanted_bits)
                | picker.as_deref().map_or(0, FieldPicker::wanted_bits)
        });
        FrameSinks {
            filter,
            picker,
            tree,
            stats,
            screen,
        }
    }

    /// Whether some consumer may take `def` (false: none does).
    #[inline]
    fn may_take(&self, def: &FieldDef) -> bool {
        self.screen.is_none_or(|bits| {
            bits & crate::filter::sink::bit(def as *const FieldDef as usize) != 0
        })
    }
}

/// Calls `$call` on each consumer present.
macro_rules! each {
    ($self:ident, $s:ident => $call:expr) => {{
        if let Some($s) = $self.filter.as_deref_mut() {
            $call;
        }
        if let Some($s) = $self.picker.as_deref_mut() {
            $call;
        }
        if let Some($s) = $self.tree.as_deref_mut() {
            $call;
        }
        if let Some($s) = $self.stats.as_deref_mut() {
            $call;
        }
    }};
}

/// Whether any consumer present answers yes.
macro_rules! any {
    ($self:ident, $s:ident => $test:expr) => {{
        $self.filter.as_deref().is_some_and(|$s| $test)
            || $self.picker.as_deref().is_some_and(|$s| $test)
            || $self.tree.as_deref().is_some_and(|$s| $test)
            || $self.stats.as_deref().is_some_and(|$s| $test)
    }};
}

impl FrameSinks<'_> {
    /// Gives a field to every consumer, out of line.
    #[inline(never)]
    fn each_field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, p: Presence) {
        each!(self, s => s.field(def, span, value, p));
    }
}

impl Sink for FrameSinks<'_> {
    fn wants(&self, def: &'static FieldDef) -> bool {
        any!(self, s => s.wants(def))
    }
    fn wants_payload(&self) -> bool {
        any!(self, s => s.wants_payload())
    }
    fn wants_text(&self) -> bool {
        any!(self, s => s.wants_text())
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, label: fmt::Arguments<'_>) {
        each!(self, s => s.layer(proto, span, label));
    }
    fn end_layer(&mut self) {
        each!(self, s => s.end_layer());
    }
    #[inline]
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, presence: Presence) {
        if self.may_take(def) {
            self.each_field(def, span, value, presence);
        }
    }
    fn field_with_label(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value<'_>,
        presence: Presence,
        label: fmt::Arguments<'_>,
    ) {
        if self.may_take(def) {
            each!(self, s => s.field_with_label(def, span, value, presence, label));
        }
    }
    fn text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        each!(self, s => s.text(span, label));
    }
    fn appended_text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        each!(self, s => s.appended_text(span, label));
    }
    fn push(&mut self) {
        each!(self, s => s.push());
    }
    fn pop(&mut self) {
        each!(self, s => s.pop());
    }
    fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        each!(self, s => s.expert(def, span, message));
    }
    fn exception(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        each!(self, s => s.exception(def, span, message));
    }
    // Handles are the tree's: only the tree gives items back by handle
    // (the others ignore the handle they are given).
    fn layer_handle(&self) -> u32 {
        self.tree.as_deref().map_or(0, Sink::layer_handle)
    }
    fn reenter(&mut self, handle: u32) {
        each!(self, s => s.reenter(handle));
    }
    fn last_handle(&self) -> u32 {
        self.tree.as_deref().map_or(0, Sink::last_handle)
    }
    fn relabel(&mut self, handle: u32, label: fmt::Arguments<'_>) {
        if let Some(t) = self.tree.as_deref_mut() {
            t.relabel(handle, label);
        }
    }
    // Each consumer numbers the sources it is given; the tree's numbers
    // are the ones its spans use.
    fn source(&mut self, name: &str, bytes: &[u8]) -> u16 {
        let filter = self.filter.as_deref_mut().map(|s| s.source(name, bytes));
        let picker = self.picker.as_deref_mut().map(|s| s.source(name, bytes));
        let tree = self.tree.as_deref_mut().map(|s| s.source(name, bytes));
        let stats = self.stats.as_deref_mut().map(|s| s.source(name, bytes));
        tree.or(filter).or(picker).or(stats).unwrap_or(0)
    }
}
