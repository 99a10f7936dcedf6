//! The app's state and layout: a menu bar, the packet list on top, the
//! details tree and the hex pane below, a status bar. It holds the open
//! document and the selection; everything it draws comes from the latest
//! store snapshot.

mod menu;
mod panes;
mod status;
mod windows;

use std::path::Path;
use std::sync::Arc;

use eframe::egui::{self, Key};

use super::capture_options::CaptureOptions;
use super::colour_rule_editor::ColourRuleEditor;
use super::conversations::{Conversations, FlowAction, Proto};
use super::details::{self, Details};
use super::displayed::Displayed;
use super::document::Document;
use super::expert_info::ExpertInfo;
use super::field_columns::{self, FieldColumnsEditor};
use super::filter_bar::{FilterAction, FilterBar};
use super::flow_graph::FlowGraph;
use super::follow_http::{FollowHttpStream, HttpConnection};
use super::follow_stream::FollowStream;
use super::hex;
use super::io_graph::IoGraph;
use super::open_dialog::OpenDialog;
use super::packet_list::{self, RowCache, TimeFormat};
use super::quic_connection::{QuicConnectionView, QuicTab};
use super::save_dialog::{HarDialog, HarSaved, SaveDialog, Saved};
use super::sequence::SequenceDiagram;
use super::sorted_rows::{ListColumn, ListSort, row_in};
use super::tcp_charts::{self as tcp_charts, SharedCharts, TcpCharts};
use crate::filter::DisplayFilter;
use crate::settings::{Settings, SettingsFile, Theme};
use crate::store::Snapshot;

const SAVE_SHORTCUT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, Key::S);

const CAPTURE_SHORTCUT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, Key::E);

/// Wireshark's Capture › Restart.
const RESTART_SHORTCUT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, Key::R);

const OPEN_SHORTCUT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, Key::O);

/// Wireshark's Follow TCP Stream shortcut.
pub const FOLLOW_SHORTCUT: egui::KeyboardShortcut = egui::KeyboardShortcut::new(
    egui::Modifiers {
        alt: true,
        ctrl: true,
        shift: true,
        mac_cmd: false,
        command: true,
    },
    Key::T,
);

