//! The auto-reply rules as a file: what the Auto-reply window's Export writes and its Import
//! and `--auto-reply FILE` read. JSON with a version, so later formats can still read this
//! one; a rule's missing fields take their defaults, so a file written by hand may be short.

use std::io::Read;
use std::path::Path;

use super::ReplyRule;
use crate::i18n::{Language, tr};

/// The most a rules file may hold: far past any hand-made set, short of a mistaken file.
pub const RULES_FILE_LIMIT: u64 = 4 * 1024 * 1024;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    sockscope_auto_replies: u32,
    rules: Vec<ReplyRule>,
}

/// The text a rules file holds (without its final line end).
pub fn rules_json(rules: &[ReplyRule]) -> Result<String, serde_json::Error> {
    let file = RuleFile {
        sockscope_auto_replies: VERSION,
        rules: rules.to_vec(),
    };
    serde_json::to_string_pretty(&file)
}

/// The file format's version this build writes and reads.
const VERSION: u32 = 1;

/// The rules in the text of a rules file (the fuzz target reads it without a file); a later
/// version than this build knows is refused, not half read.
pub fn parse_rules(json: &str) -> Result<Vec<ReplyRule>, serde_json::Error> {
    let file = serde_json::from_str::<RuleFile>(json)?;
    if file.sockscope_auto_replies != VERSION {
        let version = file.sockscope_auto_replies;
        let error = format!("version {version}: this build reads version {VERSION}");
        return Err(serde::de::Error::custom(error));
    }
    Ok(file.rules)
}

/// Writes `rules` to `path`, or says why not in `lang` (the OS's reason as it gives it).
pub fn write_rules(path: &Path, rules: &[ReplyRule], lang: Language) -> Result<(), String> {
    let cannot = |error: &dyn std::fmt::Display| {
        let path = path.display();
        tr!(
            lang,
            "errors.rules.cannot_write",
            path = path,
            error = error
        )
        .into_owned()
    };
    let json = rules_json(rules).map_err(|error| cannot(&error))?;
    crate::export::replace_file(path, (json + "\n").as_bytes()).map_err(|error| cannot(&error))
}

/// Reads the rules in `path`, or says why not in `lang`: the OS's reason, or the line and
/// column where the JSON is not a rules file.
pub fn read_rules(path: &Path, lang: Language) -> Result<Vec<ReplyRule>, String> {
    let shown = path.display();
    let cannot = |error: &dyn std::fmt::Display| {
        tr!(
            lang,
            "errors.rules.cannot_read",
            path = shown,
            error = error
        )
        .into_owned()
    };
    // Read through a limit, not by the size the file says: a pipe or a device says 0.
    let file = std::fs::File::open(path).map_err(|error| cannot(&error))?;
    let mut json = String::new();
    file.take(RULES_FILE_LIMIT + 1)
        .read_to_string(&mut json)
        .map_err(|error| cannot(&error))?;
    if json.len() as u64 > RULES_FILE_LIMIT {
        let error = tr!(lang, "errors.rules.too_big");
        return Err(cannot(&error));
    }
    parse_rules(&json).map_err(|error| {
        tr!(lang, "errors.rules.not_rules", path = shown, error = error).into_owned()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::super::MatchKind;
    use super::*;
    use crate::codec::PayloadFormat;

    #[test]
    fn rules_come_back_as_they_went() {
        let rules = vec![
            ReplyRule {
                when: MatchKind::Regex,
                pattern: r"^READ (\d+)\r\n$".to_owned(),
                reply: r"VALUE $1\r\n".to_owned(),
                delay_ms: 250,
                ..ReplyRule::default()
            },
            ReplyRule {
                enabled: false,
                pattern: "01 03".to_owned(),
                pattern_format: PayloadFormat::Hex,
                ..ReplyRule::echo()
            },
        ];
        let json = rules_json(&rules).unwrap();
        assert_eq!(parse_rules(&json).unwrap(), rules);
    }

    #[test]
    fn a_short_hand_written_rule_takes_the_defaults() {
        let json = r#"{"sockscope_auto_replies": 1,
            "rules": [{"pattern": "PING", "reply": "PONG\\r\\n"}]}"#;
        let rules = parse_rules(json).unwrap();
        assert_eq!(rules.len(), 1);
        assert!(rules[0].enabled);
        assert_eq!(rules[0].when, MatchKind::Contains);
        assert_eq!(rules[0].reply, r"PONG\r\n");
    }

    #[test]
    fn other_files_are_refused_with_where() {
        let quick = r#"{"sockscope_quick_commands": 1, "commands": []}"#;
        assert!(parse_rules(quick).is_err());
        let later = r#"{"sockscope_auto_replies": 2, "rules": []}"#;
        assert!(
            parse_rules(later)
                .unwrap_err()
                .to_string()
                .contains("version 2")
        );
        let broken = "{\"sockscope_auto_replies\": 1,\n \"rules\": [{\"when\": \"Sometimes\"}]}";
        let error = parse_rules(broken).unwrap_err().to_string();
        assert!(error.contains("line 2"), "{error}");
        let path = std::env::temp_dir().join(format!("rules-{}.json", std::process::id()));
        std::fs::write(&path, broken).unwrap();
        let said = read_rules(&path, Language::English).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            said.contains("is not a Sockscope auto-reply file"),
            "{said}"
        );
        let missing = read_rules(Path::new("/nonexistent/rules.json"), Language::English);
        assert!(missing.unwrap_err().contains("cannot read"));
    }
}
