//! The protocol hierarchy (tshark's `-z io,phs`): frames and bytes for every
//! path of protocols, built while loading.

use dissectors::proto::ProtoDef;

#[derive(Debug, Clone)]
pub struct Node {
    pub proto: &'static ProtoDef,
    pub frames: u64,
    pub bytes: u64,
    pub children: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    pub nodes: Vec<Node>,
    pub roots: Vec<usize>,
}

impl Hierarchy {
    /// Counts one frame whose `frame.protocols` is `path`.
    pub fn add(&mut self, path: &[&'static ProtoDef], bytes: u64) {
        let mut parent: Option<usize> = None;
        for p in path {
            let list = match parent {
                Some(i) => &self.nodes[i].children,
                None => &self.roots,
            };
            let found = list
                .iter()
                .copied()
                .find(|&i| std::ptr::eq(self.nodes[i].proto, *p));
            let id = match found {
                Some(i) => i,
                None => {
                    let id = self.nodes.len();
                    self.nodes.push(Node {
                        proto: p,
                        frames: 0,
                        bytes: 0,
                        children: Vec::new(),
                    });
                    match parent {
                        Some(i) => self.nodes[i].children.push(id),
                        None => self.roots.push(id),
                    }
                    id
                }
            };
            self.nodes[id].frames += 1;
            self.nodes[id].bytes += bytes;
            parent = Some(id);
        }
    }

    /// Calls `f` with the path of protocols to every node, each once
    /// (`eth`, `eth ethertype`, `eth ethertype ip`...).
    pub fn each_path(&self, mut f: impl FnMut(&[&'static ProtoDef])) {
        let mut stack: Vec<(usize, usize)> = self.roots.iter().map(|&r| (r, 0)).collect();
        let mut path: Vec<&'static ProtoDef> = Vec::new();
        while let Some((i, depth)) = stack.pop() {
            path.truncate(depth);
            let node = &self.nodes[i];
            path.push(node.proto);
            f(&path);
            stack.extend(node.children.iter().map(|&c| (c, depth + 1)));
        }
    }

    /// Every path as `eth:ethertype:ip`, depth first, with its counts.
    pub fn paths(&self) -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, String)> = self
            .roots
            .iter()
            .rev()
            .map(|&r| (r, String::new()))
            .collect();
        while let Some((i, prefix)) = stack.pop() {
            let n = &self.nodes[i];
            let path = if prefix.is_empty() {
                n.proto.name().to_string()
            } else {
                format!("{prefix}:{}", n.proto.name())
            };
            out.push((path.clone(), n.frames, n.bytes));
            for &c in n.children.iter().rev() {
                stack.push((c, path.clone()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dissectors::proto::{ETH, ETHERTYPE, IP, TCP, UDP};

    #[test]
    fn paths_count_every_prefix() {
        let mut h = Hierarchy::default();
        h.add(&[&ETH, &ETHERTYPE, &IP, &TCP], 60);
        h.add(&[&ETH, &ETHERTYPE, &IP, &UDP], 100);
        let p = h.paths();
        assert_eq!(p[0], ("eth".into(), 2, 160));
        assert_eq!(p[3], ("eth:ethertype:ip:tcp".into(), 1, 60));
        assert_eq!(p[4], ("eth:ethertype:ip:udp".into(), 1, 100));
    }
}
