//! Auto-reply: per-tab rules "when received data contains / starts with / equals this, or
//! matches this regular expression → send that (after a delay)", and the echo rule (send back
//! what arrived). Rules are tested against each entry as the view shows it, so with By line
//! framing "equals" means the whole line. A regular expression's captures go into the reply
//! as `$1`, `${name}` (`$$` is a dollar sign).

use std::time::Duration;

use super::messages;
use crate::codec::{self, PayloadFormat, TextEncoding};
use crate::i18n::{Language, tr};
use crate::net::WrittenIn;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MatchKind {
    #[default]
    Contains,
    StartsWith,
    Equals,
    /// A regular expression over the data as text, in the tab's encoding.
    Regex,
    /// A regular expression over the raw bytes (`\xNN` is a byte, `.` any byte).
    BytesRegex,
}

impl MatchKind {
    pub const ALL: [Self; 5] = [
        Self::Contains,
        Self::StartsWith,
        Self::Equals,
        Self::Regex,
        Self::BytesRegex,
    ];

    /// A regular expression, whose pattern is not bytes in text or hex.
    pub fn is_regex(self) -> bool {
        matches!(self, Self::Regex | Self::BytesRegex)
    }
}

/// The longest delay a rule may wait before its reply.
pub const MAX_DELAY_MS: u32 = 60_000;

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
    /// How long to wait before replying, in milliseconds.
    pub delay_ms: u32,
}

impl ReplyRule {
    /// Nothing typed in it: no pattern, no reply, not an echo.
    pub fn is_blank(&self) -> bool {
        self.pattern.is_empty() && self.reply.is_empty() && !self.echo
    }
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
            delay_ms: 0,
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

/// Rules turned into bytes and regular expressions, ready to test arrivals against.
#[derive(Clone, Debug, Default)]
pub struct AutoReplies {
    rules: Vec<Compiled>,
    /// What they were made from, for equality.
    source: Vec<ReplyRule>,
}

#[derive(Clone, Debug)]
struct Compiled {
    matcher: Matcher,
    reply: Reply,
    delay: Duration,
    /// A text reply's encoding (the log shows the reply in it); `None` for hex and echo.
    written_in: WrittenIn,
}

/// What a rule tests received data for.
#[derive(Clone, Debug)]
enum Matcher {
    Bytes { when: MatchKind, pattern: Vec<u8> },
    Text(regex::Regex, TextEncoding),
    Raw(regex::bytes::Regex),
}

#[derive(Clone, Debug)]
enum Reply {
    Echo,
    Fixed(Vec<u8>),
    /// A regular expression's reply with `$` references: its text read into bytes piece by
    /// piece, the references left for the captures.
    Expand(Vec<Piece>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Bytes(Vec<u8>),
    Group(Group),
}

/// A rule's reply to data it matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub bytes: Vec<u8>,
    pub delay: Duration,
    pub written_in: WrittenIn,
}

/// Rules compare equal when their fields did: a regex has no equality of its own.
impl PartialEq for AutoReplies {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for AutoReplies {}

impl Matcher {
    /// Whether `data` matches, and the bytes of the reply's `$` references when they apply.
    fn answer(&self, data: &[u8], reply: &Reply) -> Option<Vec<u8>> {
        match self {
            Self::Bytes { when, pattern } => {
                let matched = match when {
                    MatchKind::StartsWith => data.starts_with(pattern),
                    MatchKind::Equals => data == pattern.as_slice(),
                    // Contains (regular expressions are the other matchers).
                    _ => pattern.is_empty() || memchr::memmem::find(data, pattern).is_some(),
                };
                matched.then(|| reply.plain(data))
            }
            Self::Text(regex, encoding) => {
                let text = encoding.decode(data);
                let captures = regex.captures(&text)?;
                Some(match reply {
                    Reply::Expand(pieces) => expand(pieces, |group| {
                        let found = group.pick(|n| captures.get(n), |name| captures.name(name))?;
                        Some(encoding.encode(found.as_str()).ok()?.into_owned())
                    }),
                    other => other.plain(data),
                })
            }
            Self::Raw(regex) => {
                let captures = regex.captures(data)?;
                Some(match reply {
                    Reply::Expand(pieces) => expand(pieces, |group| {
                        let found = group.pick(|n| captures.get(n), |name| captures.name(name))?;
                        Some(found.as_bytes().to_vec())
                    }),
                    other => other.plain(data),
                })
            }
        }
    }
}

impl Reply {
    /// The reply without references: fixed, or the data itself.
    fn plain(&self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Echo => data.to_vec(),
            Self::Fixed(bytes) => bytes.clone(),
            Self::Expand(pieces) => expand(pieces, |_| None),
        }
    }
}

/// A reference in a reply: `$1`, `${1}`, `${name}`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Group {
    Number(usize),
    Name(String),
}

impl Group {
    /// The capture it names, found by number or by name.
    fn pick<T>(
        &self,
        by_number: impl FnOnce(usize) -> Option<T>,
        by_name: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        match self {
            Self::Number(number) => by_number(*number),
            Self::Name(name) => by_name(name),
        }
    }
}

