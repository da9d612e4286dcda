//! A form's rows as they read in both languages: the label, then its field. (egui's
//! `ComboBox::from_label` puts the label after the box, which reads backwards in Chinese:
//! "UTF-8 ▾ 编码".)

/// A combo box after its label, which names it for screen readers and tests.
pub fn combo<R>(
    ui: &mut egui::Ui,
    label: &str,
    selected: impl Into<egui::WidgetText>,
    add_choices: impl FnOnce(&mut egui::Ui) -> R,
) {
    ui.horizontal(|ui| {
        let label_response = ui.label(label);
        egui::ComboBox::from_id_salt(("form combo", label))
            .selected_text(selected)
            .show_ui(ui, add_choices)
            .response
            .labelled_by(label_response.id);
    });
}
