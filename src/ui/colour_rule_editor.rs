//! View › Colouring Rules: the rules the packet list is coloured by, in
//! the order they are tried (the first match colours a row), each with its
//! display filter and colours. Edits apply at once and are kept in the
//! settings; a filter that does not compile is shown red with its error,
//! and its rule colours nothing until it is fixed.

use eframe::egui::{self, Color32, RichText};

use crate::settings::{ColourRule, default_colour_rules};

#[derive(Default)]
pub struct ColourRuleEditor {
    pub open: bool,
}

impl ColourRuleEditor {
    /// `errors`: (rule name, error) of the rules whose filters do not
    /// compile.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        rules: &mut Vec<ColourRule>,
        errors: &[(String, String)],
    ) {
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new("Colouring Rules")
            .open(&mut open)
            .default_size([900.0, 480.0])
            .show(ctx, |ui| contents(ui, rules, errors));
        self.open = open;
    }
}

/// What a row's buttons asked for.
enum Edit {
    Up(usize),
    Down(usize),
    Remove(usize),
}

fn contents(ui: &mut egui::Ui, rules: &mut Vec<ColourRule>, errors: &[(String, String)]) {
    ui.horizontal(|ui| {
        if ui.button("Add rule").clicked() {
            rules.push(ColourRule {
                name: format!("Rule {}", rules.len() + 1),
                filter: String::new(),
                foreground: (18, 39, 46),
                background: (255, 255, 255),
                enabled: true,
            });
        }
        if ui.button("Restore defaults").clicked() {
            *rules = default_colour_rules();
        }
        ui.weak("The first rule a packet matches colours its row.");
    });
    ui.separator();
    let mut edit = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("colour rules")
            .striped(true)
            .show(ui, |ui| {
                for h in ["", "On", "Name", "Display filter", "Colours", "", ""] {
                    ui.strong(h);
                }
                ui.end_row();
                let n = rules.len();
                for (i, r) in rules.iter_mut().enumerate() {
                    // The rule's place, which names its widgets for screen
                    // readers (and tests).
                    let place = ui.weak(format!("Rule {}", i + 1));
                    ui.checkbox(&mut r.enabled, "").labelled_by(place.id);
                    // Sized: a grid cell shrinks a text edit to its text.
                    ui.add_sized([140.0, 20.0], egui::TextEdit::singleline(&mut r.name))
                        .labelled_by(place.id);
                    let error = errors.iter().find(|(n, _)| *n == r.name).map(|(_, e)| e);
                    ui.vertical(|ui| {
                        let mut f = egui::TextEdit::singleline(&mut r.filter).code_editor();
                        if error.is_some() {
                            f = f.background_color(Color32::from_rgb(0x5c, 0x22, 0x22));
                        }
                        ui.add_sized([420.0, 20.0], f).labelled_by(place.id);
                        if let Some(e) = error {
                            ui.colored_label(ui.visuals().error_fg_color, e);
                        }
                    });
                    ui.horizontal(|ui| {
                        colour_button(ui, &mut r.foreground);
                        colour_button(ui, &mut r.background);
                        let (fg, bg) = (r.foreground, r.background);
                        ui.label(
                            RichText::new(" Sample ")
                                .monospace()
                                .color(Color32::from_rgb(fg.0, fg.1, fg.2))
                                .background_color(Color32::from_rgb(bg.0, bg.1, bg.2)),
                        );
                    });
                    ui.horizontal(|ui| {
                        if ui.add_enabled(i > 0, egui::Button::new("Up")).clicked() {
                            edit = Some(Edit::Up(i));
                        }
                        if ui
                            .add_enabled(i + 1 < n, egui::Button::new("Down"))
                            .clicked()
                        {
                            edit = Some(Edit::Down(i));
                        }
                    });
                    if ui.button("Remove").clicked() {
                        edit = Some(Edit::Remove(i));
                    }
                    ui.end_row();
                }
            });
    });
    match edit {
        Some(Edit::Up(i)) => rules.swap(i - 1, i),
        Some(Edit::Down(i)) => rules.swap(i, i + 1),
        Some(Edit::Remove(i)) => {
            rules.remove(i);
        }
        None => {}
    }
}

fn colour_button(ui: &mut egui::Ui, c: &mut (u8, u8, u8)) {
    let mut rgb = [c.0, c.1, c.2];
    if egui::color_picker::color_edit_button_srgb(ui, &mut rgb).changed() {
        *c = (rgb[0], rgb[1], rgb[2]);
    }
}
