//! The details tree: a [`Sink`] that keeps every item, for the details pane,
//! the hex pane's highlighting and the JSON dump.

use std::fmt::{self, Write};

use crate::expert::ExpertDef;
use crate::field::{Base, FieldDef, FieldType, OwnedValue, Value, lookup};
use crate::sink::{Presence, Sink, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Layer,
    Field,
    Text,
    Expert,
    /// An exception's item at the top of the tree: "[Malformed Packet:
    /// DNS]", "[Packet size limited during capture: …]".
    Exception,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub field: Option<&'static FieldDef>,
    pub expert: Option<&'static ExpertDef>,
    pub value: OwnedValue,
    pub label: String,
    pub span: Span,
    pub presence: Presence,
    pub parent: Option<u32>,
    pub children: Vec<u32>,
    /// Wireshark builds this label by appending to it: a long one is cut
    /// without a mark.
    pub label_appended: bool,
}

/// A data source other than the frame (reassembled payload and the like).
#[derive(Debug, Clone)]
pub struct DataSource {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The dissection of one frame as a tree, nodes in document order.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub roots: Vec<u32>,
    /// Extra data sources; source id `i + 1` is `sources[i]`.
    pub sources: Vec<DataSource>,
}

impl Tree {
    pub fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    /// Every field node with this filter name, in order.
    pub fn find<'t>(&'t self, name: &'t str) -> impl Iterator<Item = &'t Node> + 't {
        self.nodes
            .iter()
            .filter(move |n| n.field.is_some_and(|f| f.name == name))
    }

    /// The expert item a field stands for: a field whose only child is
    /// the expert of the same name (`tcp.analysis.retransmission`) is
    /// that expert in Wireshark's tree, and prints as it.
    pub fn expert_standing_for(&self, id: u32) -> Option<u32> {
        let n = self.node(id);
        match n.children[..] {
            [only] => {
                let e = self.node(only).expert?;
                (n.field?.name == e.name).then_some(only)
            }
            _ => None,
        }
    }

    pub fn first_value(&self, name: &str) -> Option<&OwnedValue> {
        self.nodes
            .iter()
            .find(|n| n.field.is_some_and(|f| f.name == name))
            .map(|n| &n.value)
    }

    /// The innermost visible field whose bytes contain `offset` in `source`,
    /// for "click a byte, select its field".
    pub fn field_at(&self, source: u16, offset: usize) -> Option<u32> {
        let mut best: Option<u32> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            if n.presence == Presence::Hidden || n.span.len == 0 || n.span.source != source {
                continue;
            }
            if n.span.range().contains(&offset) {
                let better = match best {
                    None => true,
                    Some(b) => n.span.len <= self.nodes[b as usize].span.len,
                };
                if better {
                    best = Some(i as u32);
                }
            }
        }
        best
    }

    /// Data of a source: 0 is the frame itself, so the caller passes it.
    pub fn source_bytes<'a>(&'a self, frame: &'a [u8], source: u16) -> &'a [u8] {
        if source == 0 {
            frame
        } else {
            self.sources
                .get(source as usize - 1)
                .map(|s| s.bytes.as_slice())
                .unwrap_or(&[])
        }
    }
}

/// Builds a [`Tree`].
#[derive(Debug, Default)]
pub struct TreeBuilder {
    tree: Tree,
    stack: Vec<u32>,
    last: Option<u32>,
}

impl TreeBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn finish(self) -> Tree {
        self.tree
    }

    fn add(&mut self, mut node: Node) -> u32 {
        let id = self.tree.nodes.len() as u32;
        node.parent = self.stack.last().copied();
        match node.parent {
            Some(p) => self.tree.nodes[p as usize].children.push(id),
            None => self.tree.roots.push(id),
        }
        self.tree.nodes.push(node);
        self.last = Some(id);
        id
    }
}

fn blank(kind: NodeKind, span: Span) -> Node {
    Node {
        kind,
        field: None,
        expert: None,
        value: OwnedValue::None,
        label: String::new(),
        span,
        presence: Presence::Normal,
        parent: None,
        children: Vec::new(),
        label_appended: false,
    }
}

