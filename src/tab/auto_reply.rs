//! Auto-reply: per-tab rules "when received data contains / starts with / equals this → send
//! that", and the echo rule (send back what arrived). Rules are tested against each entry as
//! the view shows it, so with By line framing "equals" means the whole line.

use super::messages;
use crate::codec::{self, PayloadFormat, TextEncoding};
use crate::i18n::Language;
use crate::tr;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MatchKind {
    #[default]
    Contains,
    StartsWith,
    Equals,
}

impl MatchKind {
    pub const ALL: [Self; 3] = [Self::Contains, Self::StartsWith, Self::Equals];

    fn matches(self, data: &[u8], pattern: &[u8]) -> bool {
        match self {
            Self::Contains => {
                pattern.is_empty() || data.windows(pattern.len()).any(|window| window == pattern)
            }
            Self::StartsWith => data.starts_with(pattern),
            Self::Equals => data == pattern,
        }
    }
}

/// One rule as the user sets it. Text fields read escapes (`\r\n`, `\xNN`) and are encoded
/// with the tab's encoding; hex fields are hex.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ReplyRule {
    pub enabled: bool,
    pub when: MatchKind,
    pub pattern: String,
    pub pattern_format: PayloadFormat,
    /// Send back what arrived, instead of `reply`.
    pub echo: bool,
    pub reply: String,
    pub reply_format: PayloadFormat,
}

impl Default for ReplyRule {
    fn default() -> Self {
        Self {
            enabled: true,
            when: MatchKind::Contains,
            pattern: String::new(),
            pattern_format: PayloadFormat::Text,
            echo: false,
            reply: String::new(),
            reply_format: PayloadFormat::Text,
        }
    }
}

impl ReplyRule {
    /// The echo rule: every arrival is sent back as it came.
    pub fn echo() -> Self {
        Self {
            echo: true,
            ..Self::default()
        }
    }
}

/// Rules turned into bytes, ready to test arrivals against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutoReplies {
    rules: Vec<Compiled>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Compiled {
    when: MatchKind,
    pattern: Vec<u8>,
    /// `None`: echo.
    reply: Option<Vec<u8>>,
}

/// The bytes of a rule's field, or what is wrong with it in `lang`.
fn bytes_of(
    text: &str,
    format: PayloadFormat,
    encoding: TextEncoding,
    lang: Language,
) -> Result<Vec<u8>, String> {
    match format {
        PayloadFormat::Hex => {
            codec::parse_hex(text).map_err(|error| messages::hex_error(&error, lang))
        }
        PayloadFormat::Text => codec::encode_escaped(text, encoding)
            .map_err(|error| messages::escaped_error(&error, lang)),
    }
}

