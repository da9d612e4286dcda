//! Sockscope: a network debugging assistant for TCP clients, TCP servers and UDP.
//!
//! The library is the program; `main.rs` only parses the command line and opens the window.
//!
//! - [`net`]: socket workers, one thread per session, typed `Command`/`Event` channels.
//! - [`codec`]: text encodings and hex, pure functions.
//! - [`session`]: a session's state and its bounded log of raw bytes.
//! - [`export`]: log file formats and continuous recording.
//! - [`tab`]: one tab's controller between the widgets and its worker.
//! - [`ui`]: the widgets; [`app`]: the eframe app; [`i18n`]: their language.

pub mod app;
pub mod cli;
pub mod codec;
pub mod export;
pub mod headless;
pub mod i18n;
pub mod net;
pub mod script;
pub mod session;
pub mod tab;
pub mod ui;
pub mod units;

#[cfg(test)]
mod test_rng;

// The strings of every language, from locales/*.toml; English fills any gap.
rust_i18n::i18n!("locales", fallback = "en");

pub use app::App;
pub use cli::{Cli, StartOptions};