impl Sink for TreeBuilder {
    fn layer(&mut self, proto: &'static FieldDef, span: Span, label: fmt::Arguments<'_>) {
        let mut n = blank(NodeKind::Layer, span);
        n.field = Some(proto);
        n.label = label.to_string();
        let id = self.add(n);
        self.stack.push(id);
    }
    fn end_layer(&mut self) {
        self.stack.pop();
    }
    fn field(&mut self, def: &'static FieldDef, span: Span, value: Value<'_>, presence: Presence) {
        let mut label = String::new();
        write_label(&mut label, def, &value, presence);
        let mut n = blank(NodeKind::Field, span);
        n.field = Some(def);
        n.value = value.to_owned_value();
        n.label = label;
        n.presence = presence;
        self.add(n);
    }
    fn field_with_label(
        &mut self,
        def: &'static FieldDef,
        span: Span,
        value: Value<'_>,
        presence: Presence,
        label: fmt::Arguments<'_>,
    ) {
        let mut n = blank(NodeKind::Field, span);
        n.field = Some(def);
        n.value = value.to_owned_value();
        n.label = if presence == Presence::Generated {
            format!("[{label}]")
        } else {
            label.to_string()
        };
        n.presence = presence;
        self.add(n);
    }
    fn text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        let mut n = blank(NodeKind::Text, span);
        n.label = label.to_string();
        self.add(n);
    }
    fn appended_text(&mut self, span: Span, label: fmt::Arguments<'_>) {
        let mut n = blank(NodeKind::Text, span);
        n.label = label.to_string();
        n.label_appended = true;
        self.add(n);
    }
    fn push(&mut self) {
        if let Some(l) = self.last {
            self.stack.push(l);
        }
    }
    fn pop(&mut self) {
        self.stack.pop();
    }
    fn expert(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        let mut n = blank(NodeKind::Expert, span);
        n.expert = Some(def);
        let msg = message.to_string();
        n.label = if msg.is_empty() {
            def.summary.to_string()
        } else {
            msg
        };
        n.presence = Presence::Generated;
        self.add(n);
    }
    fn exception(&mut self, def: &'static ExpertDef, span: Span, message: fmt::Arguments<'_>) {
        let mut n = blank(NodeKind::Exception, span);
        n.expert = Some(def);
        n.label = message.to_string();
        // Wireshark catches the exception where the packet's dissection
        // began: the item is a top-level one.
        let open = std::mem::take(&mut self.stack);
        self.add(n);
        self.stack = open;
    }
    fn layer_handle(&self) -> u32 {
        let layer = |id: &&u32| self.tree.nodes[**id as usize].kind == NodeKind::Layer;
        self.stack.iter().rev().find(layer).copied().unwrap_or(0)
    }
    fn reenter(&mut self, handle: u32) {
        self.stack.push(handle);
    }
    fn last_handle(&self) -> u32 {
        self.tree.nodes.len().saturating_sub(1) as u32
    }
    fn relabel(&mut self, handle: u32, label: fmt::Arguments<'_>) {
        if let Some(n) = self.tree.nodes.get_mut(handle as usize) {
            n.label = label.to_string();
        }
    }
    fn source(&mut self, name: &str, bytes: &[u8]) -> u16 {
        self.tree.sources.push(DataSource {
            name: name.to_string(),
            bytes: bytes.to_vec(),
        });
        self.tree.sources.len() as u16
    }
}

/// Wireshark's standard label for a field: `Title: value`, with the value's
/// name when the field has a table, the bit pattern when it is a bit field,
/// brackets when it is generated.
pub fn write_label(out: &mut String, def: &FieldDef, value: &Value<'_>, presence: Presence) {
    if presence == Presence::Generated {
        out.push('[');
    }
    if def.mask != 0 && def.ftype != FieldType::Protocol {
        let raw = match *value {
            Value::Bool(true) => def.mask,
            Value::Bool(false) => 0,
            Value::U64(v) => v << def.mask.trailing_zeros(),
            _ => 0,
        };
        write_bits(out, container_bits(def), def.mask, raw);
        out.push_str(" = ");
    }
    out.push_str(def.title);
    // A field without a value (FT_NONE) is its title alone.
    if def.ftype != FieldType::None {
        out.push_str(": ");
        write_value_text(out, def, value);
    }
    if presence == Presence::Generated {
        out.push(']');
    }
}

/// The value as the details tree shows it (names, units of the table).
pub fn write_value_text(out: &mut String, def: &FieldDef, value: &Value<'_>) {
    match *value {
        Value::Bool(b) => out.push_str(if b { def.tfs.0 } else { def.tfs.1 }),
        Value::U64(v) => {
            // A value missing from the field's names is "Unknown", as
            // Wireshark's `val_to_str_const(..., "Unknown")`.
            let name = def.names.map(|n| lookup(n, v).unwrap_or("Unknown"));
            // A bit field pads to its mask's width (Wireshark's
            // hfinfo_hex_digits): a 20-bit flow label is 0x00000.
            let digits = if def.mask == 0 {
                def.hex_digits()
            } else {
                let bits = 64 - (def.mask >> def.mask.trailing_zeros()).leading_zeros();
                bits.div_ceil(4) as usize
            };
            let hex = |out: &mut String| {
                let _ = write!(out, "0x{:0w$x}", v, w = digits);
            };
            match (name, def.base) {
                // BASE_NONE with names: the name alone (checksum statuses).
                (Some(n), Base::None) => out.push_str(n),
                (Some(n), Base::Hex | Base::HexDec) => {
                    out.push_str(n);
                    out.push_str(" (");
                    hex(out);
                    out.push(')');
                }
                (Some(n), _) => {
                    let _ = write!(out, "{n} ({v})");
                }
                (None, Base::Hex) => hex(out),
                (None, Base::DecHex) => {
                    let _ = write!(out, "{v} (");
                    hex(out);
                    out.push(')');
                }
                (None, Base::HexDec) => {
                    hex(out);
                    let _ = write!(out, " ({v})");
                }
                (None, _) => {
                    let _ = write!(out, "{v}");
                }
            }
        }
        Value::RelTime(ns) => {
            let _ = crate::field::write_secs(out, ns);
            out.push_str(" seconds");
        }
        Value::Str(s) => crate::field::write_format_text(out, s),
        Value::Bytes([]) => out.push_str("<MISSING>"),
        // Wireshark's bytes_to_str: plain hex, cut after 36 bytes with an
        // ellipsis.
        Value::Bytes(b) => {
            for x in b.iter().take(36) {
                let _ = write!(out, "{x:02x}");
            }
            if b.len() > 36 {
                out.push('\u{2026}');
            }
        }
        _ => {
            let _ = write!(out, "{}", crate::field::Show(def, value));
        }
    }
}