#[derive(Default)]
pub struct WirelensApp {
    pub document: Option<Document>,
    /// Selected frame number.
    pub selected: Option<u32>,
    pub details: Option<Details>,
    /// Which data source the hex pane shows (0: the frame).
    pub hex_source: u16,
    /// What is remembered between runs; written back when it changes.
    pub settings: Settings,
    settings_file: Option<SettingsFile>,
    /// The settings as last written (or read).
    saved_settings: Settings,
    /// Theme and font size the context was last given.
    style_applied: Option<(Theme, u32)>,
    /// The last error to show (a file that would not open).
    pub error: Option<String>,
    /// A problem with the settings file, shown until the app closes.
    pub settings_warning: Option<String>,
    pub filter_bar: FilterBar,
    /// The applied display filter and the frames it lets through.
    pub displayed: Option<Displayed>,
    pub io_graph: IoGraph,
    pub flow_graph: FlowGraph,
    pub colour_rule_editor: ColourRuleEditor,
    pub field_columns_editor: FieldColumnsEditor,
    open_dialog: OpenDialog,
    save_dialog: SaveDialog,
    /// File › Export HTTP Requests as HAR….
    pub har_dialog: HarDialog,
    /// Quitting was asked with a capture not saved: the question is shown.
    pub quit_prompt: bool,
    /// The user chose to quit without saving.
    quit_anyway: bool,
    /// What the last save did, for the status bar.
    pub saved_message: Option<String>,
    /// File › Recover…: spill files of captures left unsaved.
    pub recover: super::recover::RecoverWindow,
    /// The save under way writes every packet (not the displayed ones).
    save_all: bool,
    pub capture_options: CaptureOptions,
    /// During a live capture the list follows new packets unless this is set
    /// (the user picked a packet, or unticked Auto-scroll).
    pub scroll_lock: bool,
    /// Rows the list had last frame (to see it grow).
    rows_seen: usize,
    pub conversations: Conversations,
    pub expert_info: ExpertInfo,
    /// Statistics › HTTP Requests.
    pub http_requests: super::http_requests::HttpRequests,
    /// Statistics › gRPC Calls.
    pub grpc_calls: super::grpc_calls::GrpcCalls,
    pub sse_streams: super::sse_streams::SseStreams,
    pub decode_as: super::decode_as::DecodeAsWindow,
    /// The Decode As rules in force (`-d`'s, else the settings').
    pub decode_as_rules: Vec<String>,
    pub tls_keys: super::tls_keys::TlsKeysWindow,
    /// The key log in force, watched for growth while capturing.
    key_log_watch: Option<KeyLogWatch>,
    /// The key log grew during the capture: once it stops, the capture is
    /// analysed again so that what went by before the keys decrypts too.
    reanalyse_after_capture: bool,
    /// Sessions the key log in force has keys for (the status bar says).
    pub tls_sessions: usize,
    /// Open Follow Stream windows.
    pub follow: Vec<FollowStream>,
    /// Open Follow HTTP/2 and HTTP/3 Stream windows.
    pub follow_http: Vec<FollowHttpStream>,
    /// Open sequence diagrams.
    pub sequences: Vec<SequenceDiagram>,
    /// Open TCP chart windows.
    pub charts: Vec<SharedCharts>,
    /// Open QUIC connection windows (sequence diagram and charts).
    pub quic_views: Vec<QuicConnectionView>,
    rows: RowCache,
    scroll_to: Option<u32>,
    /// The column the list is sorted by, and the sorted order.
    pub list_sort: ListSort,
    /// A packet to select once the store holds it (`-g`).
    pub pending_goto: Option<u32>,
    /// The panels' colour, which the framebuffer is cleared to.
    background: egui::Color32,
    /// Frame times for benchmarks (`WIRELENS_FRAME_LOG`).
    pub frame_log: Option<super::frame_log::SharedFrameLog>,
}

/// How often a key log is looked at while capturing.
const KEY_LOG_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// The key log file in force and its length when last read.
struct KeyLogWatch {
    path: std::path::PathBuf,
    len: u64,
    checked: std::time::Instant,
}

impl KeyLogWatch {
    fn new(path: &Path) -> Self {
        KeyLogWatch {
            path: path.to_owned(),
            len: std::fs::metadata(path).map_or(0, |m| m.len()),
            checked: std::time::Instant::now(),
        }
    }
}

impl WirelensApp {
    /// An app that reads its settings from `file` and writes them back
    /// there (None: defaults, never written, as in tests).
    pub fn with_settings(file: Option<SettingsFile>) -> Self {
        let mut app = WirelensApp::default();
        if let Some(f) = &file {
            let loaded = f.load();
            app.settings = loaded.settings;
            app.settings_warning = loaded.warning;
        }
        app.saved_settings = app.settings.clone();
        app.settings_file = file;
        app
    }

