//! The app's windows: what they ask of the app (Conversations' actions,
//! a packet clicked in a chart) and the windows opened on the selection
//! (Follow, sequence diagrams, TCP graphs).

use super::*;

impl WirelensApp {
    /// Does what the Conversations window asked.
    pub(super) fn flow_action(
        &mut self,
        a: FlowAction,
        snap: &Arc<Snapshot>,
        file: &Arc<crate::capture::CaptureFile>,
        ctx: &egui::Context,
    ) {
        match a {
            FlowAction::Filter(proto, stream) => {
                let text = match proto {
                    Proto::Tcp => format!("tcp.stream eq {stream}"),
                    Proto::Udp => format!("udp.stream eq {stream}"),
                    Proto::Quic => format!("quic.connection.number eq {stream}"),
                };
                self.filter_bar.text = text.clone();
                self.apply_filter(DisplayFilter::compile(&text).ok());
            }
            FlowAction::Follow(stream) => self.follow_stream(snap, file, stream, ctx),
            FlowAction::SequenceDiagram(stream) => self.sequence_diagram(snap, stream),
            FlowAction::Charts(stream) => self.tcp_charts(snap, stream),
            FlowAction::FollowHttp3(connection) => {
                self.follow_http(HttpConnection::Http3 { connection }, ctx)
            }
            FlowAction::QuicConnection(connection, tab) => {
                self.quic_view(snap, file, connection, tab, ctx)
            }
        }
    }

    /// Opens (or brings back) the Follow Stream window of `stream`.
    pub fn follow_stream(
        &mut self,
        snap: &Arc<Snapshot>,
        file: &Arc<crate::capture::CaptureFile>,
        stream: u32,
        ctx: &egui::Context,
    ) {
        if let Some(f) = self
            .follow
            .iter_mut()
            .find(|f| !f.tls && f.stream == stream)
        {
            f.open = true;
            return;
        }
        self.follow.push(FollowStream::new(snap, file, stream, ctx));
    }

    /// Opens (or brings back) the sequence diagram of `stream`.
    pub fn sequence_diagram(&mut self, snap: &Snapshot, stream: u32) {
        match self.sequences.iter_mut().find(|d| d.stream == stream) {
            Some(d) => d.open = true,
            None => self.sequences.push(SequenceDiagram::new(snap, stream)),
        }
    }

    /// The TCP stream of the selected packet, if it has one.
    pub(super) fn selected_tcp_stream(&self) -> Option<u32> {
        let snap = self.snapshot()?;
        let n = self.selected?;
        snap.index.row(n as usize - 1)?.flow.tcp_stream()
    }

    /// Opens (or brings back) the charts of the selected packet's stream,
    /// as Wireshark's Statistics › TCP Stream Graphs.
    pub(super) fn charts_of_selected(&mut self) {
        if let (Some(snap), Some(stream)) = (self.snapshot(), self.selected_tcp_stream()) {
            self.tcp_charts(&snap, stream);
        }
    }

    /// Opens (or brings back) the charts of `stream`.
    pub fn tcp_charts(&mut self, snap: &Snapshot, stream: u32) {
        // Already open: its window comes to the front.
        let mut open = false;
        for c in &self.charts {
            if let Ok(mut c) = c.lock()
                && c.stream == stream
            {
                c.raise = true;
                open = true;
            }
        }
        if !open {
            let mut charts = TcpCharts::new(snap, stream);
            charts.frame_log = self.frame_log.clone();
            self.charts.push(Arc::new(std::sync::Mutex::new(charts)));
        }
    }

    /// Follows the HTTP/2 stream of the selected packet (the connection
    /// of its TCP stream, at the HTTP/2 stream it carries).
    pub fn follow_http2_selected(&mut self, ctx: &egui::Context) {
        if let Some(tcp_stream) = self.selected_tcp_stream() {
            self.follow_http(HttpConnection::Http2 { tcp_stream }, ctx);
        }
    }

    /// Follow HTTP/3 Stream: the QUIC connection of the selected packet.
    pub fn follow_http3_selected(&mut self, ctx: &egui::Context) {
        if let Some(connection) = self.selected_quic_connection() {
            self.follow_http(HttpConnection::Http3 { connection }, ctx);
        }
    }

    /// Opens (or brings back, at `tab`) the window of QUIC connection
    /// `connection`.
    pub fn quic_view(
        &mut self,
        snap: &Arc<Snapshot>,
        file: &Arc<crate::capture::CaptureFile>,
        connection: u32,
        tab: QuicTab,
        ctx: &egui::Context,
    ) {
        match self
            .quic_views
            .iter_mut()
            .find(|v| v.connection == connection)
        {
            Some(v) => {
                v.open = true;
                v.tab = tab;
            }
            None => {
                let v = QuicConnectionView::new(snap, file, connection, tab, ctx);
                self.quic_views.push(v);
            }
        }
    }

    /// The QUIC connection window of the selected packet's connection.
    pub(super) fn quic_view_of_selected(&mut self, tab: QuicTab, ctx: &egui::Context) {
        let (Some(doc), Some(snap)) = (&self.document, self.snapshot()) else {
            return;
        };
        let file = doc.file.clone();
        if let Some(connection) = self.selected_quic_connection() {
            self.quic_view(&snap, &file, connection, tab, ctx);
        }
    }

