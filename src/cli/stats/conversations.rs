//! `-z conv,TYPE[,FILTER]` and `-z endpoints,TYPE[,FILTER]`: tshark's
//! conversation and endpoint tables, laid out as tshark 4.0 prints them.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::frame_facts::{Address, Endpoints, Kind};

/// Frames and bytes one way.
#[derive(Debug, Clone, Copy, Default)]
struct Count {
    frames: u64,
    bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) {
        self.frames += 1;
        self.bytes += bytes;
    }
}

/// Time as tshark keeps it: seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RelTime(pub i64);

impl RelTime {
    /// tshark's `nstime_to_sec`: seconds plus nanoseconds, as doubles.
    fn secs(self) -> f64 {
        let (s, ns) = (self.0 / 1_000_000_000, self.0 % 1_000_000_000);
        s as f64 + ns as f64 / 1e9
    }

    /// tshark's `nstime_to_msec`.
    pub fn ms(self) -> f64 {
        let (s, ns) = (self.0 / 1_000_000_000, self.0 % 1_000_000_000);
        s as f64 * 1000.0 + ns as f64 / 1e6
    }
}

/// A row of the conversation table: its sides as its first frame had them.
#[derive(Debug)]
struct Conversation {
    a: (Address, u16),
    b: (Address, u16),
    /// Frames from a to b (tshark's "->"), and from b to a ("<-").
    a_to_b: Count,
    b_to_a: Count,
    start: RelTime,
    stop: RelTime,
}

/// One side of a conversation, the same whichever way a frame went.
type Side = (Address, u16);

#[derive(Debug)]
pub struct ConversationTable {
    kind: Kind,
    filter: Option<String>,
    rows: Vec<Conversation>,
    by_key: HashMap<(Side, Side, Option<u32>), usize>,
}

impl ConversationTable {
    pub fn new(kind: Kind, filter: Option<String>) -> Self {
        ConversationTable {
            kind,
            filter,
            rows: Vec::new(),
            by_key: HashMap::new(),
        }
    }

