//! Saving a window (a chart, the sequence diagram) as a PNG image: the
//! renderer is asked for a screenshot, the window's part is cut out and
//! encoded, and the save dialog asks where it goes.

use std::sync::Arc;

use crossbeam_channel::{Receiver, bounded};
use eframe::egui::{self, ColorImage};

use super::save_bytes::SaveBytes;

#[derive(Default)]
pub struct PngExport {
    /// The window asked for an image this frame (its rect is known once it
    /// has been shown).
    asked: bool,
    encoded: Option<Receiver<Result<Vec<u8>, String>>>,
    name: String,
    pub save: SaveBytes,
}

impl PngExport {
    /// The "Save as PNG…" button (waiting while a save is under way).
    pub fn button(&mut self, ui: &mut egui::Ui) {
        let idle = !self.is_busy();
        if ui
            .add_enabled(idle, egui::Button::new("Save as PNG…"))
            .clicked()
        {
            self.asked = true;
        }
    }

    /// After the window was shown: asks for its image if the button was
    /// pressed, to be offered as `name`.
    pub fn after_window<R>(
        &mut self,
        ctx: &egui::Context,
        shown: Option<egui::InnerResponse<R>>,
        name: impl FnOnce() -> String,
    ) {
        if self.asked
            && let Some(w) = shown
        {
            self.request(ctx, w.response.rect, &name());
        }
    }

    /// Asks for a screenshot of `rect` (in points), to be offered as `name`.
    fn request(&mut self, ctx: &egui::Context, rect: egui::Rect, name: &str) {
        self.asked = false;
        if self.encoded.is_some() || self.save.is_open() {
            return;
        }
        let (tx, rx) = bounded(1);
        let ppp = ctx.pixels_per_point();
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            let _ = tx.send(crop_png(&image, rect * ppp));
            repaint.request_repaint();
        });
        self.encoded = Some(rx);
        self.name = name.to_string();
    }

    /// Takes in the encoded image and asks where to save it; shows how the
    /// last save went.
    pub fn poll(&mut self, ui: &mut egui::Ui) {
        if let Some(rx) = &self.encoded
            && let Ok(png) = rx.try_recv()
        {
            self.encoded = None;
            match png {
                Ok(bytes) => {
                    let name = self.name.clone();
                    self.save
                        .request(ui.ctx(), "Save as PNG", &name, ("PNG image", "png"), bytes)
                }
                Err(e) => self.save.outcome = Some(Err(e)),
            }
        }
        self.save.poll();
        self.save.show_outcome(ui);
    }

    /// Whether a save is under way (the button waits for it).
    pub fn is_busy(&self) -> bool {
        self.encoded.is_some() || self.save.is_open()
    }
}

/// The part of `image` inside `rect` (in pixels), as PNG.
pub fn crop_png(image: &Arc<ColorImage>, rect: egui::Rect) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    let x0 = (rect.min.x.max(0.0) as usize).min(w);
    let y0 = (rect.min.y.max(0.0) as usize).min(h);
    let x1 = (rect.max.x.max(0.0).ceil() as usize).clamp(x0, w);
    let y1 = (rect.max.y.max(0.0).ceil() as usize).clamp(y0, h);
    if x1 == x0 || y1 == y0 {
        return Err("Nothing to save: the window is off screen".into());
    }
    let mut rgba = Vec::with_capacity((x1 - x0) * (y1 - y0) * 4);
    for y in y0..y1 {
        for p in &image.pixels[y * w + x0..y * w + x1] {
            rgba.extend_from_slice(&p.to_srgba_unmultiplied());
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, (x1 - x0) as u32, (y1 - y0) as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&rgba).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::Color32;

    #[test]
    fn the_window_part_of_a_screenshot_is_encoded_as_png() {
        // 8x6 pixels; the pixel at (x, y) has red x and green y.
        let mut img = ColorImage::filled([8, 6], Color32::BLACK);
        for y in 0..6 {
            for x in 0..8 {
                img.pixels[y * 8 + x] = Color32::from_rgb(x as u8, y as u8, 200);
            }
        }
        let img = Arc::new(img);
        let rect = egui::Rect::from_min_max(egui::pos2(2.0, 1.0), egui::pos2(5.0, 4.0));
        let png = crop_png(&img, rect).unwrap();
        let mut dec = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; dec.output_buffer_size().unwrap()];
        let info = dec.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (3, 3));
        let px = |x: usize, y: usize| &buf[(y * 3 + x) * 4..(y * 3 + x) * 4 + 4];
        assert_eq!(px(0, 0), &[2, 1, 200, 255]);
        assert_eq!(px(2, 2), &[4, 3, 200, 255]);
        // Off screen: an error, not a panic.
        let off = egui::Rect::from_min_max(egui::pos2(20.0, 20.0), egui::pos2(30.0, 30.0));
        assert!(crop_png(&img, off).is_err());
    }
}