    /// Does what the command line asked: open a file (or the sample), or
    /// capture; apply a display filter; go to a packet.
    pub fn launch(&mut self, l: &super::Launch, ctx: &egui::Context) {
        if !l.memory_limit_set {
            crate::pass::set_state_limit(self.settings.state_limit_bytes());
        }
        if l.decode_as.is_empty() {
            let saved = self.settings.decode_as.clone();
            self.apply_decode_as(saved);
        } else {
            self.decode_as_rules = l.decode_as.clone();
        }
        if let Some(path) = &l.keylog {
            self.tls_sessions = crate::pass::keys().map_or(0, |k| k.sessions());
            self.key_log_watch = Some(KeyLogWatch::new(path));
        } else if let Some(path) = self.settings.tls_keylog_file.clone() {
            self.apply_key_log(Some(&path));
        }
        if let Some(i) = &l.interface {
            self.capture_options.interface = Some(i.clone());
        }
        if let Some(f) = &l.capture_filter {
            self.capture_options.filter = f.clone();
        }
        match (&l.file, l.start) {
            (_, true) => self.start_capture(ctx),
            (Some(f), false) => self.open(f, Some(ctx.clone())),
            (None, false) => {
                self.open(&super::document::sample_path(), Some(ctx.clone()));
                if l.interface.is_some() {
                    self.capture_options.open = true;
                }
            }
        }
        if let Some(text) = &l.display_filter {
            self.filter_bar.text = text.clone();
            match crate::filter::DisplayFilter::compile(text) {
                Ok(f) => self.apply_filter(Some(f)),
                Err(e) => self.error = Some(format!("Display filter: {e}")),
            }
        }
        self.pending_goto = l.goto;
        let left = self.recover.refresh();
        if left > 0 && self.saved_message.is_none() {
            self.saved_message = Some(format!(
                "{left} capture{} from an earlier session not saved: File › Recover…",
                if left == 1 { "" } else { "s" }
            ));
        }
    }

    /// Opens a spill file an earlier session left as the unsaved capture it
    /// was: saving it deletes the spill file, quitting asks first.
    pub fn open_recovered(&mut self, path: &Path, interface: &str, repaint: Option<egui::Context>) {
        self.open(path, repaint);
        if let Some(d) = &mut self.document
            && d.path == path
        {
            d.interface = Some(interface.to_owned());
            d.saved = false;
        }
    }

    /// Selects the packet asked for with `-g` once the store holds it.
    fn goto_when_loaded(&mut self, snap: &Snapshot) {
        let Some(n) = self.pending_goto else {
            return;
        };
        if n as usize <= snap.index.len() {
            self.pending_goto = None;
            self.select(n);
            self.scroll_to = Some(n);
            self.scroll_lock = true;
        } else if snap.done {
            self.pending_goto = None;
            self.error = Some(format!(
                "No packet {n}: the capture has {}",
                snap.index.len()
            ));
        }
    }

    /// Writes the settings if they changed since last written.
    fn persist_settings(&mut self) {
        if self.settings == self.saved_settings {
            return;
        }
        self.saved_settings = self.settings.clone();
        if let Some(f) = &self.settings_file
            && let Err(e) = f.save(&self.settings)
        {
            self.settings_warning = Some(format!("Settings not saved: {e}"));
        }
    }

    fn apply_style(&mut self, ctx: &egui::Context) {
        let want = (self.settings.theme, self.settings.font_size.to_bits());
        if self.style_applied == Some(want) {
            return;
        }
        self.style_applied = Some(want);
        let mut visuals = match self.settings.theme {
            Theme::Dark => egui::Visuals::dark(),
            Theme::Light => egui::Visuals::light(),
        };
        // The panels are drawn on the cleared framebuffer in their own
        // colour rather than filled again: a software renderer (llvmpipe)
        // spends most of a frame filling pixels, and the panels cover the
        // whole window.
        self.background = visuals.panel_fill;
        visuals.panel_fill = egui::Color32::TRANSPARENT;
        // Soft shadows are wide blurred shapes: filling them costs a
        // software renderer more than the windows themselves.
        visuals.window_shadow = egui::Shadow::NONE;
        visuals.popup_shadow = egui::Shadow::NONE;
        ctx.set_visuals(visuals);
        let body = self.settings.font_size;
        ctx.all_styles_mut(|style| {
            use egui::TextStyle;
            for (ts, font) in style.text_styles.iter_mut() {
                font.size = match ts {
                    TextStyle::Heading => body * 1.4,
                    TextStyle::Small => body * 0.75,
                    _ => body,
                };
            }
        });
    }