/// The value as a custom column of Wireshark's packet list shows it: a
/// named value by its name alone (`TCP`, `Client Hello`), a boolean by
/// its true/false words (`Set`, `Not set`), anything else as the filter writes it (`0x012`,
/// `0.000192000`, `104.16.125.34`).
pub fn write_column_text(out: &mut String, def: &FieldDef, value: &Value<'_>) {
    match *value {
        Value::None => {}
        Value::Bool(b) => out.push_str(if b { def.tfs.0 } else { def.tfs.1 }),
        Value::U64(v) if let Some(name) = def.names.and_then(|n| lookup(n, v)) => {
            out.push_str(name)
        }
        // A masked hex field has as many digits as its mask is wide, as
        // Wireshark shows it (tcp.flags, 12 bits: 0x012).
        Value::U64(v) if def.mask != 0 && matches!(def.base, Base::Hex | Base::HexDec) => {
            let bits = 64 - (def.mask >> def.mask.trailing_zeros()).leading_zeros();
            let _ = write!(out, "0x{:0w$x}", v, w = bits.div_ceil(4) as usize);
        }
        _ => {
            let _ = write!(out, "{}", crate::field::Show(def, value));
        }
    }
}

fn container_bits(def: &FieldDef) -> u32 {
    if def.bits != 0 {
        return def.bits.into();
    }
    let w = def.ftype.bit_width();
    if w != 0 {
        return w;
    }
    // Booleans: the smallest whole number of bytes covering the mask.
    let top = 64 - def.mask.leading_zeros();
    top.div_ceil(8) * 8
}

/// The bit pattern a masked integer field shows before its title
/// (`...0 0000 0000 0001`), for labels a dissector words itself.
pub fn bit_pattern(def: &FieldDef, value: u64) -> String {
    let mut out = String::new();
    write_bits(
        &mut out,
        container_bits(def),
        def.mask,
        value << def.mask.trailing_zeros(),
    );
    out
}

/// `.... ..1.`: the field's bits within its container, most significant first.
fn write_bits(out: &mut String, width: u32, mask: u64, raw: u64) {
    for i in (0..width).rev() {
        let bit = 1u64 << i;
        out.push(if mask & bit == 0 {
            '.'
        } else if raw & bit != 0 {
            '1'
        } else {
            '0'
        });
        if i % 4 == 0 && i != 0 {
            out.push(' ');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldDef;

    static SYN: FieldDef = FieldDef::new("tcp.flags.syn", "Syn", FieldType::Boolean)
        .tfs("Set", "Not set")
        .bits(12)
        .mask(0x002);
    static VER: FieldDef = FieldDef::new("ip.version", "Version", FieldType::U8).mask(0xf0);

    #[test]
    fn bit_fields_show_their_bits() {
        let mut s = String::new();
        write_label(&mut s, &VER, &Value::U64(4), Presence::Normal);
        assert_eq!(s, "0100 .... = Version: 4");
        s.clear();
        write_label(&mut s, &SYN, &Value::Bool(true), Presence::Normal);
        assert_eq!(s, ".... .... ..1. = Syn: Set");
    }

    #[test]
    fn push_nests_under_the_last_item() {
        let mut b = TreeBuilder::new();
        b.layer(&VER, Span::new(0, 20), format_args!("IP"));
        b.field(&VER, Span::new(0, 1), Value::U64(4), Presence::Normal);
        b.push();
        b.field(&SYN, Span::new(0, 1), Value::Bool(false), Presence::Normal);
        b.pop();
        b.text(Span::new(1, 1), format_args!("after"));
        b.end_layer();
        let t = b.finish();
        assert_eq!(t.roots, vec![0]);
        assert_eq!(t.node(0).children, vec![1, 3]);
        assert_eq!(t.node(1).children, vec![2]);
        assert_eq!(t.field_at(0, 0), Some(2));
    }
}
