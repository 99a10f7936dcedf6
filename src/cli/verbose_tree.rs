//! `packets -V`: each packet's details tree as tshark prints it, an item a
//! line indented four spaces a level, hidden items left out, an empty line
//! after the packet.

use super::label_fit;
use dissectors::expert::ExpertDef;
use dissectors::sink::Presence;
use dissectors::tree::{NodeKind, Tree};

/// One packet's tree and the empty line after it. `frame` is the packet's
/// bytes; `hex_apart` says `-x` prints them (then Data layers are not
/// dumped in the tree). `only`, when not empty, names the protocols whose
/// details are shown (tshark's `-O`): any other top-level item is its
/// line alone.
pub fn packet(out: &mut String, tree: &Tree, frame: &[u8], hex_apart: bool, only: &[String]) {
    let p = Printer {
        tree,
        frame,
        hex_apart,
    };
    for &root in &tree.roots {
        let expanded = only.is_empty() || {
            let name = tree.node(root).field.map(|f| f.name);
            name.is_some_and(|n| only.iter().any(|o| o == n))
        };
        p.node(out, root, 0, expanded);
    }
    out.push('\n');
}

struct Printer<'a> {
    tree: &'a Tree,
    frame: &'a [u8],
    hex_apart: bool,
}

impl Printer<'_> {
    /// An item's line and, when `expanded`, its subtree's (with a Data
    /// item's bytes, as print.c's proto_tree_print_node).
    fn node(&self, out: &mut String, id: u32, depth: usize, expanded: bool) {
        let tree = self.tree;
        let n = tree.node(id);
        if n.presence == Presence::Hidden {
            return;
        }
        if let Some(expert) = tree.expert_standing_for(id) {
            return self.node(out, expert, depth, expanded);
        }
        indent(out, depth);
        if let (NodeKind::Expert, Some(def)) = (n.kind, n.expert) {
            expert(out, def, &n.label, depth);
        } else if let (NodeKind::Exception, Some(def)) = (n.kind, n.expert) {
            // tshark's exception line; a malformed packet's has its expert
            // item under it, a short frame's nothing.
            out.push_str(&n.label);
            out.push('\n');
            if def.name == dissectors::expert::MALFORMED.name && expanded {
                indent(out, depth + 1);
                expert(out, def, EXCEPTION_OCCURRED, depth + 1);
            }
        } else {
            out.push_str(&fitted(n));
            out.push('\n');
        }
        // tshark dumps uninterpreted data under its layer line unless `-x`
        // prints the packet's bytes anyway.
        if !expanded {
            return;
        }
        if n.kind == NodeKind::Layer && n.field.is_some_and(|f| f.name == "data") && !self.hex_apart
        {
            let source = tree.source_bytes(self.frame, n.span.source);
            if let Some(b) = source.get(n.span.range()) {
                out.push('\n');
                super::hex_dump::bytes(out, b);
            }
        }
        for &c in &n.children {
            self.node(out, c, depth + 1, true);
        }
    }
}

/// The expert message of the item under tshark's "[Malformed Packet: …]".
pub const EXCEPTION_OCCURRED: &str = "Malformed Packet (Exception occurred)";

/// An expert item as tshark shows it: a summary line (indented by the
/// caller) over the message, its severity and its group.
fn expert(out: &mut String, def: &ExpertDef, message: &str, depth: usize) {
    let (severity, group) = (def.severity.name(), def.group.name());
    let mut summary = format!("Expert Info ({severity}/{group}): {message}");
    if summary.len() > label_fit::LABEL_MAX {
        summary.insert_str(0, " [truncated]");
        label_fit::cut(&mut summary, label_fit::LABEL_MAX);
    }
    out.push_str(&format!("[{summary}]\n"));
    // The message item is cut a byte later, without a mark (tshark 4.0).
    let mut message = message.to_string();
    label_fit::cut(&mut message, label_fit::LABEL_MAX + 1);
    for line in [
        format!("[{message}]"),
        format!("[Severity level: {severity}]"),
        format!("[Group: {group}]"),
    ] {
        indent(out, depth + 1);
        out.push_str(&line);
        out.push('\n');
    }
}

/// A node's label as tshark prints it: cut to its label length (see
/// [`label_fit`]), the brackets of a generated item added after the cut.
fn fitted(n: &dissectors::tree::Node) -> std::borrow::Cow<'_, str> {
    let generated =
        n.presence == Presence::Generated && n.label.starts_with('[') && n.label.ends_with(']');
    let inner = if generated {
        &n.label[1..n.label.len() - 1]
    } else {
        &n.label[..]
    };
    match label_fit::fit(inner, n) {
        std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(&n.label),
        std::borrow::Cow::Owned(text) if generated => std::borrow::Cow::Owned(format!("[{text}]")),
        owned => owned,
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth * 4 {
        out.push(' ');
    }
}
