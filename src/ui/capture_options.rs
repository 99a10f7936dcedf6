//! Capture › Options: the interfaces libpcap lists (name, description,
//! addresses, flags, link type), a capture filter checked by libpcap as it
//! is typed (green, or red with libpcap's message), snap length,
//! promiscuous mode and buffer size, and Start. Each interface shows its
//! packets per second over the last minute while the window is open.

use eframe::egui::{self, Color32, RichText};

use super::job::Job;
use crate::capture::iface_rates::{self, InterfaceRates};
use crate::capture::live::{DeviceInfo, LiveOptions, check_filter, devices};

pub struct CaptureOptions {
    pub open: bool,
    pub devices: Option<Result<Vec<DeviceInfo>, String>>,
    /// Listing the interfaces (libpcap opens each to learn its link type,
    /// which can take a while) runs off the UI thread.
    listing: Option<Job<Result<Vec<DeviceInfo>, String>>>,
    /// The chosen interface's name.
    pub interface: Option<String>,
    pub filter: String,
    pub snaplen: u32,
    pub promisc: bool,
    pub buffer_mib: u32,
    /// `filter` and link type as last checked, and libpcap's verdict.
    checked: Option<((String, u32), Result<(), String>)>,
    pub rates: InterfaceRates,
    /// When the counters were last read (once a second).
    sampled: Option<std::time::Instant>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        let d = LiveOptions::new("");
        CaptureOptions {
            open: false,
            devices: None,
            listing: None,
            interface: None,
            filter: String::new(),
            snaplen: d.snaplen,
            promisc: d.promisc,
            buffer_mib: d.buffer_size >> 20,
            checked: None,
            rates: InterfaceRates::default(),
            sampled: None,
        }
    }
}

impl CaptureOptions {
    /// The options to start with, when an interface is chosen and the
    /// filter compiles.
    pub fn options(&mut self) -> Option<LiveOptions> {
        let iface = self.interface.clone()?;
        if matches!(self.check(), Some(Err(_))) {
            return None;
        }
        let mut o = LiveOptions::new(&iface);
        o.filter = Some(self.filter.trim().to_string()).filter(|f| !f.is_empty());
        o.snaplen = self.snaplen.clamp(64, 262_144);
        o.promisc = self.promisc;
        o.buffer_size = self.buffer_mib.clamp(1, 1024) << 20;
        Some(o)
    }

    fn linktype(&self) -> u32 {
        let chosen = self.interface.as_deref();
        self.devices
            .as_ref()
            .and_then(|d| d.as_ref().ok())
            .and_then(|d| d.iter().find(|d| Some(d.name.as_str()) == chosen))
            .and_then(|d| d.linktype)
            // Ethernet when the device could not be opened to ask.
            .unwrap_or(1)
    }

    /// libpcap's verdict on the filter (None while it is empty).
    pub fn check(&mut self) -> Option<&Result<(), String>> {
        if self.filter.trim().is_empty() {
            return None;
        }
        let key = (self.filter.clone(), self.linktype());
        if self.checked.as_ref().is_none_or(|(k, _)| *k != key) {
            let r = check_filter(&key.0, key.1).map_err(|e| e.to_string());
            self.checked = Some((key, r));
        }
        self.checked.as_ref().map(|(_, r)| r)
    }

    /// The window; true when Start was pressed.
    pub fn show(&mut self, ctx: &egui::Context) -> bool {
        if !self.open {
            return false;
        }
        if self.devices.is_none() {
            match &self.listing {
                None => {
                    self.listing = Job::spawn("interfaces", ctx, |_| {
                        Some(devices().map_err(|e| e.to_string()))
                    });
                }
                Some(job) => {
                    if let Some(list) = job.take() {
                        self.listing = None;
                        self.listed(list);
                    }
                }
            }
        }
        self.sample_rates(ctx);
        let mut start = false;
        let mut open = true;
        egui::Window::new("Capture Options")
            .open(&mut open)
            .default_size([720.0, 420.0])
            .show(ctx, |ui| start = self.contents(ui));
        self.open = open && !start;
        start
    }

    /// Reads the interfaces' counters once a second while the window is
    /// open, and asks for the frame that shows the next reading.
    fn sample_rates(&mut self, ctx: &egui::Context) {
        let Some(Ok(list)) = &self.devices else {
            return;
        };
        let now = std::time::Instant::now();
        let second = std::time::Duration::from_secs(1);
        if self.sampled.is_none_or(|t| now.duration_since(t) >= second) {
            self.sampled = Some(now);
            let names = list.iter().map(|d| (d.name.as_str(), d.loopback));
            self.rates.sample(names, now);
        }
        ctx.request_repaint_after(second);
    }

