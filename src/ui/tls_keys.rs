//! Analyze › TLS Keys…: the key log (SSLKEYLOGFILE) TLS is decrypted
//! with. Apply reads it (naming each line it could not read) and the app
//! analyses the open file again with it; only the path is kept in the
//! settings, never a secret. A key log dropped on the window does the same.

use std::path::{Path, PathBuf};

use eframe::egui;

#[derive(Default)]
pub struct TlsKeysWindow {
    pub open: bool,
    /// The path as typed.
    pub path: String,
    /// What the last read said: lines skipped, or why it failed.
    pub messages: Vec<String>,
    /// What Apply or Clear asked for, for the app to carry out (taken
    /// once): a key log to read, or none.
    pub accepted: Option<Option<PathBuf>>,
}

impl TlsKeysWindow {
    /// Opens the window on the key log in force.
    pub fn open_with(&mut self, current: Option<&Path>) {
        self.path = current.map(|p| p.display().to_string()).unwrap_or_default();
        self.open = true;
    }

    pub fn show(&mut self, ctx: &egui::Context, sessions: usize) {
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new("TLS Keys")
            .open(&mut open)
            .resizable(false)
            .show(ctx, |ui| self.contents(ui, sessions));
        self.open &= open;
    }

    fn contents(&mut self, ui: &mut egui::Ui, sessions: usize) {
        ui.label("Key log file (the NSS format SSLKEYLOGFILE writes):");
        ui.add(
            egui::TextEdit::singleline(&mut self.path)
                .hint_text("/path/to/sslkeys.log")
                .desired_width(420.0),
        )
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Key log file"));
        ui.label(format!("Sessions with keys: {sessions}"));
        for m in &self.messages {
            ui.colored_label(ui.visuals().warn_fg_color, m);
        }
        ui.horizontal(|ui| {
            let path = self.path.trim();
            if ui
                .add_enabled(!path.is_empty(), egui::Button::new("Apply key log"))
                .clicked()
            {
                self.accepted = Some(Some(PathBuf::from(path)));
            }
            if ui.button("Clear key log").clicked() {
                self.path.clear();
                self.messages.clear();
                self.accepted = Some(None);
            }
        });
    }
}

/// Whether a file dropped on the window is a key log rather than a
/// capture: text whose first lines hold secrets.
pub fn looks_like_key_log(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    if f.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    // Keep whole lines only.
    if let Some(end) = head.iter().rposition(|&b| b == b'\n') {
        head.truncate(end + 1);
    }
    !dissectors::tls::keylog::KeyLog::parse(&head).0.is_empty()
}
