//! The app's side of quick commands: the window, Ctrl+1..9, and export/import (callable
//! without the file dialogs, as tests use them).

use std::path::Path;

use super::App;
use super::dialogs::FilePurpose;
use crate::tab::TabAction;
use crate::tab::payloads::{self, Payload, QuickCommand};
use crate::tr;
use crate::ui::quick_commands::{self, QuickAction};

const SHORTCUT_KEYS: [egui::Key; 9] = [
    egui::Key::Num1,
    egui::Key::Num2,
    egui::Key::Num3,
    egui::Key::Num4,
    egui::Key::Num5,
    egui::Key::Num6,
    egui::Key::Num7,
    egui::Key::Num8,
    egui::Key::Num9,
];

impl App {
    pub fn quick_commands(&self) -> &[QuickCommand] {
        &self.quick_commands
    }

    /// Writes the quick commands to `path` as JSON; the outcome shows in the window.
    pub fn export_commands(&mut self, path: &Path) {
        self.quick_window.message = Some(
            match payloads::export_commands(path, &self.quick_commands, self.language) {
                Ok(()) => {
                    let count = self.quick_commands.len();
                    let path = path.display();
                    let text = tr!(
                        self.language,
                        "app.quick.exported",
                        count = count,
                        path = path
                    );
                    (text.into_owned(), false)
                }
                Err(error) => (error, true),
            },
        );
    }

    /// Adds the quick commands in `path` after the ones there are.
    pub fn import_commands(&mut self, path: &Path) {
        self.quick_window.message = Some(match payloads::import_commands(path, self.language) {
            Ok(commands) => {
                let (count, path) = (commands.len(), path.display());
                let text = tr!(
                    self.language,
                    "app.quick.imported",
                    count = count,
                    path = path
                );
                self.quick_commands.extend(commands);
                (text.into_owned(), false)
            }
            Err(error) => (error, true),
        });
    }

    /// Ctrl+1..9 send quick commands 1..9 from the tab in view.
    pub(super) fn quick_shortcuts(&mut self, ctx: &egui::Context) {
        for (index, key) in SHORTCUT_KEYS.into_iter().enumerate() {
            if index < self.quick_commands.len()
                && ctx.input_mut(|input| input.consume_key(egui::Modifiers::COMMAND, key))
            {
                self.apply_quick(QuickAction::Send(index));
            }
        }
    }

    pub(super) fn quick_window(&mut self, ctx: &egui::Context) {
        if !self.quick_window.open {
            return;
        }
        if let Some(action) = quick_commands::show(
            ctx,
            &mut self.quick_window,
            &mut self.quick_commands,
            self.language,
        ) {
            self.apply_quick(action);
        }
    }

    fn box_payload(&self) -> Payload {
        let settings = &self.tab(self.active).settings;
        Payload {
            text: settings.send_text.clone(),
            format: settings.input_format,
            send: settings.send.clone(),
        }
    }

    fn apply_quick(&mut self, action: QuickAction) {
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
