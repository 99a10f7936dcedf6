//! The Conversations window: TCP and UDP conversations as a sortable
//! table (the `flows` columns, plus RTT and retransmissions for TCP).
//! Selecting one filters the packet list to it; the buttons open its
//! stream, sequence diagram and charts, or copy the table as CSV.

use std::sync::Arc;

use dissectors::conversation::Conversation;
use dissectors::tcp_analysis::Flag;
use eframe::egui::{self, RichText, Sense};
use egui_extras::{Column, TableBuilder};

use super::quic_connection::QuicTab;
use super::save_bytes::SaveBytes;
use crate::report::flows::{FlowRow, write_csv, write_json};
use crate::store::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Proto {
    #[default]
    Tcp,
    Udp,
    /// QUIC connections (`quic.connection.number`), each the sum of the
    /// UDP conversations it used (more than one if it migrated).
    Quic,
}

/// What the user asked of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowAction {
    /// Show only its packets (for QUIC: the connection's, by number).
    Filter(Proto, u32),
    Follow(u32),
    SequenceDiagram(u32),
    Charts(u32),
    /// Follow HTTP/3 Stream on a QUIC connection (by number).
    FollowHttp3(u32),
    /// A QUIC connection's window (by number), at its sequence diagram or
    /// its charts.
    QuicConnection(u32, QuicTab),
}

const COLUMNS: [&str; 15] = [
    "Stream",
    "Address A",
    "Port A",
    "Address B",
    "Port B",
    "Packets",
    "Bytes",
    "Packets A → B",
    "Bytes A → B",
    "Packets B → A",
    "Bytes B → A",
    "Rel Start",
    "Duration",
    "RTT avg (ms)",
    "Retrans.",
];

#[derive(Default)]
pub struct Conversations {
    pub open: bool,
    pub proto: Proto,
    /// Column to sort by and whether descending.
    pub sort: (usize, bool),
    pub selected: Option<u32>,
    /// Stream numbers in display order, and what they were sorted from.
    order: Vec<u32>,
    order_of: Option<(usize, Proto, (usize, bool))>,
    /// Conversations listed per protocol, and of which lists (by address).
    counts: Option<(ListsKey, ListCounts)>,
    /// The QUIC connections as conversations, and of which store (the UDP
    /// list's address and the connections' paths known).
    quic: Option<((usize, usize), QuicList)>,
    pub save: SaveBytes,
}

/// The TCP and UDP lists and the QUIC set, by address: what the counts
/// were of.
type ListsKey = (usize, usize, usize);
/// Conversations listed: TCP, UDP, QUIC.
type ListCounts = (usize, usize, usize);
/// QUIC connections as conversations, by connection number.
type QuicList = Arc<Vec<Conversation>>;

/// One conversation's cells, as numbers where the column sorts by number.
struct Cells<'a> {
    c: &'a Conversation,
    /// Seconds from the capture's first packet to the conversation's.
    start: f64,
    rtt_ms: Option<f64>,
    retrans: Option<u32>,
}

fn cells<'a>(snap: &Snapshot, c: &'a Conversation, proto: Proto) -> Cells<'a> {
    let capture_start = snap.index.row(0).map_or(0, |r| r.ts_ns);
    let tcp = (proto == Proto::Tcp)
        .then(|| snap.tcp_analysis.get(c.stream as usize))
        .flatten();
    Cells {
        c,
        start: c.first_ts.saturating_sub(capture_start) as f64 / 1e9,
        rtt_ms: tcp
            .filter(|t| t.rtt_count > 0)
            .map(|t| t.rtt_sum_ns as f64 / t.rtt_count as f64 / 1e6),
        retrans: tcp.map(|t| t.count(Flag::Retransmission)),
    }
}

impl Cells<'_> {
    fn text(&self, col: usize) -> String {
        let c = self.c;
        match col {
            1 => c.a.0.to_string(),
            3 => c.b.0.to_string(),
            11 => format!("{:.6}", self.start),
            12 => format!("{:.4}", c.last_ts.saturating_sub(c.first_ts) as f64 / 1e9),
            13 => self.rtt_ms.map_or(String::new(), |v| format!("{v:.3}")),
            14 => self.retrans.map_or(String::new(), |v| v.to_string()),
            // The rest are counts.
            _ => self
                .number(col)
                .map_or(String::new(), |v| (v as u64).to_string()),
        }
    }

    /// The value a numeric column sorts by (None: sort as text).
    fn number(&self, col: usize) -> Option<f64> {
        let (c, [ab, ba]) = (self.c, &self.c.stats);
        Some(match col {
            0 => f64::from(c.stream),
            2 => f64::from(c.a.1),
            4 => f64::from(c.b.1),
            5 => (ab.frames + ba.frames) as f64,
            6 => (ab.bytes + ba.bytes) as f64,
            7 => ab.frames as f64,
            8 => ab.bytes as f64,
            9 => ba.frames as f64,
            10 => ba.bytes as f64,
            11 => self.start,
            12 => c.last_ts.saturating_sub(c.first_ts) as f64,
            13 => self.rtt_ms.unwrap_or(-1.0),
            14 => self.retrans.map_or(-1.0, f64::from),
            _ => return None,
        })
    }
}

