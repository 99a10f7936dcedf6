//! One QUIC connection as pictures: its sequence diagram (client and
//! server lifelines, an arrow per QUIC packet with its type, number and
//! frames and, on a second line, the HTTP/3 frames it completes; packets
//! loss recovery declares lost drawn red) and its charts, one side at a
//! time: RTT from the ACK frames as RFC 9002 works it out (latest, min and
//! smoothed), bytes in flight, and throughput. The connection's packets
//! are dissected on a thread of their own, across every UDP conversation
//! the connection used.

use std::collections::HashSet;
use std::sync::Arc;

use eframe::egui;

use super::job::Job;
use super::png_export::PngExport;
use super::sequence::{Arrow, TwoLifelines};
use super::tcp_charts::{
    BLUE, GREEN, INTERVALS, ORANGE, Series, interval_choice, plot_series, throughput_line,
};
use crate::capture::CaptureFile;
use crate::store::Snapshot;
use crate::store::quic_series::{QuicPacket, QuicSeries, quic_series, throughput};
use crate::store::tcp_series::secs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuicTab {
    #[default]
    Sequence,
    Rtt,
    InFlight,
    Throughput,
}

impl QuicTab {
    pub const ALL: [QuicTab; 4] = [
        QuicTab::Sequence,
        QuicTab::Rtt,
        QuicTab::InFlight,
        QuicTab::Throughput,
    ];

    pub fn name(self) -> &'static str {
        match self {
            QuicTab::Sequence => "Sequence diagram",
            QuicTab::Rtt => "Round Trip Time",
            QuicTab::InFlight => "Bytes in flight",
            QuicTab::Throughput => "Throughput",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            QuicTab::Sequence => "sequence",
            QuicTab::Rtt => "rtt",
            QuicTab::InFlight => "in-flight",
            QuicTab::Throughput => "throughput",
        }
    }

    fn y_label(self) -> &'static str {
        match self {
            QuicTab::Rtt => "RTT (ms)",
            QuicTab::InFlight => "Bytes",
            _ => "Throughput (bits/s)",
        }
    }
}

pub struct QuicConnectionView {
    pub connection: u32,
    pub open: bool,
    pub tab: QuicTab,
    /// The charts' side: 0 the client's sending, 1 the server's.
    pub dir: u8,
    pub interval: usize,
    /// Client and server, as the connection's first packet had them.
    pub nodes: (String, String),
    /// The connection's packets and series, once worked out.
    pub series: Option<Arc<QuicSeries>>,
    /// The packets declared lost, by frame and side.
    lost: HashSet<(u32, u8)>,
    job: Option<Job<QuicSeries>>,
    start_ns: i64,
    pub spacing: f32,
    /// A packet the user picked (an arrow, a point).
    pub clicked: Option<u32>,
    pub scroll_to: Option<u32>,
    /// The current chart's series, and for which tab, side and interval.
    pub drawn: Vec<Series>,
    drawn_of: Option<(QuicTab, u8, usize)>,
    pub png: PngExport,
}

