//! The desktop app (egui/eframe, glow renderer). Panels only read store
//! snapshots and lay out what is visible; loading, capture and analysis run
//! on their own threads and ask for a repaint when they publish.

pub mod app;
pub mod capture_options;
pub mod colour_rule_editor;
pub mod colour_rules;
pub mod compiled_text;
pub mod conversations;
pub mod decimate;
pub mod decode_as;
pub mod details;
pub mod displayed;
pub mod document;
pub mod expert_info;
pub mod field_columns;
pub mod filter_bar;
pub mod flow_graph;
pub mod follow_http;
pub mod follow_stream;
pub mod frame_log;
pub mod grpc_calls;
pub mod hex;
pub mod http_requests;
pub mod io_graph;
pub mod job;
pub mod open_dialog;
pub mod packet_list;
pub mod plot_border;
pub mod png_export;
pub mod quic_connection;
pub mod recover;
pub mod report_scan;
pub mod save_bytes;
pub mod save_dialog;
pub mod sequence;
pub mod sequence_timed;
pub mod sorted_rows;
pub mod sse_streams;
pub mod tcp_charts;
pub mod tls_keys;

use std::path::PathBuf;

pub use app::WirelensApp;

/// What the app does once started, from the command line.
#[derive(Debug, Default, Clone)]
pub struct Launch {
    /// The capture to open (else the bundled sample, unless capturing).
    pub file: Option<PathBuf>,
    /// Capture on this interface (`-i`), at once with `start` (`-k`).
    pub interface: Option<String>,
    pub capture_filter: Option<String>,
    pub start: bool,
    /// A display filter to apply (`-Y`).
    pub display_filter: Option<String>,
    /// A packet to select and show (`-g`), once it is loaded.
    pub goto: Option<u32>,
    /// `--memory-limit` was given: it wins over the setting.
    pub memory_limit_set: bool,
    /// `-d` rules (already in force): they win over the saved ones.
    pub decode_as: Vec<String>,
    /// The key log `--keylog` or `-o tls.keylog_file:` named (already in
    /// force): it wins over the setting.
    pub keylog: Option<PathBuf>,
}

/// Starts the app as `launch` says.
pub fn run(launch: Launch) -> Result<(), String> {
    let frame_log = frame_log::FrameLog::from_env();
    let mut options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("wirelens")
            .with_inner_size([1400.0, 900.0]),
        // Dithering hides banding in gradients, which wirelens does not
        // draw; under a software renderer its per-pixel noise costs about
        // a quarter of a fill (examples/render_costs.rs, `fill_nodither`).
        dithering: false,
        ..Default::default()
    };
    if frame_log.is_some() {
        // With vsync a frame's interval rounds up to whole refresh periods;
        // the log is to measure what a frame costs.
        options.glow_options.vsync = false;
    }
    eframe::run_native(
        "wirelens",
        options,
        Box::new(move |cc| {
            let mut app = WirelensApp::with_settings(crate::settings::SettingsFile::user());
            app.frame_log = frame_log.map(|l| std::sync::Arc::new(std::sync::Mutex::new(l)));
            app.launch(&launch, &cc.egui_ctx);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}
