//! How a tab shows its log: layout, control characters, time columns. Persisted per tab.

use super::Layout;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Timestamps {
    Off,
    /// `12:00:00.123`
    #[default]
    Time,
    /// `2026-11-21 12:00:00.123`
    DateTime,
}

impl Timestamps {
    pub const ALL: [Self; 3] = [Self::Off, Self::Time, Self::DateTime];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ViewOptions {
    pub layout: Layout,
    /// Show `\r`, `\n` and `\t` as escapes instead of acting on them (lines still break at `\n`).
    pub show_controls: bool,
    pub timestamps: Timestamps,
    /// Show the time since the previous entry.
    pub show_delta: bool,
    /// Beside each received entry, the time since the last send to its peer.
    pub show_reply: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        Self {
            layout: Layout::Text,
            show_controls: false,
            timestamps: Timestamps::Time,
            show_delta: false,
            show_reply: false,
        }
    }
}
