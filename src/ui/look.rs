//! How the window looks, chosen for what a frame costs where there is no GPU (a VM, remote
//! desktop, a software OpenGL such as Mesa's llvmpipe), which draws every triangle on the CPU:
//!
//! - Panels are not painted: the window is cleared in the panel colour instead
//!   ([`clear_color`]), so nothing covers the whole window a second time.
//! - Widgets have square corners. A rounded corner with its anti-aliased edge is dozens of thin
//!   triangles, and the renderer pays for each: square corners cut a frame's triangles by half
//!   (7,900 to 3,800) and its time in llvmpipe by 30%.
//! - The text cursor does not blink, and nothing is animated (scroll bars fading in, menus
//!   opening): each step of either redraws the whole window.

use egui::{Color32, CornerRadius};

/// Installs the fonts and the look on every theme.
pub fn install(ctx: &egui::Context) {
    super::fonts::install(ctx);
    ctx.all_styles_mut(|style| {
        style.visuals.panel_fill = Color32::TRANSPARENT;
        style.visuals.text_cursor.blink = false;
        style.animation_time = 0.0;
        let widgets = &mut style.visuals.widgets;
        for state in [
            &mut widgets.noninteractive,
            &mut widgets.inactive,
            &mut widgets.hovered,
            &mut widgets.active,
            &mut widgets.open,
        ] {
            state.corner_radius = CornerRadius::ZERO;
        }
    });
    ctx.style_mut_of(egui::Theme::Dark, |style| readable_dark(&mut style.visuals));
    ctx.style_mut_of(egui::Theme::Light, |style| {
        readable_light(&mut style.visuals);
    });
}

/// egui's dark theme with WCAG AA contrast (see the test): weak text and hints a step
/// lighter, a lighter red, and an outline on every control (its fields were a shade darker
/// than the panel, 1.15:1, with no border).
fn readable_dark(visuals: &mut egui::Visuals) {
    visuals.weak_text_color = Some(Color32::from_gray(140));
    visuals.error_fg_color = Color32::from_rgb(255, 90, 90);
    visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(110));
}

/// egui's light theme with WCAG AA contrast: white fields and unticked boxes on a near-white
/// panel (1.06:1) get an outline; weak text, red, orange and links are darker.
fn readable_light(visuals: &mut egui::Visuals) {
    visuals.weak_text_color = Some(Color32::from_gray(110));
    visuals.error_fg_color = Color32::from_rgb(200, 0, 0);
    visuals.warn_fg_color = Color32::from_rgb(170, 80, 0);
    visuals.hyperlink_color = Color32::from_rgb(0, 90, 190);
    visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(140));
}

/// The colour the window is cleared to: the panels' colour of the theme in use.
pub fn clear_color(visuals: &egui::Visuals) -> [f32; 4] {
    let theme = if visuals.dark_mode {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    };
    theme.panel_fill.to_normalized_gamma_f32()
}

/// WCAG 2.1's contrast ratio of two colours, each laid over `background` first (egui's weak
/// text is translucent).
pub fn contrast(a: Color32, b: Color32, background: Color32) -> f32 {
    let (a, b) = (over(a, background), over(b, background));
    let (light, dark) = {
        let (la, lb) = (luminance(a), luminance(b));
        if la > lb { (la, lb) } else { (lb, la) }
    };
    (light + 0.05) / (dark + 0.05)
}

/// A premultiplied colour laid over an opaque one.
fn over(color: Color32, background: Color32) -> Color32 {
    let keep = 1.0 - f32::from(color.a()) / 255.0;
    let mix = |top: u8, under: u8| {
        (f32::from(top) + f32::from(under) * keep)
            .round()
            .min(255.0) as u8
    };
    Color32::from_rgb(
        mix(color.r(), background.r()),
        mix(color.g(), background.g()),
        mix(color.b(), background.b()),
    )
}

/// WCAG's relative luminance of an sRGB colour.
fn luminance(color: Color32) -> f32 {
    let linear = |channel: u8| {
        let c = f32::from(channel) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(color.r()) + 0.7152 * linear(color.g()) + 0.0722 * linear(color.b())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        let (black, white) = (Color32::BLACK, Color32::WHITE);
        assert!((contrast(black, white, white) - 21.0).abs() < 0.01);
        // #767676 on white is the classic 4.54:1.
        let gray = Color32::from_gray(0x76);
        assert!((contrast(gray, white, white) - 4.54).abs() < 0.01);
        assert!((contrast(white, white, white) - 1.0).abs() < 0.01);
    }

    /// Text at least 4.5:1 and the outline of every control at least 3:1 against what is
    /// behind them (WCAG 2.1 AA, 1.4.3 and 1.4.11), in both themes, as the app draws them.
    #[test]
    fn text_and_control_outlines_meet_wcag_aa_in_both_themes() {
        let ctx = egui::Context::default();
        install(&ctx);
        let mut failures = Vec::new();
        for theme in [egui::Theme::Dark, egui::Theme::Light] {
            let visuals = ctx.style_of(theme).visuals.clone();
            let [r, g, b, _] = clear_color(&visuals);
            let to_u8 = |c: f32| (c * 255.0).round() as u8;
            let panel = Color32::from_rgb(to_u8(r), to_u8(g), to_u8(b));
            let field = visuals.text_edit_bg_color();
            let inactive = visuals.widgets.inactive;
            let log = super::super::log_view::Colors::new(&visuals);
            let texts = [
                ("text", visuals.text_color(), panel),
                ("strong text", visuals.strong_text_color(), panel),
                ("weak text", visuals.weak_text_color(), panel),
                ("error", visuals.error_fg_color, panel),
                ("warning", visuals.warn_fg_color, panel),
                ("link", visuals.hyperlink_color, panel),
                ("typed text", visuals.text_color(), field),
                ("hint text", visuals.weak_text_color(), field),
                (
                    "button text",
                    inactive.fg_stroke.color,
                    inactive.weak_bg_fill,
                ),
                (
                    "selected text",
                    visuals.selection.stroke.color,
                    visuals.selection.bg_fill,
                ),
                ("log RX", log.rx, panel),
                ("log TX", log.tx, panel),
                ("log invalid byte", log.invalid, panel),
                ("log escape", log.control, log.escape_background),
            ];
            for (what, color, behind) in texts {
                let ratio = contrast(color, behind, panel);
                if ratio < 4.5 {
                    failures.push(format!("{theme:?} {what}: {ratio:.2}:1 < 4.5:1"));
                }
            }
            // A control's edge is its outline or, without one, its fill.
            let edge = |fill: Color32, stroke: egui::Stroke| {
                let outline = if stroke.width > 0.0 {
                    contrast(stroke.color, panel, panel)
                } else {
                    1.0
                };
                outline.max(contrast(fill, panel, panel))
            };
            let outlines = [
                ("text field", edge(field, inactive.bg_stroke)),
                (
                    "checkbox and radio button",
                    edge(inactive.bg_fill, inactive.bg_stroke),
                ),
                ("button", edge(inactive.weak_bg_fill, inactive.bg_stroke)),
            ];
            for (what, ratio) in outlines {
                if ratio < 3.0 {
                    failures.push(format!("{theme:?} {what} outline: {ratio:.2}:1 < 3:1"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
