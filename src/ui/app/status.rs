//! The status bar: the file, counts, load and capture progress, warnings.

use super::*;

impl WirelensApp {
    pub(super) fn status(&mut self, ui: &mut egui::Ui, snap: Option<&Snapshot>) {
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
        if self.tls_sessions > 0 {
            ui.label(format!("TLS keys: {} sessions", self.tls_sessions));
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
