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