impl QuicConnectionView {
    pub fn new(
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        connection: u32,
        tab: QuicTab,
        ctx: &egui::Context,
    ) -> QuicConnectionView {
        let nodes = snap
            .quic_connection_streams(connection)
            .first()
            .and_then(|&s| snap.udp.get(s as usize))
            .map(|c| {
                use dissectors::conversation::endpoint_text;
                (endpoint_text(&c.a), endpoint_text(&c.b))
            })
            .unwrap_or_default();
        let (s, f) = (snap.clone(), file.clone());
        let job = Job::spawn("quic connection", ctx, move |cancel| {
            quic_series(&s, f.as_ref(), connection, cancel)
        });
        QuicConnectionView {
            connection,
            open: true,
            tab,
            dir: 1,
            interval: 1,
            nodes,
            series: None,
            lost: HashSet::new(),
            job,
            start_ns: snap.index.row(0).map_or(0, |r| r.ts_ns),
            spacing: 44.0,
            clicked: None,
            scroll_to: None,
            drawn: Vec::new(),
            drawn_of: None,
            png: PngExport::default(),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.series.is_some()
    }

    pub fn title(&self) -> String {
        format!(
            "QUIC connection {0} (quic.connection.number eq {0})",
            self.connection
        )
    }

    pub fn show(&mut self, ctx: &egui::Context, selected: Option<u32>) {
        if let Some(j) = &self.job
            && let Some(s) = j.take()
        {
            self.job = None;
            self.lost = s.lost.iter().map(|l| (l.frame, l.dir)).collect();
            self.series = Some(Arc::new(s));
        }
        let mut open = self.open;
        let shown = egui::Window::new(self.title())
            .open(&mut open)
            .default_size([820.0, 620.0])
            .show(ctx, |ui| self.contents(ui, selected));
        self.open = open;
        let (n, tab) = (self.connection, self.tab);
        self.png.after_window(ctx, shown, || {
            format!("quic-connection-{n}-{}.png", tab.file_name())
        });
    }

    fn contents(&mut self, ui: &mut egui::Ui, selected: Option<u32>) {
        self.png.poll(ui);
        ui.horizontal(|ui| {
            for t in QuicTab::ALL {
                ui.selectable_value(&mut self.tab, t, t.name());
            }
            ui.separator();
            self.png.button(ui);
        });
        let Some(series) = self.series.clone() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Decoding the connection…");
            });
            return;
        };
        if self.tab == QuicTab::Sequence {
            self.sequence(ui, &series, selected);
        } else {
            self.chart(ui, &series);
        }
    }

    fn sequence(&mut self, ui: &mut egui::Ui, series: &QuicSeries, selected: Option<u32>) {
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} packets · {} RTT samples · {} declared lost",
                series.packets.len(),
                series.rtt.len(),
                series.lost.len()
            ));
            ui.separator();
            ui.add(egui::Slider::new(&mut self.spacing, 28.0..=120.0).text("Spacing"));
        });
        let lanes = TwoLifelines {
            nodes: (&self.nodes.0, &self.nodes.1),
            first_ts: self.start_ns,
            selected,
            scroll_to: self.scroll_to.take(),
        };
        let lost = &self.lost;
        let arrow = |p: &QuicPacket| Arrow {
            frame: p.frame,
            ts_ns: p.ts_ns,
            dir: p.dir,
            problem: lost.contains(&(p.frame, p.dir)),
        };
        let clicked = lanes.show(ui, &mut self.spacing, &series.packets, arrow, |p| {
            arrow_label(p, lost.contains(&(p.frame, p.dir)))
        });
        if clicked.is_some() {
            self.clicked = clicked;
        }
    }

    fn chart(&mut self, ui: &mut egui::Ui, series: &QuicSeries) {
        ui.horizontal(|ui| {
            let (c, s) = (self.nodes.0.clone(), self.nodes.1.clone());
            ui.label("Sent by");
            let client = egui::RichText::new(format!("client {c}")).monospace();
            let server = egui::RichText::new(format!("server {s}")).monospace();
            ui.selectable_value(&mut self.dir, 0, client);
            ui.selectable_value(&mut self.dir, 1, server);
            if self.tab == QuicTab::Throughput {
                ui.separator();
                interval_choice(ui, &mut self.interval);
            }
        });
        let key = (self.tab, self.dir, self.interval);
        if self.drawn_of != Some(key) {
            self.drawn_of = Some(key);
            self.drawn = self.build(series);
        }
        let id = ("quic chart", self.connection);
        let picked = plot_series(ui, id, self.tab.y_label(), &mut self.drawn);
        if picked.is_some() {
            self.clicked = picked;
        }
    }

    /// The series of the current chart and side.
    fn build(&self, series: &QuicSeries) -> Vec<Series> {
        let (d, start) = (self.dir, self.start_ns);
        let t = |ns: i64| secs(ns.saturating_sub(start));
        match self.tab {
            QuicTab::Sequence => Vec::new(),
            QuicTab::Rtt => {
                let mut latest = Series::new("Latest RTT", BLUE, false);
                let mut smoothed = Series::new("Smoothed RTT", GREEN, true);
                let mut min = Series::new("Min RTT", ORANGE, true);
                for r in series.rtt.iter().filter(|r| r.dir == d) {
                    latest.push(t(r.ts_ns), r.latest_ns as f64 / 1e6, r.frame);
                    smoothed.push(t(r.ts_ns), r.smoothed_ns as f64 / 1e6, r.frame);
                    min.push_step(t(r.ts_ns), r.min_ns as f64 / 1e6, r.frame);
                }
                vec![latest, smoothed, min]
            }
            QuicTab::InFlight => {
                let mut s = Series::new("Bytes in flight", BLUE, true);
                for f in series.in_flight.iter().filter(|f| f.dir == d) {
                    s.push_step(t(f.ts_ns), f.bytes as f64, f.frame);
                }
                vec![s]
            }
            QuicTab::Throughput => {
                let (step, _) = INTERVALS[self.interval];
                let bins: Vec<(f64, u8, u64)> = throughput(&series.packets, start, step)
                    .into_iter()
                    .filter(|b| b.1 == d)
                    .collect();
                let mut s = Series::new("Throughput", BLUE, true);
                for (x, bits_per_s) in throughput_line(&bins, step as f64 / 1e9) {
                    s.push(x, bits_per_s, 0);
                }
                vec![s]
            }
        }
    }
}

/// An arrow's two lines: the QUIC packet, then its HTTP/3 frames.
pub fn arrow_label(p: &QuicPacket, lost: bool) -> String {
    let mut s = p.label();
    if lost {
        s.insert_str(0, "[Lost] ");
    }
    if !p.http3.is_empty() {
        s.push_str("\nHTTP/3: ");
        s.push_str(&p.http3.join(", "));
    }
    s
}
