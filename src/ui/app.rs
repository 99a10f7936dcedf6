//! The app's state and layout: a menu bar, the packet list on top, the
//! details tree and the hex pane below, a status bar. It holds the open
//! document and the selection; everything it draws comes from the latest
//! store snapshot.

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
use super::follow_http2::FollowHttp2;
use super::follow_stream::FollowStream;
use super::hex;
use super::io_graph::IoGraph;
use super::open_dialog::OpenDialog;
use super::packet_list::{self, RowCache, TimeFormat};
use super::save_dialog::{SaveDialog, Saved};
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
    /// Quitting was asked with a capture not saved: the question is shown.
    pub quit_prompt: bool,
    /// The user chose to quit without saving.
    quit_anyway: bool,
    /// What the last save did, for the status bar.
    pub saved_message: Option<String>,
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
    pub decode_as: super::decode_as::DecodeAsWindow,
    /// The Decode As rules in force (`-d`'s, else the settings').
    pub decode_as_rules: Vec<String>,
    /// Open Follow Stream windows.
    pub follow: Vec<FollowStream>,
    /// Open Follow HTTP/2 Stream windows.
    pub follow_http2: Vec<FollowHttp2>,
    /// Open sequence diagrams.
    pub sequences: Vec<SequenceDiagram>,
    /// Open TCP chart windows.
    pub charts: Vec<SharedCharts>,
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
        let reopen = self
            .document
            .as_ref()
            .filter(|d| !d.is_capturing())
            .map(|d| d.path.clone());
        if let Some(path) = reopen {
            self.open(&path, Some(ctx.clone()));
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
        match Document::capture(&opts, Some(ctx.clone())) {
            Ok(d) => {
                self.set_document(d);
                self.scroll_lock = false;
            }
            Err(e) => self.error = Some(e),
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
        self.selected = None;
        self.details = None;
        self.rows.clear();
        self.rows_seen = 0;
        self.io_graph.reset();
        self.flow_graph.reset();
        self.conversations = Conversations::default();
        self.expert_info.reset();
        self.follow.clear();
        self.follow_http2.clear();
        self.sequences.clear();
        self.charts.clear();
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

    fn keyboard(&mut self, ui: &egui::Ui, total: usize) {
        let shown = self.list_order();
        let rows = shown.as_ref().map_or(total, |d| d.len());
        if rows == 0 || ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        // Positions are rows of the list (1-based), not frame numbers.
        let number_at = |row: usize| match &shown {
            None => row as u32,
            Some(d) => d[row - 1],
        };
        let cur = match self.selected {
            None => 0,
            Some(n) => match self.row_of(n, shown.as_deref().map(Vec::as_slice)) {
                Ok(i) => i + 1,
                Err(i) => i,
            },
        };
        let page = 20;
        let target = ui.input(|i| {
            if i.key_pressed(Key::ArrowDown) {
                Some(cur + 1)
            } else if i.key_pressed(Key::ArrowUp) {
                Some(cur.saturating_sub(1))
            } else if i.key_pressed(Key::PageDown) {
                Some(cur + page)
            } else if i.key_pressed(Key::PageUp) {
                Some(cur.saturating_sub(page))
            } else if i.key_pressed(Key::Home) {
                Some(1)
            } else if i.key_pressed(Key::End) {
                Some(rows)
            } else {
                None
            }
        });
        if let Some(t) = target {
            let t = number_at(t.clamp(1, rows));
            self.select(t);
            self.scroll_to = Some(t);
        }
    }

    /// The whole window's contents.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.apply_style(ui.ctx());
        self.menu(ui);
        if self.capture_options.show(ui.ctx()) {
            self.start_capture(ui.ctx());
        }
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
        // Below the list: the details tree on the left, the hex pane on
        // the right (both get the full height of the lower half).
        egui::Panel::bottom("packet detail")
            .resizable(true)
            .default_size(ui.available_height() * 0.45)
            .show(ui, |ui| {
                egui::Panel::left("details")
                    .resizable(true)
                    .default_size(ui.available_width() * 0.5)
                    .show(ui, |ui| {
                        // egui 0.37 sizes a panel by what its content
                        // used, so the short "Select a packet" line would
                        // shrink the tree for good: fill the width given.
                        ui.set_min_width(ui.available_width());
                        if let Some(d) = &mut self.details {
                            details::show(ui, d);
                            if let Some(def) = d.column_request.take() {
                                field_columns::add_column(&mut self.settings.field_columns, def);
                            }
                            if let Some((f, apply)) = d.filter_request.take() {
                                self.filter_bar.text = f.clone();
                                if apply {
                                    self.apply_filter(DisplayFilter::compile(&f).ok());
                                } else {
                                    self.filter_bar.focus = true;
                                }
                            }
                        } else {
                            ui.weak("Select a packet to see its details.");
                        }
                    });
                egui::CentralPanel::default().show(ui, |ui| self.hex_pane(ui));
            });
        self.rows.set_rules(&self.settings.colour_rules);
        if self.rows.set_field_columns(&self.settings.field_columns)
            && self
                .list_sort
                .key
                .is_some_and(|k| matches!(k.column, ListColumn::Field(_)))
        {
            // Sorted by a field column that moved or went.
            self.list_sort.reset();
        }
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            let filtered = self.displayed_frames();
            let fields = &self.settings.field_columns;
            self.list_sort
                .update(&snap, &file, filtered, fields, ui.ctx());
        }
        let shown = self.list_order();
        let rows_now = shown.as_ref().map_or(snap.index.len(), |d| d.len());
        if self.is_capturing() && !self.scroll_lock && rows_now > self.rows_seen {
            let last = match &shown {
                Some(d) => d.last().copied(),
                None => Some(rows_now as u32),
            };
            if self.scroll_to.is_none() {
                self.scroll_to = last;
            }
        }
        self.rows_seen = rows_now;
        let scroll_to = self.scroll_to.take();
        let picked = egui::CentralPanel::default()
            .show(ui, |ui| {
                let Some(doc) = &self.document else {
                    return None;
                };
                // Scrolling the list up while capturing means to look at
                // something: the list stops following new packets (the
                // Auto-scroll box turns it back on).
                let wheel_up = ui.input(|i| i.smooth_scroll_delta().y > 0.0);
                if wheel_up && ui.rect_contains_pointer(ui.max_rect()) {
                    self.scroll_lock = true;
                }
                let columns = self.shown_columns();
                let sorted = self.list_sort.rows();
                let order = shown.as_deref().map(Vec::as_slice);
                let row_of = |n: u32| row_in(sorted, order, n).ok();
                let resp = packet_list::show(
                    ui,
                    &snap,
                    doc.file.as_ref(),
                    &mut self.rows,
                    self.selected,
                    scroll_to,
                    self.settings.time_format,
                    shown
                        .as_ref()
                        .map(|d| (d.as_slice(), &row_of as &dyn Fn(u32) -> _)),
                    self.list_sort.key,
                    &columns,
                    &self.settings.field_columns,
                );
                if let Some(c) = resp.sort_clicked {
                    self.list_sort.clicked(c, self.settings.time_format);
                    // The selected packet stays in view in the new order.
                    self.scroll_to = self.selected;
                }
                resp.selected
            })
            .inner;
        if let Some(n) = picked {
            self.select(n);
            // A packet picked while capturing stays in view.
            self.scroll_lock = true;
            // The diagrams show the packet picked in the list.
            for d in &mut self.sequences {
                d.scroll_to = Some(n);
            }
        }
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            self.io_graph
                .show(ui.ctx(), &snap, &file, &self.filter_bar.text);
        }
        if let Some(doc) = &self.document
            && let Some(a) = self.conversations.show(ui.ctx(), &snap)
        {
            let file = doc.file.clone();
            self.flow_action(a, &snap, &file, ui.ctx());
        }
        for f in &mut self.follow {
            f.show(ui.ctx());
        }
        self.follow.retain(|f| f.open);
        for f in &mut self.follow_http2 {
            f.show(ui.ctx());
        }
        self.follow_http2.retain(|f| f.open);
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            for d in &mut self.sequences {
                d.show(
                    ui.ctx(),
                    &snap,
                    file.as_ref(),
                    &mut self.rows,
                    self.selected,
                );
            }
        }
        self.sequences.retain(|d| d.open);
        for c in &self.charts {
            tcp_charts::show_window(c, ui.ctx(), &snap);
        }
        self.charts.retain(|c| c.lock().is_ok_and(|c| c.open));
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            self.expert_info.show(ui.ctx(), &snap, &file);
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
        let arrow = self.sequences.iter_mut().find_map(|d| d.clicked.take());
        if let Some(n) = arrow {
            self.select(n);
            self.scroll_to = Some(n);
        }
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            let displayed = self.displayed_frames();
            let selected = self.selected;
            self.flow_graph
                .show(ui.ctx(), &snap, &file, displayed, &mut self.rows, selected);
        }
        if let Some(n) = self.flow_graph.clicked.take() {
            self.select(n);
            self.scroll_to = Some(n);
        }
        if let Some(n) = self.io_graph.clicked.take() {
            self.select(n);
            self.scroll_to = Some(n);
        }
        let errors = &self.rows.colours.errors;
        self.colour_rule_editor
            .show(ui.ctx(), &mut self.settings.colour_rules, errors);
        self.decode_as.show(ui.ctx());
        self.decode_as_accepted(ui.ctx());
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
                if all && let Some(d) = &mut self.document {
                    d.saved = true;
                }
                self.saved_message = Some(format!("{n} packets written to {}", path.display()));
            }
            Err(e) => self.error = Some(e),
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
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Cancel").clicked() {
                    self.quit_prompt = false;
                }
            });
        });
    }

    fn menu(&mut self, ui: &mut egui::Ui) {
        self.quit_check(ui.ctx());
        if let Some(s) = self.save_dialog.poll()
            && let Some(s) = s
        {
            let all = self.save_all;
            self.saved(s, all);
        }
        if ui.input_mut(|i| i.consume_shortcut(&SAVE_SHORTCUT)) {
            self.save_as(ui.ctx(), false);
        }
        let mut open = self.open_dialog.poll();
        // A file dropped on the window opens like one picked.
        let dropped = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_owned())
                .find(|p| !p.as_os_str().is_empty())
        });
        if dropped.is_some() {
            open = dropped;
        }
        if ui.input_mut(|i| i.consume_shortcut(&OPEN_SHORTCUT)) {
            self.open_dialog.request(ui.ctx());
        }
        if self.is_capturing() && ui.input_mut(|i| i.consume_shortcut(&RESTART_SHORTCUT)) {
            self.restart_capture(ui.ctx());
        }
        if ui.input_mut(|i| i.consume_shortcut(&CAPTURE_SHORTCUT)) {
            if self.is_capturing() {
                self.stop_capture();
            } else {
                self.start_capture(ui.ctx());
            }
        }
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let item = egui::Button::new("Open…")
                        .shortcut_text(ui.ctx().format_shortcut(&OPEN_SHORTCUT));
                    if ui.add_enabled(!self.open_dialog.is_open(), item).clicked() {
                        self.open_dialog.request(ui.ctx());
                        ui.close();
                    }
                    let saving = self.save_dialog.is_open() || self.document.is_none();
                    let item = egui::Button::new("Save As…")
                        .shortcut_text(ui.ctx().format_shortcut(&SAVE_SHORTCUT));
                    if ui.add_enabled(!saving, item).clicked() {
                        self.save_as(ui.ctx(), false);
                        ui.close();
                    }
                    let some = self.displayed.is_some();
                    if ui
                        .add_enabled(
                            !saving && some,
                            egui::Button::new("Export Displayed Packets…"),
                        )
                        .clicked()
                    {
                        self.save_as(ui.ctx(), true);
                        ui.close();
                    }
                    ui.menu_button("Open Recent", |ui| {
                        if self.settings.recent_files.is_empty() {
                            ui.weak("No recent files.");
                        }
                        for p in &self.settings.recent_files {
                            if ui.button(p.display().to_string()).clicked() {
                                open = Some(p.clone());
                                ui.close();
                            }
                        }
                    });
                });
                ui.menu_button("View", |ui| {
                    ui.label("Time");
                    for f in TimeFormat::ALL {
                        if ui.radio(self.settings.time_format == f, f.name()).clicked() {
                            self.settings.time_format = f;
                        }
                    }
                    ui.separator();
                    ui.horizontal(|ui| {
                        ui.selectable_value(&mut self.settings.theme, Theme::Dark, "Dark");
                        ui.selectable_value(&mut self.settings.theme, Theme::Light, "Light");
                    });
                    ui.add(
                        egui::Slider::new(&mut self.settings.font_size, 8.0..=32.0)
                            .step_by(1.0)
                            .text("Font size"),
                    );
                    // Stays open while columns are ticked, one after another.
                    let stay = egui::containers::menu::MenuConfig::new()
                        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
                    egui::containers::menu::SubMenuButton::new("Columns")
                        .config(stay)
                        .ui(ui, |ui| {
                            let shown = self.shown_columns();
                            for c in ListColumn::ALL {
                                let mut on = shown.contains(&c);
                                // The last column shown stays.
                                let last = on && shown.len() == 1;
                                if ui
                                    .add_enabled(!last, egui::Checkbox::new(&mut on, c.title()))
                                    .changed()
                                {
                                    let hidden = &mut self.settings.hidden_columns;
                                    hidden.retain(|h| h != c.title());
                                    if !on {
                                        hidden.push(c.title().to_string());
                                    }
                                }
                            }
                            ui.separator();
                            ui.label("Field columns (also: a field's context menu in the details, Apply as Column)");
                            self.field_columns_editor
                                .ui(ui, &mut self.settings.field_columns);
                        });
                    ui.separator();
                    if ui.button("Colouring Rules…").clicked() {
                        self.colour_rule_editor.open = true;
                        ui.close();
                    }
                });
                ui.menu_button("Capture", |ui| {
                    if ui.button("Options…").clicked() {
                        self.capture_options.open = true;
                        ui.close();
                    }
                    let shortcut = ui.ctx().format_shortcut(&CAPTURE_SHORTCUT);
                    let capturing = self.is_capturing();
                    let start = egui::Button::new("Start").shortcut_text(shortcut.clone());
                    if ui.add_enabled(!capturing, start).clicked() {
                        self.start_capture(ui.ctx());
                        ui.close();
                    }
                    let stop = egui::Button::new("Stop").shortcut_text(shortcut);
                    if ui.add_enabled(capturing, stop).clicked() {
                        self.stop_capture();
                        ui.close();
                    }
                    let restart = egui::Button::new("Restart")
                        .shortcut_text(ui.ctx().format_shortcut(&RESTART_SHORTCUT));
                    if ui.add_enabled(capturing, restart).clicked() {
                        self.restart_capture(ui.ctx());
                        ui.close();
                    }
                });
                ui.menu_button("Analyze", |ui| {
                    if ui.button("Decode As…").clicked() {
                        let rules = self.decode_as_rules.clone();
                        self.decode_as.open_with(&rules);
                        ui.close();
                    }
                    if ui.button("Expert Information").clicked() {
                        self.expert_info.open = true;
                        ui.close();
                    }
                    if ui
                        .add(
                            egui::Button::new("Follow TCP Stream")
                                .shortcut_text(ui.ctx().format_shortcut(&FOLLOW_SHORTCUT)),
                        )
                        .clicked()
                    {
                        self.follow_selected(ui.ctx());
                        ui.close();
                    }
                    let has_stream = self.selected_tcp_stream().is_some();
                    let h2 = egui::Button::new("Follow HTTP/2 Stream");
                    if ui.add_enabled(has_stream, h2).clicked() {
                        self.follow_http2_selected(ui.ctx());
                        ui.close();
                    }
                });
                ui.menu_button("Statistics", |ui| {
                    if ui.button("Conversations").clicked() {
                        self.conversations.open = true;
                        ui.close();
                    }
                    if ui.button("I/O Graph").clicked() {
                        self.io_graph.open = true;
                        ui.close();
                    }
                    if ui.button("Flow Graph").clicked() {
                        self.flow_graph.open = true;
                        ui.close();
                    }
                    let has_stream = self.selected_tcp_stream().is_some();
                    let graphs = egui::Button::new("TCP Stream Graphs");
                    if ui.add_enabled(has_stream, graphs).clicked() {
                        self.charts_of_selected();
                        ui.close();
                    }
                });
            });
        });
        if let Some(p) = open {
            self.open(&p, Some(ui.ctx().clone()));
        }
    }

    /// Does what the Conversations window asked.
    fn flow_action(
        &mut self,
        a: FlowAction,
        snap: &Arc<Snapshot>,
        file: &Arc<crate::capture::CaptureFile>,
        ctx: &egui::Context,
    ) {
        match a {
            FlowAction::Filter(proto, stream) => {
                let p = match proto {
                    Proto::Tcp => "tcp",
                    Proto::Udp => "udp",
                };
                let text = format!("{p}.stream eq {stream}");
                self.filter_bar.text = text.clone();
                self.apply_filter(DisplayFilter::compile(&text).ok());
            }
            FlowAction::Follow(stream) => self.follow_stream(snap, file, stream, ctx),
            FlowAction::SequenceDiagram(stream) => self.sequence_diagram(snap, stream),
            FlowAction::Charts(stream) => self.tcp_charts(snap, stream),
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
        if let Some(f) = self.follow.iter_mut().find(|f| f.stream == stream) {
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
    fn selected_tcp_stream(&self) -> Option<u32> {
        let snap = self.snapshot()?;
        let n = self.selected?;
        snap.index.row(n as usize - 1)?.flow.tcp_stream()
    }

    /// Opens (or brings back) the charts of the selected packet's stream,
    /// as Wireshark's Statistics › TCP Stream Graphs.
    fn charts_of_selected(&mut self) {
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
        let (Some(doc), Some(snap), Some(tcp)) =
            (&self.document, self.snapshot(), self.selected_tcp_stream())
        else {
            return;
        };
        if let Some(f) = self.follow_http2.iter_mut().find(|f| f.tcp_stream == tcp) {
            f.open = true;
            return;
        }
        let file = doc.file.clone();
        let f = FollowHttp2::new(&snap, &file, tcp, self.selected, ctx);
        self.follow_http2.push(f);
    }

    /// Follows the TCP stream of the selected packet, if it has one.
    fn follow_selected(&mut self, ctx: &egui::Context) {
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

    fn hex_pane(&mut self, ui: &mut egui::Ui) {
        let (Some(d), Some(doc)) = (&mut self.details, &self.document) else {
            return;
        };
        let frame = doc.file.data(d.offset, d.caplen);
        let source = &mut self.hex_source;
        if !d.tree.sources.is_empty() {
            ui.horizontal(|ui| {
                ui.selectable_value(source, 0, format!("Frame ({} bytes)", frame.len()));
                for (i, s) in d.tree.sources.iter().enumerate() {
                    let tab = format!("{} ({} bytes)", s.name, s.bytes.len());
                    ui.selectable_value(source, i as u16 + 1, tab);
                }
            });
        }
        let bytes = match usize::from(*source) {
            0 => frame,
            k => match d.tree.sources.get(k - 1) {
                Some(s) => &s.bytes,
                None => return,
            },
        };
        let highlight = d.highlight().filter(|(s, _)| s == source).map(|(_, r)| r);
        let clicked = hex::show(ui, bytes, highlight).clicked;
        if let Some(i) = clicked
            && let Some(node) = d.node_at(*source, i as u32)
        {
            d.reveal(node);
        }
    }

    fn status(&mut self, ui: &mut egui::Ui, snap: Option<&Snapshot>) {
        if self.is_capturing() {
            if ui.button("Stop").clicked() {
                self.stop_capture();
            }
            if ui.button("Restart").clicked() {
                self.restart_capture(ui.ctx());
            }
            let mut auto = !self.scroll_lock;
            ui.checkbox(&mut auto, "Auto-scroll");
            self.scroll_lock = !auto;
            ui.separator();
        }
        let (Some(doc), Some(snap)) = (&self.document, snap) else {
            // The central panel says why nothing is open.
            return;
        };
        for e in [&self.error, &self.settings_warning].into_iter().flatten() {
            ui.colored_label(ui.visuals().error_fg_color, e);
            ui.separator();
        }
        if let Some(m) = &self.saved_message {
            ui.label(m);
            ui.separator();
        }
        ui.label(doc.path.display().to_string());
        ui.separator();
        if let Some(st) = doc.capture_stats() {
            let what = match (&doc.interface, doc.is_capturing()) {
                (Some(i), true) => format!("Capturing on {i}"),
                (Some(i), false) => format!("Captured on {i}"),
                (None, _) => "Captured".to_string(),
            };
            ui.label(format!(
                "{what}: {} packets, {} dropped by the kernel, {} by wirelens",
                st.packets, st.kernel_dropped, st.ours_dropped
            ));
            ui.separator();
        }
        ui.label(format!("Packets: {}", snap.index.len()));
        if let Some(d) = &self.displayed {
            ui.separator();
            match &d.frames {
                Some(f) => {
                    let pct = 100.0 * f.len() as f64 / snap.index.len().max(1) as f64;
                    ui.label(format!("Displayed: {} ({pct:.1}%)", f.len()));
                }
                None => {
                    ui.label("Filtering…");
                }
            }
            if d.is_running() && d.frames.is_some() {
                ui.spinner();
            }
        }
        if self.list_sort.is_running() {
            ui.separator();
            ui.label("Sorting…");
            ui.spinner();
        }
        if !snap.done {
            let (at, total) = snap.progress;
            let f = if total == 0 {
                0.0
            } else {
                at as f32 / total as f32
            };
            ui.add(
                egui::ProgressBar::new(f)
                    .desired_width(160.0)
                    .show_percentage(),
            );
            // A file's load can stop where it is; the packets read so far
            // stay open (a live capture stops with Stop instead).
            if doc.interface.is_none()
                && !doc.store.cancelled()
                && ui.button("Cancel loading").clicked()
            {
                doc.store.cancel();
            }
        }
        if snap.cancelled && doc.interface.is_none() {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "Loading cancelled: {} packets loaded, {:.0}% of the file",
                    snap.index.len(),
                    100.0 * snap.progress.0 as f64 / snap.progress.1.max(1) as f64
                ),
            );
        }
        if let Some(stop) = &snap.notes.stop {
            ui.separator();
            ui.colored_label(ui.visuals().warn_fg_color, stop.to_string());
        }
        if let Some(first) = snap.notes.warnings.first() {
            ui.separator();
            let more = snap.notes.warnings.len() - 1 + snap.notes.more_warnings;
            let text = match more {
                0 => first.to_string(),
                n => format!("{first} (and {n} more warnings)"),
            };
            ui.colored_label(ui.visuals().warn_fg_color, text);
        }
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