    /// Puts Decode As rules in force for every pass from now on; a rule
    /// that does not parse (a hand-edited settings file) is reported and
    /// none of them applies.
    pub fn apply_decode_as(&mut self, rules: Vec<String>) {
        match crate::pass::decode_as_rules(&rules) {
            Ok(parsed) => {
                crate::pass::set_decode_as(parsed);
                self.decode_as_rules = rules;
            }
            Err(e) => self.settings_warning = Some(format!("Decode As not applied: {e}")),
        }
    }

    /// Rules the Decode As window accepted: in force, kept in the
    /// settings, and the open file analysed again under them.
    fn decode_as_accepted(&mut self, ctx: &egui::Context) {
        let Some(rules) = self.decode_as.accepted.take() else {
            return;
        };
        self.settings.decode_as = rules.clone();
        self.apply_decode_as(rules);
        if !self.is_capturing() {
            self.reanalyse(ctx);
        }
    }

    /// Decrypts TLS with the key log at `path` (None: with none) from now
    /// on; what it could not read is said in the TLS Keys window. False
    /// when the file could not be read at all.
    pub fn apply_key_log(&mut self, path: Option<&Path>) -> bool {
        let read = match path {
            Some(p) => crate::pass::read_keylog(p).map(|(k, e)| (Some(k), e)),
            None => Ok((None, Vec::new())),
        };
        match read {
            Ok((keys, errors)) => {
                self.key_log_watch = path.map(KeyLogWatch::new);
                self.tls_sessions = keys.as_ref().map_or(0, |k| k.sessions());
                crate::pass::set_keys(keys.map(std::sync::Arc::new));
                self.tls_keys.messages = errors;
                true
            }
            Err(e) => {
                self.tls_keys.messages = vec![format!("Not read: {e}")];
                false
            }
        }
    }

    /// While capturing, a key log that grew (a browser writing
    /// SSLKEYLOGFILE) is read again: the capture's sessions decrypt from
    /// their next record on (dissectors::tls::decrypt catches up).
    fn watch_key_log(&mut self, ctx: &egui::Context) {
        if !self.is_capturing() {
            if std::mem::take(&mut self.reanalyse_after_capture) {
                self.reanalyse(ctx);
            }
            return;
        }
        let Some(w) = &mut self.key_log_watch else {
            return;
        };
        if w.checked.elapsed() < KEY_LOG_POLL {
            ctx.request_repaint_after(KEY_LOG_POLL);
            return;
        }
        w.checked = std::time::Instant::now();
        let len = std::fs::metadata(&w.path).map_or(0, |m| m.len());
        if len != w.len {
            let path = w.path.clone();
            self.apply_key_log(Some(&path));
            self.reanalyse_after_capture = true;
        }
        ctx.request_repaint_after(KEY_LOG_POLL);
    }

    /// The open document analysed again (the list and selection start
    /// afresh, as for a file just opened).
    pub fn reanalyse(&mut self, ctx: &egui::Context) {
        let Some(d) = &mut self.document else {
            return;
        };
        if let Err(e) = d.reanalyse(Some(ctx.clone())) {
            self.error = Some(format!("Not analysed again: {e}"));
            return;
        }
        self.reset_views();
    }

    /// A key log the TLS Keys window (or a drop) asked for: in force, its
    /// path kept in the settings, and the open file analysed again.
    fn key_log_accepted(&mut self, ctx: &egui::Context) {
        let Some(path) = self.tls_keys.accepted.take() else {
            return;
        };
        if !self.apply_key_log(path.as_deref()) {
            self.tls_keys.open = true;
            return;
        }
        self.settings.tls_keylog_file = path;
        if !self.is_capturing() {
            self.reanalyse(ctx);
        }
    }

