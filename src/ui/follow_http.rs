//! Follow HTTP/2 Stream and Follow HTTP/3 Stream: one request stream of a
//! connection as text, each HEADERS block as `name: value` lines and each
//! DATA frame's body, the two sides coloured as in Follow TCP Stream. The
//! connection's frames are decoded on a thread of their own (HPACK and
//! QPACK need them all, in order).

use std::sync::Arc;

use eframe::egui::{self, RichText};

use super::follow_stream::side_colours;
use super::job::Job;
use super::save_bytes::SaveBytes;
use crate::capture::CaptureFile;
use crate::store::Snapshot;
use crate::store::follow_http2::{H2Part, PartText, follow_http2, stream_text};
use crate::store::follow_http3::follow_http3;

/// The connection followed: HTTP/2 on a TCP stream, HTTP/3 on a UDP one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpConnection {
    Http2 { tcp_stream: u32 },
    Http3 { connection: u32 },
}

impl HttpConnection {
    fn version(self) -> &'static str {
        match self {
            HttpConnection::Http2 { .. } => "HTTP/2",
            HttpConnection::Http3 { .. } => "HTTP/3",
        }
    }

    /// The display filter of the conversation: `tcp.stream eq 3`.
    fn conversation(self) -> String {
        match self {
            HttpConnection::Http2 { tcp_stream } => format!("tcp.stream eq {tcp_stream}"),
            HttpConnection::Http3 { connection } => {
                format!("quic.connection.number eq {connection}")
            }
        }
    }
}

pub struct FollowHttpStream {
    pub connection: HttpConnection,
    pub open: bool,
    /// The HTTP/2 stream shown.
    pub stream: u32,
    /// A frame to choose the stream by once the parts are in (the
    /// selected packet's).
    near_frame: Option<u32>,
    /// The connection's parts, once decoded.
    pub parts: Option<Arc<Vec<H2Part>>>,
    /// The HTTP/2 streams among them, in order (worked out once).
    streams: Vec<u32>,
    /// The shown stream's text by part, and which stream it is of: built
    /// when the stream changes, not every frame.
    shown: Option<(u32, Vec<PartText>)>,
    job: Option<Job<Vec<H2Part>>>,
    pub save: SaveBytes,
}

impl FollowHttpStream {
    pub fn new(
        snap: &Arc<Snapshot>,
        file: &Arc<CaptureFile>,
        connection: HttpConnection,
        near_frame: Option<u32>,
        ctx: &egui::Context,
    ) -> FollowHttpStream {
        let (s, f) = (snap.clone(), file.clone());
        let job = Job::spawn("follow http", ctx, move |cancel| match connection {
            HttpConnection::Http2 { tcp_stream } => {
                follow_http2(&s, f.as_ref(), tcp_stream, cancel)
            }
            HttpConnection::Http3 { connection } => {
                follow_http3(&s, f.as_ref(), connection, cancel)
            }
        });
        FollowHttpStream {
            connection,
            open: true,
            stream: 0,
            near_frame,
            parts: None,
            streams: Vec::new(),
            shown: None,
            job,
            save: SaveBytes::default(),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.parts.is_some()
    }

    /// The HTTP/2 streams of the connection that carry headers or data.
    pub fn streams(&self) -> &[u32] {
        &self.streams
    }

    /// The shown stream as text, both sides in order.
    pub fn text(&self) -> String {
        let Some(parts) = &self.parts else {
            return String::new();
        };
        stream_text(parts, self.stream)
            .into_iter()
            .map(|(_, _, t)| t)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn show(&mut self, ctx: &egui::Context) {
        if let Some(j) = &self.job
            && let Some(parts) = j.take()
        {
            self.job = None;
            // The stream of the packet the user picked, else the first.
            let near = self
                .near_frame
                .and_then(|n| parts.iter().find(|p| p.frame >= n))
                .map(|p| p.stream);
            self.stream = near.or(parts.first().map(|p| p.stream)).unwrap_or(0);
            self.streams = parts.iter().map(|p| p.stream).collect();
            self.streams.sort_unstable();
            self.streams.dedup();
            self.parts = Some(Arc::new(parts));
        }
        let mut open = self.open;
        egui::Window::new(format!(
            "Follow {} Stream ({})",
            self.connection.version(),
            self.connection.conversation()
        ))
        .open(&mut open)
        .default_size([760.0, 560.0])
        .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        self.save.poll();
        self.save.show_outcome(ui);
        let Some(parts) = self.parts.clone() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Decoding the connection…");
            });
            return;
        };
        if parts.is_empty() {
            ui.label(format!(
                "No {} headers or data on this connection.",
                self.connection.version()
            ));
            return;
        }
        ui.horizontal(|ui| {
            egui::ComboBox::from_label(format!("{} stream", self.connection.version()))
                .selected_text(self.stream.to_string())
                .show_ui(ui, |ui| {
                    for &s in &self.streams {
                        ui.selectable_value(&mut self.stream, s, s.to_string());
                    }
                });
            if ui.button("Copy").clicked() {
                ui.ctx().copy_text(self.text());
            }
            let idle = !self.save.is_open();
            if ui
                .add_enabled(idle, egui::Button::new("Save as…"))
                .clicked()
            {
                let name = format!(
                    "{}-{}-stream-{}.txt",
                    self.connection
                        .conversation()
                        .replace(" eq ", "-")
                        .replace('.', "-"),
                    self.connection.version().replace('/', "").to_lowercase(),
                    self.stream
                );
                let text = self.text().into_bytes();
                self.save
                    .request(ui.ctx(), "Save stream as", &name, ("Text", "txt"), text);
            }
        });
        if self.shown.as_ref().is_none_or(|(s, _)| *s != self.stream) {
            self.shown = Some((self.stream, stream_text(&parts, self.stream)));
        }
        let Some((_, shown)) = &self.shown else {
            return;
        };
        let colours = side_colours(ui.visuals().dark_mode);
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                for (dir, frame, text) in shown {
                    ui.weak(format!("frame {frame}"));
                    ui.label(
                        RichText::new(text.as_str())
                            .monospace()
                            .color(colours[usize::from(dir & 1)]),
                    );
                }
            });
    }
}
