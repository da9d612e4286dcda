//! Relay: the rewrite rules as the user types them (text with escapes, in the tab's
//! encoding), and what they give the worker.

use super::auto_reply::MatchKind;
use super::messages;
use crate::codec::{TextEncoding, encode_escaped};
use crate::i18n::{Language, tr};
use crate::net::{RewriteAction, RewriteFind, RewriteRule, Toward};

/// Big enough for any sane pattern, small enough that a typo cannot eat the memory.
const REGEX_SIZE: usize = 1 << 20;

/// What a rule does, as chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RewriteChoice {
    #[default]
    Replace,
    Drop,
    Cut,
}

/// One rule, as typed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RewriteFields {
    pub toward: Toward,
    /// How `find` is looked for, as the auto-reply rules look.
    pub when: MatchKind,
    /// What to look for in each read: text with escapes, or a regular expression.
    pub find: String,
    pub action: RewriteChoice,
    /// What they become (Replace).
    pub with: String,
}

/// A new rule looks at what the clients send.
impl Default for RewriteFields {
    fn default() -> Self {
        Self {
            toward: Toward::Upstream,
            when: MatchKind::Contains,
            find: String::new(),
            action: RewriteChoice::Replace,
            with: String::new(),
        }
    }
}

/// Each way's rules, toward the upstream then toward the client, in the order listed; or
/// what is wrong with the first rule that cannot be read. An empty rule does nothing.
pub fn parse_rules(
    fields: &[RewriteFields],
    encoding: TextEncoding,
    lang: Language,
) -> Result<[Vec<RewriteRule>; 2], String> {
    let mut rules = [Vec::new(), Vec::new()];
    for (number, rule) in fields.iter().enumerate() {
        if rule.find.is_empty() {
            continue;
        }
        let label = tr!(lang, "relay.rewrite.rule", number = number + 1);
        let labelled = |error: &str| messages::labelled(&label, error, lang);
        let bytes = |text: &str| {
            encode_escaped(text, encoding)
                .map_err(|error| labelled(&messages::escaped_error(&error, lang)))
        };
        let bad_regex = |error: regex::Error| {
            let detail = error.to_string();
            labelled(&tr!(lang, "errors.rule.bad_regex", detail = detail))
        };
        let find = match rule.when {
            MatchKind::Contains => RewriteFind::Contains(bytes(&rule.find)?),
            MatchKind::StartsWith => RewriteFind::StartsWith(bytes(&rule.find)?),
            MatchKind::Equals => RewriteFind::Equals(bytes(&rule.find)?),
            MatchKind::BytesRegex => regex::bytes::RegexBuilder::new(&rule.find)
                .unicode(false)
                .size_limit(REGEX_SIZE)
                .build()
                .map(RewriteFind::Bytes)
                .map_err(bad_regex)?,
            MatchKind::Regex => regex::RegexBuilder::new(&rule.find)
                .size_limit(REGEX_SIZE)
                .build()
                .map(|regex| RewriteFind::Text(regex, encoding))
                .map_err(bad_regex)?,
        };
        let action = match rule.action {
            RewriteChoice::Replace => RewriteAction::Replace(bytes(&rule.with)?),
            RewriteChoice::Drop => RewriteAction::Drop,
            RewriteChoice::Cut => RewriteAction::Cut,
        };
        let way = usize::from(rule.toward == Toward::Client);
        rules[way].push(RewriteRule { find, action });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_go_to_their_way_in_the_tab_encoding() {
        let fields = [
            RewriteFields {
                toward: Toward::Upstream,
                find: "温度".to_owned(),
                action: RewriteChoice::Replace,
                with: "T\\x00".to_owned(),
                ..RewriteFields::default()
            },
            RewriteFields::default(),
            RewriteFields {
                toward: Toward::Client,
                find: "PING".to_owned(),
                action: RewriteChoice::Drop,
                with: String::new(),
                ..RewriteFields::default()
            },
        ];
        let [up, down] = parse_rules(&fields, TextEncoding::Gbk, Language::English).expect("valid");
        assert_eq!(
            up,
            [RewriteRule {
                find: RewriteFind::Contains(vec![0xCE, 0xC2, 0xB6, 0xC8]),
                action: RewriteAction::Replace(b"T\0".to_vec())
            }]
        );
        assert_eq!(down[0].action, RewriteAction::Drop);
        let bad = [RewriteFields {
            find: "\\xZZ".to_owned(),
            ..RewriteFields::default()
        }];
        let error = parse_rules(&bad, TextEncoding::Utf8, Language::English).unwrap_err();
        assert!(error.starts_with("Rule 1"), "{error}");
    }

    #[test]
    fn regular_expressions_are_read_or_explained() {
        let fields = [
            RewriteFields {
                when: MatchKind::Regex,
                find: "温度=(\\d+)".to_owned(),
                ..RewriteFields::default()
            },
            RewriteFields {
                when: MatchKind::BytesRegex,
                find: "^\\x01\\x03".to_owned(),
                action: RewriteChoice::Drop,
                ..RewriteFields::default()
            },
        ];
        let [up, _] = parse_rules(&fields, TextEncoding::Gbk, Language::English).expect("valid");
        assert!(
            matches!(&up[0].find, RewriteFind::Text(regex, TextEncoding::Gbk) if regex.as_str() == "温度=(\\d+)")
        );
        assert!(matches!(&up[1].find, RewriteFind::Bytes(_)));
        let bad = [RewriteFields {
            when: MatchKind::Regex,
            find: "(unclosed".to_owned(),
            ..RewriteFields::default()
        }];
        let error = parse_rules(&bad, TextEncoding::Utf8, Language::English).unwrap_err();
        assert!(
            error.starts_with("Rule 1") && error.contains("regular expression"),
            "{error}"
        );
    }
}
