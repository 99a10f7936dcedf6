//! The packet list: a virtualized table that lays out only the visible
//! rows. Each visible row's Source, Destination, Protocol and Info come
//! from dissecting that one frame again with its kept tape (store::frame),
//! cached while it stays in view.

use std::collections::HashMap;

use dissectors::packet::PacketInfo;
use dissectors::sink::NullSink;
use eframe::egui::{self, Color32, RichText, Sense, emath::GuiRounding as _};
use egui_extras::{Column, TableBuilder};

use super::colour_rules::ColourRules;
use super::field_columns::FieldColumnSink;
use super::sorted_rows::{ListColumn, SortKey};
use crate::settings::FieldColumn;
use crate::store::Snapshot;
use crate::store::frame::{PacketBytes, redissect};

/// The text of one row's dissected columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowText {
    pub source: String,
    pub destination: String,
    pub protocol: String,
    pub info: String,
    /// Each field column's cell.
    pub fields: Vec<String>,
    /// The colouring rule the row matches (index into [`ColourRules`]).
    pub rule: Option<usize>,
}

/// Rows dissected for display, by frame number. Bounded: a long scroll
/// through millions of rows keeps only what was seen last.
#[derive(Default)]
pub struct RowCache {
    rows: HashMap<u32, RowText>,
    pi: PacketInfo,
    pub colours: ColourRules,
    /// The field columns the rows were made for, and their sink.
    field_columns: Vec<FieldColumn>,
    fields: FieldColumnSink,
}

const CACHE_ROWS: usize = 4096;

impl RowCache {
    pub fn get(&mut self, snap: &Snapshot, bytes: &dyn PacketBytes, number: u32) -> &RowText {
        if self.rows.len() >= CACHE_ROWS && !self.rows.contains_key(&number) {
            self.rows.clear();
        }
        let (pi, colours, fields) = (&mut self.pi, &mut self.colours, &mut self.fields);
        self.rows.entry(number).or_insert_with(|| {
            fields.clear();
            // With no field columns, NullSink: its `wants` is a constant
            // false, so the dissectors' field work compiles away (an empty
            // column sink would also want nothing, but asked at run time).
            let dissected = if fields.is_empty() {
                redissect(snap, bytes, number, &mut NullSink, pi)
            } else {
                redissect(snap, bytes, number, fields, pi)
            };
            if !dissected {
                return RowText::default();
            }
            RowText {
                source: pi.src.to_string(),
                destination: pi.dst.to_string(),
                protocol: pi.protocol.to_string(),
                info: pi.info.clone(),
                fields: fields.texts.clone(),
                rule: colours.rule_for(snap, bytes, number),
            }
        })
    }

    /// Shows `columns` from now on (rows already made are redone);
    /// whether they changed.
    pub fn set_field_columns(&mut self, columns: &[FieldColumn]) -> bool {
        if self.field_columns == columns {
            return false;
        }
        self.field_columns = columns.to_vec();
        self.fields = FieldColumnSink::new(columns);
        self.rows.clear();
        true
    }

    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// Uses `rules` from now on (rows already coloured are redone).
    pub fn set_rules(&mut self, rules: &[crate::settings::ColourRule]) {
        if self.colours.set(rules) {
            self.rows.clear();
        }
    }
}

pub use crate::settings::TimeFormat;

pub fn time_text(snap: &Snapshot, i: usize, format: TimeFormat) -> String {
    let Some(row) = snap.index.row(i) else {
        return String::new();
    };
    let base = match format {
        TimeFormat::Relative => snap.index.row(0).map_or(row.ts_ns, |r| r.ts_ns),
        TimeFormat::Delta => snap
            .index
            .row(i.saturating_sub(1))
            .map_or(row.ts_ns, |r| r.ts_ns),
        TimeFormat::Absolute => 0,
    };
    let d = row.ts_ns.saturating_sub(base);
    let sign = if d < 0 { "-" } else { "" };
    let d = d.unsigned_abs();
    format!(
        "{sign}{}.{:06}",
        d / 1_000_000_000,
        (d % 1_000_000_000) / 1000
    )
}

/// What the list reports back to the app this frame.
#[derive(Default)]
pub struct ListResponse {
    /// A row was clicked or reached with the keyboard: its frame number.
    pub selected: Option<u32>,
    /// A column's header was clicked (sort by it).
    pub sort_clicked: Option<ListColumn>,
}

/// The row a frame has in the list (None: not shown).
pub type RowOf<'a> = dyn Fn(u32) -> Option<usize> + 'a;

