//! Everything a user can ask of the window, as one vocabulary (rerun's `UICommand`): widgets
//! push [`UiCommand`]s into the frame's [`Requests`], and the app carries them out in one place
//! (`App::run`). Reading this enum tells you what the window can do; the keyboard shortcuts
//! are declared here too.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::quick_commands::QuickAction;
use super::tls_panel::TlsFile;
use crate::i18n::Language;
use crate::session::Mode;
use crate::tab::TabAction;

/// What a file dialog is opened for; it says what happens with the file chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilePurpose {
    SaveLog(Mode),
    /// The Record file, turned on once chosen.
    Record(Mode),
    /// The Save data file, turned on once chosen.
    SaveData(Mode),
    /// A recording for the Replay window.
    Replay(Mode),
    Tls(Mode, TlsFile),
    SendFile(Mode),
    ExportCommands,
    ImportCommands,
    /// A script for the Script window's editor.
    LoadScript(Mode),
    /// Where the Script window's script is saved.
    SaveScript(Mode),
    /// Auto-reply rules to add to the tab's.
    ImportRules(Mode),
    /// Where the tab's auto-reply rules are written.
    ExportRules(Mode),
}

/// Something a user asked for.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum UiCommand {
    /// Something for the tab in view.
    Tab(TabAction),
    /// A file dialog, answered off the frame.
    AskFile(FilePurpose),
    /// Copy the selected entries to the clipboard, as hex or as text.
    CopySelection {
        hex: bool,
    },
    /// Something for the Quick commands (shared by the tabs).
    Quick(QuickAction),
    ToggleQuickCommands,
    /// Open or close the Auto-reply window of the tab in view.
    ToggleAutoReply,
    /// Open or close the Script window of the tab in view.
    ToggleScript,
    ToggleReplay,
    ToggleChart,
    SetMaxFps(u32),
    SetLanguage(Language),
    SetTheme(egui::ThemePreference),
}

/// Quick commands 1 to 9 go with Ctrl (⌘) and the digit.
const QUICK_KEYS: [Key; 9] = [
    Key::Num1,
    Key::Num2,
    Key::Num3,
    Key::Num4,
    Key::Num5,
    Key::Num6,
    Key::Num7,
    Key::Num8,
    Key::Num9,
];

impl UiCommand {
    /// The keys that ask for this command, if any.
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        match self {
            Self::Tab(TabAction::Send) => {
                Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter))
            }
            Self::Quick(QuickAction::Send(index)) => QUICK_KEYS
                .get(*index)
                .map(|key| KeyboardShortcut::new(Modifiers::COMMAND, *key)),
            _ => None,
        }
    }

    /// Takes this command's shortcut from the frame's input, if it was pressed.
    pub fn pressed(&self, ctx: &egui::Context) -> bool {
        self.shortcut()
            .is_some_and(|shortcut| ctx.input_mut(|input| input.consume_shortcut(&shortcut)))
    }
}

/// The shortcuts that mean the same wherever the focus is: quick commands 1 to `quick_count`
/// (at most 9). Ctrl+Enter sends only from the send box, which takes it there.
pub fn pressed_anywhere(ctx: &egui::Context, quick_count: usize) -> Vec<UiCommand> {
    (0..quick_count.min(QUICK_KEYS.len()))
        .map(|index| UiCommand::Quick(QuickAction::Send(index)))
        .filter(|command| command.pressed(ctx))
        .collect()
}

/// What the widgets of one frame asked for, in the order they asked.
#[derive(Default)]
pub struct Requests(Vec<UiCommand>);

impl Requests {
    pub fn push(&mut self, command: UiCommand) {
        self.0.push(command);
    }

    /// Asks the tab in view for `action`.
    pub fn tab(&mut self, action: TabAction) {
        self.push(UiCommand::Tab(action));
    }

    /// Asks the tab in view for each of `actions`.
    pub fn tab_all(&mut self, actions: impl IntoIterator<Item = TabAction>) {
        self.0.extend(actions.into_iter().map(UiCommand::Tab));
    }

    /// The settings as the frame's widgets left `draft`, if they changed anything: asked for
    /// ahead of the rest, so what the widgets asked for acts on what they edited.
    pub fn edited(&mut self, settings: &crate::tab::TabSettings, draft: crate::tab::TabSettings) {
        if *settings != draft {
            let edit = TabAction::Edit(Box::new(draft));
            self.0.insert(0, UiCommand::Tab(edit));
        }
    }

    /// The commands asked for, oldest first; none are left.
    pub fn take(&mut self) -> Vec<UiCommand> {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortcuts_are_declared_with_their_commands() {
        let send = UiCommand::Tab(TabAction::Send).shortcut();
        assert_eq!(
            send,
            Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter))
        );
        let ninth = UiCommand::Quick(QuickAction::Send(8)).shortcut();
        assert_eq!(
            ninth,
            Some(KeyboardShortcut::new(Modifiers::COMMAND, Key::Num9))
        );
        assert_eq!(UiCommand::Quick(QuickAction::Send(9)).shortcut(), None);
        assert_eq!(UiCommand::ToggleChart.shortcut(), None);
    }

    #[test]
    fn requests_come_out_in_the_order_asked_and_only_once() {
        let mut requests = Requests::default();
        requests.tab(TabAction::Start);
        requests.push(UiCommand::ToggleReplay);
        requests.tab_all([TabAction::ClearLog, TabAction::ResetCounters]);
        assert_eq!(
            requests.take(),
            [
                UiCommand::Tab(TabAction::Start),
                UiCommand::ToggleReplay,
                UiCommand::Tab(TabAction::ClearLog),
                UiCommand::Tab(TabAction::ResetCounters),
            ]
        );
        assert!(requests.take().is_empty());
    }
}
