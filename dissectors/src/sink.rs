//! The one interface every dissector writes to. A dissector walks its bytes
//! once and reports layers, fields, text lines and expert items to a [`Sink`];
//! what happens to them depends on the sink: the details tree keeps them all,
//! a display filter keeps the few fields it tests, the indexer keeps nothing.
//! Dissectors are generic over the sink, so the indexer's [`NullSink`]
//! compiles the reporting away.

use std::fmt;
use std::ops::Range;

use crate::expert::ExpertDef;
use crate::field::{FieldDef, Value};

/// Where a field's bytes are: a byte range in a data source. Source 0 is the
/// frame; reassembled or decoded buffers are added with [`Sink::source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub source: u16,
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub const EMPTY: Span = Span {
        source: 0,
        start: 0,
        len: 0,
    };

    pub fn new(start: usize, len: usize) -> Span {
        Span {
            source: 0,
            start: start as u32,
            len: len as u32,
        }
    }
    pub fn in_source(source: u16, start: usize, len: usize) -> Span {
        Span {
            source,
            start: start as u32,
            len: len as u32,
        }
    }
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end()
    }
    pub fn end(&self) -> usize {
        self.start as usize + self.len as usize
    }
    /// A sub-range `off..off+len` of this span, in the same source.
    pub fn sub(&self, off: usize, len: usize) -> Span {
        Span {
            source: self.source,
            start: self.start + off as u32,
            len: len as u32,
        }
    }
}

/// How an item appears in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Read from the packet's bytes.
    Normal,
    /// Computed by the dissector (shown in brackets, like Wireshark's `[Stream index: 0]`).
    Generated,
    /// Filterable but not shown (`ip.addr`, `tcp.port`).
    Hidden,
}

pub trait Sink {
    /// Whether the sink uses this field: lets a dissector skip work (decoding a
    /// compressed name, say) that no one reads.
    fn wants(&self, _def: &'static FieldDef) -> bool {
        true
    }
    /// Whether the protocols above TCP and UDP are used at all (a display
    /// filter on addresses and ports needs none of them).
    fn wants_payload(&self) -> bool {
        true
    }
    /// Whether labels and text lines are used at all.
    fn wants_text(&self) -> bool {
        true
    }
    /// A protocol layer begins; later items are its children until [`Sink::end_layer`].
    fn layer(&mut self, proto: &'static FieldDef, span: Span, label: fmt::Arguments<'_>);
    fn end_layer(&mut self);
    /// A field with the standard label (`Title: value`).
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, presence: Presence);
    /// A field with its own label text (a sink that keeps no labels takes
    /// it as a field).
    fn field_with_label(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value<'_>,
        presence: Presence,
        _label: fmt::Arguments<'_>,
    ) {
        self.field(def, span, value, presence);
    }
    /// A line of text with no filter name.
    fn text(&mut self, span: Span, label: fmt::Arguments<'_>);
    /// A line of text Wireshark builds by appending to it, whose long
    /// labels it cuts without a mark.
    fn appended_text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        self.text(span, label);
    }
    /// Make the last item the parent of the items that follow, until [`Sink::pop`].
    fn push(&mut self);
    fn pop(&mut self);
    fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>);
    /// An exception in Wireshark's terms (a layer ran out of bytes): an
    /// expert item that belongs to the packet rather than to the layer
    /// being dissected, where Wireshark's tree shows it.
    fn exception(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        self.expert(def, span, message);
    }
    /// A handle to the layer begun last, to add items to it after it ended
    /// (Ethernet's trailer is only known once the payload has been dissected).
    fn layer_handle(&self) -> u32 {
        0
    }
    /// Make a layer from [`Sink::layer_handle`] the parent again, until [`Sink::pop`].
    fn reenter(&mut self, _handle: u32) {}
    /// A handle to the item added last.
    fn last_handle(&self) -> u32 {
        0
    }
    /// Gives an item its label once what it contains is known (a TLS
    /// record's title names the version its ServerHello settles on).
    fn relabel(&mut self, _handle: u32, _label: fmt::Arguments<'_>) {}
    /// Adds a data source (reassembled payload, decompressed body) and returns its id.
    fn source(&mut self, _name: &str, _bytes: &[u8]) -> u16 {
        0
    }
}

/// Keeps nothing; the indexer dissects with it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl Sink for NullSink {
    #[inline(always)]
    fn wants(&self, _def: &'static FieldDef) -> bool {
        false
    }
    #[inline(always)]
    fn wants_text(&self) -> bool {
        false
    }
    #[inline(always)]
    fn layer(&mut self, _: &'static FieldDef, _: Span, _: fmt::Arguments<'_>) {}
    #[inline(always)]
    fn end_layer(&mut self) {}
    #[inline(always)]
    fn field(&mut self, _: &'static FieldDef, _: Span, _: Value<'_>, _: Presence) {}
    #[inline(always)]
    fn field_with_label(
        &mut self,
        _: &'static FieldDef,
        _: Span,
        _: Value<'_>,
        _: Presence,
        _: fmt::Arguments<'_>,
    ) {
    }
    #[inline(always)]
    fn text(&mut self, _: Span, _: fmt::Arguments<'_>) {}
    #[inline(always)]
    fn push(&mut self) {}
    #[inline(always)]
    fn pop(&mut self) {}
    #[inline(always)]
    fn expert(&mut self, _: &'static ExpertDef, _: Span, _: fmt::Arguments<'_>) {}
}