impl Conversations {
    /// TCP, UDP and QUIC conversations listed (counted once per store
    /// change).
    fn counts(&mut self, snap: &Snapshot) -> (usize, usize, usize) {
        let quic = self.quic_list(snap);
        let key = (
            Arc::as_ptr(&snap.tcp) as usize,
            Arc::as_ptr(&snap.udp) as usize,
            Arc::as_ptr(&quic) as usize,
        );
        match self.counts {
            Some((k, n)) if k == key => n,
            _ => {
                let listed = |l: &[Conversation]| l.iter().filter(|c| c.counted).count();
                let n = (listed(&snap.tcp), listed(&snap.udp), listed(&quic));
                self.counts = Some((key, n));
                n
            }
        }
    }

    /// The QUIC connections (worked out when the store's conversations
    /// or QUIC connections change).
    fn quic_list(&mut self, snap: &Snapshot) -> QuicList {
        let key = (Arc::as_ptr(&snap.udp) as usize, snap.connection_paths.len());
        match &self.quic {
            Some((k, q)) if *k == key => q.clone(),
            _ => {
                let q = Arc::new(snap.quic_conversations());
                self.quic = Some((key, q.clone()));
                q
            }
        }
    }

    fn list(&mut self, snap: &Snapshot) -> Arc<Vec<Conversation>> {
        match self.proto {
            Proto::Tcp => snap.tcp.clone(),
            Proto::Udp => snap.udp.clone(),
            Proto::Quic => self.quic_list(snap),
        }
    }

    /// Conversations in display order (sorted once per change of the
    /// store or the sort, not per frame).
    pub fn order(&mut self, snap: &Snapshot) -> &[u32] {
        let list = self.list(snap);
        let key = (Arc::as_ptr(&list) as usize, self.proto, self.sort);
        if self.order_of != Some(key) {
            // Conversations that only an ICMP error quoted are not listed.
            let mut rows: Vec<(u32, Cells)> = list
                .iter()
                .filter(|c| c.counted)
                .map(|c| (c.stream, cells(snap, c, self.proto)))
                .collect();
            let (col, desc) = self.sort;
            rows.sort_by(|(_, x), (_, y)| {
                let o = match (x.number(col), y.number(col)) {
                    (Some(a), Some(b)) => a.total_cmp(&b),
                    _ => x.text(col).cmp(&y.text(col)),
                };
                if desc { o.reverse() } else { o }
            });
            self.order = rows.into_iter().map(|(s, _)| s).collect();
            self.order_of = Some(key);
        }
        &self.order
    }

    /// The listed conversations as report rows, in display order.
    fn rows(&mut self, snap: &Snapshot) -> Vec<FlowRow> {
        let list = self.list(snap);
        let start = snap.index.row(0).map_or(0, |r| r.ts_ns);
        self.order(snap)
            .iter()
            .filter_map(|&s| list.get(s as usize))
            .map(|c| FlowRow::new(c, start))
            .collect()
    }

