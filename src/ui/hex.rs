//! The hex pane: offset, hex and ASCII of the frame (or of a reassembled
//! buffer, one tab per data source), with the selected field's bytes
//! highlighted; clicking a byte asks for the field that holds it.

use std::ops::Range;

use eframe::egui::{self, Color32, RichText};

const PER_ROW: usize = 16;

/// What the pane reports back: a byte clicked (its offset).
pub struct HexResponse {
    pub clicked: Option<usize>,
}

/// Shows `data` with `highlight` (byte range) marked.
pub fn show(ui: &mut egui::Ui, data: &[u8], highlight: Option<Range<usize>>) -> HexResponse {
    let mut clicked = None;
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
    let rows = data.len().div_ceil(PER_ROW);
    let mark = ui.visuals().selection.bg_fill;
    let marked_text = ui.visuals().selection.stroke.color;
    egui::ScrollArea::vertical()
        .id_salt("hex")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows, |ui, visible| {
            for r in visible {
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    ui.label(
                        RichText::new(format!("{:04x}  ", r * PER_ROW))
                            .monospace()
                            .color(Color32::GRAY),
                    );
                    let line = &data[r * PER_ROW..((r + 1) * PER_ROW).min(data.len())];
                    // One byte, as hex or as a character: marked when
                    // highlighted, and clickable.
                    let mut cell = |ui: &mut egui::Ui, i: usize, text: String| {
                        let mut t = RichText::new(text).monospace();
                        if highlight.as_ref().is_some_and(|h| h.contains(&i)) {
                            t = t.background_color(mark).color(marked_text);
                        }
                        if ui
                            .add(egui::Label::new(t).sense(egui::Sense::click()))
                            .clicked()
                        {
                            clicked = Some(i);
                        }
                    };
                    for (k, b) in line.iter().enumerate() {
                        cell(ui, r * PER_ROW + k, format!("{b:02x}"));
                        let sep = if k == 7 { "  " } else { " " };
                        ui.label(RichText::new(sep).monospace());
                    }
                    let pad = PER_ROW - line.len();
                    if pad > 0 {
                        ui.label(
                            RichText::new(" ".repeat(pad * 3 + usize::from(line.len() <= 7)))
                                .monospace(),
                        );
                    }
                    ui.label(RichText::new("  ").monospace());
                    for (k, b) in line.iter().enumerate() {
                        let c = if b.is_ascii_graphic() || *b == b' ' {
                            *b as char
                        } else {
                            '.'
                        };
                        cell(ui, r * PER_ROW + k, c.to_string());
                    }
                });
            }
        });
    HexResponse { clicked }
}