    /// Opens `path` (replacing what was open); errors are shown in the app.
    pub fn open(&mut self, path: &Path, repaint: Option<egui::Context>) {
        match Document::open(path, repaint) {
            Ok(d) => {
                self.settings.opened(path);
                self.set_document(d);
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Starts a live capture with the options chosen (replacing what was
    /// open); a failure (no such interface, no permission) is shown.
    pub fn start_capture(&mut self, ctx: &egui::Context) {
        let Some(opts) = self.capture_options.options() else {
            self.capture_options.open = true;
            return;
        };
        let path = self.recover.dir.new_file(&opts.interface);
        self.keep_spill_dir_under_cap(&path);
        match Document::capture(&opts, path, Some(ctx.clone())) {
            Ok(d) => {
                self.set_document(d);
                self.scroll_lock = false;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Deletes the oldest spill files past the setting's cap, never the new
    /// capture's (`starting`) nor the one on screen; the status bar says.
    fn keep_spill_dir_under_cap(&mut self, starting: &Path) {
        let cap = self.settings.spill_cap_mib.saturating_mul(1 << 20);
        let shown = self.document.as_ref().map(|d| d.path.clone());
        let mut keep = vec![starting];
        keep.extend(shown.as_deref());
        let removed = self.recover.dir.enforce_cap(cap, &keep);
        if !removed.is_empty() {
            self.saved_message = Some(format!(
                "{} unsaved earlier captures deleted to keep {} under {} MiB",
                removed.len(),
                self.recover.dir.path().display(),
                self.settings.spill_cap_mib
            ));
        }
    }

    /// Stops the capture and starts a new one with the same options, as
    /// Wireshark's Restart. The packets captured so far are not thrown
    /// away: their spill file stays, and the status bar names it.
    pub fn restart_capture(&mut self, ctx: &egui::Context) {
        let previous = self
            .document
            .as_ref()
            .filter(|d| d.interface.is_some() && !d.saved)
            .map(|d| d.path.clone());
        self.stop_capture();
        self.start_capture(ctx);
        if let Some(p) = previous
            && self.is_capturing()
        {
            self.saved_message = Some(format!("The previous capture is kept in {}", p.display()));
        }
    }

    /// Stops the live capture, if one runs; its packets stay open.
    pub fn stop_capture(&mut self) {
        if let Some(d) = &mut self.document {
            d.stop_capture();
        }
    }

    pub fn is_capturing(&self) -> bool {
        self.document.as_ref().is_some_and(Document::is_capturing)
    }

    fn set_document(&mut self, d: Document) {
        self.document = Some(d);
        self.reset_views();
    }

    /// What was shown of the document before starts afresh (a new file,
    /// or the same analysed again).
    fn reset_views(&mut self) {
        self.selected = None;
        self.details = None;
        self.rows.clear();
        self.rows_seen = 0;
        self.io_graph.reset();
        self.flow_graph.reset();
        self.conversations = Conversations::default();
        self.expert_info.reset();
        self.http_requests.scan.reset();
        self.grpc_calls.scan.reset();
        self.sse_streams.scan.reset();
        self.follow.clear();
        self.follow_http.clear();
        self.sequences.clear();
        self.charts.clear();
        self.quic_views.clear();
        self.error = None;
        // The filter stays, applied to the new file.
        self.displayed = self.displayed.take().map(|d| Displayed::new(d.filter));
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.document.as_ref().map(Document::snapshot)
    }

    /// Selects frame `number` and dissects it for the details and hex panes.
    pub fn select(&mut self, number: u32) {
        let (Some(doc), Some(snap)) = (&self.document, self.snapshot()) else {
            return;
        };
        if self.selected == Some(number) && self.details.is_some() {
            return;
        }
        self.selected = Some(number);
        self.details = Details::build(&snap, doc.file.as_ref(), number);
        self.hex_source = 0;
    }

    /// The hex pane's highlighted bytes: the selected field's data source
    /// and byte range.
    pub fn highlight(&self) -> Option<(u16, std::ops::Range<usize>)> {
        self.details.as_ref()?.highlight()
    }

    /// The name of the colouring rule frame `number` matches.
    pub fn row_rule(&mut self, number: u32) -> Option<String> {
        let (doc, snap) = (self.document.as_ref()?, self.snapshot()?);
        self.rows.set_rules(&self.settings.colour_rules);
        let i = self.rows.get(&snap, doc.file.as_ref(), number).rule?;
        Some(self.rows.colours.rules.get(i)?.name.clone())
    }

    /// Frame `number`'s cells in the field columns.
    pub fn row_fields(&mut self, number: u32) -> Vec<String> {
        let (Some(doc), Some(snap)) = (self.document.as_ref(), self.snapshot()) else {
            return Vec::new();
        };
        self.rows.set_field_columns(&self.settings.field_columns);
        self.rows
            .get(&snap, doc.file.as_ref(), number)
            .fields
            .clone()
    }

    /// Colouring rules whose filter does not compile: (name, error).
    pub fn rows_colour_errors(&self) -> &[(String, String)] {
        &self.rows.colours.errors
    }

    /// The frame numbers the list shows, when a filter is applied.
    /// The packet list's columns the settings do not hide.
    pub fn shown_columns(&self) -> Vec<ListColumn> {
        let hidden = &self.settings.hidden_columns;
        let fields = self.settings.field_columns.len().min(usize::from(u8::MAX));
        ListColumn::ALL
            .into_iter()
            .filter(|c| !hidden.iter().any(|h| h == c.title()))
            .chain((0..fields as u8).map(ListColumn::Field))
            .collect()
    }

    /// The list's rows in the order shown: sorted by a column, or the
    /// display filter's frames (None: every frame in capture order).
    pub fn list_order(&self) -> Option<Arc<Vec<u32>>> {
        match self.list_sort.rows() {
            Some(s) => Some(s.frames.clone()),
            None => self.displayed_frames(),
        }
    }

    /// The row of frame `n` in `order` (as from `list_order`); Err: not
    /// shown, with the row it would come before in capture order.
    fn row_of(&self, n: u32, order: Option<&[u32]>) -> Result<usize, usize> {
        row_in(self.list_sort.rows(), order, n)
    }

    pub fn displayed_frames(&self) -> Option<Arc<Vec<u32>>> {
        self.displayed.as_ref()?.frames.clone()
    }

    /// Applies a display filter (None: show every frame again).
    pub fn apply_filter(&mut self, filter: Option<DisplayFilter>) {
        self.displayed = filter.map(Displayed::new);
    }

    /// The whole window's contents.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.apply_style(ui.ctx());
        for c in self.menu(ui) {
            self.run(c, ui.ctx());
        }
        if self.capture_options.show(ui.ctx()) {
            self.start_capture(ui.ctx());
        }
        self.watch_key_log(ui.ctx());
        let snap = self.snapshot();
        if let (Some(d), Some(s)) = (&mut self.document, &snap) {
            d.follow_growth(s);
        }
        egui::Panel::top("filter bar").show(ui, |ui| {
            if ui.input_mut(|i| i.consume_shortcut(&FOLLOW_SHORTCUT)) {
                self.follow_selected(ui.ctx());
            }
            if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, Key::F)) {
                self.filter_bar.focus = true;
            }
            match self.filter_bar.show(ui, &mut self.settings) {
                FilterAction::Apply(f) => self.apply_filter(Some(f)),
                FilterAction::Clear => self.apply_filter(None),
                FilterAction::None => {}
            }
        });
        if let (Some(d), Some(doc), Some(s)) = (&mut self.displayed, &self.document, &snap) {
            d.update(s, &doc.file, ui.ctx());
        }
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal(|ui| self.status(ui, snap.as_deref()));
        });
        let Some(snap) = snap else {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.label(self.error.as_deref().unwrap_or("No capture open."));
            });
            return;
        };
        self.goto_when_loaded(&snap);
        self.keyboard(ui, snap.index.len());
        self.detail_panes(ui);
        self.packet_list_pane(ui, &snap);
        self.windows(ui, &snap);
        let errors = &self.rows.colours.errors;
        self.colour_rule_editor
            .show(ui.ctx(), &mut self.settings.colour_rules, errors);
        self.decode_as.show(ui.ctx());
        if let Some(super::recover::RecoverAction::Open(path, interface)) =
            self.recover.show(ui.ctx())
        {
            self.open_recovered(&path, &interface, Some(ui.ctx().clone()));
        }
        self.decode_as_accepted(ui.ctx());
        self.tls_keys.show(ui.ctx(), self.tls_sessions);
        self.key_log_accepted(ui.ctx());
        self.persist_settings();
    }