    /// The table as `wirelens flows --format csv` prints it, in display
    /// order.
    pub fn csv(&mut self, snap: &Snapshot) -> String {
        let mut out = Vec::new();
        let _ = write_csv(&self.rows(snap), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// The listed conversations as `wirelens flows --format json` prints
    /// them, in display order.
    pub fn json(&mut self, snap: &Snapshot) -> String {
        let mut out = Vec::new();
        let _ = write_json(&self.rows(snap), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    pub fn show(&mut self, ctx: &egui::Context, snap: &Snapshot) -> Option<FlowAction> {
        if !self.open {
            return None;
        }
        let mut open = true;
        let mut action = None;
        egui::Window::new("Conversations")
            .open(&mut open)
            .default_size([1100.0, 420.0])
            .show(ctx, |ui| action = self.contents(ui, snap));
        self.open = open;
        action
    }

    fn contents(&mut self, ui: &mut egui::Ui, snap: &Snapshot) -> Option<FlowAction> {
        let mut action = None;
        self.save.poll();
        self.save.show_outcome(ui);
        ui.horizontal(|ui| {
            let (n_tcp, n_udp, n_quic) = self.counts(snap);
            let (tcp, udp) = (format!("TCP · {n_tcp}"), format!("UDP · {n_udp}"));
            let before = self.proto;
            ui.selectable_value(&mut self.proto, Proto::Tcp, tcp);
            ui.selectable_value(&mut self.proto, Proto::Udp, udp);
            ui.selectable_value(&mut self.proto, Proto::Quic, format!("QUIC · {n_quic}"));
            if self.proto != before {
                self.selected = None;
            }
            ui.separator();
            let stream = self.selected.filter(|_| self.proto == Proto::Tcp);
            let enabled = stream.is_some();
            let s = stream.unwrap_or(0);
            if ui
                .add_enabled(enabled, egui::Button::new("Follow Stream"))
                .clicked()
            {
                action = Some(FlowAction::Follow(s));
            }
            let quic = self.selected.filter(|_| self.proto == Proto::Quic);
            // A QUIC row's diagram and charts are its connection's.
            let (diagram, charts) = match quic {
                Some(c) => (
                    FlowAction::QuicConnection(c, QuicTab::Sequence),
                    FlowAction::QuicConnection(c, QuicTab::Rtt),
                ),
                None => (FlowAction::SequenceDiagram(s), FlowAction::Charts(s)),
            };
            let enabled = enabled || quic.is_some();
            if ui
                .add_enabled(enabled, egui::Button::new("Sequence Diagram"))
                .clicked()
            {
                action = Some(diagram);
            }
            if ui
                .add_enabled(enabled, egui::Button::new("Charts"))
                .clicked()
            {
                action = Some(charts);
            }
            if ui
                .add_enabled(quic.is_some(), egui::Button::new("Follow HTTP/3 Stream"))
                .clicked()
            {
                action = quic.map(FlowAction::FollowHttp3);
            }
            if ui.button("Copy as CSV").clicked() {
                let csv = self.csv(snap);
                ui.ctx().copy_text(csv);
            }
            let idle = !self.save.is_open();
            let name = match self.proto {
                Proto::Tcp => "tcp",
                Proto::Udp => "udp",
                Proto::Quic => "quic",
            };
            if ui
                .add_enabled(idle, egui::Button::new("Export CSV…"))
                .clicked()
            {
                let csv = self.csv(snap).into_bytes();
                let file = format!("{name}-conversations.csv");
                self.save
                    .request(ui.ctx(), "Export conversations", &file, ("CSV", "csv"), csv);
            }
            if ui
                .add_enabled(idle, egui::Button::new("Export JSON…"))
                .clicked()
            {
                let json = self.json(snap).into_bytes();
                let file = format!("{name}-conversations.json");
                self.save.request(
                    ui.ctx(),
                    "Export conversations",
                    &file,
                    ("JSON", "json"),
                    json,
                );
            }
        });
        let list = self.list(snap);
        let proto = self.proto;
        self.order(snap);
        // Lent to the table for this frame (rows set the selection), not copied.
        let order = std::mem::take(&mut self.order);
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
        let mut table = TableBuilder::new(ui)
            .id_salt(("conversations", proto))
            .striped(true)
            .sense(Sense::click())
            .resizable(true)
            .min_scrolled_height(0.0);
        for (i, _) in COLUMNS.iter().enumerate() {
            let w = match i {
                1 | 3 => 150.0,
                _ => 70.0,
            };
            table = table.column(Column::initial(w).at_least(30.0).clip(true));
        }
        let mut sort = self.sort;
        table
            .header(row_height + 2.0, |mut h| {
                for (i, title) in COLUMNS.iter().enumerate() {
                    h.col(|ui| {
                        let mark = match sort {
                            (c, false) if c == i => " ↑",
                            (c, true) if c == i => " ↓",
                            _ => "",
                        };
                        if ui
                            .add(
                                egui::Label::new(
                                    // Hack (monospace) has the arrows.
                                    RichText::new(format!("{title}{mark}")).strong().monospace(),
                                )
                                .sense(Sense::click()),
                            )
                            .clicked()
                        {
                            sort = if sort.0 == i {
                                (i, !sort.1)
                            } else {
                                (i, false)
                            };
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, order.len(), |mut row| {
                    let stream = order[row.index()];
                    let Some(c) = list.get(stream as usize) else {
                        return;
                    };
                    let cells = cells(snap, c, proto);
                    row.set_selected(self.selected == Some(stream));
                    for i in 0..COLUMNS.len() {
                        row.col(|ui| {
                            ui.add(
                                egui::Label::new(RichText::new(cells.text(i)).monospace())
                                    .selectable(false)
                                    .truncate(),
                            );
                        });
                    }
                    if row.response().clicked() {
                        self.selected = Some(stream);
                        action = Some(FlowAction::Filter(proto, stream));
                    }
                });
            });
        self.order = order;
        self.sort = sort;
        action
    }
}
