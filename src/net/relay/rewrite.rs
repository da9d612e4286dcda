//! Rewrite rules of one way of the relay: a read that holds a rule's bytes has them
//! replaced, or is dropped, or cuts its pair. Each read is looked at on its own: bytes split
//! between two reads do not match.

use memchr::memmem;

/// What a rule does to a read that holds its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RewriteAction {
    /// Every occurrence of the bytes becomes these.
    Replace(Vec<u8>),
    /// The read does not go on.
    Drop,
    /// The pair is cut, as a broken link would (the read does not go on).
    Cut,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewriteRule {
    /// Not empty.
    pub find: Vec<u8>,
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

/// The first rule whose bytes the read holds decides.
pub(super) fn rewrite(rules: &[RewriteRule], read: &[u8]) -> Rewritten {
    for (rule, RewriteRule { find, action }) in rules.iter().enumerate() {
        if find.is_empty() || memmem::find(read, find).is_none() {
            continue;
        }
        return match action {
            RewriteAction::Replace(with) => Rewritten::Changed {
                rule,
                bytes: replace_all(read, find, with),
            },
            RewriteAction::Drop => Rewritten::Dropped { rule },
            RewriteAction::Cut => Rewritten::Cut { rule },
        };
    }
    Rewritten::Same
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

    fn rule(find: &str, action: RewriteAction) -> RewriteRule {
        RewriteRule {
            find: find.as_bytes().to_vec(),
            action,
        }
    }

    #[test]
    fn the_first_rule_that_matches_decides() {
        let rules = [
            rule("temp=", RewriteAction::Replace(b"t=".to_vec())),
            rule("PING", RewriteAction::Drop),
            rule("BYE", RewriteAction::Cut),
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
}
