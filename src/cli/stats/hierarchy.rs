//! `-z io,phs[,FILTER]`: tshark's protocol hierarchy, built from each
//! frame's top-level layers (not `frame.protocols`, which also names
//! pseudo-protocols such as `ethertype` that have no layer of their own).
//! A layer that follows itself (two HTTP/2 layers in one frame) is its own
//! child, as in tshark.

use std::fmt::Write as _;

#[derive(Debug)]
struct Node {
    name: &'static str,
    frames: u64,
    bytes: u64,
    children: Vec<usize>,
}

#[derive(Debug)]
pub struct ProtocolHierarchy {
    filter: Option<String>,
    nodes: Vec<Node>,
    roots: Vec<usize>,
    /// The frame's items in tshark's order (kept to spare an allocation
    /// per frame).
    ordered: Vec<&'static str>,
}

/// tshark writes a node's indentation and name into an 80-byte line and
/// stops indenting past 16 levels.
const MAX_LINE: usize = 79;

impl ProtocolHierarchy {
    pub fn new(filter: Option<String>) -> Self {
        ProtocolHierarchy {
            filter,
            nodes: Vec::new(),
            roots: Vec::new(),
            ordered: Vec::new(),
        }
    }

    /// Counts a frame `bytes` long whose top-level items are `layers`.
    pub fn add(&mut self, layers: &[&'static str], bytes: u64) {
        let mut parent: Option<usize> = None;
        in_tsharks_order(layers, &mut self.ordered);
        for i in 0..self.ordered.len() {
            let name = self.ordered[i];
            let siblings = match parent {
                Some(p) => &self.nodes[p].children,
                None => &self.roots,
            };
            let found = siblings
                .iter()
                .copied()
                .find(|&i| self.nodes[i].name == name);
            let id = found.unwrap_or_else(|| {
                let id = self.nodes.len();
                self.nodes.push(Node {
                    name,
                    frames: 0,
                    bytes: 0,
                    children: Vec::new(),
                });
                match parent {
                    Some(p) => self.nodes[p].children.push(id),
                    None => self.roots.push(id),
                }
                id
            });
            self.nodes[id].frames += 1;
            self.nodes[id].bytes += bytes;
            parent = Some(id);
        }
    }

    pub fn draw(&self, out: &mut String) {
        let rule = "===================================================================\n";
        out.push('\n');
        out.push_str(rule);
        out.push_str("Protocol Hierarchy Statistics\n");
        let _ = writeln!(out, "Filter: {}\n", self.filter.as_deref().unwrap_or(""));
        // Depth first, siblings in the order they were first seen.
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|&r| (r, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            let n = &self.nodes[i];
            let mut name = String::new();
            for level in 0..depth {
                if level > 15 {
                    name.push_str("...");
                    break;
                }
                name.push_str("  ");
            }
            name.push_str(n.name);
            name.truncate(MAX_LINE);
            let _ = writeln!(out, "{name:<40} frames:{} bytes:{}", n.frames, n.bytes);
            stack.extend(n.children.iter().rev().map(|&c| (c, depth + 1)));
        }
        out.push_str(rule);
    }
}

/// The top-level items in the order tshark's tap sees them: it adds the
/// "[N Reassembled TCP Segments]" item after the protocols of the message
/// it carries (and moves it up only in a tree it prints), where wirelens
/// puts it before them. It goes before the next message of the same
/// protocol, or last.
fn in_tsharks_order(items: &[&'static str], out: &mut Vec<&'static str>) {
    out.clear();
    let mut i = 0;
    while i < items.len() {
        if items[i] != "tcp.segments" || i + 1 == items.len() {
            out.push(items[i]);
            i += 1;
            continue;
        }
        let first = items[i + 1];
        let end = items[i + 2..]
            .iter()
            .position(|&n| n == first || n == "tcp.segments")
            .map_or(items.len(), |p| i + 2 + p);
        out.extend_from_slice(&items[i + 1..end]);
        out.push("tcp.segments");
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_share_their_prefixes_and_a_repeated_layer_nests() {
        let mut h = ProtocolHierarchy::new(None);
        h.add(&["eth", "ip", "tcp"], 60);
        h.add(&["eth", "ip", "tcp", "http2", "http2"], 100);
        h.add(&["eth", "arp"], 42);
        let mut out = String::new();
        h.draw(&mut out);
        let lines: Vec<&str> = out.lines().skip(5).collect();
        assert_eq!(
            lines[..6],
            [
                "eth                                      frames:3 bytes:202",
                "  ip                                     frames:2 bytes:160",
                "    tcp                                  frames:2 bytes:160",
                "      http2                              frames:1 bytes:100",
                "        http2                            frames:1 bytes:100",
                "  arp                                    frames:1 bytes:42",
            ]
        );
    }
}
