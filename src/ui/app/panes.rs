//! The main window's panes: the packet list, the details tree and the
//! hex pane, and the keys that move the selection.

use super::*;

impl WirelensApp {
    pub(super) fn hex_pane(&mut self, ui: &mut egui::Ui) {
        let (Some(d), Some(doc)) = (&mut self.details, &self.document) else {
            return;
        };
        let frame = doc.file.data(d.offset, d.caplen);
        let source = &mut self.hex_source;
        if !d.tree.sources.is_empty() {
            ui.horizontal(|ui| {
                ui.selectable_value(source, 0, format!("Frame ({} bytes)", frame.len()));
                for (i, s) in d.tree.sources.iter().enumerate() {
                    let tab = format!("{} ({} bytes)", s.name, s.bytes.len());
                    ui.selectable_value(source, i as u16 + 1, tab);
                }
            });
        }
        let bytes = match usize::from(*source) {
            0 => frame,
            k => match d.tree.sources.get(k - 1) {
                Some(s) => &s.bytes,
                None => return,
            },
        };
        let highlight = d.highlight().filter(|(s, _)| s == source).map(|(_, r)| r);
        let clicked = hex::show(ui, bytes, highlight).clicked;
        if let Some(i) = clicked
            && let Some(node) = d.node_at(*source, i as u32)
        {
            d.reveal(node);
        }
    }

    pub(super) fn keyboard(&mut self, ui: &egui::Ui, total: usize) {
        let shown = self.list_order();
        let rows = shown.as_ref().map_or(total, |d| d.len());
        if rows == 0 || ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        // Positions are rows of the list (1-based), not frame numbers.
        let number_at = |row: usize| match &shown {
            None => row as u32,
            Some(d) => d[row - 1],
        };
        let cur = match self.selected {
            None => 0,
            Some(n) => match self.row_of(n, shown.as_deref().map(Vec::as_slice)) {
                Ok(i) => i + 1,
                Err(i) => i,
            },
        };
        let page = 20;
        let target = ui.input(|i| {
            if i.key_pressed(Key::ArrowDown) {
                Some(cur + 1)
            } else if i.key_pressed(Key::ArrowUp) {
                Some(cur.saturating_sub(1))
            } else if i.key_pressed(Key::PageDown) {
                Some(cur + page)
            } else if i.key_pressed(Key::PageUp) {
                Some(cur.saturating_sub(page))
            } else if i.key_pressed(Key::Home) {
                Some(1)
            } else if i.key_pressed(Key::End) {
                Some(rows)
            } else {
                None
            }
        });
        if let Some(t) = target {
            let t = number_at(t.clamp(1, rows));
            self.select(t);
            self.scroll_to = Some(t);
        }
    }

    /// Below the list: the details tree on the left, the hex pane on the
    /// right (both get the full height of the lower half).
    pub(super) fn detail_panes(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("packet detail")
            .resizable(true)
            .default_size(ui.available_height() * 0.45)
            .show(ui, |ui| {
                egui::Panel::left("details")
                    .resizable(true)
                    .default_size(ui.available_width() * 0.5)
                    .show(ui, |ui| {
                        // egui 0.37 sizes a panel by what its content
                        // used, so the short "Select a packet" line would
                        // shrink the tree for good: fill the width given.
                        ui.set_min_width(ui.available_width());
                        if let Some(d) = &mut self.details {
                            details::show(ui, d);
                            if let Some(def) = d.column_request.take() {
                                field_columns::add_column(&mut self.settings.field_columns, def);
                            }
                            if let Some((f, apply)) = d.filter_request.take() {
                                self.filter_bar.text = f.clone();
                                if apply {
                                    self.apply_filter(DisplayFilter::compile(&f).ok());
                                } else {
                                    self.filter_bar.focus = true;
                                }
                            }
                        } else {
                            ui.weak("Select a packet to see its details.");
                        }
                    });
                egui::CentralPanel::default().show(ui, |ui| self.hex_pane(ui));
            });
    }

    /// The packet list, in the order and with the columns chosen; a packet
    /// picked there becomes the selection.
    pub(super) fn packet_list_pane(&mut self, ui: &mut egui::Ui, snap: &Arc<Snapshot>) {
        self.rows.set_rules(&self.settings.colour_rules);
        if self.rows.set_field_columns(&self.settings.field_columns)
            && self
                .list_sort
                .key
                .is_some_and(|k| matches!(k.column, ListColumn::Field(_)))
        {
            // Sorted by a field column that moved or went.
            self.list_sort.reset();
        }
        if let Some(doc) = &self.document {
            let file = doc.file.clone();
            let filtered = self.displayed_frames();
            let fields = &self.settings.field_columns;
            self.list_sort
                .update(snap, &file, filtered, fields, ui.ctx());
        }
        let shown = self.list_order();
        let rows_now = shown.as_ref().map_or(snap.index.len(), |d| d.len());
        if self.is_capturing() && !self.scroll_lock && rows_now > self.rows_seen {
            let last = match &shown {
                Some(d) => d.last().copied(),
                None => Some(rows_now as u32),
            };
            if self.scroll_to.is_none() {
                self.scroll_to = last;
            }
        }
        self.rows_seen = rows_now;
        let scroll_to = self.scroll_to.take();
        let picked = egui::CentralPanel::default()
            .show(ui, |ui| {
                let Some(doc) = &self.document else {
                    return None;
                };
                // Scrolling the list up while capturing means to look at
                // something: the list stops following new packets (the
                // Auto-scroll box turns it back on).
                let wheel_up = ui.input(|i| i.smooth_scroll_delta().y > 0.0);
                if wheel_up && ui.rect_contains_pointer(ui.max_rect()) {
                    self.scroll_lock = true;
                }
                let columns = self.shown_columns();
                let sorted = self.list_sort.rows();
                let order = shown.as_deref().map(Vec::as_slice);
                let row_of = |n: u32| row_in(sorted, order, n).ok();
                let resp = packet_list::show(
                    ui,
                    snap,
                    doc.file.as_ref(),
                    &mut self.rows,
                    self.selected,
                    scroll_to,
                    self.settings.time_format,
                    shown
                        .as_ref()
                        .map(|d| (d.as_slice(), &row_of as &dyn Fn(u32) -> _)),
                    self.list_sort.key,
                    &columns,
                    &self.settings.field_columns,
                );
                if let Some(c) = resp.sort_clicked {
                    self.list_sort.clicked(c, self.settings.time_format);
                    // The selected packet stays in view in the new order.
                    self.scroll_to = self.selected;
                }
                resp.selected
            })
            .inner;
        if let Some(n) = picked {
            self.select(n);
            // A packet picked while capturing stays in view.
            self.scroll_lock = true;
            // The diagrams show the packet picked in the list.
            for d in &mut self.sequences {
                d.scroll_to = Some(n);
            }
        }
    }
}