    /// The QUIC connection on the selected packet's UDP conversation.
    pub(super) fn selected_quic_connection(&self) -> Option<u32> {
        let snap = self.snapshot()?;
        let n = self.selected?;
        let udp_stream = snap.index.row(n as usize - 1)?.flow.udp_stream()?;
        snap.quic_connection_on(udp_stream)
    }

    fn follow_http(&mut self, connection: HttpConnection, ctx: &egui::Context) {
        let (Some(doc), Some(snap)) = (&self.document, self.snapshot()) else {
            return;
        };
        if let Some(f) = self
            .follow_http
            .iter_mut()
            .find(|f| f.connection == connection)
        {
            f.open = true;
            return;
        }
        let file = doc.file.clone();
        let f = FollowHttpStream::new(&snap, &file, connection, self.selected, ctx);
        self.follow_http.push(f);
    }

    /// Follows the TCP stream of the selected packet, if it has one.
    pub(super) fn follow_selected(&mut self, ctx: &egui::Context) {
        let (Some(doc), Some(snap), Some(n)) = (&self.document, self.snapshot(), self.selected)
        else {
            return;
        };
        let file = doc.file.clone();
        if let Some(stream) = snap
            .index
            .row(n as usize - 1)
            .and_then(|r| r.flow.tcp_stream())
        {
            self.follow_stream(&snap, &file, stream, ctx);
        }
    }

    /// Follow TLS Stream on the selected packet's TCP stream.
    pub(super) fn follow_tls_selected(&mut self, ctx: &egui::Context) {
        let (Some(doc), Some(snap), Some(stream)) =
            (&self.document, self.snapshot(), self.selected_tcp_stream())
        else {
            return;
        };
        let file = doc.file.clone();
        match self.follow.iter_mut().find(|f| f.tls && f.stream == stream) {
            Some(f) => f.open = true,
            None => self
                .follow
                .push(FollowStream::tls(&snap, &file, stream, ctx)),
        }
    }

    /// Every open window, and the packets clicked in them selected.
    pub(super) fn windows(&mut self, ui: &mut egui::Ui, snap: &Arc<Snapshot>) {
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            self.io_graph
                .show(ui.ctx(), snap, &file, &self.filter_bar.text);
        }
        if let Some(doc) = &self.document
            && let Some(a) = self.conversations.show(ui.ctx(), snap)
        {
            let file = doc.file.clone();
            self.flow_action(a, snap, &file, ui.ctx());
        }
        for f in &mut self.follow {
            f.show(ui.ctx());
        }
        self.follow.retain(|f| f.open);
        for f in &mut self.follow_http {
            f.show(ui.ctx());
        }
        self.follow_http.retain(|f| f.open);
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            let exchanges = self.http_requests.scan.found.clone();
            let exchanges = exchanges.or(self.grpc_calls.scan.found.clone());
            for d in &mut self.sequences {
                d.exchanges = exchanges.clone();
                d.show(ui.ctx(), snap, file.as_ref(), &mut self.rows, self.selected);
            }
        }
        self.sequences.retain(|d| d.open);
        for c in &self.charts {
            tcp_charts::show_window(c, ui.ctx(), snap);
        }
        self.charts.retain(|c| c.lock().is_ok_and(|c| c.open));
        for v in &mut self.quic_views {
            v.show(ui.ctx(), self.selected);
        }
        self.quic_views.retain(|v| v.open);
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            self.expert_info.show(ui.ctx(), snap, &file);
            self.http_requests.show(ui.ctx(), snap, &file);
            self.grpc_calls.show(ui.ctx(), snap, &file);
            self.sse_streams.show(ui.ctx(), snap, &file);
        }
        if let Some(frame) = self.sse_streams.clicked.take() {
            self.select(frame);
            self.scroll_to = Some(frame);
        }
        // A request or call clicked: its first packet, and its connection's
        // story drawn to time scale.
        let clicked = self.http_requests.clicked.take();
        if let Some((frame, stream)) = clicked.or(self.grpc_calls.clicked.take()) {
            self.select(frame);
            self.scroll_to = Some(frame);
            self.sequence_diagram(snap, stream);
            if let Some(d) = self.sequences.iter_mut().find(|d| d.stream == stream) {
                d.time_scale = true;
            }
        }
        let point = self
            .charts
            .iter()
            .find_map(|c| c.lock().ok()?.clicked.take())
            .or_else(|| self.expert_info.clicked.take());
        if let Some(n) = point {
            self.select(n);
            self.scroll_to = Some(n);
        }
        let arrow = self
            .sequences
            .iter_mut()
            .find_map(|d| d.clicked.take())
            .or_else(|| self.quic_views.iter_mut().find_map(|v| v.clicked.take()));
        if let Some(n) = arrow {
            self.select(n);
            self.scroll_to = Some(n);
        }
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            let displayed = self.displayed_frames();
            let selected = self.selected;
            self.flow_graph
                .show(ui.ctx(), snap, &file, displayed, &mut self.rows, selected);
        }
        if let Some(n) = self.flow_graph.clicked.take() {
            self.select(n);
            self.scroll_to = Some(n);
        }
        if let Some(n) = self.io_graph.clicked.take() {
            self.select(n);
            self.scroll_to = Some(n);
        }
    }
}
