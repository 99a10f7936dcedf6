//! Packet-list columns of field values (Wireshark's custom columns): which
//! fields they show, and the sink a row is dissected into to fill them.
//! The sink keeps only those fields, so dissectors skip the work of the
//! rest, as for a display filter.

use std::fmt;

use eframe::egui;

use dissectors::expert::ExpertDef;
use dissectors::field::{FieldDef, Value};
use dissectors::registry::{self, Named};
use dissectors::sink::{Presence, Sink, Span};
use dissectors::tree::write_column_text;

use crate::settings::FieldColumn;

/// The field a column names, or why it names none.
pub fn resolve(name: &str) -> Result<&'static FieldDef, String> {
    match registry::by_name().get(name.trim()) {
        Some(Named::Field(def)) => Ok(def),
        Some(Named::Protocol(_)) => Err(format!("{name} is a protocol, not a field")),
        Some(Named::Expert(_)) => Err(format!("{name} is an expert item, not a field")),
        None => Err(match crate::filter::compile::suggest(name.trim()) {
            Some(near) => format!("no field is named {name} (did you mean {near}?)"),
            None => format!("no field is named {name}"),
        }),
    }
}

/// One row's values for each field column: every occurrence of the field
/// in the frame, joined by commas as Wireshark joins them.
#[derive(Debug, Default)]
pub struct FieldColumnSink {
    /// The field of each column (None: the name resolves to no field).
    defs: Vec<Option<&'static FieldDef>>,
    pub texts: Vec<String>,
    /// The first value of each column as a number, when it is one (the
    /// list sorts numeric columns by number, not as text).
    pub numbers: Vec<Option<f64>>,
}

impl FieldColumnSink {
    pub fn new(columns: &[FieldColumn]) -> Self {
        FieldColumnSink {
            defs: columns.iter().map(|c| resolve(&c.field).ok()).collect(),
            texts: vec![String::new(); columns.len()],
            numbers: vec![None; columns.len()],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Ready for the next frame.
    pub fn clear(&mut self) {
        self.texts.iter_mut().for_each(String::clear);
        self.numbers.iter_mut().for_each(|n| *n = None);
    }

    fn keep(&mut self, def: &'static FieldDef, value: Value<'_>) {
        for (i, d) in self.defs.iter().enumerate() {
            if !d.is_some_and(|d| std::ptr::eq(d, def)) {
                continue;
            }
            let text = &mut self.texts[i];
            // A hostile frame can repeat a field thousands of times; a
            // cell shows a few hundred characters at most.
            if text.len() > MAX_CELL {
                continue;
            }
            if !text.is_empty() {
                text.push(',');
            }
            write_column_text(text, def, &value);
            if self.numbers[i].is_none() {
                self.numbers[i] = number(&value);
            }
        }
    }
}

/// Characters a cell keeps before it stops adding occurrences.
const MAX_CELL: usize = 1024;

fn number(v: &Value<'_>) -> Option<f64> {
    match *v {
        Value::Bool(b) => Some(f64::from(u8::from(b))),
        Value::U64(v) => Some(v as f64),
        Value::I64(v) => Some(v as f64),
        Value::F64(v) => Some(v),
        Value::AbsTime(ns) | Value::RelTime(ns) => Some(ns as f64),
        _ => None,
    }
}

impl Sink for FieldColumnSink {
    fn wants(&self, def: &'static FieldDef) -> bool {
        self.defs
            .iter()
            .any(|d| d.is_some_and(|d| std::ptr::eq(d, def)))
    }
    fn wants_text(&self) -> bool {
        false
    }
    fn layer(&mut self, _proto: &'static FieldDef, _span: Span, _label: fmt::Arguments<'_>) {}
    fn end_layer(&mut self) {}
    fn field(&mut self, def: &'static FieldDef, _span: Span, value: Value<'_>, _p: Presence) {
        self.keep(def, value);
    }
    fn text(&mut self, _span: Span, _label: fmt::Arguments<'_>) {}
    fn push(&mut self) {}
    fn pop(&mut self) {}
    fn expert(&mut self, _def: &'static ExpertDef, _span: Span, _message: fmt::Arguments<'_>) {}
}

/// Adds the column for `def`, titled as the details tree names it, unless
/// one shows that field already.
pub fn add_column(columns: &mut Vec<FieldColumn>, def: &FieldDef) {
    if !columns.iter().any(|c| c.field == def.name) {
        columns.push(FieldColumn {
            title: def.title.to_string(),
            field: def.name.to_string(),
        });
    }
}

/// The field-column part of View › Columns: the columns with a button to
/// remove each, and a line to add one by its field name.
#[derive(Debug, Default)]
pub struct FieldColumnsEditor {
    pub entry: String,
    pub error: Option<String>,
}

impl FieldColumnsEditor {
    pub fn ui(&mut self, ui: &mut egui::Ui, columns: &mut Vec<FieldColumn>) {
        let mut remove = None;
        for (i, c) in columns.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(format!("{} ({})", c.title, c.field));
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            columns.remove(i);
        }
        ui.horizontal(|ui| {
            let name = ui.label("Field:");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.entry)
                        .hint_text("e.g. tcp.window_size")
                        .desired_width(200.0),
                )
                .labelled_by(name.id);
            let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Add column").clicked() || entered {
                match resolve(&self.entry) {
                    Ok(def) => {
                        add_column(columns, def);
                        self.entry.clear();
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e),
                }
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(field: &str) -> FieldColumn {
        FieldColumn {
            title: field.into(),
            field: field.into(),
        }
    }

    #[test]
    fn names_resolve_to_fields_and_others_say_why_not() {
        assert_eq!(resolve("tcp.srcport").unwrap().name, "tcp.srcport");
        assert_eq!(resolve(" dns.a ").unwrap().name, "dns.a");
        assert!(resolve("tcp").unwrap_err().contains("protocol"));
        let e = resolve("tcp.srcprt").unwrap_err();
        assert!(e.contains("did you mean tcp.srcport"), "{e}");
    }

    #[test]
    fn occurrences_join_with_commas_and_cells_stay_bounded() {
        let a = resolve("dns.a").unwrap();
        let port = resolve("tcp.srcport").unwrap();
        let mut s = FieldColumnSink::new(&[column("dns.a"), column("tcp.srcport")]);
        assert!(s.wants(a) && s.wants(port));
        assert!(!s.wants(resolve("tcp.dstport").unwrap()));
        s.field(
            a,
            Span::default(),
            Value::Ipv4([1, 2, 3, 4]),
            Presence::Normal,
        );
        s.field(
            a,
            Span::default(),
            Value::Ipv4([5, 6, 7, 8]),
            Presence::Normal,
        );
        s.field(port, Span::default(), Value::U64(443), Presence::Normal);
        assert_eq!(s.texts, ["1.2.3.4,5.6.7.8", "443"]);
        assert_eq!(s.numbers, [None, Some(443.0)]);
        for _ in 0..100_000 {
            s.field(
                a,
                Span::default(),
                Value::Ipv4([1, 2, 3, 4]),
                Presence::Normal,
            );
        }
        assert!(s.texts[0].len() < MAX_CELL + 20);
        s.clear();
        assert_eq!(s.texts, ["", ""]);
    }
}
