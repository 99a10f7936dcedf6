//! The desktop app (egui/eframe, glow renderer). Panels only read store
//! snapshots and lay out what is visible; loading, capture and analysis run
//! on their own threads and ask for a repaint when they publish.

pub mod app;
pub mod capture_options;
pub mod colour_rules;
pub mod compiled_text;
pub mod conversations;
pub mod decimate;
pub mod details;
pub mod displayed;
pub mod document;
pub mod expert_info;
pub mod filter_bar;
pub mod follow_stream;
pub mod hex;
pub mod io_graph;
pub mod job;
pub mod open_dialog;
pub mod packet_list;
pub mod save_dialog;
pub mod sequence;
pub mod tcp_charts;

use std::path::PathBuf;

pub use app::WirelensApp;

/// Starts the app on `file`, or on the bundled sample capture.
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    let file = file.unwrap_or_else(document::sample_path);
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("wirelens")
            .with_inner_size([1400.0, 900.0]),
        ..Default::default()
    };
    eframe::run_native(
        "wirelens",
        options,
        Box::new(move |cc| {
            let mut app = WirelensApp::with_settings(crate::settings::SettingsFile::user());
            app.open(&file, Some(cc.egui_ctx.clone()));
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}
