//! Payloads the user keeps: each tab's send history (the last 100 sends) and the named quick
//! commands shared by all tabs, with their JSON import and export. No UI here.

use std::path::Path;

use super::messages;
use super::send_settings::SendFields;
use std::time::SystemTime;

use crate::codec::{self, Frame, PayloadFormat, TextEncoding};
use crate::i18n::{Language, tr};

/// How many sends the history keeps.
pub const HISTORY_LEN: usize = 100;

/// What the send box held: its text, how to read it, and its options (escapes, append,
/// checksum, encoding), so the same bytes can be sent again.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Payload {
    pub text: String,
    pub format: PayloadFormat,
    pub send: SendFields,
}

impl Payload {
    /// The frame to send (its variables worked out at each send), with `display_encoding`
    /// for text when the payload sets none apart, or why not in `lang`.
    pub fn frame(&self, display_encoding: TextEncoding, lang: Language) -> Result<Frame, String> {
        let spec = self.send.spec(self.format, display_encoding, lang)?;
        match codec::compose_template(&self.text, &spec) {
            Ok(frame) if frame.render(0, SystemTime::now()).is_empty() => {
                Err(tr!(lang, "errors.send.empty").into_owned())
            }
            Ok(frame) => Ok(frame),
            Err(error) => Err(messages::describe(&error, lang)),
        }
    }

    /// The encoding its text goes in, with `display_encoding` for text when it sets none
    /// apart; `None` for hex. Its sends are shown in the log in it.
    pub fn written_in(&self, display_encoding: TextEncoding) -> crate::net::WrittenIn {
        match self.format {
            PayloadFormat::Text => Some(self.send.encoding.unwrap_or(display_encoding)),
            PayloadFormat::Hex => None,
        }
    }

    /// The wire bytes of its first send, or why not in `lang` (see [`Self::frame`]).
    pub fn wire_bytes(
        &self,
        display_encoding: TextEncoding,
        lang: Language,
    ) -> Result<Vec<u8>, String> {
        Ok(self
            .frame(display_encoding, lang)?
            .render(0, SystemTime::now()))
    }

    /// One line for a menu, in `lang`: the format (with the send encoding, when it is not the
    /// display's: the same text sent in two encodings is two kept sends) and the start of the
    /// text.
    pub fn summary(&self, lang: Language) -> String {
        const SHOWN: usize = 40;
        let flat: String = self
            .text
            .chars()
            .map(|ch| if ch.is_control() { '⏎' } else { ch })
            .take(SHOWN + 1)
            .collect();
        let text = if flat.chars().count() > SHOWN {
            let cut: String = flat.chars().take(SHOWN).collect();
            format!("{cut}…")
        } else {
            flat
        };
        let format = match self.format {
            PayloadFormat::Text => tr!(lang, "send.kept_text"),
            PayloadFormat::Hex => tr!(lang, "send.kept_hex"),
        };
        match self.send.encoding {
            Some(encoding) if self.format == PayloadFormat::Text => {
                format!("[{format} · {encoding}] {text}")
            }
            _ => format!("[{format}] {text}"),
        }
    }
}

/// Puts `payload` first in `history`, without a second copy, keeping [`HISTORY_LEN`].
pub fn remember(history: &mut Vec<Payload>, payload: Payload) {
    history.retain(|kept| *kept != payload);
    history.insert(0, payload);
    history.truncate(HISTORY_LEN);
}

/// A named payload, sent with one click or Ctrl+1..9.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct QuickCommand {
    pub name: String,
    pub payload: Payload,
}

/// The file format of Export/Import: a version, so later formats can still read this one.
#[derive(serde::Serialize, serde::Deserialize)]
struct CommandFile {
    sockscope_quick_commands: u32,
    commands: Vec<QuickCommand>,
}

/// Writes `commands` as JSON to `path`, or says why not in `lang` (the OS's reason as it
/// gives it).
pub fn export_commands(
    path: &Path,
    commands: &[QuickCommand],
    lang: Language,
) -> Result<(), String> {
    let json = commands_json(commands).map_err(|error| error.to_string())?;
    crate::export::replace_file(path, (json + "\n").as_bytes()).map_err(|error| {
        let path = path.display();
        tr!(
            lang,
            "errors.quick.cannot_write",
            path = path,
            error = error
        )
        .into_owned()
    })
}

/// Reads quick commands written by [`export_commands`], or says why not in `lang` (the
/// reason from the OS or the JSON reader as they give it).
pub fn import_commands(path: &Path, lang: Language) -> Result<Vec<QuickCommand>, String> {
    let shown = path.display();
    let json = std::fs::read_to_string(path).map_err(|error| {
        tr!(
            lang,
            "errors.quick.cannot_read",
            path = shown,
            error = error
        )
        .into_owned()
    })?;
    parse_commands(&json).map_err(|error| {
        tr!(
            lang,
            "errors.quick.not_commands",
            path = shown,
            error = error
        )
        .into_owned()
    })
}