/// A sink that may be absent: when it is, it wants nothing.
impl<S: Sink> Sink for Option<S> {
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.as_ref().is_some_and(|s| s.wants(def))
    }
    fn wants_payload(&self) -> bool {
        self.as_ref().is_some_and(S::wants_payload)
    }
    fn wants_text(&self) -> bool {
        self.as_ref().is_some_and(S::wants_text)
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, label: fmt::Arguments<'_>) {
        if let Some(s) = self {
            s.layer(proto, span, label);
        }
    }
    fn end_layer(&mut self) {
        if let Some(s) = self {
            s.end_layer();
        }
    }
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, presence: Presence) {
        if let Some(s) = self {
            s.field(def, span, value, presence);
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
        if let Some(s) = self {
            s.field_with_label(def, span, value, presence, label);
        }
    }
    fn text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        if let Some(s) = self {
            s.text(span, label);
        }
    }
    fn appended_text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        if let Some(s) = self {
            s.appended_text(span, label);
        }
    }
    fn push(&mut self) {
        if let Some(s) = self {
            s.push();
        }
    }
    fn pop(&mut self) {
        if let Some(s) = self {
            s.pop();
        }
    }
    fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        if let Some(s) = self {
            s.expert(def, span, message);
        }
    }
    fn exception(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        if let Some(s) = self {
            s.exception(def, span, message);
        }
    }
    fn layer_handle(&self) -> u32 {
        self.as_ref().map_or(0, S::layer_handle)
    }
    fn last_handle(&self) -> u32 {
        self.as_ref().map_or(0, S::last_handle)
    }
    fn reenter(&mut self, handle: u32) {
        if let Some(s) = self {
            s.reenter(handle);
        }
    }
    fn relabel(&mut self, handle: u32, label: fmt::Arguments<'_>) {
        if let Some(s) = self {
            s.relabel(handle, label);
        }
    }
    fn source(&mut self, name: &str, bytes: &[u8]) -> u16 {
        self.as_mut().map_or(0, |s| s.source(name, bytes))
    }
}

/// Two sinks fed by one dissection (a display filter and the fields a
/// command prints): each sees every item either of them wants. Handles are
/// the first sink's.
pub struct Tee<'s, A: Sink, B: Sink>(pub &'s mut A, pub &'s mut B);

impl<A: Sink, B: Sink> Sink for Tee<'_, A, B> {
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.0.wants(def) || self.1.wants(def)
    }
    fn wants_payload(&self) -> bool {
        self.0.wants_payload() || self.1.wants_payload()
    }
    fn wants_text(&self) -> bool {
        self.0.wants_text() || self.1.wants_text()
    }
    fn layer(&mut self, proto: &'static FieldDef, span: Span, label: fmt::Arguments<'_>) {
        self.0.layer(proto, span, label);
        self.1.layer(proto, span, label);
    }
    fn end_layer(&mut self) {
        self.0.end_layer();
        self.1.end_layer();
    }
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, presence: Presence) {
        self.0.field(def, span, value, presence);
        self.1.field(def, span, value, presence);
    }
    fn field_with_label(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value<'_>,
        presence: Presence,
        label: fmt::Arguments<'_>,
    ) {
        self.0.field_with_label(def, span, value, presence, label);
        self.1.field_with_label(def, span, value, presence, label);
    }
    fn text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        self.0.text(span, label);
        self.1.text(span, label);
    }
    fn appended_text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        self.0.appended_text(span, label);
        self.1.appended_text(span, label);
    }
    fn push(&mut self) {
        self.0.push();
        self.1.push();
    }
    fn pop(&mut self) {
        self.0.pop();
        self.1.pop();
    }
    fn exception(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        self.0.exception(def, span, message);
        self.1.exception(def, span, message);
    }
    fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        self.0.expert(def, span, message);
        self.1.expert(def, span, message);
    }
    fn layer_handle(&self) -> u32 {
        self.0.layer_handle()
    }
    fn reenter(&mut self, handle: u32) {
        self.0.reenter(handle);
        self.1.reenter(handle);
    }
    fn last_handle(&self) -> u32 {
        self.0.last_handle()
    }
    fn relabel(&mut self, handle: u32, label: fmt::Arguments<'_>) {
        self.0.relabel(handle, label);
        self.1.relabel(handle, label);
    }
    fn source(&mut self, name: &str, bytes: &[u8]) -> u16 {
        let id = self.0.source(name, bytes);
        self.1.source(name, bytes);
        id
    }
}