    /// Counts a header of this table's kind, of a frame `bytes` long, `at`
    /// seconds after the capture's first frame.
    pub fn add(&mut self, h: &Endpoints, bytes: u64, at: RelTime) {
        let src = (h.src, h.src_port);
        let dst = (h.dst, h.dst_port);
        // Keyed the same whichever way the frame went.
        let key = if src <= dst {
            (src, dst, h.stream)
        } else {
            (dst, src, h.stream)
        };
        let rows = &mut self.rows;
        let i = *self.by_key.entry(key).or_insert_with(|| {
            rows.push(Conversation {
                a: src,
                b: dst,
                a_to_b: Count::default(),
                b_to_a: Count::default(),
                start: at,
                stop: at,
            });
            rows.len() - 1
        });
        let c = &mut self.rows[i];
        if c.a == src && c.b == dst {
            c.a_to_b.add(bytes);
        } else {
            c.b_to_a.add(bytes);
        }
        if at > c.stop {
            c.stop = at;
        } else if at < c.start {
            c.start = at;
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn draw(&self, out: &mut String) {
        let wide = if self.kind.has_ports() {
            "            "
        } else {
            ""
        };
        out.push_str(RULE);
        let _ = writeln!(out, "{} Conversations", self.kind.title());
        let _ = writeln!(out, "Filter:{}", filter_text(&self.filter));
        let _ = writeln!(
            out,
            "{wide}                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |"
        );
        let _ = writeln!(
            out,
            "{wide}                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |"
        );
        for c in by_frames(&self.rows, |c| c.a_to_b.frames + c.b_to_a.frames) {
            let (a, b) = if self.kind.has_ports() {
                (
                    format!("{}:{}", c.a.0.text(), c.a.1),
                    format!("{}:{}", c.b.0.text(), c.b.1),
                )
            } else {
                (c.a.0.text(), c.b.0.text())
            };
            let w = if self.kind.has_ports() { 26 } else { 20 };
            let total = c.a_to_b.bytes + c.b_to_a.bytes;
            let _ = writeln!(
                out,
                "{a:<w$} <-> {b:<w$}  {:>6} {:<9}  {:>6} {:<9}  {:>6} {:<9}  {:>14.9}   {:>12.4}",
                c.b_to_a.frames,
                format_size(c.b_to_a.bytes),
                c.a_to_b.frames,
                format_size(c.a_to_b.bytes),
                c.a_to_b.frames + c.b_to_a.frames,
                format_size(total),
                c.start.secs(),
                c.stop.secs() - c.start.secs(),
            );
        }
        out.push_str(RULE);
    }
}

const RULE: &str =
    "================================================================================\n";

fn filter_text(f: &Option<String>) -> &str {
    f.as_deref().unwrap_or("<No Filter>")
}

/// tshark's order: most frames first, rows with equal counts in the order
/// they were first seen; rows without frames are not printed.
fn by_frames<T>(rows: &[T], frames: impl Fn(&T) -> u64) -> Vec<&T> {
    let mut order: Vec<&T> = rows.iter().filter(|r| frames(r) > 0).collect();
    order.sort_by_key(|r| std::cmp::Reverse(frames(r)));
    order
}

/// tshark's `format_size` with SI prefixes and the unit "bytes": whole
/// units, the prefix chosen so that at least 10 of them remain (thousands
/// are not grouped: tshark in the C locale).
pub fn format_size(n: u64) -> String {
    const PREFIXES: [(u64, &str); 4] = [
        (1_000_000_000_000, " TB"),
        (1_000_000_000, " GB"),
        (1_000_000, " MB"),
        (1_000, " kB"),
    ];
    for (power, prefix) in PREFIXES {
        if n / power >= 10 {
            return format!("{}{prefix}", n / power);
        }
    }
    format!("{n} bytes")
}

/// A row of the endpoint table.
#[derive(Debug)]
struct Endpoint {
    address: Address,
    port: u16,
    tx: Count,
    rx: Count,
}

#[derive(Debug)]
pub struct EndpointTable {
    kind: Kind,
    filter: Option<String>,
    rows: Vec<Endpoint>,
    by_key: HashMap<(Address, u16), usize>,
}

impl EndpointTable {
    pub fn new(kind: Kind, filter: Option<String>) -> Self {
        EndpointTable {
            kind,
            filter,
            rows: Vec::new(),
            by_key: HashMap::new(),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Counts a header: its source sent the frame, its destination got it.
    pub fn add(&mut self, h: &Endpoints, bytes: u64) {
        self.row(&h.src, h.src_port).tx.add(bytes);
        self.row(&h.dst, h.dst_port).rx.add(bytes);
    }

    fn row(&mut self, address: &Address, port: u16) -> &mut Endpoint {
        let rows = &mut self.rows;
        let i = *self.by_key.entry((*address, port)).or_insert_with(|| {
            rows.push(Endpoint {
                address: *address,
                port,
                tx: Count::default(),
                rx: Count::default(),
            });
            rows.len() - 1
        });
        &mut self.rows[i]
    }

    pub fn draw(&self, out: &mut String) {
        out.push_str(RULE);
        let _ = writeln!(out, "{} Endpoints", self.kind.title());
        let _ = writeln!(out, "Filter:{}", filter_text(&self.filter));
        let _ = writeln!(
            out,
            "                       |  {}Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |",
            if self.kind.has_ports() {
                "Port  ||  "
            } else {
                ""
            }
        );
        for e in by_frames(&self.rows, |e| e.tx.frames + e.rx.frames) {
            let _ = write!(out, "{:<20}      ", e.address.text());
            if self.kind.has_ports() {
                let _ = write!(out, "{:>5}     ", e.port);
            }
            let _ = writeln!(
                out,
                "{:>6}     {:>9}     {:>6}       {:>9}      {:>6}       {:>9}   ",
                e.tx.frames + e.rx.frames,
                e.tx.bytes + e.rx.bytes,
                e.tx.frames,
                e.tx.bytes,
                e.rx.frames,
                e.rx.bytes,
            );
        }
        out.push_str(RULE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_ten_units_at_least() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(9_999), "9999 bytes");
        assert_eq!(format_size(10_000), "10 kB");
        assert_eq!(format_size(48_832), "48 kB");
        assert_eq!(format_size(9_999_999), "9999 kB");
        assert_eq!(format_size(10_000_000), "10 MB");
        assert_eq!(format_size(12_345_678_901), "12 GB");
    }

    fn ip(last: u8) -> Address {
        Address::ipv4([10, 0, 0, last])
    }

    #[test]
    fn a_conversation_keeps_its_first_frames_sides_and_counts_both_ways() {
        let mut t = ConversationTable::new(Kind::Tcp, None);
        let h = |src, dst, sp, dp| Endpoints {
            kind: Kind::Tcp,
            src: ip(src),
            dst: ip(dst),
            src_port: sp,
            dst_port: dp,
            stream: Some(0),
        };
        t.add(&h(2, 1, 80, 40000), 60, RelTime(1_000));
        t.add(&h(1, 2, 40000, 80), 1500, RelTime(2_000));
        t.add(&h(1, 2, 40000, 80), 1500, RelTime(500));
        assert_eq!(t.rows.len(), 1);
        let c = &t.rows[0];
        assert_eq!(c.a.0.text(), "10.0.0.2");
        assert_eq!((c.a_to_b.frames, c.b_to_a.frames), (1, 2));
        assert_eq!((c.start, c.stop), (RelTime(500), RelTime(2_000)));
    }
}
