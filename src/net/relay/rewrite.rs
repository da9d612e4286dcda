//! Rewrite rules of one way of the relay, matching as the auto-reply rules match: a read that
//! contains, starts with or equals a rule's bytes, or matches its regular expression (over
//! the bytes, or over the text in the tab's encoding), has the match replaced, or is dropped,
//! or cuts its pair. Each read (each datagram, over UDP) is looked at on its own: bytes split
//! between two reads do not match.

use std::borrow::Cow;

use memchr::memmem;

use crate::codec::TextEncoding;

/// What a rule looks for in a read.
#[derive(Clone, Debug)]
pub enum Find {
    /// Anywhere in it; Replace replaces every occurrence. Not empty.
    Contains(Vec<u8>),
    /// At its start; Replace replaces that start.
    StartsWith(Vec<u8>),
    /// The whole read; Replace replaces all of it.
    Equals(Vec<u8>),
    /// A regular expression over the bytes; Replace replaces every match, `$1` and `${name}`
    /// in its bytes standing for the captures.
    Bytes(regex::bytes::Regex),
    /// A regular expression over the read as text in this encoding (a read that is not valid
    /// text there does not match); Replace replaces every match with its text, `$1` and
    /// `${name}` standing for the captures.
    Text(regex::Regex, TextEncoding),
}

/// Rules compare by what was typed: a regular expression has no equality of its own.
impl PartialEq for Find {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Contains(a), Self::Contains(b))
            | (Self::StartsWith(a), Self::StartsWith(b))
            | (Self::Equals(a), Self::Equals(b)) => a == b,
            (Self::Bytes(a), Self::Bytes(b)) => a.as_str() == b.as_str(),
            (Self::Text(a, x), Self::Text(b, y)) => a.as_str() == b.as_str() && x == y,
            _ => false,
        }
    }
}

impl Eq for Find {}

/// What a rule does to a read that holds its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RewriteAction {
    /// What matched becomes these bytes (for [`Find::Text`], this text in its encoding).
    Replace(Vec<u8>),
    /// The read does not go on.
    Drop,
    /// The pair is cut, as a broken link would (the read does not go on).
    Cut,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewriteRule {
    pub find: Find,
    pub action: RewriteAction,
}

/// What the rules made of a read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Rewritten {
    /// No rule matched: it goes on as it came.
    Same,
    /// Rule `rule` (from 0) matched.
    Changed {
        rule: usize,
        bytes: Vec<u8>,
    },
    Dropped {
        rule: usize,
    },
    Cut {
        rule: usize,
    },
}

/// What the rules made of a read, as a relay passes it on and says it.
pub(super) struct Outcome {
    /// What goes on (the read, or its replacement); `None`: nothing.
    pub goes_on: Option<Vec<u8>>,
    /// The rule that changed or dropped the read, with what it made.
    pub rewritten: Option<(usize, Option<Vec<u8>>)>,
    /// The rule that cuts the pair (the read does not go on; the pair's end says it).
    pub cut_by: Option<usize>,
}

/// The rules over one read, as [`Outcome`].
pub(super) fn outcome(rules: &[RewriteRule], read: &[u8]) -> Outcome {
    let (goes_on, rewritten, cut_by) = match rewrite(rules, read) {
        Rewritten::Same => (Some(read.to_vec()), None, None),
        Rewritten::Changed { rule, bytes } => {
            (Some(bytes.clone()), Some((rule, Some(bytes))), None)
        }
        Rewritten::Dropped { rule } => (None, Some((rule, None)), None),
        Rewritten::Cut { rule } => (None, None, Some(rule)),
    };
    Outcome {
        goes_on,
        rewritten,
        cut_by,
    }
}

/// The first rule that matches the read decides.
pub(super) fn rewrite(rules: &[RewriteRule], read: &[u8]) -> Rewritten {
    for (rule, RewriteRule { find, action }) in rules.iter().enumerate() {
        if !find.matches(read) {
            continue;
        }
        return match action {
            RewriteAction::Replace(with) => Rewritten::Changed {
                rule,
                bytes: find.replace(read, with),
            },
            RewriteAction::Drop => Rewritten::Dropped { rule },
            RewriteAction::Cut => Rewritten::Cut { rule },
        };
    }
    Rewritten::Same
}

impl Find {
    fn matches(&self, read: &[u8]) -> bool {
        match self {
            Self::Contains(find) => !find.is_empty() && memmem::find(read, find).is_some(),
            Self::StartsWith(find) => read.starts_with(find),
            Self::Equals(find) => read == find.as_slice(),
            Self::Bytes(regex) => regex.is_match(read),
            Self::Text(regex, encoding) => encoding
                .decode_exact(read)
                .is_some_and(|text| regex.is_match(&text)),
        }
    }

