//! `packets -V`: each packet's details tree as tshark prints it, an item a
//! line indented four spaces a level, hidden items left out, an empty line
//! after the packet.

use dissectors::sink::Presence;
use dissectors::tree::{NodeKind, Tree};

/// One packet's tree and the empty line after it.
pub fn packet(out: &mut String, tree: &Tree) {
    for &root in &tree.roots {
        node(out, tree, root, 0);
    }
    out.push('\n');
}

fn node(out: &mut String, tree: &Tree, id: u32, depth: usize) {
    let n = tree.node(id);
    if n.presence == Presence::Hidden {
        return;
    }
    // An expert whose name is its parent's field is that field in
    // Wireshark (`tcp.analysis.retransmission`): one item, the expert's.
    if let [only] = n.children[..]
        && let (Some(f), Some(e)) = (n.field, tree.node(only).expert)
        && f.name == e.name
    {
        return node(out, tree, only, depth);
    }
    indent(out, depth);
    if let (NodeKind::Expert, Some(def)) = (n.kind, n.expert) {
        // tshark shows an expert item as a summary line over the message,
        // its severity and its group.
        let (severity, group) = (def.severity.name(), def.group.name());
        out.push_str(&format!(
            "[Expert Info ({severity}/{group}): {}]\n",
            n.label
        ));
        for line in [
            format!("[{}]", n.label),
            format!("[Severity level: {severity}]"),
            format!("[Group: {group}]"),
        ] {
            indent(out, depth + 1);
            out.push_str(&line);
            out.push('\n');
        }
    } else {
        out.push_str(&n.label);
        out.push('\n');
    }
    for &c in &n.children {
        node(out, tree, c, depth + 1);
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth * 4 {
        out.push(' ');
    }
}
