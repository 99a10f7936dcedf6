//! The details tree of the selected packet: one collapsible node per layer
//! with its fields; hovering shows the display-filter name, clicking a
//! field selects it (and the hex pane highlights its bytes).

use dissectors::field::FieldType;
use dissectors::packet::PacketInfo;
use dissectors::tree::{NodeKind, Tree, TreeBuilder};
use eframe::egui::{self, RichText};

use super::packet_list::severity_colour;
use crate::store::Snapshot;
use crate::store::frame::{PacketBytes, redissect};

/// The selected packet, dissected into its tree.
pub struct Details {
    pub number: u32,
    /// Where the frame's bytes are in the file, and how many.
    pub offset: u64,
    pub caplen: u32,
    pub tree: Tree,
    /// Index of the selected node in `tree.nodes`.
    pub selected: Option<u32>,
    /// Nodes shown expanded.
    pub open: std::collections::HashSet<u32>,
    /// "Apply as Filter" (true) or "Prepare as Filter" (false) was chosen
    /// on a field: the filter text, for the app to take.
    pub filter_request: Option<(String, bool)>,
    /// A node to scroll into view when next shown (one just revealed).
    pub scroll_to: Option<u32>,
    /// "Apply as Column" was chosen on this field.
    pub column_request: Option<&'static dissectors::field::FieldDef>,
}

/// The filter that selects a node's value: `tcp.srcport == 46638`,
/// `http.host == "a"`, or the name alone for a protocol or a flag.
pub fn filter_for(node: &dissectors::tree::Node) -> Option<String> {
    use dissectors::field::{FieldType, OwnedValue, Show};
    let def = node.field?;
    if matches!(def.ftype, FieldType::None | FieldType::Protocol) || node.value == OwnedValue::None
    {
        return Some(def.name.to_string());
    }
    let shown = Show(def, &node.value.as_value()).to_string();
    let quoted = matches!(def.ftype, FieldType::String | FieldType::AbsTime);
    Some(if quoted {
        let escaped = shown.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{} == \"{escaped}\"", def.name)
    } else {
        format!("{} == {shown}", def.name)
    })
}

impl Details {
    pub fn build(snap: &Snapshot, bytes: &dyn PacketBytes, number: u32) -> Option<Details> {
        let row = snap.index.row((number as usize).checked_sub(1)?)?;
        let mut tb = TreeBuilder::new();
        let mut pi = PacketInfo::default();
        redissect(snap, bytes, number, &mut tb, &mut pi).then(|| Details {
            number,
            offset: row.offset,
            caplen: row.caplen,
            tree: tb.finish(),
            selected: None,
            open: Default::default(),
            filter_request: None,
            scroll_to: None,
            column_request: None,
        })
    }

    /// The selected field's data source and byte range (the hex pane's
    /// highlight).
    pub fn highlight(&self) -> Option<(u16, std::ops::Range<usize>)> {
        let n = self.tree.nodes.get(self.selected? as usize)?;
        let start = n.span.start as usize;
        Some((n.span.source, start..start + n.span.len as usize))
    }

    /// Selects `node` and expands every node above it, so that it shows
    /// (what clicking its bytes in the hex pane does).
    pub fn reveal(&mut self, node: u32) {
        self.selected = Some(node);
        self.scroll_to = Some(node);
        let mut p = self.tree.nodes.get(node as usize).and_then(|n| n.parent);
        while let Some(i) = p {
            self.open.insert(i);
            p = self.tree.nodes.get(i as usize).and_then(|n| n.parent);
        }
    }

    /// The smallest node whose bytes contain `offset` of data source
    /// `source`: what clicking that byte in the hex pane selects.
    pub fn node_at(&self, source: u16, offset: u32) -> Option<u32> {
        self.tree
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.span.source == source
                    && n.span.len > 0
                    && n.span.start <= offset
                    && offset - n.span.start < n.span.len
            })
            .min_by_key(|(_, n)| n.span.len)
            .map(|(i, _)| i as u32)
    }

    /// The first node with this display-filter name (tests and jumps).
    pub fn find_field(&self, name: &str) -> Option<u32> {
        self.tree
            .nodes
            .iter()
            .position(|n| n.field.is_some_and(|f| f.name == name))
            .map(|i| i as u32)
    }
}

pub fn show(ui: &mut egui::Ui, d: &mut Details) {
    let roots = d.tree.roots.clone();
    egui::ScrollArea::both()
        .id_salt("details")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for r in roots {
                node(ui, d, r, true);
            }
        });
}

fn node(ui: &mut egui::Ui, d: &mut Details, i: u32, top: bool) {
    let Some(n) = d.tree.nodes.get(i as usize) else {
        return;
    };
    let mut text = RichText::new(n.label.clone());
    if matches!(n.kind, NodeKind::Expert | NodeKind::Exception)
        && let Some(c) = n.expert.and_then(|e| severity_colour(e.severity))
    {
        text = text.color(c);
    }
    if top {
        text = text.strong();
    }
    let hover = n
        .field
        .map(|f| format!("{} ({} bytes)", f.name, n.span.len));
    let children = n.children.clone();
    let selected = d.selected == Some(i);
    let response = if children.is_empty() {
        ui.selectable_label(selected, text)
    } else {
        let id = ui.make_persistent_id(("details node", d.number, i));
        let mut state =
            egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, false);
        state.set_open(d.open.contains(&i));
        let (toggle, header, _) = state
            .show_header(ui, |ui| ui.selectable_label(selected, text))
            .body(|ui| {
                for c in children {
                    node(ui, d, c, false);
                }
            });
        let open = d.open.contains(&i);
        if toggle.clicked() || header.inner.double_clicked() {
            if open {
                d.open.remove(&i);
            } else {
                d.open.insert(i);
            }
        }
        header.inner
    };
    let response = match hover {
        Some(h) => response.on_hover_text(h),
        None => response,
    };
    if response.clicked() {
        d.selected = Some(i);
    }
    if d.scroll_to == Some(i) {
        d.scroll_to = None;
        response.scroll_to_me(None);
    }
    if d.tree
        .nodes
        .get(i as usize)
        .is_some_and(|n| n.field.is_some())
    {
        // The filter text is made only when the menu is open.
        response.context_menu(|ui| {
            let Some(f) = d.tree.nodes.get(i as usize).and_then(filter_for) else {
                return;
            };
            if ui.button("Apply as Filter").clicked() {
                d.filter_request = Some((f.clone(), true));
                ui.close();
            }
            if ui.button("Prepare as Filter").clicked() {
                d.filter_request = Some((f, false));
                ui.close();
            }
            let field = d.tree.nodes.get(i as usize).and_then(|n| n.field);
            if let Some(def) = field.filter(|def| def.ftype != FieldType::Protocol)
                && ui.button("Apply as Column").clicked()
            {
                d.column_request = Some(def);
                ui.close();
            }
        });
    }
}
