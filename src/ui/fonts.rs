//! Fonts: egui's own, then bundled fallbacks, so that the text of every encoding offered renders
//! on a machine with no fonts of its own.
//!
//! WenQuanYi Micro Hei draws Chinese (GBK, Big5), Japanese and Korean, and its Mono face keeps
//! the log view aligned. Three small subsets come before it, because egui takes each character
//! from the first font that maps it and some of WenQuanYi's glyphs are empty (℃, ℉, Ⅴ, Ⅹ, pinyin
//! tones): DejaVu Sans for those and for Hebrew, Arabic, IPA, Greek and Latin extras; Noto Sans
//! for Thai and control pictures; Noto Sans CJK for radicals and rare ideographs. Each was cut to
//! what the encodings need, measured by tests/it/ui_fonts.rs, which checks every character of
//! every encoding offered.

use std::sync::Arc;

/// A collection: face 0 is proportional, face 1 is mono. Apache-2.0, see its LICENSE file.
const WQY_MICRO_HEI: &[u8] = include_bytes!("../../assets/wqy-microhei.ttc");

/// The subsets that fill the gaps, in the order egui tries them. Licences beside each file.
const GAP_FILLERS: [(&str, &[u8]); 3] = [
    // Bitstream Vera licence.
    (
        "DejaVu Sans (gaps)",
        include_bytes!("../../assets/dejavu-sans-gaps.ttf"),
    ),
    // SIL Open Font License 1.1.
    (
        "Noto Sans (gaps)",
        include_bytes!("../../assets/noto-sans-gaps.ttf"),
    ),
    // SIL Open Font License 1.1.
    (
        "Noto Sans CJK (gaps)",
        include_bytes!("../../assets/noto-sans-cjk-gaps.otf"),
    ),
];

/// egui's default fonts with the bundled fallbacks appended to both families.
pub fn definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    for (name, data) in GAP_FILLERS {
        fonts
            .font_data
            .insert(name.to_owned(), Arc::new(egui::FontData::from_static(data)));
    }
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
        chain.extend(GAP_FILLERS.iter().map(|(gap, _)| (*gap).to_owned()));
        chain.push(name.to_owned());
    }
    fonts
}

pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}
