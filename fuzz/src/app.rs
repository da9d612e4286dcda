//! What the app reads from files and rules: quick-command import, remembered settings, and the
//! auto-reply rules with their regular expressions and `$` references.

use std::time::{Duration, UNIX_EPOCH};

use sockscope::app::remembered;
use sockscope::codec::{PayloadFormat, TextEncoding, encode_escaped, parse_hex};
use sockscope::i18n::Language;
use sockscope::tab::auto_reply::{
    AutoReplies, MAX_DELAY_MS, MatchKind, ReplyRule, file as rules_file,
};
use sockscope::tab::payloads;

use crate::input::Input;

/// An imported file's commands write back (as Export writes them) to the same commands, and
/// each one makes its frame or says why not, without panicking.
pub fn quick_import(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(commands) = payloads::parse_commands(&text) else {
        return;
    };
    let written = payloads::commands_json(&commands).unwrap_or_else(|error| panic!("{error}"));
    let read = payloads::parse_commands(&written).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(read, commands, "{written}");
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for command in &commands {
        let summary = command.payload.summary(Language::English);
        // "[format] " or "[format · encoding] ", then at most 40 characters and "…".
        let text = summary.split_once("] ").map_or("", |(_, text)| text);
        assert!(text.chars().count() <= 41, "{summary}");
        for encoding in [TextEncoding::Utf8, TextEncoding::Gbk] {
            if let Ok(frame) = command.payload.frame(encoding, Language::English) {
                assert!(!frame.render(0, now).is_empty(), "{command:?}");
            }
        }
    }
}

/// An imported rules file's rules write back (as Export writes them) to the same rules, and
/// each compiles or is said to be wrong, in both encodings, without panicking.
pub fn rules_import(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(rules) = rules_file::parse_rules(&text) else {
        return;
    };
    let written = rules_file::rules_json(&rules).unwrap_or_else(|error| panic!("{error}"));
    let read = rules_file::parse_rules(&written).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(read, rules, "{written}");
    for encoding in [TextEncoding::Utf8, TextEncoding::Gbk] {
        let (_, errors) = AutoReplies::compile(&rules, encoding, Language::English);
        assert_eq!(errors.len(), rules.len());
    }
}

/// The parts a settings file has, as the loader names them when it cannot read one.
const PARTS: [&str; 10] = [
    "all",
    "active",
    "tcp_client",
    "tcp_server",
    "udp",
    "quick_commands",
    "max_fps",
    "language",
    "theme",
    "settings_open",
];

/// Any settings file loads (what cannot be read starts from defaults, and is named), and what
/// was loaded, written back, loads whole and writes the same again.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (written, unreadable) = remembered::reread(&text);
    for part in &unreadable {
        assert!(PARTS.contains(part), "{part}");
    }
    let written = written.unwrap_or_else(|error| panic!("{error}"));
    let (again, unreadable) = remembered::reread(&written);
    assert!(unreadable.is_empty(), "{unreadable:?} of {written}");
    let again = again.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(again, written);
}

/// A capture's reference in a reply, as the rules' documentation puts it.
enum Reference {
    Number(usize),
    Name(String),
}

/// A reply's text read as documented: `$1`, `${1}`, `${name}` (any characters but `}`), `$$` a
/// dollar sign, a `$` that starts nothing stays; literal runs read as the field reads text
/// (escapes, the encoding). `Err` when a run is not valid text for the field.
fn expand_reference(
    reply: &str,
    encoding: TextEncoding,
    capture: &dyn Fn(&Reference) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, ()> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = reply;
    let flush = |literal: &mut String, out: &mut Vec<u8>| -> Result<(), ()> {
        out.extend(encode_escaped(literal, encoding).map_err(|_| ())?);
        literal.clear();
        Ok(())
    };
    while let Some(ch) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("$$") {
            literal.push('$');
            rest = after;
        } else if let Some((name, after)) = rest
            .strip_prefix("${")
            .and_then(|inside| inside.split_once('}'))
        {
            flush(&mut literal, &mut out)?;
            let reference = name
                .parse()
                .map_or_else(|_| Reference::Name(name.to_owned()), Reference::Number);
            out.extend(capture(&reference).unwrap_or_default());
            rest = after;
        } else if let Some(after) = rest.strip_prefix('$') {
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            match after[..digits].parse() {
                Ok(number) => {
                    flush(&mut literal, &mut out)?;
                    out.extend(capture(&Reference::Number(number)).unwrap_or_default());
                    rest = &after[digits..];
                }
                Err(_) => {
                    literal.push('$');
                    rest = after;
                }
            }
        } else {
            literal.push(ch);
            rest = &rest[ch.len_utf8()..];
        }
    }
    flush(&mut literal, &mut out)?;
    Ok(out)
}

fn field_bytes(text: &str, format: PayloadFormat, encoding: TextEncoding) -> Option<Vec<u8>> {
    match format {
        PayloadFormat::Hex => parse_hex(text).ok(),
        PayloadFormat::Text => encode_escaped(text, encoding).ok(),
    }
}

