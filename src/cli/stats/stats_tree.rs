//! tshark's statistics trees (`-z http,tree`, `dns,tree`, ...): a tree of
//! counters, some with averages, each with its rate and its burst rate,
//! printed as tshark 4.0's `stats_tree` plain text: children sorted by
//! count, ties by name (both descending, tshark's default), the root's own
//! children in the order made.

use std::fmt::Write;

/// tshark's burst window (100 ms) and the resolution of its buckets (5 ms).
const BURST_WINDOW_MS: f64 = 100.0;
const BURST_BUCKET_MS: f64 = 5.0;

/// Every numeric column is this wide, plus one.
const COLUMN: usize = 12;

const COLUMNS: [&str; 8] = [
    "Count",
    "Average",
    "Min Val",
    "Max Val",
    "Rate (ms)",
    "Percent",
    "Burst Rate",
    "Burst Start",
];

/// A node's id; the root is 0.
pub type NodeId = usize;

pub const ROOT: NodeId = 0;

#[derive(Debug)]
struct Node {
    name: String,
    parent: NodeId,
    children: Vec<NodeId>,
    /// Named nodes (tshark's "parent nodes") are found by name from
    /// anywhere; the others only within a parent that keeps its
    /// children's names (tshark's "with hash").
    named: bool,
    hashed: bool,
    counter: i32,
    /// Some value was averaged (tshark's `ST_FLG_AVERAGE`): only then
    /// are the average, least and greatest shown.
    averaged: bool,
    values: Values,
    burst: Burst,
}

/// The sum, least and greatest of the values averaged, in tshark's types.
#[derive(Debug, Clone, Copy)]
enum Values {
    None,
    Int { total: i32, min: i32, max: i32 },
    Float { total: f32, min: f32, max: f32 },
}

/// tshark's burst count: the most ticks within a 100 ms window, counted
/// in 5 ms buckets, and when that window began.
#[derive(Debug, Default)]
struct Burst {
    /// (bucket number, count, first time in it), oldest first.
    buckets: std::collections::VecDeque<(f64, i32, f64)>,
    count: i32,
    max: i32,
    time: f64,
}

impl Burst {
    fn new() -> Burst {
        let mut b = Burst {
            time: -1.0,
            ..Burst::default()
        };
        // tshark starts every list with an empty bucket 0.
        b.buckets.push_back((0.0, 0, 0.0));
        b
    }

    /// tshark's `update_burst_calc`.
    fn add(&mut self, now: f64, value: i32) {
        let bucket = (now / BURST_BUCKET_MS).floor();
        let window = BURST_WINDOW_MS / BURST_BUCKET_MS;
        let (head, tail) = match (self.buckets.front(), self.buckets.back()) {
            (Some(h), Some(t)) => (h.0, t.0),
            _ => return,
        };
        if bucket > tail {
            self.buckets.push_back((bucket, value, now));
            self.count += value;
            while self.buckets.front().is_some_and(|h| bucket >= h.0 + window) {
                if let Some(old) = self.buckets.pop_front() {
                    self.count -= old.1;
                }
            }
        } else if bucket < head {
            if bucket + window > tail {
                self.buckets.push_front((bucket, value, now));
                self.count += value;
            }
        } else {
            let at = self
                .buckets
                .iter()
                .rposition(|b| b.0 <= bucket)
                .unwrap_or(0);
            if self.buckets[at].0 == bucket {
                let b = &mut self.buckets[at];
                b.1 += value;
                b.2 = b.2.min(now);
            } else {
                self.buckets.insert(at + 1, (bucket, value, now));
            }
            self.count += value;
        }
        if self.count > self.max {
            self.max = self.count;
            self.time = self.buckets.front().map_or(now, |h| h.2);
        }
    }
}

/// One statistics tree and the times of the packets it was given.
#[derive(Debug)]
pub struct StatsTree {
    /// tshark's name for it, `/` separating menu levels.
    title: &'static str,
    nodes: Vec<Node>,
    /// The first and the last tap's time, ms since the capture's first packet.
    start_ms: Option<f64>,
    now_ms: f64,
}

impl StatsTree {
    pub fn new(title: &'static str) -> StatsTree {
        let root = Node {
            name: display_name(title),
            parent: ROOT,
            children: Vec::new(),
            named: false,
            hashed: false,
            counter: 0,
            averaged: false,
            values: Values::None,
            burst: Burst::new(),
        };
        StatsTree {
            title,
            nodes: vec![root],
            start_ms: None,
            now_ms: 0.0,
        }
    }

