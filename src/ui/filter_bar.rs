//! The display filter bar: green while the text compiles, red with the
//! offending span underlined when it does not (the message beside it),
//! field names completed as they are typed, Enter to apply, and a history
//! of applied filters.

use eframe::egui::{self, Color32, Key, Modifiers, RichText, Stroke, TextFormat, text::LayoutJob};

use crate::filter::compile::all_names;
use crate::filter::{DisplayFilter, FilterError};

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
    checked: Option<(String, Result<DisplayFilter, FilterError>)>,
    /// Applied filters, latest first.
    pub history: Vec<String>,
    /// Ask for keyboard focus next frame (Ctrl+F, "Prepare as filter").
    pub focus: bool,
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
        if self.text.trim().is_empty() {
            return None;
        }
        if self.checked.as_ref().is_none_or(|(t, _)| *t != self.text) {
            let r = DisplayFilter::compile(&self.text);
            self.checked = Some((self.text.clone(), r));
        }
        self.checked.as_ref().map(|(_, r)| r)
    }

    fn remember(&mut self, text: &str) {
        self.history.retain(|h| h != text);
        self.history.insert(0, text.to_string());
        self.history.truncate(HISTORY);
    }

    pub fn show(&mut self, ui: &mut egui::Ui) -> FilterAction {
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
            ui.label("Filter:");
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
                .desired_width(ui.available_width() - 260.0)
                .layouter(&mut layouter);
            if let Some(c) = bg {
                edit = edit.background_color(c);
            }
            let out = edit.show(ui);
            if self.focus {
                out.response.request_focus();
                self.focus = false;
            }
            let entered = out.response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if ui.button("Apply").clicked() || entered {
                action = match &status {
                    None => FilterAction::Clear,
                    Some(Ok(f)) => FilterAction::Apply(f.clone()),
                    Some(Err(_)) => FilterAction::None,
                };
            }
            if ui.button("Clear").clicked() {
                self.text.clear();
                action = FilterAction::Clear;
            }
            ui.menu_button("History", |ui| {
                if self.history.is_empty() {
                    ui.weak("No filters applied yet.");
                }
                for h in self.history.clone() {
                    if ui.button(RichText::new(&h).monospace()).clicked() {
                        self.text = h;
                        if let Some(Ok(f)) = self.status() {
                            action = FilterAction::Apply(f.clone());
                        }
                        ui.close();
                    }
                }
            });
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
        if let Some(o) = chosen {
            self.text.truncate(word_at);
            self.text.push_str(o);
            self.focus = true;
        }
        if let Some(Err(e)) = &status {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
        if let FilterAction::Apply(f) = &action {
            self.remember(f.text());
        }
        action
    }
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
}
