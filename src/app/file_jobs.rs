//! The small files the windows read and write (scripts, auto-reply rules, quick commands), on
//! a thread each: a file on a slow disk or a network share must not hold a frame. The outcome
//! comes back as a [`Done`], taken in at the next frame. Files are replaced whole (written
//! beside, then renamed), so the app closing while one is written leaves the old one.

use std::path::{Path, PathBuf};

use super::App;
use crate::i18n::tr;
use crate::session::Mode;
use crate::tab::auto_reply::{ReplyRule, file as rules_file};
use crate::tab::payloads::{self, QuickCommand};

/// A file read or written.
pub(super) enum Done {
    ScriptLoaded {
        mode: Mode,
        path: PathBuf,
        source: String,
    },
    ScriptSaved {
        mode: Mode,
        path: PathBuf,
    },
    RulesImported {
        mode: Mode,
        path: PathBuf,
        rules: Vec<ReplyRule>,
    },
    RulesExported {
        path: PathBuf,
        count: usize,
    },
    CommandsImported {
        path: PathBuf,
        commands: Vec<QuickCommand>,
    },
    CommandsExported {
        path: PathBuf,
        count: usize,
    },
    /// What went wrong, in the app's language, and whether the Quick commands window says it
    /// (otherwise the notice line does).
    Failed {
        text: String,
        quick: bool,
    },
}

impl App {
    /// Reads `path` into the Script window of `mode`'s tab.
    pub(super) fn load_script(&mut self, mode: Mode, path: PathBuf) {
        let lang = self.language;
        self.on_file_thread(move || match crate::script::read_source(&path) {
            Ok(source) => Done::ScriptLoaded { mode, path, source },
            Err(error) => {
                let path = path.display();
                let text = tr!(lang, "script.cannot_load", path = path, error = error);
                failed(text.into_owned())
            }
        });
    }

    /// Writes `mode`'s tab's script to `path`.
    pub(super) fn save_script(&mut self, mode: Mode, path: PathBuf) {
        let lang = self.language;
        let source = self.tab(mode).settings().script.source.clone();
        self.on_file_thread(
            move || match crate::export::replace_file(&path, source.as_bytes()) {
                Ok(()) => Done::ScriptSaved { mode, path },
                Err(error) => {
                    let path = path.display();
                    let text = tr!(lang, "script.cannot_save", path = path, error = error);
                    failed(text.into_owned())
                }
            },
        );
    }

    /// Adds the rules in `path` after `mode`'s tab's own.
    pub(super) fn import_rules(&mut self, mode: Mode, path: PathBuf) {
        let lang = self.language;
        self.on_file_thread(move || match rules_file::read_rules(&path, lang) {
            Ok(rules) => Done::RulesImported { mode, path, rules },
            Err(text) => failed(text),
        });
    }

    /// Writes `mode`'s tab's rules to `path`.
    pub(super) fn export_rules(&mut self, mode: Mode, path: PathBuf) {
        let lang = self.language;
        let rules = self.tab(mode).settings().auto_replies.clone();
        self.on_file_thread(move || match rules_file::write_rules(&path, &rules, lang) {
            Ok(()) => Done::RulesExported {
                path,
                count: rules.len(),
            },
            Err(text) => failed(text),
        });
    }

    /// Writes the quick commands to `path` as JSON; the outcome shows in their window.
    pub fn export_commands(&mut self, path: &Path) {
        let (lang, path) = (self.language, path.to_owned());
        let commands = self.quick_commands.clone();
        self.on_file_thread(
            move || match payloads::export_commands(&path, &commands, lang) {
                Ok(()) => Done::CommandsExported {
                    path,
                    count: commands.len(),
                },
                Err(text) => Done::Failed { text, quick: true },
            },
        );
    }

    /// Adds the quick commands in `path` after the ones there are.
    pub fn import_commands(&mut self, path: &Path) {
        let (lang, path) = (self.language, path.to_owned());
        self.on_file_thread(move || match payloads::import_commands(&path, lang) {
            Ok(commands) => Done::CommandsImported { path, commands },
            Err(text) => Done::Failed { text, quick: true },
        });
    }

    fn on_file_thread(&mut self, work: impl FnOnce() -> Done + Send + 'static) {
        let done = self.file_jobs.0.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("small-file".into())
            .spawn(move || {
                let _ = done.send(work());
                wake();
            });
        if let Err(error) = spawned {
            let text = tr!(self.language, "app.cannot_save", error = error);
            self.notice = Some((text.into_owned(), true));
        }
    }

    /// Takes in the files read and written since the last frame.
    pub(super) fn collect_file_jobs(&mut self) {
        while let Ok(done) = self.file_jobs.1.try_recv() {
            self.take_in(done);
        }
    }

    fn take_in(&mut self, done: Done) {
        let lang = self.language;
        match done {
            Done::ScriptLoaded { mode, path, source } => {
                self.tab_mut(mode).edit_settings(|settings| {
                    settings.script.source = source;
                    settings.script.path = path.display().to_string();
                });
            }
            Done::ScriptSaved { mode, path } => {
                let shown = path.display().to_string();
                self.tab_mut(mode)
                    .edit_settings(|settings| settings.script.path.clone_from(&shown));
                let text = tr!(lang, "script.saved", path = shown);
                self.notice = Some((text.into_owned(), false));
            }
            Done::RulesImported { mode, path, rules } => {
                let (count, path) = (rules.len(), path.display());
                self.tab_mut(mode)
                    .edit_settings(|settings| settings.auto_replies.extend(rules));
                let text = tr!(lang, "auto_reply.imported", count = count, path = path);
                self.notice = Some((text.into_owned(), false));
            }
            Done::RulesExported { path, count } => {
                let path = path.display();
                let text = tr!(lang, "auto_reply.exported", count = count, path = path);
                self.notice = Some((text.into_owned(), false));
            }
            Done::CommandsImported { path, commands } => {
                let (count, path) = (commands.len(), path.display());
                let text = tr!(lang, "app.quick.imported", count = count, path = path);
                self.quick_commands.extend(commands);
                self.quick_window.message = Some((text.into_owned(), false));
            }
            Done::CommandsExported { path, count } => {
                let path = path.display();
                let text = tr!(lang, "app.quick.exported", count = count, path = path);
                self.quick_window.message = Some((text.into_owned(), false));
            }
            Done::Failed { text, quick: true } => self.quick_window.message = Some((text, true)),
            Done::Failed { text, quick: false } => self.notice = Some((text, true)),
        }
    }
}

fn failed(text: String) -> Done {
    Done::Failed { text, quick: false }
}
