//! Charts are drawn on their window's own background, with a border where
//! egui_plot would have filled the plot's rectangle: under a software
//! renderer that fill is most of a chart frame's cost (about 3 ms of 9 for
//! an empty 800x480 plot; examples/render_costs.rs, `chart` against
//! `chart_nobg`), paid again on every frame of a pan.

use eframe::egui;

/// The plot builder without its background fill.
pub fn without_fill(plot: egui_plot::Plot<'_>) -> egui_plot::Plot<'_> {
    plot.show_background(false)
}

/// The border egui_plot draws with its fill, around the plot `shown` took.
pub fn draw(ui: &egui::Ui, shown: &egui::Response) {
    ui.painter().rect_stroke(
        shown.rect,
        2, // egui_plot's
        ui.visuals().widgets.noninteractive.bg_stroke,
        egui::StrokeKind::Inside,
    );
}