    /// Starts a tap event at `ms` since the capture's first packet.
    pub fn at(&mut self, ms: f64) {
        self.start_ms.get_or_insert(ms);
        self.now_ms = ms;
    }

    /// tshark's `stats_tree_create_node`: a named node (`hashed`: it
    /// keeps its children's names).
    pub fn node(&mut self, name: &str, parent: NodeId, hashed: bool) -> NodeId {
        self.add(name, parent, true, hashed)
    }

    /// tshark's `stats_tree_create_node` for a float-averaging node.
    pub fn float_node(&mut self, name: &str, parent: NodeId) -> NodeId {
        let id = self.add(name, parent, true, false);
        self.nodes[id].values = Values::Float {
            total: 0.0,
            min: f32::MAX,
            max: f32::MIN_POSITIVE,
        };
        id
    }

    /// tshark's `stats_tree_create_pivot`.
    pub fn pivot(&mut self, name: &str, parent: NodeId) -> NodeId {
        self.add(name, parent, true, true)
    }

    fn add(&mut self, name: &str, parent: NodeId, named: bool, hashed: bool) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_string(),
            parent,
            children: Vec::new(),
            named,
            hashed,
            counter: 0,
            averaged: false,
            values: Values::None,
            burst: Burst::new(),
        });
        self.nodes[parent].children.push(id);
        id
    }

    /// The node `name` as tshark finds it from `parent`: among its
    /// children if it keeps their names, else among all named nodes;
    /// made under `parent` when missing.
    fn find_or_add(&mut self, name: &str, parent: NodeId) -> NodeId {
        let found = if self.nodes[parent].hashed {
            self.nodes[parent]
                .children
                .iter()
                .copied()
                .find(|&c| self.nodes[c].name == name)
        } else {
            (1..self.nodes.len()).find(|&i| self.nodes[i].named && self.nodes[i].name == name)
        };
        found.unwrap_or_else(|| self.add(name, parent, false, false))
    }

    /// tshark's `tick_stat_node`.
    pub fn tick(&mut self, name: &str, parent: NodeId) -> NodeId {
        let id = self.find_or_add(name, parent);
        self.bump(id, 1);
        id
    }

    /// tshark's `stats_tree_tick_pivot`.
    pub fn tick_pivot(&mut self, pivot: NodeId, value: &str) {
        self.bump(pivot, 1);
        self.tick(value, pivot);
    }

    fn bump(&mut self, id: NodeId, by: i32) {
        let now = self.now_ms;
        let n = &mut self.nodes[id];
        n.counter = n.counter.wrapping_add(by);
        n.burst.add(now, by);
    }

    /// tshark's `avg_stat_node_add_value_int`.
    pub fn average(&mut self, name: &str, parent: NodeId, value: i32) {
        let id = self.find_or_add(name, parent);
        self.bump(id, 1);
        let n = &mut self.nodes[id];
        n.averaged = true;
        n.values = match n.values {
            Values::Int { total, min, max } => Values::Int {
                total: total.wrapping_add(value),
                min: min.min(value),
                max: max.max(value),
            },
            _ => Values::Int {
                total: value,
                min: value,
                max: value,
            },
        };
    }

    /// tshark's `avg_stat_node_add_value_float`.
    pub fn average_float(&mut self, name: &str, parent: NodeId, value: f32) {
        let id = self.find_or_add(name, parent);
        self.bump(id, 1);
        let n = &mut self.nodes[id];
        n.averaged = true;
        if let Values::Float { total, min, max } = &mut n.values {
            *total += value;
            *min = min.min(value);
            *max = max.max(value);
        }
    }

    pub fn draw(&self, out: &mut String) {
        let width = self.name_width(ROOT, 0);
        let rule = width + COLUMNS.len() * (COLUMN + 2);
        let _ = write!(out, "\n{}\n{}:\n", "=".repeat(rule), self.title);
        let _ = write!(out, "{:<width$}", "Topic / Item");
        for c in COLUMNS {
            let _ = write!(out, " {c:<w$}", w = COLUMN + 1);
        }
        let _ = write!(out, "\n{}\n", "-".repeat(rule));
        // The root's own children come in the order they were made.
        for &c in &self.nodes[ROOT].children {
            self.draw_node(out, c, 0, width);
        }
        let _ = write!(out, "\n{}\n", "-".repeat(rule));
    }

    /// tshark's `stats_tree_branch_max_namelen`: the root counts at depth
    /// 0 and its children at 1, though they are printed unindented.
    fn name_width(&self, id: NodeId, depth: usize) -> usize {
        let own = self.name_of(id).len() + depth;
        self.nodes[id]
            .children
            .iter()
            .map(|&c| self.name_width(c, depth + 1))
            .fold(own, usize::max)
    }

    fn name_of(&self, id: NodeId) -> String {
        match self.nodes[id].parent {
            ROOT if id != ROOT => display_name(&self.nodes[id].name),
            _ => self.nodes[id].name.clone(),
        }
    }

    fn draw_node(&self, out: &mut String, id: NodeId, indent: usize, width: usize) {
        let _ = write!(
            out,
            "{:indent$}{:<w$}",
            "",
            self.name_of(id),
            w = width.saturating_sub(indent)
        );
        for v in self.values(id) {
            let _ = write!(out, " {v:<w$}", w = COLUMN + 1);
        }
        out.push('\n');
        let mut children = self.nodes[id].children.clone();
        children.sort_by(|&a, &b| {
            let (a, b) = (&self.nodes[a], &self.nodes[b]);
            b.counter
                .cmp(&a.counter)
                .then_with(|| b.name.as_bytes().cmp(a.name.as_bytes()))
        });
        for c in children {
            self.draw_node(out, c, indent + 1, width);
        }
    }

    /// tshark's `stats_tree_get_values_from_node`, less the name.
    fn values(&self, id: NodeId) -> [String; 8] {
        let n = &self.nodes[id];
        let (average, min, max) = match n.values {
            _ if !n.averaged => (String::new(), String::new(), String::new()),
            Values::None => (String::new(), String::new(), String::new()),
            _ if n.counter == 0 => ("-".into(), "-".into(), "-".into()),
            Values::Int { total, min, max } => (
                format!("{:.2}", total as f32 / n.counter as f32),
                min.to_string(),
                max.to_string(),
            ),
            Values::Float { total, min, max } => (
                format!("{:.2}", total / n.counter as f32),
                format!("{min:.6}"),
                format!("{max:.6}"),
            ),
        };
        let elapsed = self.now_ms - self.start_ms.unwrap_or(self.now_ms);
        let rate = if elapsed == 0.0 {
            String::new()
        } else {
            format!("{:.4}", f64::from(n.counter as f32) / elapsed)
        };
        let parent = &self.nodes[n.parent];
        let percent = if parent.counter != 0 {
            format!(
                "{:.2}%",
                f64::from(n.counter) * 100.0 / f64::from(parent.counter)
            )
        } else if n.parent == ROOT {
            "100%".into()
        } else {
            String::new()
        };
        let (burst, start) = match n.burst.max {
            0 => ("-".into(), "-".into()),
            m => (
                format!("{:.4}", f64::from(m) / BURST_WINDOW_MS),
                format!("{:.3}", n.burst.time / 1000.0),
            ),
        };
        [
            n.counter.to_string(),
            average,
            min,
            max,
            rate,
            percent,
            burst,
            start,
        ]
    }
}