/// Shows the list; `selected` is the selected frame number, `scroll_to`
/// asks to bring a frame into view (keyboard navigation, jumps).
/// `rows`: the frame numbers shown, in the order shown (a display filter's,
/// or a sorted order), with each frame's row; every frame in capture order
/// without one. `sort`: the column sorted by, marked in its header.
/// `columns`: the columns shown, in order; `fields`: the settings' field
/// columns, which [`ListColumn::Field`] indexes.
#[allow(clippy::too_many_arguments)]
pub fn show(
    ui: &mut egui::Ui,
    snap: &Snapshot,
    bytes: &dyn PacketBytes,
    cache: &mut RowCache,
    selected: Option<u32>,
    scroll_to: Option<u32>,
    time: TimeFormat,
    rows: Option<(&[u32], &RowOf)>,
    sort: Option<SortKey>,
    columns: &[ListColumn],
    fields: &[FieldColumn],
) -> ListResponse {
    let mut out = ListResponse::default();
    let displayed = rows.map(|(r, _)| r);
    let n = displayed.map_or(snap.index.len(), <[u32]>::len);
    let row_of = |number: u32| match rows {
        None => Some(number.saturating_sub(1) as usize),
        Some((_, row_of)) => row_of(number),
    };
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
    // Widths are kept per set of columns shown.
    let mut table = TableBuilder::new(ui)
        .id_salt(("packet list", columns))
        // Stripes only when no colouring rule paints the rows: under a
        // rule's colour they are never seen, yet the software renderer
        // still fills them (filled pixels are most of a frame's cost).
        .striped(cache.colours.rules.is_empty())
        .sense(Sense::click())
        .resizable(true)
        .min_scrolled_height(0.0);
    for (i, c) in columns.iter().enumerate() {
        let last = i + 1 == columns.len();
        table = table.column(match c {
            _ if last => Column::remainder().at_least(120.0),
            ListColumn::No => Column::initial(64.0).at_least(40.0),
            ListColumn::Time => Column::initial(110.0).at_least(60.0),
            ListColumn::Source | ListColumn::Destination => Column::initial(170.0).at_least(60.0),
            ListColumn::Protocol => Column::initial(80.0).at_least(40.0),
            ListColumn::Length => Column::initial(60.0).at_least(40.0),
            ListColumn::Info => Column::initial(400.0).at_least(200.0),
            ListColumn::Field(_) => Column::initial(120.0).at_least(40.0),
        });
    }
    if let Some(row) = scroll_to.and_then(row_of) {
        table = table.scroll_to_row(row, None);
    }
    table
        .header(row_height + 2.0, |mut h| {
            for &column in columns {
                h.col(|ui| {
                    let mark = match sort {
                        Some(k) if k.column == column && k.descending => " v",
                        Some(k) if k.column == column => " ^",
                        _ => "",
                    };
                    let name = match column {
                        ListColumn::Field(i) => fields.get(usize::from(i)).map_or("", |f| &f.title),
                        c => c.title(),
                    };
                    let title = RichText::new(format!("{name}{mark}")).strong();
                    let header = egui::Button::new(title).frame(false);
                    if ui
                        .add(header)
                        .on_hover_text(
                            "Sort by this column (again: descending, then capture order)",
                        )
                        .clicked()
                    {
                        out.sort_clicked = Some(column);
                    }
                });
            }
        })
        .body(|mut body| {
            // The rules' backgrounds of all visible rows go into one mesh,
            // drawn under the rows in a slot taken before them: one quad
            // per run of rows of the same colour, spanning the row, and
            // not anti-aliased (its edges lie on pixels). llvmpipe spends
            // most of a frame on these fills; a rectangle per cell, with
            // its feathered edges, cost about twice as much (see
            // examples/render_costs.rs, modes `cells` and `rows_flat`).
            let painter = body.ui_mut().painter().clone();
            let slot = painter.add(egui::Shape::Noop);
            // Half the gap beyond the outer cells, as each cell's fill
            // reached before.
            let x_range = body
                .max_rect()
                .x_range()
                .expand(0.5 * body.ui_mut().spacing().item_spacing.x);
            let mut backgrounds = RowBackgrounds::default();
            body.rows(row_height, n, |mut row| {
                let number = match displayed {
                    None => row.index() as u32 + 1,
                    Some(d) => d[row.index()],
                };
                let Some(r) = snap.index.row(number as usize - 1) else {
                    return;
                };
                row.set_selected(selected == Some(number));
                let text = cache.get(snap, bytes, number).clone();
                let rule = text.rule.and_then(|i| cache.colours.rules.get(i));
                // A selected row shows the selection's colours instead of
                // its rule's: the rule's dark text is unreadable on the
                // selection's blue (Wireshark does the same).
                let colours = rule
                    .map(|r| (r.foreground, r.background))
                    .filter(|_| selected != Some(number));
                let cell = |s: String| {
                    let t = RichText::new(s).monospace();
                    match colours {
                        Some((fg, _)) => t.color(fg),
                        None => t,
                    }
                };
                // A coloured row keeps its colour under the pointer, as
                // before the backgrounds moved under the table's own
                // hover fill.
                if colours.is_some() {
                    row.set_hovered(false);
                }
                let mut first = true;
                for &c in columns {
                    let s = match c {
                        ListColumn::No => number.to_string(),
                        ListColumn::Time => time_text(snap, number as usize - 1, time),
                        ListColumn::Source => text.source.clone(),
                        ListColumn::Destination => text.destination.clone(),
                        ListColumn::Protocol => text.protocol.clone(),
                        ListColumn::Length => r.orig_len.to_string(),
                        ListColumn::Info => text.info.clone(),
                        ListColumn::Field(i) => {
                            text.fields.get(usize::from(i)).cloned().unwrap_or_default()
                        }
                    };
                    row.col(|ui| {
                        if let Some((_, bg)) = colours.filter(|_| first) {
                            // Over half the gap above and below, so
                            // neighbouring rows meet.
                            let y = ui
                                .max_rect()
                                .expand2(0.5 * ui.spacing().item_spacing)
                                .round_ui()
                                .y_range();
                            backgrounds.push(y, bg);
                        }
                        ui.add(egui::Label::new(cell(s)).selectable(false).truncate());
                    });
                    first = false;
                }
                if row.response().clicked() {
                    out.selected = Some(number);
                }
            });
            painter.set(slot, backgrounds.into_shape(x_range));
        });
    out
}

