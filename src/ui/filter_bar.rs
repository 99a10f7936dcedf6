//! The display filter bar: green while the text compiles, red with the
//! offending span underlined when it does not (the message beside it),
//! field names completed as they are typed, Enter to apply, a history of
//! applied filters and buttons for saved filters (both kept in the
//! settings, which the caller hands in).

use eframe::egui::{
    self, Color32, Key, Modifiers, Response, RichText, Stroke, TextFormat, text::LayoutJob,
};

use super::compiled_text::CompiledText;
use crate::filter::compile::all_names;
use crate::filter::{DisplayFilter, FilterError};
use crate::settings::{FilterButton, Settings};

/// What the user asked for this frame.
#[derive(Debug, Clone)]
pub enum FilterAction {
    None,
    Apply(DisplayFilter),
    Clear,
}

#[derive(Default)]
pub struct FilterBar {
    pub text: String,
    /// `text` as last compiled, and the result (compiled once per edit).
    checked: CompiledText,
    /// Ask for keyboard focus next frame (Ctrl+F, "Prepare as filter").
    pub focus: bool,
    /// The saved-filter button being added or edited.
    pub editor: Option<ButtonEditor>,
}

/// The small window that adds or edits a saved-filter button.
#[derive(Debug, Clone, Default)]
pub struct ButtonEditor {
    /// The button edited (None: a new one).
    pub index: Option<usize>,
    pub label: String,
    pub filter: String,
    checked: CompiledText,
}

impl ButtonEditor {
    fn new(index: Option<usize>, label: String, filter: String) -> Self {
        ButtonEditor {
            index,
            label,
            filter,
            checked: CompiledText::default(),
        }
    }

    /// Why the filter does not compile (None: it does).
    fn error(&mut self) -> Option<String> {
        match self.checked.get(&self.filter) {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        }
    }
}

pub const FIELD_ID: &str = "display filter";
const HISTORY: usize = 30;

/// The word being typed at the end of `text`: what completion replaces.
fn last_word(text: &str) -> (usize, &str) {
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    (start, &text[start..])
}

/// Up to `max` names that extend `word`, shortest first.
pub fn completions(word: &str, max: usize) -> Vec<&'static str> {
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
        return Vec::new();
    }
    // The names sharing the prefix are one run of the sorted list.
    let names = all_names();
    let from = names.partition_point(|n| *n < word);
    let mut v: Vec<&'static str> = names[from..]
        .iter()
        .take_while(|n| n.starts_with(word))
        .filter(|n| **n != word)
        .copied()
        .collect();
    v.sort_by_key(|n| (n.len(), *n));
    v.truncate(max);
    v
}

impl FilterBar {
    /// The current text compiled (None while empty).
    pub fn status(&mut self) -> Option<&Result<DisplayFilter, FilterError>> {
        self.checked.get(&self.text)
    }