    /// The read with what matched replaced by `with` (it matched).
    fn replace(&self, read: &[u8], with: &[u8]) -> Vec<u8> {
        match self {
            Self::Contains(find) => replace_all(read, find, with),
            Self::StartsWith(find) => [with, &read[find.len()..]].concat(),
            Self::Equals(_) => with.to_vec(),
            Self::Bytes(regex) => regex.replace_all(read, with).into_owned(),
            Self::Text(regex, encoding) => {
                let (Some(text), Some(with)) =
                    (encoding.decode_exact(read), encoding.decode_exact(with))
                else {
                    return read.to_vec();
                };
                let replaced = regex.replace_all(&text, with.as_ref());
                // The captures were text of this encoding, and so was the replacement.
                encoding
                    .encode(&replaced)
                    .map_or_else(|_| read.to_vec(), Cow::into_owned)
            }
        }
    }
}

fn replace_all(read: &[u8], find: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(read.len());
    let mut at = 0;
    for found in memmem::find_iter(read, find) {
        out.extend_from_slice(&read[at..found]);
        out.extend_from_slice(with);
        at = found + find.len();
    }
    out.extend_from_slice(&read[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(find: Find, action: RewriteAction) -> RewriteRule {
        RewriteRule { find, action }
    }

    fn contains(text: &str) -> Find {
        Find::Contains(text.as_bytes().to_vec())
    }

    #[test]
    fn the_first_rule_that_matches_decides() {
        let rules = [
            rule(contains("temp="), RewriteAction::Replace(b"t=".to_vec())),
            rule(contains("PING"), RewriteAction::Drop),
            rule(contains("BYE"), RewriteAction::Cut),
        ];
        assert_eq!(
            rewrite(&rules, b"temp=1 temp=2"),
            Rewritten::Changed {
                rule: 0,
                bytes: b"t=1 t=2".to_vec()
            }
        );
        assert_eq!(rewrite(&rules, b"PING\r\n"), Rewritten::Dropped { rule: 1 });
        assert_eq!(rewrite(&rules, b"BYE"), Rewritten::Cut { rule: 2 });
        assert_eq!(rewrite(&rules, b"hello"), Rewritten::Same);
        assert_eq!(rewrite(&[], b"PING"), Rewritten::Same);
    }

    #[test]
    fn starts_with_and_equals_replace_what_they_matched() {
        let start = rule(
            Find::StartsWith(b"AT+".to_vec()),
            RewriteAction::Replace(b"at+".to_vec()),
        );
        let whole = rule(
            Find::Equals(b"OK\r\n".to_vec()),
            RewriteAction::Replace(b"ERROR\r\n".to_vec()),
        );
        let rules = [start, whole];
        let changed = |bytes: &[u8], rule| Rewritten::Changed {
            rule,
            bytes: bytes.to_vec(),
        };
        assert_eq!(rewrite(&rules, b"AT+CSQ AT+"), changed(b"at+CSQ AT+", 0));
        assert_eq!(rewrite(&rules, b"OK\r\n"), changed(b"ERROR\r\n", 1));
        assert_eq!(
            rewrite(&rules, b"OK\r\nOK\r\n"),
            Rewritten::Same,
            "not equal"
        );
        assert_eq!(
            rewrite(&rules, b" AT+"),
            Rewritten::Same,
            "not at the start"
        );
    }

    #[test]
    fn regular_expressions_replace_with_their_captures_over_bytes_or_text() {
        let bytes = regex::bytes::RegexBuilder::new(r"\x01\x03(..)")
            .unicode(false)
            .build()
            .expect("a bytes regex");
        let text = regex::Regex::new(r"温度=(?P<t>\d+)").expect("a text regex");
        let rules = [
            rule(
                Find::Bytes(bytes),
                RewriteAction::Replace(b"\x01\x06$1".to_vec()),
            ),
            rule(
                Find::Text(text, TextEncoding::Gbk),
                RewriteAction::Replace("温度=-${t}".encode_gbk()),
            ),
        ];
        assert_eq!(
            rewrite(&rules, b"\x00\x01\x03\x00\x10"),
            Rewritten::Changed {
                rule: 0,
                bytes: b"\x00\x01\x06\x00\x10".to_vec()
            }
        );
        let gbk = "温度=23".encode_gbk();
        assert_eq!(
            rewrite(&rules, &gbk),
            Rewritten::Changed {
                rule: 1,
                bytes: "温度=-23".encode_gbk()
            }
        );
        // Not valid GBK: the text rule does not look into it.
        assert_eq!(rewrite(&rules[1..], b"\xFF\xFF"), Rewritten::Same);
    }

    trait Gbk {
        fn encode_gbk(&self) -> Vec<u8>;
    }

    impl Gbk for str {
        fn encode_gbk(&self) -> Vec<u8> {
            TextEncoding::Gbk
                .encode(self)
                .expect("GBK text")
                .into_owned()
        }
    }
}