/// The visible rows' rule colours, merged into runs of adjacent rows of
/// one colour.
#[derive(Default)]
struct RowBackgrounds {
    runs: Vec<(egui::Rangef, Color32)>,
}

impl RowBackgrounds {
    fn push(&mut self, y: egui::Rangef, colour: Color32) {
        match self.runs.last_mut() {
            Some((run, c)) if *c == colour && run.max == y.min => run.max = y.max,
            _ => self.runs.push((y, colour)),
        }
    }

    /// One quad per run, from `x.min` to `x.max`.
    fn into_shape(self, x: egui::Rangef) -> egui::Shape {
        let mut mesh = egui::Mesh::default();
        for (y, colour) in self.runs {
            mesh.add_colored_rect(egui::Rect::from_x_y_ranges(x, y), colour);
        }
        egui::Shape::mesh(mesh)
    }
}

/// Text colour of a row by the worst expert item on it (chats, such as a
/// SYN's, leave the row plain).
pub fn severity_colour(s: dissectors::expert::Severity) -> Option<Color32> {
    use dissectors::expert::Severity;
    match s {
        Severity::Error => Some(Color32::from_rgb(0xd0, 0x30, 0x30)),
        Severity::Warning => Some(Color32::from_rgb(0xc0, 0x80, 0x10)),
        Severity::Note => Some(Color32::from_rgb(0x30, 0x70, 0xc0)),
        Severity::Chat | Severity::Comment => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mesh_rects(shape: egui::Shape) -> Vec<(egui::Rect, Color32)> {
        let egui::Shape::Mesh(mesh) = shape else {
            panic!("not a mesh: {shape:?}");
        };
        // add_colored_rect: four vertices a quad, top left first and
        // bottom right last.
        mesh.vertices
            .chunks(4)
            .map(|q| (egui::Rect::from_min_max(q[0].pos, q[3].pos), q[0].color))
            .collect()
    }

    #[test]
    fn adjacent_rows_of_one_colour_share_a_quad() {
        let tcp = Color32::from_rgb(0xe7, 0xe6, 0xff);
        let dns = Color32::from_rgb(0xda, 0xee, 0xff);
        let mut b = RowBackgrounds::default();
        b.push(egui::Rangef::new(10.0, 28.0), tcp);
        b.push(egui::Rangef::new(28.0, 46.0), tcp);
        b.push(egui::Rangef::new(46.0, 64.0), dns);
        // A selected or uncoloured row in between leaves a gap.
        b.push(egui::Rangef::new(82.0, 100.0), dns);
        b.push(egui::Rangef::new(100.0, 118.0), tcp);
        let x = egui::Rangef::new(0.0, 1400.0);
        let rect = |y0, y1| egui::Rect::from_x_y_ranges(x, egui::Rangef::new(y0, y1));
        assert_eq!(
            mesh_rects(b.into_shape(x)),
            [
                (rect(10.0, 46.0), tcp),
                (rect(46.0, 64.0), dns),
                (rect(82.0, 100.0), dns),
                (rect(100.0, 118.0), tcp),
            ]
        );
    }
}
