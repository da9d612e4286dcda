//! What the app remembers across restarts, and reading it back. eframe keeps it as RON and
//! gives up on the whole of it at the first error; here each part that still reads is used,
//! the rest starts from its defaults, and the user is told which parts those are.

use super::pacer::DEFAULT_MAX_FPS;
use crate::i18n::Language;
use crate::session::Mode;
use crate::tab::TabSettings;
use crate::tab::payloads::QuickCommand;

/// What the app remembers across restarts.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub(super) struct Persisted {
    pub(super) active: Mode,
    pub(super) tcp_client: TabSettings,
    pub(super) tcp_server: TabSettings,
    pub(super) udp: TabSettings,
    pub(super) relay: TabSettings,
    pub(super) quick_commands: Vec<QuickCommand>,
    /// The cap on frames a second drawn for arriving data.
    pub(super) max_fps: u32,
    /// The language chosen in the app; none follows the system.
    pub(super) language: Option<Language>,
    /// Light, dark, or the system's.
    pub(super) theme: egui::ThemePreference,
    /// Whether the settings panel is shown.
    pub(super) settings_open: bool,
}

impl Default for Persisted {
    fn default() -> Self {
        Self {
            active: Mode::TcpClient,
            tcp_client: TabSettings::for_mode(Mode::TcpClient),
            tcp_server: TabSettings::for_mode(Mode::TcpServer),
            udp: TabSettings::for_mode(Mode::Udp),
            relay: TabSettings::for_mode(Mode::Relay),
            quick_commands: Vec::new(),
            max_fps: DEFAULT_MAX_FPS,
            language: None,
            theme: egui::ThemePreference::System,
            settings_open: true,
        }
    }
}

/// What was read back, and the parts that could not be (by their names in the file).
pub(super) struct Remembered {
    pub persisted: Persisted,
    pub unreadable: Vec<&'static str>,
}

/// Reads the remembered settings from `storage` (none: defaults, as for a first start).
pub(super) fn load(storage: Option<&dyn eframe::Storage>) -> Remembered {
    let text = storage.and_then(|storage| storage.get_string(eframe::APP_KEY));
    let Some(text) = text else {
        return Remembered {
            persisted: Persisted::default(),
            unreadable: Vec::new(),
        };
    };
    read(&text)
}

/// Reads settings text as `load` does and writes back what it read, with the parts it could
/// not read: what the settings fuzz target checks (the types themselves stay the app's).
pub fn reread(text: &str) -> (Result<String, ron::Error>, Vec<&'static str>) {
    let read = read(text);
    (ron::to_string(&read.persisted), read.unreadable)
}

fn read(text: &str) -> Remembered {
    if let Ok(persisted) = ron::from_str::<Persisted>(text) {
        return Remembered {
            persisted,
            unreadable: Vec::new(),
        };
    }
    let mut persisted = Persisted::default();
    // Each part's text whatever it holds (a bare value is a present part).
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let Ok(parts) = options.from_str::<Parts>(text) else {
        // Not even RON (truncated, another program's file): nothing can be read.
        return Remembered {
            persisted,
            unreadable: vec!["all"],
        };
    };
    let mut unreadable = Vec::new();
    // Each part on its own, from its own text; a part the file does not have keeps its
    // default quietly.
    macro_rules! part {
        ($($field:ident),*) => {$(
            if let Some(raw) = &parts.$field {
                match raw.into_rust() {
                    Ok(read) => persisted.$field = read,
                    Err(_) => unreadable.push(stringify!($field)),
                }
            }
        )*};
    }
    part!(
        active,
        tcp_client,
        tcp_server,
        udp,
        relay,
        quick_commands,
        max_fps,
        language,
        theme,
        settings_open
    );
    Remembered {
        persisted,
        unreadable,
    }
}

/// The file's parts as their own RON text, to be read one by one.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Parts {
    active: Option<Box<ron::value::RawValue>>,
    tcp_client: Option<Box<ron::value::RawValue>>,
    tcp_server: Option<Box<ron::value::RawValue>>,
    udp: Option<Box<ron::value::RawValue>>,
    relay: Option<Box<ron::value::RawValue>>,
    quick_commands: Option<Box<ron::value::RawValue>>,
    max_fps: Option<Box<ron::value::RawValue>>,
    language: Option<Box<ron::value::RawValue>>,
    theme: Option<Box<ron::value::RawValue>>,
    settings_open: Option<Box<ron::value::RawValue>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(persisted: &Persisted) -> String {
        ron::to_string(persisted).expect("RON")
    }

    #[test]
    fn a_good_file_reads_whole() {
        let mut persisted = Persisted::default();
        persisted.udp.remote_port = "5353".to_owned();
        persisted.active = Mode::Udp;
        let read = read(&written(&persisted));
        assert!(read.unreadable.is_empty());
        assert_eq!(read.persisted.udp.remote_port, "5353");
        assert_eq!(read.persisted.active, Mode::Udp);
    }

    #[test]
    fn a_damaged_part_starts_from_defaults_and_the_rest_is_kept() {
        let mut persisted = Persisted::default();
        persisted.udp.remote_port = "5353".to_owned();
        persisted.max_fps = 12;
        persisted.active = Mode::Udp;
        let text = written(&persisted);
        // Another version wrote a number where this one keeps a tab's settings.
        let start = text.find("tcp_client:").expect("the part");
        let end = text.find("tcp_server:").expect("the next part");
        let damaged = format!("{}tcp_client:42,{}", &text[..start], &text[end..]);
        let read = read(&damaged);
        assert_eq!(read.unreadable, ["tcp_client"]);
        assert_eq!(
            read.persisted.tcp_client,
            TabSettings::for_mode(Mode::TcpClient)
        );
        assert_eq!(read.persisted.udp.remote_port, "5353", "the rest is kept");
        assert_eq!(read.persisted.max_fps, 12);
        assert_eq!(read.persisted.active, Mode::Udp);
    }

    #[test]
    fn a_truncated_or_foreign_file_starts_from_defaults_and_says_so() {
        let text = written(&Persisted::default());
        for damaged in [&text[..text.len() / 2], "<html>not settings</html>"] {
            let read = read(damaged);
            assert_eq!(read.unreadable, ["all"], "{damaged}");
            assert_eq!(read.persisted.max_fps, DEFAULT_MAX_FPS);
        }
    }
}
