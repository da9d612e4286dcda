//! The app's side of quick commands: what their window and Ctrl+1..9 ask for (their export
//! and import are file jobs, in `file_jobs.rs`).

use super::App;
use super::dialogs::FilePurpose;
use crate::i18n::tr;
use crate::tab::TabAction;
use crate::tab::payloads::{Payload, QuickCommand};
use crate::ui::quick_commands::QuickAction;

impl App {
    pub fn quick_commands(&self) -> &[QuickCommand] {
        &self.quick_commands
    }

    fn box_payload(&self) -> Payload {
        let settings = self.tab(self.active).settings();
        Payload {
            text: settings.send_text.clone(),
            format: settings.input_format,
            send: settings.send.clone(),
        }
    }

    pub(super) fn apply_quick(&mut self, action: QuickAction) {
        let commands = &mut self.quick_commands;
        match action {
            QuickAction::Send(index) => {
                if let Some(command) = commands.get(index).cloned() {
                    let number = index + 1;
                    let name = tr!(self.language, "app.quick.sent_name", number = number);
                    let name = name.into_owned();
                    self.act(self.active, TabAction::SendPayload(name, command.payload));
                }
            }
            QuickAction::Load(index) => {
                if let Some(command) = commands.get(index).cloned() {
                    self.act(self.active, TabAction::LoadPayload(command.payload));
                }
            }
            QuickAction::SetFromBox(index) => {
                let payload = self.box_payload();
                if let Some(command) = self.quick_commands.get_mut(index) {
                    command.payload = payload;
                }
            }
            QuickAction::MoveUp(index) => {
                if index > 0 && index < commands.len() {
                    commands.swap(index - 1, index);
                }
            }
            QuickAction::Delete(index) => {
                if index < commands.len() {
                    commands.remove(index);
                }
            }
            QuickAction::AddFromBox => {
                let name = self.quick_window.new_name.trim().to_owned();
                let payload = self.box_payload();
                let name = if name.is_empty() {
                    let number = self.quick_commands.len() + 1;
                    tr!(self.language, "app.quick.new_name", number = number).into_owned()
                } else {
                    name
                };
                self.quick_commands.push(QuickCommand { name, payload });
                self.quick_window.new_name.clear();
            }
            QuickAction::Export => self.ask_file(FilePurpose::ExportCommands),
            QuickAction::Import => self.ask_file(FilePurpose::ImportCommands),
        }
    }
}