    /// A live capture whose packets are in no file the user chose.
    pub fn unsaved_capture(&self) -> bool {
        self.document
            .as_ref()
            .is_some_and(|d| d.interface.is_some() && !d.saved)
    }

    /// Takes in how a save ended.
    pub fn saved(&mut self, s: Saved, all: bool) {
        match s {
            Ok((path, n)) => {
                self.saved_message = Some(format!("{n} packets written to {}", path.display()));
                if all && let Some(d) = &mut self.document {
                    d.saved = true;
                    self.spill_saved(&path);
                }
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Takes in how a HAR export ended.
    pub fn har_saved(&mut self, s: HarSaved) {
        match s {
            Ok((path, n)) => {
                self.saved_message =
                    Some(format!("{n} HTTP requests written to {}", path.display()))
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// A live capture saved whole after it stopped is its saved file from
    /// now on: its spill file has served and goes.
    fn spill_saved(&mut self, saved: &Path) {
        let Some(d) = &mut self.document else {
            return;
        };
        if d.interface.is_none() || d.is_capturing() || d.path == saved {
            return;
        }
        let spill = std::mem::replace(&mut d.path, saved.to_owned());
        if let Err(e) = crate::capture::spill::remove(&spill) {
            self.error = Some(format!("{}: {e}", spill.display()));
        }
    }

    /// The unsaved capture's spill file, deleted when it is discarded.
    fn discard_capture(&mut self) {
        if !self.unsaved_capture() {
            return;
        }
        self.stop_capture();
        if let Some(d) = &self.document {
            let _ = crate::capture::spill::remove(&d.path);
        }
    }

    fn save_as(&mut self, ctx: &egui::Context, displayed_only: bool) {
        let Some(d) = &self.document else {
            return;
        };
        let frames = if displayed_only {
            self.displayed_frames()
        } else {
            None
        };
        let title = if displayed_only {
            "Export Displayed Packets"
        } else {
            "Save As"
        };
        self.save_all = !displayed_only;
        self.save_dialog.request(ctx, title, d.file.clone(), frames);
    }

    /// On a close request with an unsaved capture, asks first.
    fn quit_check(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested())
            && self.unsaved_capture()
            && !self.quit_anyway
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.quit_prompt = true;
        }
        if !self.quit_prompt {
            return;
        }
        egui::Modal::new(egui::Id::unique("quit prompt")).show(ctx, |ui| {
            ui.label("The capture has not been saved. Quit anyway?");
            ui.horizontal(|ui| {
                if ui.button("Save As…").clicked() {
                    self.quit_prompt = false;
                    self.save_as(ui.ctx(), false);
                }
                if ui.button("Quit without saving").clicked() {
                    self.quit_prompt = false;
                    self.quit_anyway = true;
                    self.discard_capture();
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Cancel").clicked() {
                    self.quit_prompt = false;
                }
            });
        });
    }
}

impl eframe::App for WirelensApp {
    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        self.background.to_normalized_gamma_f32()
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if self.frame_log.is_some() {
            let store = self
                .snapshot()
                .map_or((0, false), |s| (s.index.len(), s.done));
            // While a chart window is measured, the app's window repaints
            // only when it has to, as it does when nobody measures.
            let repaint = self.charts.is_empty();
            if let Some(Ok(mut log)) = self.frame_log.as_ref().map(|l| l.lock()) {
                log.record("root", frame.info().cpu_usage, store, ui.ctx(), repaint);
            }
        }
        self.show(ui);
    }
}