/// A reply's text split at its references: `$1`, `${name}` (any characters but `}`); `$$`
/// is a dollar sign, and a `$` that starts nothing stays as it is. Read as text, before
/// encoding, so a name in any script and any encoding's bytes are what they seem.
fn references(text: &str) -> Vec<Result<String, Group>> {
    let mut pieces: Vec<Result<String, Group>> = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        literal.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let group = if let Some(after) = rest.strip_prefix('$') {
            literal.push('$');
            rest = after;
            None
        } else if let Some((name, after)) = rest
            .strip_prefix('{')
            .and_then(|after| after.split_once('}'))
        {
            rest = after;
            Some(match name.parse::<usize>() {
                Ok(number) => Group::Number(number),
                Err(_) => Group::Name(name.to_owned()),
            })
        } else {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            match rest[..digits].parse::<usize>() {
                Ok(number) => {
                    rest = &rest[digits..];
                    Some(Group::Number(number))
                }
                Err(_) => {
                    literal.push('$');
                    None
                }
            }
        };
        if let Some(group) = group {
            pieces.push(Ok(std::mem::take(&mut literal)));
            pieces.push(Err(group));
        }
    }
    literal.push_str(rest);
    pieces.push(Ok(literal));
    pieces
}

/// The pieces with each reference replaced by `group`'s bytes (nothing for a group that did
/// not take part).
fn expand(pieces: &[Piece], group: impl Fn(&Group) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Bytes(bytes) => out.extend_from_slice(bytes),
            Piece::Group(reference) => out.extend(group(reference).unwrap_or_default()),
        }
    }
    out
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
            // A rule just added, nothing typed yet: inert, and no red error before the user
            // has had a chance to fill it in.
            if rule.is_blank() {
                errors.push(None);
                continue;
            }
            let built = matcher(rule, encoding, &when, lang).and_then(|matcher| {
                let reply = if rule.echo {
                    Reply::Echo
                } else {
                    let read = |text: &str| {
                        bytes_of(text, rule.reply_format, encoding, lang)
                            .map_err(|error| messages::labelled(&reply_label, &error, lang))
                    };
                    if rule.reply.is_empty() {
                        return Err(tr!(lang, "errors.rule.no_reply").into_owned());
                    }
                    let referring =
                        rule.when.is_regex() && rule.reply_format == PayloadFormat::Text;
                    if referring && rule.reply.contains('$') {
                        let pieces = references(&rule.reply)
                            .into_iter()
                            .map(|piece| match piece {
                                Ok(text) => read(&text).map(Piece::Bytes),
                                Err(group) => Ok(Piece::Group(group)),
                            })
                            .collect::<Result<Vec<_>, String>>()?;
                        Reply::Expand(pieces)
                    } else {
                        let reply = read(&rule.reply)?;
                        if reply.is_empty() {
                            return Err(tr!(lang, "errors.rule.no_reply").into_owned());
                        }
                        Reply::Fixed(reply)
                    }
                };
                let delay = rule.delay_ms.min(MAX_DELAY_MS);
                let text = !rule.echo && rule.reply_format == PayloadFormat::Text;
                Ok(Compiled {
                    matcher,
                    reply,
                    delay: Duration::from_millis(u64::from(delay)),
                    written_in: text.then_some(encoding),
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
        let source = rules.to_vec();
        (
            Self {
                rules: compiled,
                source,
            },
            errors,
        )
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The reply to `data`: the first enabled rule that matches decides.
    pub fn reply_to(&self, data: &[u8]) -> Option<Vec<u8>> {
        self.answer(data).map(|answer| answer.bytes)
    }

    /// The reply to `data` and how long to wait before it: the first enabled rule that
    /// matches decides.
    pub fn answer(&self, data: &[u8]) -> Option<Answer> {
        self.rules.iter().find_map(|rule| {
            let bytes = rule.matcher.answer(data, &rule.reply)?;
            Some(Answer {
                bytes,
                delay: rule.delay,
                written_in: rule.written_in,
            })
        })
    }
}

/// What a rule's pattern tests for, or what is wrong with it in `lang` (under `label`).
fn matcher(
    rule: &ReplyRule,
    encoding: TextEncoding,
    label: &str,
    lang: Language,
) -> Result<Matcher, String> {
    // Big enough for any sane pattern, small enough that a typo cannot eat the memory.
    const REGEX_SIZE: usize = 1 << 20;
    let invalid = |error: regex::Error| {
        let detail = error.to_string();
        let error = tr!(lang, "errors.rule.bad_regex", detail = detail);
        messages::labelled(label, &error, lang)
    };
    match rule.when {
        MatchKind::Regex => regex::RegexBuilder::new(&rule.pattern)
            .size_limit(REGEX_SIZE)
            .build()
            .map(|regex| Matcher::Text(regex, encoding))
            .map_err(invalid),
        MatchKind::BytesRegex => regex::bytes::RegexBuilder::new(&rule.pattern)
            .unicode(false)
            .size_limit(REGEX_SIZE)
            .build()
            .map(Matcher::Raw)
            .map_err(invalid),
        when => {
            let pattern = bytes_of(&rule.pattern, rule.pattern_format, encoding, lang)
                .map_err(|error| messages::labelled(label, &error, lang))?;
            if pattern.is_empty() && when != MatchKind::Contains {
                return Err(tr!(lang, "errors.rule.no_pattern").into_owned());
            }
            Ok(Matcher::Bytes { when, pattern })
        }
    }
}

pub mod file;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;
