//! Analyze › Decode As…: a table of rules (field, value, protocol) as
//! Wireshark's dialog has. OK checks every rule; the app then applies
//! them with a re-analysis and keeps them in the settings. The rules are
//! spelled as tshark's `-d`, so what the window shows can be pasted on a
//! command line and back.

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use dissectors::packet::Table;
use dissectors::registry::DECODE_AS;

/// Fields a rule may key on, with the dissector table each names.
const FIELDS: &[(&str, Table)] = &[
    ("tcp.port", Table::TcpPort),
    ("udp.port", Table::UdpPort),
    ("ethertype", Table::EtherType),
    ("ip.proto", Table::IpProto),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeAsRow {
    pub field: String,
    /// A port, a range (`8000-8100`) or an ethertype (`0x8847`).
    pub value: String,
    pub protocol: String,
}

impl DecodeAsRow {
    /// The rule as tshark's `-d` spells it.
    pub fn spelled(&self) -> String {
        format!("{}=={},{}", self.field, self.value.trim(), self.protocol)
    }

    /// A row from a `-d` spelling, when it has the three parts.
    fn parse(rule: &str) -> Option<DecodeAsRow> {
        let (field, rest) = rule.split_once("==")?;
        let (value, protocol) = rest.split_once(',')?;
        Some(DecodeAsRow {
            field: field.trim().into(),
            value: value.trim().into(),
            protocol: protocol.trim().into(),
        })
    }
}

#[derive(Default)]
pub struct DecodeAsWindow {
    pub open: bool,
    rows: Vec<DecodeAsRow>,
    error: Option<String>,
    /// The rules OK accepted, for the app to apply (taken once).
    pub accepted: Option<Vec<String>>,
}

impl DecodeAsWindow {
    /// Opens the window on the rules in force.
    pub fn open_with(&mut self, rules: &[String]) {
        self.rows = rules.iter().filter_map(|r| DecodeAsRow::parse(r)).collect();
        self.error = None;
        self.open = true;
    }

    /// The rules as the window holds them, in tshark's spelling.
    pub fn spelled(&self) -> Vec<String> {
        self.rows.iter().map(DecodeAsRow::spelled).collect()
    }

    /// Why OK last refused the rules.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn show(&mut self, ctx: &egui::Context) {
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new("Decode As")
            .open(&mut open)
            .default_size([640.0, 320.0])
            .show(ctx, |ui| self.contents(ui));
        self.open = open && self.open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if ui.button("Add rule").clicked() {
                self.rows.push(DecodeAsRow {
                    field: "tcp.port".into(),
                    value: String::new(),
                    protocol: "http".into(),
                });
            }
            ui.weak("As tshark's -d: tcp.port==8443,http2");
        });
        ui.separator();
        let mut remove = None;
        TableBuilder::new(ui)
            .striped(true)
            .column(Column::auto().at_least(110.0))
            .column(Column::auto().at_least(140.0))
            .column(Column::auto().at_least(120.0))
            .column(Column::remainder())
            .header(20.0, |mut h| {
                for title in ["Field", "Value", "Decode as", ""] {
                    h.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|mut body| {
                for (i, row) in self.rows.iter_mut().enumerate() {
                    body.row(24.0, |mut r| {
                        r.col(|ui| field_choice(ui, i, row));
                        r.col(|ui| {
                            let edit = egui::TextEdit::singleline(&mut row.value)
                                .hint_text("8443 or 8000-8100");
                            let label = format!("Value {}", i + 1);
                            ui.add(edit).widget_info(|| {
                                egui::WidgetInfo::labeled(egui::Role::TextInput, true, &label)
                            });
                        });
                        r.col(|ui| protocol_choice(ui, i, row));
                        r.col(|ui| {
                            if ui.button(format!("Remove {}", i + 1)).clicked() {
                                remove = Some(i);
                            }
                        });
                    });
                }
            });
        if let Some(i) = remove {
            self.rows.remove(i);
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("OK").clicked() {
                self.accept();
            }
            if ui.button("Cancel").clicked() {
                self.open = false;
            }
        });
    }

    /// Checks every rule; on success hands them to the app and closes.
    fn accept(&mut self) {
        let spelled: Vec<String> = self.rows.iter().map(DecodeAsRow::spelled).collect();
        match crate::pass::decode_as_rules(&spelled) {
            Ok(_) => {
                self.accepted = Some(spelled);
                self.error = None;
                self.open = false;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

fn field_choice(ui: &mut egui::Ui, i: usize, row: &mut DecodeAsRow) {
    let label = format!("Field {}", i + 1);
    egui::ComboBox::from_id_salt(("decode-as-field", i))
        .selected_text(row.field.clone())
        .show_ui(ui, |ui| {
            for (name, _) in FIELDS {
                ui.selectable_value(&mut row.field, (*name).to_string(), *name);
            }
        })
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, &label));
}

/// The protocols Decode As offers for the row's field.
fn protocol_choice(ui: &mut egui::Ui, i: usize, row: &mut DecodeAsRow) {
    let table = FIELDS
        .iter()
        .find(|(n, _)| *n == row.field)
        .map(|(_, t)| *t);
    let label = format!("Decode as {}", i + 1);
    let offered = |name: &str| {
        DECODE_AS
            .iter()
            .any(|t| t.name == name && table.is_none_or(|tb| t.tables.contains(&tb)))
    };
    if !offered(&row.protocol) {
        // The field changed to one this protocol is not offered for.
        row.protocol = DECODE_AS
            .iter()
            .find(|t| table.is_none_or(|tb| t.tables.contains(&tb)))
            .map_or("data", |t| t.name)
            .to_string();
    }
    egui::ComboBox::from_id_salt(("decode-as-protocol", i))
        .selected_text(row.protocol.clone())
        .height(480.0)
        .show_ui(ui, |ui| {
            for target in DECODE_AS
                .iter()
                .filter(|t| table.is_none_or(|tb| t.tables.contains(&tb)))
            {
                ui.selectable_value(&mut row.protocol, target.name.to_string(), target.name);
            }
        })
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, &label));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_spells_and_reads_as_tshark() {
        let row = DecodeAsRow::parse("udp.port==8472,vxlan").unwrap();
        assert_eq!(row.field, "udp.port");
        assert_eq!(row.value, "8472");
        assert_eq!(row.protocol, "vxlan");
        assert_eq!(row.spelled(), "udp.port==8472,vxlan");
    }

    #[test]
    fn ok_refuses_a_bad_rule_and_names_it() {
        let mut w = DecodeAsWindow::default();
        w.open_with(&["tcp.port==99999,http".to_string()]);
        w.accept();
        assert!(w.accepted.is_none());
        assert!(
            w.error.as_deref().unwrap().contains("99999"),
            "{:?}",
            w.error
        );
        w.rows[0].value = "8080".into();
        w.accept();
        assert_eq!(
            w.accepted.as_deref(),
            Some(&["tcp.port==8080,http".to_string()][..])
        );
        assert!(!w.open);
    }
}