impl AutoReplies {
    /// The enabled rules in bytes, and for each rule the message of what is wrong with it, in
    /// `lang`.
    pub fn compile(
        rules: &[ReplyRule],
        encoding: TextEncoding,
        lang: Language,
    ) -> (Self, Vec<Option<String>>) {
        let when = tr!(lang, "errors.label.when");
        let reply_label = tr!(lang, "errors.label.reply");
        let mut compiled = Vec::new();
        let mut errors = Vec::new();
        for rule in rules {
            let built = bytes_of(&rule.pattern, rule.pattern_format, encoding, lang)
                .map_err(|error| messages::labelled(&when, &error, lang))
                .and_then(|pattern| {
                    if pattern.is_empty() && rule.when != MatchKind::Contains {
                        return Err(tr!(lang, "errors.rule.no_pattern").into_owned());
                    }
                    let reply = if rule.echo {
                        None
                    } else {
                        let reply = bytes_of(&rule.reply, rule.reply_format, encoding, lang)
                            .map_err(|error| messages::labelled(&reply_label, &error, lang))?;
                        if reply.is_empty() {
                            return Err(tr!(lang, "errors.rule.no_reply").into_owned());
                        }
                        Some(reply)
                    };
                    Ok(Compiled {
                        when: rule.when,
                        pattern,
                        reply,
                    })
                });
            match built {
                Ok(rule_bytes) => {
                    if rule.enabled {
                        compiled.push(rule_bytes);
                    }
                    errors.push(None);
                }
                Err(error) => errors.push(Some(error)),
            }
        }
        (Self { rules: compiled }, errors)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The reply to `data`: the first enabled rule that matches decides.
    pub fn reply_to(&self, data: &[u8]) -> Option<Vec<u8>> {
        let rule = self
            .rules
            .iter()
            .find(|rule| rule.when.matches(data, &rule.pattern))?;
        Some(rule.reply.clone().unwrap_or_else(|| data.to_vec()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn rule(when: MatchKind, pattern: &str, reply: &str) -> ReplyRule {
        ReplyRule {
            when,
            pattern: pattern.to_owned(),
            reply: reply.to_owned(),
            ..ReplyRule::default()
        }
    }

    #[test]
    fn the_first_matching_rule_replies() {
        let rules = [
            rule(MatchKind::Equals, r"PING\r\n", r"PONG\r\n"),
            rule(MatchKind::StartsWith, "GET", "200"),
            rule(MatchKind::Contains, "temp", "ack"),
        ];
        let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Utf8, Language::English);
        assert_eq!(errors, [None, None, None]);
        assert_eq!(replies.reply_to(b"PING\r\n").unwrap(), b"PONG\r\n");
        assert_eq!(
            replies.reply_to(b"PING\r\nx"),
            None,
            "equals means all of it"
        );
        assert_eq!(
            replies.reply_to(b"GET temp").unwrap(),
            b"200",
            "first match wins"
        );
        assert_eq!(replies.reply_to(b"a temp b").unwrap(), b"ack");
        assert_eq!(replies.reply_to(b"nothing"), None);
    }

    #[test]
    fn hex_gbk_echo_and_disabled_rules() {
        let hex = ReplyRule {
            pattern: "AA 55".to_owned(),
            pattern_format: PayloadFormat::Hex,
            reply: "你好".to_owned(),
            ..rule(MatchKind::StartsWith, "", "")
        };
        let off = ReplyRule {
            enabled: false,
            ..rule(MatchKind::Contains, "x", "y")
        };
        let rules = [off, hex, ReplyRule::echo()];
        let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Gbk, Language::English);
        assert_eq!(errors, [None, None, None]);
        assert_eq!(
            replies.reply_to(&[0xAA, 0x55, 1]).unwrap(),
            [0xC4, 0xE3, 0xBA, 0xC3]
        );
        assert_eq!(
            replies.reply_to(b"x").unwrap(),
            b"x",
            "disabled rule skipped; echo"
        );
    }

    #[test]
    fn bad_rules_are_explained_and_left_out() {
        let rules = [
            ReplyRule {
                pattern_format: PayloadFormat::Hex,
                ..rule(MatchKind::Contains, "ZZ", "r")
            },
            rule(MatchKind::Equals, "", "r"),
            rule(MatchKind::Contains, "a", ""),
        ];
        let (replies, errors) = AutoReplies::compile(&rules, TextEncoding::Utf8, Language::English);
        assert!(replies.is_empty());
        let errors: Vec<String> = errors.into_iter().map(Option::unwrap).collect();
        assert!(
            errors[0].starts_with("When: invalid hex digit 'Z'"),
            "{errors:?}"
        );
        assert_eq!(errors[1], "When: type the bytes to match");
        assert_eq!(errors[2], "Reply: type what to send");
        let (_, errors) =
            AutoReplies::compile(&rules, TextEncoding::Utf8, Language::SimplifiedChinese);
        let errors: Vec<String> = errors.into_iter().map(Option::unwrap).collect();
        assert_eq!(
            errors,
            [
                "条件：第 1 行第 1 列的 'Z' 不是有效的十六进制数字",
                "条件：请输入要匹配的字节",
                "回复：请输入要发送的内容",
            ]
        );
    }
}