    /// Takes in the interface list, choosing one if none is chosen yet.
    fn listed(&mut self, list: Result<Vec<DeviceInfo>, String>) {
        if self.interface.is_none()
            && let Ok(l) = &list
        {
            // The first interface that is up and not loopback, as
            // Wireshark suggests, else the first.
            self.interface = l
                .iter()
                .find(|d| d.up && d.running && !d.loopback)
                .or(l.first())
                .map(|d| d.name.clone());
        }
        self.devices = Some(list);
    }

    fn contents(&mut self, ui: &mut egui::Ui) -> bool {
        match &self.devices {
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            Some(Ok(list)) => {
                let list = list.clone();
                egui::ScrollArea::vertical()
                    .max_height(220.0)
                    .show(ui, |ui| {
                        egui::Grid::new("interfaces").striped(true).show(ui, |ui| {
                            for h in ["Interface", "Traffic", "Link type", "State", "Addresses"] {
                                ui.strong(h);
                            }
                            ui.end_row();
                            for d in &list {
                                let chosen = self.interface.as_deref() == Some(d.name.as_str());
                                let name = match &d.description {
                                    Some(desc) => format!("{} ({desc})", d.name),
                                    None => d.name.clone(),
                                };
                                if ui.selectable_label(chosen, name).clicked() {
                                    self.interface = Some(d.name.clone());
                                }
                                sparkline(ui, &self.rates, &d.name);
                                ui.label(d.linktype_name.as_deref().unwrap_or("?"));
                                let mut state = Vec::new();
                                state.push(if d.up { "up" } else { "down" });
                                if d.running {
                                    state.push("running");
                                }
                                if d.loopback {
                                    state.push("loopback");
                                }
                                ui.label(state.join(", "));
                                ui.label(d.addresses.join(", "));
                                ui.end_row();
                            }
                        });
                    });
            }
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Listing interfaces…");
                });
            }
        }
        ui.separator();
        let verdict = self.check().cloned();
        ui.horizontal(|ui| {
            let l = ui.label("Capture filter:");
            let mut edit = egui::TextEdit::singleline(&mut self.filter)
                .code_editor()
                .hint_text("BPF, e.g. tcp port 443")
                .desired_width(420.0);
            match &verdict {
                Some(Ok(())) => edit = edit.background_color(Color32::from_rgb(0x1f, 0x4d, 0x2a)),
                Some(Err(_)) => edit = edit.background_color(Color32::from_rgb(0x5c, 0x22, 0x22)),
                None => {}
            }
            ui.add(edit).labelled_by(l.id);
        });
        if let Some(Err(e)) = &verdict {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut self.snaplen)
                    .range(64..=262_144)
                    .prefix("Snap length: "),
            );
            ui.checkbox(&mut self.promisc, "Promiscuous mode");
            ui.add(
                egui::DragValue::new(&mut self.buffer_mib)
                    .range(1..=1024)
                    .prefix("Buffer: ")
                    .suffix(" MiB"),
            );
        });
        let ready = self.interface.is_some() && !matches!(verdict, Some(Err(_)));
        let label = match &self.interface {
            Some(i) => format!("Start on {i}"),
            None => "Start".to_string(),
        };
        ui.add_enabled(ready, egui::Button::new(RichText::new(label).strong()))
            .clicked()
    }
}

/// The last minute's packets per second as a line, and the latest rate.
fn sparkline(ui: &mut egui::Ui, rates: &InterfaceRates, name: &str) {
    let Some(h) = rates.history(name) else {
        // No counters for this interface, or none read twice yet.
        ui.weak(if rates.has(name) { "…" } else { "" });
        return;
    };
    ui.horizontal(|ui| {
        let size = egui::vec2(90.0, 16.0);
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        let top = h.iter().copied().fold(1.0f32, f32::max);
        let dx = rect.width() / (iface_rates::KEPT - 1) as f32;
        // Newest at the right edge, as Wireshark draws them.
        let x0 = rect.right() - dx * (h.len().saturating_sub(1)) as f32;
        let points: Vec<egui::Pos2> = h
            .iter()
            .enumerate()
            .map(|(i, r)| egui::pos2(x0 + dx * i as f32, rect.bottom() - rect.height() * r / top))
            .collect();
        let stroke = egui::Stroke::new(1.0, ui.visuals().hyperlink_color);
        ui.painter().add(egui::Shape::line(points, stroke));
        let now = h.back().copied().unwrap_or(0.0);
        ui.label(RichText::new(format!("{now:.0} pkt/s")).monospace().small());
    });
}
