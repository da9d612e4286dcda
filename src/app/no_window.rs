//! When the window cannot open: one line in the user's language that says why and what to do,
//! instead of eframe's debug dump of winit's error; the process then exits with code 2.

use crate::i18n::{Language, tr};

/// Why the window could not open, in the cases a user acts on differently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoWindow {
    /// Neither `DISPLAY` nor `WAYLAND_DISPLAY` is set (SSH, a container, a service).
    NoDisplay,
    /// The display named would not take the connection.
    DisplayRefused { display: String },
    /// The display's OpenGL cannot draw the window (too old, or no driver).
    NoOpenGl { detail: String },
    /// Anything else, in eframe's words.
    Other { detail: String },
}

impl NoWindow {
    /// Sorts eframe's error; `display` is the `DISPLAY` (or `WAYLAND_DISPLAY`) it was given.
    pub fn of(error: &eframe::Error, display: Option<String>) -> Self {
        // winit's errors are matched by their words: its types are not re-exported, and its
        // messages are stable across its 0.30 releases.
        let words = format!("{error:?}");
        match error {
            // The cause alone: the config template asked for is a page of debug output.
            eframe::Error::NoGlutinConfigs(_, cause) => Self::NoOpenGl {
                detail: cause.to_string(),
            },
            eframe::Error::Glutin(cause) => Self::NoOpenGl {
                detail: cause.to_string(),
            },
            eframe::Error::OpenGL(cause) => Self::NoOpenGl {
                detail: cause.to_string(),
            },
            _ if words.contains("nor DISPLAY is set") => Self::NoDisplay,
            _ if words.contains("XOpenDisplayFailed") || words.contains("Connection refused") => {
                Self::DisplayRefused {
                    display: display.unwrap_or_default(),
                }
            }
            _ => Self::Other {
                detail: error.to_string(),
            },
        }
    }

    /// What to tell the user, one line.
    pub fn message(&self, lang: Language) -> String {
        match self {
            Self::NoDisplay => tr!(lang, "no_window.no_display"),
            Self::DisplayRefused { display } => {
                tr!(lang, "no_window.display_refused", display = display)
            }
            Self::NoOpenGl { detail } => tr!(lang, "no_window.no_opengl", detail = detail),
            Self::Other { detail } => tr!(lang, "no_window.other", detail = detail),
        }
        .into_owned()
    }
}