    /// Shows the bar; `settings` holds the history and the buttons.
    pub fn show(&mut self, ui: &mut egui::Ui, settings: &mut Settings) -> FilterAction {
        let mut action = FilterAction::None;
        let status = self.status().cloned();
        let dark = ui.visuals().dark_mode;
        let (ok_bg, bad_bg) = if dark {
            (
                Color32::from_rgb(0x1f, 0x4d, 0x2a),
                Color32::from_rgb(0x5c, 0x22, 0x22),
            )
        } else {
            (
                Color32::from_rgb(0xaf, 0xff, 0xaf),
                Color32::from_rgb(0xff, 0xaf, 0xaf),
            )
        };
        let bg = match &status {
            None => None,
            Some(Ok(_)) => Some(ok_bg),
            Some(Err(_)) => Some(bad_bg),
        };
        let error_span = status
            .as_ref()
            .and_then(|s| s.as_ref().err())
            .map(|e| e.span);
        let id = egui::Id::unique(FIELD_ID);
        let focused = ui.memory(|m| m.has_focus(id));
        let (word_at, word) = last_word(&self.text);
        let offers = if focused {
            completions(word, 8)
        } else {
            Vec::new()
        };
        // Tab takes the first completion (before the text field sees it).
        if focused
            && !offers.is_empty()
            && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Tab))
        {
            self.text.truncate(word_at);
            self.text.push_str(offers[0]);
        }
        let mut chosen = None;
        ui.horizontal(|ui| {
            let label = ui.label("Filter:").id;
            // Laid out from the right, so the text field takes what the
            // buttons leave: … [Apply] [Clear] [History] | saved… [+]
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(a) = self.buttons(ui, &mut settings.filter_buttons) {
                    action = a;
                }
                ui.separator();
                ui.menu_button("History", |ui| {
                    if settings.filter_history.is_empty() {
                        ui.weak("No filters applied yet.");
                    }
                    for h in settings.filter_history.clone() {
                        if ui.button(RichText::new(&h).monospace()).clicked() {
                            self.text = h;
                            if let Some(Ok(f)) = self.status() {
                                action = FilterAction::Apply(f.clone());
                            }
                            ui.close();
                        }
                    }
                });
                if ui.button("Clear").clicked() {
                    self.text.clear();
                    action = FilterAction::Clear;
                }
                let apply = ui.button("Apply").clicked();
                let font = egui::TextStyle::Monospace.resolve(ui.style());
                let text_colour = ui.visuals().text_color();
                let underline = ui.visuals().error_fg_color;
                let mut layouter = |ui: &egui::Ui, text: &dyn egui::TextBuffer, wrap: f32| {
                    let text = text.as_str();
                    let mut job = LayoutJob::default();
                    let plain = TextFormat::simple(font.clone(), text_colour);
                    let marked = TextFormat {
                        underline: Stroke::new(2.0, underline),
                        ..plain.clone()
                    };
                    match error_span {
                        Some(s) if s.start <= text.len() => {
                            let end = s.end().clamp(s.start, text.len());
                            // An empty span (the filter ended too soon) marks
                            // the last character.
                            let (a, b) = if end == s.start {
                                let a = text[..s.start]
                                    .char_indices()
                                    .last()
                                    .map_or(s.start, |(i, _)| i);
                                (a, s.start)
                            } else {
                                (s.start, end)
                            };
                            if text.is_char_boundary(a) && text.is_char_boundary(b) {
                                job.append(&text[..a], 0.0, plain.clone());
                                job.append(&text[a..b], 0.0, marked);
                                job.append(&text[b..], 0.0, plain);
                            } else {
                                job.append(text, 0.0, plain);
                            }
                        }
                        _ => job.append(text, 0.0, plain),
                    }
                    job.wrap.max_width = wrap;
                    ui.fonts_mut(|f| f.layout_job(job))
                };
                let mut edit = egui::TextEdit::singleline(&mut self.text)
                    .id(id)
                    .hint_text("Apply a display filter … (Ctrl+F)")
                    .desired_width(ui.available_width())
                    .layouter(&mut layouter);
                if let Some(c) = bg {
                    edit = edit.background_color(c);
                }
                let out = edit.show(ui);
                let _ = Response::clone(&out.response).labelled_by(label);
                if self.focus {
                    out.response.request_focus();
                    self.focus = false;
                }
                let entered = out.response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                if apply || entered {
                    action = match &status {
                        None => FilterAction::Clear,
                        Some(Ok(f)) => FilterAction::Apply(f.clone()),
                        Some(Err(_)) => FilterAction::None,
                    };
                }
                if !offers.is_empty() {
                    let below = out.response.rect.left_bottom();
                    egui::Area::new(egui::Id::unique("filter completions"))
                        .fixed_pos(below)
                        .order(egui::Order::Foreground)
                        .show(ui.ctx(), |ui| {
                            egui::Frame::popup(ui.style()).show(ui, |ui| {
                                for o in &offers {
                                    if ui
                                        .selectable_label(false, RichText::new(*o).monospace())
                                        .clicked()
                                    {
                                        chosen = Some(*o);
                                    }
                                }
                            });
                        });
                }
            });
        });
        if let Some(o) = chosen {
            self.text.truncate(word_at);
            self.text.push_str(o);
            self.focus = true;
        }
        if let Some(Err(e)) = &status {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
        if let FilterAction::Apply(f) = &action {
            remember(&mut settings.filter_history, f.text());
        }
        action
    }

    /// The saved filters as a row of buttons: a click applies one, its
    /// context menu edits or removes it, "+" saves the current text.
    fn buttons(
        &mut self,
        ui: &mut egui::Ui,
        buttons: &mut Vec<FilterButton>,
    ) -> Option<FilterAction> {
        let mut action = None;
        let mut remove = None;
        // Right to left: "+" at the far right, then the buttons from the last.
        {
            if ui
                .button("+")
                .on_hover_text("Save the current filter as a button")
                .clicked()
            {
                self.editor = Some(ButtonEditor::new(None, String::new(), self.text.clone()));
            }
            for (i, b) in buttons.iter().enumerate().rev() {
                let r = ui
                    .button(&b.label)
                    .on_hover_text(RichText::new(&b.filter).monospace());
                if r.clicked() {
                    self.text = b.filter.clone();
                    match self.status() {
                        Some(Ok(f)) => action = Some(FilterAction::Apply(f.clone())),
                        // A saved filter that no longer compiles shows why.
                        _ => self.focus = true,
                    }
                }
                r.context_menu(|ui| {
                    if ui.button("Edit…").clicked() {
                        self.editor = Some(ButtonEditor::new(
                            Some(i),
                            b.label.clone(),
                            b.filter.clone(),
                        ));
                        ui.close();
                    }
                    if ui.button("Remove").clicked() {
                        remove = Some(i);
                        ui.close();
                    }
                });
            }
        }
        if let Some(i) = remove {
            buttons.remove(i);
        }
        self.editor_window(ui.ctx(), buttons);
        action
    }

    fn editor_window(&mut self, ctx: &egui::Context, buttons: &mut Vec<FilterButton>) {
        let Some(ed) = &mut self.editor else {
            return;
        };
        let mut open = true;
        let mut done = false;
        let error = ed.error();
        egui::Window::new("Filter button")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("filter button fields").show(ui, |ui| {
                    let l = ui.label("Label:");
                    ui.text_edit_singleline(&mut ed.label).labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Filter:");
                    ui.add(egui::TextEdit::singleline(&mut ed.filter).code_editor())
                        .labelled_by(l.id);
                    ui.end_row();
                });
                if let Some(e) = &error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                let ok = error.is_none() && !ed.label.trim().is_empty();
                if ui.add_enabled(ok, egui::Button::new("Save")).clicked() {
                    let b = FilterButton {
                        label: ed.label.trim().to_string(),
                        filter: ed.filter.clone(),
                    };
                    match ed.index.and_then(|i| buttons.get_mut(i)) {
                        Some(old) => *old = b,
                        None => buttons.push(b),
                    }
                    done = true;
                }
            });
        if done || !open {
            self.editor = None;
        }
    }
}

/// Puts `text` first in the history of applied filters.
fn remember(history: &mut Vec<String>, text: &str) {
    history.retain(|h| h != text);
    history.insert(0, text.to_string());
    history.truncate(HISTORY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_the_last_word() {
        assert_eq!(last_word("ip.addr == 1 && tcp.po"), (16, "tcp.po"));
        let c = completions("tcp.po", 8);
        assert_eq!(c.first(), Some(&"tcp.port"));
        assert!(completions("80", 8).is_empty());
    }

    #[test]
    fn the_default_buttons_compile() {
        for b in Settings::default().filter_buttons {
            assert!(DisplayFilter::compile(&b.filter).is_ok(), "{}", b.filter);
        }
    }
}
