//! Fonts: egui's own, plus a bundled CJK fallback so Chinese renders on machines without one.

use std::sync::Arc;

const CJK_FONT_NAME: &str = "Droid Sans Fallback";
/// Apache-2.0; see assets/DroidSansFallbackFull.LICENSE.txt.
const CJK_FONT: &[u8] = include_bytes!("../../assets/DroidSansFallbackFull.ttf");

pub fn install(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        CJK_FONT_NAME.to_owned(),
        Arc::new(egui::FontData::from_static(CJK_FONT)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push(CJK_FONT_NAME.to_owned());
    }
    ctx.set_fonts(fonts);
}