/// The text [`export_commands`] writes (without its final line end).
pub fn commands_json(commands: &[QuickCommand]) -> Result<String, serde_json::Error> {
    let file = CommandFile {
        sockscope_quick_commands: 1,
        commands: commands.to_vec(),
    };
    serde_json::to_string_pretty(&file)
}

/// The quick commands in the text of an exported file: the parsing behind
/// [`import_commands`], without the file (the fuzz target reads it).
pub fn parse_commands(json: &str) -> Result<Vec<QuickCommand>, serde_json::Error> {
    serde_json::from_str::<CommandFile>(json).map(|file| file.commands)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::codec::Checksum;

    const EN: Language = Language::English;

    fn text(text: &str) -> Payload {
        Payload {
            text: text.to_owned(),
            ..Payload::default()
        }
    }

    #[test]
    fn history_keeps_the_newest_first_without_copies() {
        let mut history = Vec::new();
        for n in 0..150 {
            remember(&mut history, text(&n.to_string()));
        }
        assert_eq!(history.len(), HISTORY_LEN);
        assert_eq!(history[0].text, "149");
        remember(&mut history, text("120"));
        assert_eq!(history[0].text, "120");
        assert_eq!(history.iter().filter(|p| p.text == "120").count(), 1);
        assert_eq!(history.len(), HISTORY_LEN);
    }

    #[test]
    fn a_payload_sends_with_its_own_options() {
        let modbus = Payload {
            text: "01 03 00 00 00 0A".to_owned(),
            format: PayloadFormat::Hex,
            send: SendFields {
                checksum: Checksum::Crc16Modbus,
                order: Checksum::Crc16Modbus.usual_order(),
                ..SendFields::default()
            },
        };
        assert_eq!(
            modbus.wire_bytes(TextEncoding::Gbk, EN).unwrap(),
            [1, 3, 0, 0, 0, 0x0A, 0xC5, 0xCD]
        );
        assert_eq!(modbus.summary(EN), "[Hex] 01 03 00 00 00 0A");
        let zh = Language::SimplifiedChinese;
        assert_eq!(modbus.summary(zh), "[十六进制] 01 03 00 00 00 0A");
        let mut gbk = text("你好");
        assert_eq!(gbk.summary(zh), "[文本] 你好");
        gbk.send.encoding = Some(TextEncoding::Gbk);
        assert_eq!(
            gbk.summary(zh),
            "[文本 · GBK] 你好",
            "not the same as the UTF-8 send"
        );
        assert_eq!(
            text("").wire_bytes(TextEncoding::Utf8, EN),
            Err("Nothing to send: the send box is empty".to_owned())
        );
        assert_eq!(
            text("").wire_bytes(TextEncoding::Utf8, Language::SimplifiedChinese),
            Err("没有可发送的内容：发送框为空".to_owned())
        );
        assert_eq!(
            text("😀").wire_bytes(TextEncoding::Gbk, EN),
            Err("'😀' (U+1F600) at line 1, column 1 cannot be encoded in GBK".to_owned())
        );
        let long = text(&format!("a\r\n{}", "b".repeat(60)));
        assert_eq!(long.summary(EN).chars().count(), "[Text] ".len() + 41);
    }

    #[test]
    fn commands_round_trip_through_a_file_and_bad_files_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("commands.json");
        let commands = vec![
            QuickCommand {
                name: "Ping".to_owned(),
                payload: text("PING\\r\\n"),
            },
            QuickCommand {
                name: "读取".to_owned(),
                payload: text("读"),
            },
        ];
        export_commands(&path, &commands, Language::English).unwrap();
        assert_eq!(import_commands(&path, Language::English).unwrap(), commands);
        std::fs::write(&path, "{\"not\": 1}").unwrap();
        let error = import_commands(&path, Language::English).unwrap_err();
        assert!(
            error.contains("not a Sockscope quick command file"),
            "{error}"
        );
        assert!(import_commands(&dir.path().join("missing.json"), Language::English).is_err());
        let missing = dir.path().join("missing.json");
        let error = import_commands(&missing, Language::SimplifiedChinese).unwrap_err();
        assert!(error.starts_with("无法读取 "), "{error}");
        let error = export_commands(dir.path(), &commands, Language::SimplifiedChinese);
        assert!(error.unwrap_err().starts_with("无法写入 "));
    }
}
