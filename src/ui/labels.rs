//! What the model's choices are called on screen, in the user's language. The model names
//! them for files and the command line; these are for people.

use std::borrow::Cow;

use crate::i18n::{Language, tr};
use crate::session::{Layout, Mode, Timestamps};
use crate::tab::FramingKind;

pub fn mode(lang: Language, mode: Mode) -> Cow<'static, str> {
    match mode {
        Mode::TcpClient => tr!(lang, "app.tab.tcp_client"),
        Mode::TcpServer => tr!(lang, "app.tab.tcp_server"),
        Mode::Udp => tr!(lang, "app.tab.udp"),
        Mode::Relay => tr!(lang, "relay.tab"),
    }
}

/// The button that starts a session in `mode` (`starts`) or ends it.
pub fn toggle(lang: Language, mode: Mode, starts: bool) -> Cow<'static, str> {
    match (mode, starts) {
        (Mode::TcpClient, true) => tr!(lang, "connection.connect"),
        (Mode::TcpClient, false) => tr!(lang, "connection.disconnect"),
        (Mode::TcpServer | Mode::Relay, true) => tr!(lang, "connection.listen"),
        (Mode::TcpServer | Mode::Relay, false) => tr!(lang, "connection.stop"),
        (Mode::Udp, true) => tr!(lang, "connection.open"),
        (Mode::Udp, false) => tr!(lang, "connection.close"),
    }
}

pub fn layout(lang: Language, layout: Layout) -> Cow<'static, str> {
    match layout {
        Layout::Text => tr!(lang, "display.text"),
        Layout::Hex => tr!(lang, "display.hex"),
        Layout::Both => tr!(lang, "display.both"),
    }
}

pub fn timestamps(lang: Language, timestamps: Timestamps) -> Cow<'static, str> {
    match timestamps {
        Timestamps::Off => tr!(lang, "display.no_time"),
        Timestamps::Time => tr!(lang, "display.time"),
        Timestamps::DateTime => tr!(lang, "display.date_time"),
    }
}

pub fn framing(lang: Language, kind: FramingKind) -> Cow<'static, str> {
    match kind {
        FramingKind::PerRead => tr!(lang, "framing.per_read"),
        FramingKind::Lines => tr!(lang, "framing.lines"),
        FramingKind::Delimiter => tr!(lang, "framing.delimiter"),
        FramingKind::FixedLength => tr!(lang, "framing.fixed_length"),
        FramingKind::IdleGap => tr!(lang, "framing.idle_gap"),
    }
}
