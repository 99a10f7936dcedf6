//! The menu bar and the keyboard shortcuts: both say what the user asked
//! for as [`Command`]s, which one place carries out. (View's settings are
//! edited in place: they are the settings, not actions.)

use std::path::PathBuf;

use super::*;

/// What the menu bar, its shortcuts and the window (a dropped file) ask of
/// the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Command {
    /// The file dialog, to pick a capture.
    ChooseFile,
    Open(PathBuf),
    SaveAs {
        displayed_only: bool,
    },
    ExportHar,
    StartCapture,
    StopCapture,
    RestartCapture,
    CaptureOptions,
    ColouringRules,
    DecodeAs,
    TlsKeys,
    /// A key log dropped on the window.
    LoadKeyLog(PathBuf),
    ExpertInfo,
    FollowTcpStream,
    FollowTlsStream,
    FollowHttp2Stream,
    FollowHttp3Stream,
    Conversations,
    IoGraph,
    FlowGraph,
    HttpRequests,
    GrpcCalls,
    SseStreams,
    TcpStreamGraphs,
    QuicConnectionGraphs,
    /// File › Recover…
    Recover,
}

impl WirelensApp {
    /// The menu bar, with what its items, the shortcuts, a file dropped on
    /// the window and a file picked in the dialog ask for.
    pub(super) fn menu(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        self.quit_check(ui.ctx());
        if let Some(s) = self.save_dialog.poll()
            && let Some(s) = s
        {
            let all = self.save_all;
            self.saved(s, all);
        }
        if let Some(Some(s)) = self.har_dialog.0.poll() {
            self.har_saved(s);
        }
        let mut asked = self.shortcuts(ui);
        if let Some(p) = self.open_dialog.poll() {
            asked.push(Command::Open(p));
        }
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| self.file_menu(ui, &mut asked));
                ui.menu_button("View", |ui| self.view_menu(ui, &mut asked));
                ui.menu_button("Capture", |ui| self.capture_menu(ui, &mut asked));
                ui.menu_button("Analyze", |ui| self.analyze_menu(ui, &mut asked));
                ui.menu_button("Statistics", |ui| self.statistics_menu(ui, &mut asked));
            });
        });
        asked
    }

    /// The keyboard shortcuts of the menu's items, and a file dropped on
    /// the window (it opens like one picked).
    fn shortcuts(&self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut asked = Vec::new();
        let pressed = |s: &egui::KeyboardShortcut| ui.input_mut(|i| i.consume_shortcut(s));
        if pressed(&SAVE_SHORTCUT) {
            asked.push(Command::SaveAs {
                displayed_only: false,
            });
        }
        if pressed(&OPEN_SHORTCUT) {
            asked.push(Command::ChooseFile);
        }
        if self.is_capturing() && pressed(&RESTART_SHORTCUT) {
            asked.push(Command::RestartCapture);
        }
        if pressed(&CAPTURE_SHORTCUT) {
            asked.push(if self.is_capturing() {
                Command::StopCapture
            } else {
                Command::StartCapture
            });
        }
        let dropped = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_owned())
                .find(|p| !p.as_os_str().is_empty())
        });
        asked.extend(dropped.map(|p| {
            if super::super::tls_keys::looks_like_key_log(&p) {
                Command::LoadKeyLog(p)
            } else {
                Command::Open(p)
            }
        }));
        asked
    }

    /// Carries out what was asked.
    pub(super) fn run(&mut self, c: Command, ctx: &egui::Context) {
        match c {
            Command::ChooseFile => self.open_dialog.request(ctx),
            Command::Open(p) => self.open(&p, Some(ctx.clone())),
            Command::SaveAs { displayed_only } => self.save_as(ctx, displayed_only),
            Command::StartCapture => self.start_capture(ctx),
            Command::StopCapture => self.stop_capture(),
            Command::RestartCapture => self.restart_capture(ctx),
            Command::CaptureOptions => self.capture_options.open = true,
            Command::ColouringRules => self.colour_rule_editor.open = true,
            Command::DecodeAs => {
                let rules = self.decode_as_rules.clone();
                self.decode_as.open_with(&rules);
            }
            Command::TlsKeys => {
                let current = self.settings.tls_keylog_file.clone();
                self.tls_keys.open_with(current.as_deref());
            }
            Command::LoadKeyLog(p) => {
                self.tls_keys.path = p.display().to_string();
                self.tls_keys.accepted = Some(Some(p));
            }
            Command::ExpertInfo => self.expert_info.open = true,
            Command::FollowTcpStream => self.follow_selected(ctx),
            Command::FollowTlsStream => self.follow_tls_selected(ctx),
            Command::FollowHttp2Stream => self.follow_http2_selected(ctx),
            Command::FollowHttp3Stream => self.follow_http3_selected(ctx),
            Command::Conversations => self.conversations.open = true,
            Command::IoGraph => self.io_graph.open = true,
            Command::FlowGraph => self.flow_graph.open = true,
            Command::HttpRequests => self.http_requests.open = true,
            Command::ExportHar => {
                if let Some(d) = &self.document {
                    self.har_dialog.request(ctx, d.file.clone());
                }
            }
            Command::GrpcCalls => self.grpc_calls.open = true,
            Command::SseStreams => self.sse_streams.open = true,
            Command::TcpStreamGraphs => self.charts_of_selected(),
            Command::QuicConnectionGraphs => self.quic_view_of_selected(QuicTab::Sequence, ctx),
            Command::Recover => {
                self.recover.refresh();
                self.recover.open = true;
            }
        }
    }

    fn file_menu(&mut self, ui: &mut egui::Ui, asked: &mut Vec<Command>) {
        let item =
            egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(&OPEN_SHORTCUT));
        if ui.add_enabled(!self.open_dialog.is_open(), item).clicked() {
            asked.push(Command::ChooseFile);
            ui.close();
        }
        let saving = self.save_dialog.is_open() || self.document.is_none();
        let item =
            egui::Button::new("Save As…").shortcut_text(ui.ctx().format_shortcut(&SAVE_SHORTCUT));
        if ui.add_enabled(!saving, item).clicked() {
            asked.push(Command::SaveAs {
                displayed_only: false,
            });
            ui.close();
        }
        let item = egui::Button::new("Export Displayed Packets…");
        if ui
            .add_enabled(!saving && self.displayed.is_some(), item)
            .clicked()
        {
            asked.push(Command::SaveAs {
                displayed_only: true,
            });
            ui.close();
        }
        let item = egui::Button::new("Export HTTP Requests as HAR…");
        if ui
            .add_enabled(
                !self.har_dialog.0.is_open() && self.document.is_some(),
                item,
            )
            .clicked()
        {
            asked.push(Command::ExportHar);
            ui.close();
        }
        self::item(ui, "Recover…", Command::Recover, asked);
        ui.menu_button("Open Recent", |ui| {
            if self.settings.recent_files.is_empty() {
                ui.weak("No recent files.");
            }
            for p in &self.settings.recent_files {
                if ui.button(p.display().to_string()).clicked() {
                    asked.push(Command::Open(p.clone()));
                    ui.close();
                }
            }
        });
    }

    /// View: the settings themselves (time format, theme, font size,
    /// columns), then Colouring Rules.
    fn view_menu(&mut self, ui: &mut egui::Ui, asked: &mut Vec<Command>) {
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
                ui.label(
                    "Field columns (also: a field's context menu in the details, Apply as Column)",
                );
                self.field_columns_editor
                    .ui(ui, &mut self.settings.field_columns);
            });
        ui.separator();
        item(ui, "Colouring Rules…", Command::ColouringRules, asked);
    }

    fn capture_menu(&mut self, ui: &mut egui::Ui, asked: &mut Vec<Command>) {
        item(ui, "Options…", Command::CaptureOptions, asked);
        let shortcut = ui.ctx().format_shortcut(&CAPTURE_SHORTCUT);
        let capturing = self.is_capturing();
        let start = egui::Button::new("Start").shortcut_text(shortcut.clone());
        if ui.add_enabled(!capturing, start).clicked() {
            asked.push(Command::StartCapture);
            ui.close();
        }
        let stop = egui::Button::new("Stop").shortcut_text(shortcut);
        if ui.add_enabled(capturing, stop).clicked() {
            asked.push(Command::StopCapture);
            ui.close();
        }
        let restart =
            egui::Button::new("Restart").shortcut_text(ui.ctx().format_shortcut(&RESTART_SHORTCUT));
        if ui.add_enabled(capturing, restart).clicked() {
            asked.push(Command::RestartCapture);
            ui.close();
        }
    }

    fn analyze_menu(&mut self, ui: &mut egui::Ui, asked: &mut Vec<Command>) {
        item(ui, "Decode As…", Command::DecodeAs, asked);
        item(ui, "TLS Keys…", Command::TlsKeys, asked);
        item(ui, "Expert Information", Command::ExpertInfo, asked);
        let follow = egui::Button::new("Follow TCP Stream")
            .shortcut_text(ui.ctx().format_shortcut(&FOLLOW_SHORTCUT));
        if ui.add(follow).clicked() {
            asked.push(Command::FollowTcpStream);
            ui.close();
        }
        let has_stream = self.selected_tcp_stream().is_some();
        if ui
            .add_enabled(has_stream, egui::Button::new("Follow TLS Stream"))
            .clicked()
        {
            asked.push(Command::FollowTlsStream);
            ui.close();
        }
        if ui
            .add_enabled(has_stream, egui::Button::new("Follow HTTP/2 Stream"))
            .clicked()
        {
            asked.push(Command::FollowHttp2Stream);
            ui.close();
        }
        let has_quic = self.selected_quic_connection().is_some();
        if ui
            .add_enabled(has_quic, egui::Button::new("Follow HTTP/3 Stream"))
            .clicked()
        {
            asked.push(Command::FollowHttp3Stream);
            ui.close();
        }
    }

    fn statistics_menu(&mut self, ui: &mut egui::Ui, asked: &mut Vec<Command>) {
        item(ui, "Conversations", Command::Conversations, asked);
        item(ui, "I/O Graph", Command::IoGraph, asked);
        item(ui, "Flow Graph", Command::FlowGraph, asked);
        let has_stream = self.selected_tcp_stream().is_some();
        if ui
            .add_enabled(has_stream, egui::Button::new("TCP Stream Graphs"))
            .clicked()
        {
            asked.push(Command::TcpStreamGraphs);
            ui.close();
        }
        let has_quic = self.selected_quic_connection().is_some();
        if ui
            .add_enabled(has_quic, egui::Button::new("QUIC Connection Graphs"))
            .clicked()
        {
            asked.push(Command::QuicConnectionGraphs);
            ui.close();
        }
        // Last, so that the items above keep their places (the Xvfb
        // smoke test clicks TCP Stream Graphs where it stands).
        item(ui, "HTTP Requests", Command::HttpRequests, asked);
        item(ui, "gRPC Calls", Command::GrpcCalls, asked);
        item(ui, "SSE Streams", Command::SseStreams, asked);
    }
}

/// A menu item that asks for `c` when clicked (and closes the menu).
fn item(ui: &mut egui::Ui, label: &str, c: Command, asked: &mut Vec<Command>) {
    if ui.button(label).clicked() {
        asked.push(c);
        ui.close();
    }
}
