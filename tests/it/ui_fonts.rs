//! Text renders with no system font: the bundled fonts draw every character of Windows' GBK and
//! of every other encoding offered, with a real outline (a mapped but empty glyph is as bad as a
//! missing one).

use crate::common::*;
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use sockscope::codec::TextEncoding;

/// GBK as Windows decodes it (CP936): two-byte codes, without the user-defined areas (which
/// decode to Private Use characters) and without the GB18030-2005 additions that encoding_rs
/// decodes in that range but CP936 does not (radicals, vertical forms, description characters,
/// rare Extension A ideographs).
fn cp936_characters() -> Vec<char> {
    let gb18030_additions = |c: char| {
        matches!(c, '\u{2E80}'..='\u{2EFF}' | '\u{2FF0}'..='\u{2FFF}' | '\u{303E}' | '\u{FE10}'..='\u{FE19}')
            || ('\u{3400}'..='\u{4DBF}').contains(&c)
    };
    let mut characters = Vec::new();
    for lead in 0x81..=0xFEu8 {
        for trail in (0x40..=0x7Eu8).chain(0x80..=0xFE) {
            let pair = [lead, trail];
            let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&pair);
            if had_errors {
                continue;
            }
            let private_use = |c: &char| ('\u{E000}'..='\u{F8FF}').contains(c);
            characters.extend(
                text.chars()
                    .filter(|c| !private_use(c) && !gb18030_additions(*c)),
            );
        }
    }
    characters
}

/// Whether the first font in `family` that maps `c` draws something for it, as egui would pick.
fn draws(fonts: &egui::FontDefinitions, family: &egui::FontFamily, c: char) -> bool {
    for name in &fonts.families[family] {
        let data = &fonts.font_data[name];
        let font = skrifa::FontRef::from_index((*data.font).as_ref(), data.index).expect("a font");
        let Some(glyph) = font.charmap().map(c) else {
            continue;
        };
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        return metrics
            .bounds(glyph)
            .is_some_and(|b| b.x_max > b.x_min && b.y_max > b.y_min);
    }
    false
}

#[test]
fn every_gbk_character_is_drawn_in_both_families() {
    let fonts = sockscope::ui::fonts::definitions();
    let characters = cp936_characters();
    assert!(characters.len() > 21_700, "{} characters", characters.len());
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let blank: String = characters
            .iter()
            .copied()
            .filter(|&c| !c.is_whitespace() && !draws(&fonts, &family, c))
            .collect();
        assert_eq!(blank, "", "{family:?} cannot draw these");
    }
}

#[test]
fn a_degree_sign_and_circled_digits_render_in_the_log() {
    let mut harness = app_harness();
    let peer = "127.0.0.1:7".parse().ok();
    let text = "温度=23.5℃ ① Ⅻ ※ U+FFFD=\u{FFFD}";
    let kind = sockscope::session::EntryKind::Rx(text.as_bytes().to_vec());
    let entry = sockscope::session::LogEntry::new(std::time::SystemTime::now(), peer, kind);
    harness
        .state_mut()
        .tab_mut(sockscope::session::Mode::TcpClient)
        .load_entries(vec![entry]);
    // The harness panics on a character no font maps, so drawing the row is the check.
    step_until(&mut harness, "the row", |h| shows(h, "23.5℃ ①"));
}

/// Characters that are blank by design: soft hyphen, zero-width (non-)joiners, direction marks,
/// the Hangul filler.
const BLANK_BY_DESIGN: &str = "\u{AD}\u{200C}\u{200D}\u{200E}\u{200F}\u{3164}";

/// Every character `encoding` decodes from one byte or a two-byte code (lead 0x81-0xFE), without
/// the Private Use Area (vendor-defined: no font can know it), controls and spaces. Big5 only
/// from its standard range (leads 0xA1-0xF9): the Hong Kong supplement that encoding_rs also
/// decodes adds some 2,300 rare characters (leads 0x81-0xA0, 0xFA-0xFE) that no bundled font has.
fn characters_of(encoding: TextEncoding) -> Vec<char> {
    let leads = match encoding {
        TextEncoding::Big5 => 0xA1..=0xF9u8,
        _ => 0x81..=0xFEu8,
    };
    let singles = (0..=0xFFu8).map(|byte| vec![byte]);
    let pairs = leads.flat_map(|lead| (0x40..=0xFEu8).map(move |trail| vec![lead, trail]));
    let mut characters: Vec<char> = singles
        .chain(pairs)
        .filter_map(|code| {
            encoding
                .encoding_rs()
                .decode_without_bom_handling_and_without_replacement(&code)
                .map(|text| text.chars().collect::<Vec<_>>())
        })
        .flatten()
        .filter(|&c| {
            !c.is_control()
                && !c.is_whitespace()
                && !('\u{E000}'..='\u{F8FF}').contains(&c)
                && !BLANK_BY_DESIGN.contains(c)
        })
        .collect();
    characters.sort_unstable();
    characters.dedup();
    characters
}

/// Big5, Shift_JIS, EUC-KR and the rest: the bundled fonts draw all of their characters.
/// UTF-8 and UTF-16 are left out: they are all of Unicode, which no set of fonts draws
/// (GB18030's two-byte codes, checked here, are GBK's; its four-byte codes are all of Unicode
/// too).
#[test]
fn every_character_of_every_encoding_is_drawn_in_both_families() {
    let fonts = sockscope::ui::fonts::definitions();
    for encoding in TextEncoding::ALL
        .into_iter()
        .filter(|&e| e != TextEncoding::Utf8 && e.utf16_order().is_none())
    {
        let characters = characters_of(encoding);
        for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
            let blank: String = characters
                .iter()
                .copied()
                .filter(|&c| !draws(&fonts, &family, c))
                .collect();
            assert_eq!(blank, "", "{encoding} {family:?}: not drawn");
        }
    }
}

/// Every character of the Chinese strings (labels, messages, hints) is drawn.
#[test]
fn every_character_of_the_chinese_strings_is_drawn() {
    let fonts = sockscope::ui::fonts::definitions();
    let mut characters: Vec<char> = crate::i18n::strings("zh-CN")
        .values()
        .flat_map(|text| text.chars())
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    characters.sort_unstable();
    characters.dedup();
    assert!(characters.len() > 200, "{} characters", characters.len());
    let blank: String = characters
        .into_iter()
        .filter(|&c| !draws(&fonts, &egui::FontFamily::Proportional, c))
        .collect();
    assert_eq!(blank, "", "no bundled font draws these");
}