/// What a rule that compiled answers to `data`, worked out directly from its fields.
fn expected_answer(rule: &ReplyRule, encoding: TextEncoding, data: &[u8]) -> Option<Vec<u8>> {
    const SIZE: usize = 1 << 20;
    let fixed = || {
        if rule.echo {
            data.to_vec()
        } else {
            field_bytes(&rule.reply, rule.reply_format, encoding)
                .unwrap_or_else(|| panic!("a rule compiled with a bad reply: {rule:?}"))
        }
    };
    let expands =
        !rule.echo && rule.reply_format == PayloadFormat::Text && rule.reply.contains('$');
    let expand = |capture: &dyn Fn(&Reference) -> Option<Vec<u8>>| {
        expand_reference(&rule.reply, encoding, capture)
            .unwrap_or_else(|()| panic!("a rule compiled with a bad reply: {rule:?}"))
    };
    match rule.when {
        MatchKind::Regex => {
            let regex = regex::RegexBuilder::new(&rule.pattern)
                .size_limit(SIZE)
                .build()
                .unwrap_or_else(|error| panic!("compiled, yet {error}"));
            let text = encoding.decode(data);
            let captures = regex.captures(&text)?;
            Some(if expands {
                expand(&|reference| {
                    let found = match reference {
                        Reference::Number(number) => captures.get(*number),
                        Reference::Name(name) => captures.name(name),
                    }?;
                    Some(encoding.encode(found.as_str()).ok()?.into_owned())
                })
            } else {
                fixed()
            })
        }
        MatchKind::BytesRegex => {
            let regex = regex::bytes::RegexBuilder::new(&rule.pattern)
                .unicode(false)
                .size_limit(SIZE)
                .build()
                .unwrap_or_else(|error| panic!("compiled, yet {error}"));
            let captures = regex.captures(data)?;
            Some(if expands {
                expand(&|reference| {
                    let found = match reference {
                        Reference::Number(number) => captures.get(*number),
                        Reference::Name(name) => captures.name(name),
                    }?;
                    Some(found.as_bytes().to_vec())
                })
            } else {
                fixed()
            })
        }
        when => {
            let pattern = field_bytes(&rule.pattern, rule.pattern_format, encoding)
                .unwrap_or_else(|| panic!("a rule compiled with a bad pattern: {rule:?}"));
            let matched = match when {
                MatchKind::StartsWith => data.starts_with(&pattern),
                MatchKind::Equals => data == pattern.as_slice(),
                _ => {
                    pattern.is_empty()
                        || data.windows(pattern.len()).any(|w| w == pattern.as_slice())
                }
            };
            matched.then(fixed)
        }
    }
}

/// Patterns for regular-expression rules: the fuzzer's text half the time, else pieces of
/// real ones (groups, names, classes, byte escapes) so most of them compile.
const REGEX_PIECES: [&str; 16] = [
    "(", ")", "(?P<id>", "(?<n>", "[0-9]+", "\\d", ".", "*", "?", "|", "^", "$", "\\x41", "a",
    "你", "(?s)",
];

/// Auto-reply rules against a direct reading of them: which rule answers, and with what bytes,
/// the `$` references in its reply filled in from the regular expression's captures.
pub fn auto_reply(data: &[u8]) {
    let mut input = Input::new(data);
    let encoding = input.pick(&TextEncoding::ALL);
    let mut rules = Vec::new();
    for _ in 0..=input.byte() % 3 {
        let when = input.pick(&MatchKind::ALL);
        let pattern = if when.is_regex() && input.bool() {
            (0..input.byte() % 6)
                .map(|_| input.pick(&REGEX_PIECES))
                .collect()
        } else {
            input.text(16)
        };
        rules.push(ReplyRule {
            enabled: !input.byte().is_multiple_of(8),
            when,
            pattern,
            pattern_format: input.pick(&PayloadFormat::ALL),
            echo: input.byte().is_multiple_of(8),
            reply: input.text(16),
            reply_format: input.pick(&PayloadFormat::ALL),
            delay_ms: input.u32(),
        });
    }
    let data = input.rest();
    let (replies, errors) = AutoReplies::compile(&rules, encoding, Language::English);
    assert_eq!(errors.len(), rules.len());
    let expected = rules
        .iter()
        .zip(&errors)
        // A rule with nothing typed in it is inert, and says nothing.
        .filter(|(rule, error)| rule.enabled && error.is_none() && !rule.is_blank())
        .find_map(|(rule, _)| {
            let bytes = expected_answer(rule, encoding, data)?;
            Some((
                bytes,
                Duration::from_millis(u64::from(rule.delay_ms.min(MAX_DELAY_MS))),
            ))
        });
    let answer = replies
        .answer(data)
        .map(|answer| (answer.bytes, answer.delay));
    assert_eq!(answer, expected, "{rules:?} on {data:02X?} in {encoding}");
}