/// tshark's `stats_tree_get_displayname`: the part after the last `/`
/// (`//` is a slash of the name).
fn display_name(full: &str) -> String {
    let mut name = String::new();
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                chars.next();
                name.push('/');
            }
            ('/', _) => name.clear(),
            _ => name.push(c),
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_their_last_menu_level() {
        assert_eq!(
            display_name("IPv4 Statistics/IP Protocol Types"),
            "IP Protocol Types"
        );
        assert_eq!(display_name("A//B/C//D"), "C/D");
    }

    #[test]
    fn bursts_count_the_busiest_100_ms() {
        let mut b = Burst::new();
        for ms in [0.0, 10.0, 20.0, 150.0, 160.0, 170.0, 180.0, 300.0] {
            b.add(ms, 1);
        }
        assert_eq!(b.max, 4);
        assert_eq!(b.time, 150.0);
    }

    #[test]
    fn children_sort_by_count_then_name_both_descending() {
        let mut t = StatsTree::new("T");
        let p = t.pivot("P", ROOT);
        t.at(0.0);
        for v in ["b", "a", "c", "a"] {
            t.tick_pivot(p, v);
        }
        let mut out = String::new();
        t.draw(&mut out);
        let names: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with(' ') && !l.starts_with("  "))
            .map(|l| l.split_whitespace().next().unwrap_or(""))
            .collect();
        assert_eq!(names, ["a", "c", "b"]);
        // The name column is as wide as the deepest name at its depth
        // counted from the root (children of the root at depth 1).
        assert!(out.contains("\nP   4 "), "{out}");
    }
}
