//! Fonts: egui's own, then bundled fallbacks so Chinese renders on machines without a CJK font.
//!
//! WenQuanYi Micro Hei draws the characters of Windows' GBK (CP936) except ɑ, ɡ and ☉, and its
//! Mono face keeps the log view aligned. Thirteen of its glyphs are empty (℃, ℉, Ⅴ, Ⅹ, pinyin
//! tones among them), so a 13-glyph subset of DejaVu Sans comes before it: egui takes each
//! character from the first font that maps it. tests/ui_fonts.rs checks every GBK character.

use std::sync::Arc;

/// A collection: face 0 is proportional, face 1 is mono. Apache-2.0, see its LICENSE file.
const WQY_MICRO_HEI: &[u8] = include_bytes!("../../assets/wqy-microhei.ttc");
/// DejaVu Sans for GBK characters WenQuanYi leaves blank. Bitstream Vera licence, see its file.
const DEJAVU_GBK_GAPS: &[u8] = include_bytes!("../../assets/dejavu-sans-gbk-gaps.ttf");

/// egui's default fonts with the bundled fallbacks appended to both families.
pub fn definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    let gaps = "DejaVu Sans (GBK gaps)";
    fonts.font_data.insert(
        gaps.to_owned(),
        Arc::new(egui::FontData::from_static(DEJAVU_GBK_GAPS)),
    );
    let faces = [
        ("WenQuanYi Micro Hei", 0, egui::FontFamily::Proportional),
        ("WenQuanYi Micro Hei Mono", 1, egui::FontFamily::Monospace),
    ];
    for (name, index, family) in faces {
        let data = egui::FontData {
            index,
            ..egui::FontData::from_static(WQY_MICRO_HEI)
        };
        fonts.font_data.insert(name.to_owned(), Arc::new(data));
        let chain = fonts.families.entry(family).or_default();
        chain.push(gaps.to_owned());
        chain.push(name.to_owned());
    }
    fonts
}

pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}
