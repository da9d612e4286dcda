//! The strings files: every key in both languages with the same placeholders, every key used
//! by the code and every key the code uses defined.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The strings of a language, by dotted key: `locales/<code>.toml` and every
/// `locales/<area>.<code>.toml` (rust-i18n merges them, taking the locale from the last part of
/// the name).
pub fn strings(code: &str) -> BTreeMap<String, String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let mut flat = BTreeMap::new();
    for entry in std::fs::read_dir(&folder).expect("locales/") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(stem) = name.strip_suffix(".toml") else {
            continue;
        };
        if stem.rsplit('.').next() != Some(code) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a strings file");
        let table: toml::Table = text.parse().expect("valid TOML");
        let mut strings = BTreeMap::new();
        flatten("", &toml::Value::Table(table), &mut strings);
        for (key, text) in strings {
            assert!(!flat.contains_key(&key), "{key} is in two files of {code}");
            flat.insert(key, text);
        }
    }
    flat
}

fn flatten(prefix: &str, value: &toml::Value, flat: &mut BTreeMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, flat);
            }
        }
        toml::Value::String(text) => {
            flat.insert(prefix.to_owned(), text.clone());
        }
        other => panic!("{prefix}: a string expected, found {other}"),
    }
}

/// The keys `tr!` looks up anywhere in `src/`: the first string literal after each `tr!(`.
fn keys_used() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("a source folder")
                    .map(|entry| entry.expect("an entry").path()),
            );
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("a source file");
        for (at, _) in source.match_indices("tr!(") {
            // `include_str!(` is not a lookup.
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &source[at..];
            let Some(open) = rest.find('"') else { continue };
            let Some(length) = rest[open + 1..].find('"') else {
                continue;
            };
            keys.insert(rest[open + 1..open + 1 + length].to_owned());
        }
    }
    keys
}

fn placeholders(text: &str) -> BTreeSet<&str> {
    text.match_indices("%{")
        .filter_map(|(at, _)| text[at + 2..].split_once('}').map(|(name, _)| name))
        .collect()
}

#[test]
fn both_languages_have_every_key_with_the_same_placeholders() {
    let english = strings("en");
    let chinese = strings("zh-CN");
    let only_english: Vec<_> = english
        .keys()
        .filter(|k| !chinese.contains_key(*k))
        .collect();
    let only_chinese: Vec<_> = chinese
        .keys()
        .filter(|k| !english.contains_key(*k))
        .collect();
    assert!(
        only_english.is_empty(),
        "missing in zh-CN.toml: {only_english:?}"
    );
    assert!(
        only_chinese.is_empty(),
        "missing in en.toml: {only_chinese:?}"
    );
    for (key, text) in &english {
        assert_eq!(
            placeholders(text),
            placeholders(&chinese[key]),
            "{key}: the placeholders differ"
        );
        assert!(
            !chinese[key].trim().is_empty(),
            "{key}: empty in zh-CN.toml"
        );
    }
}

#[test]
fn every_key_is_used_and_every_key_used_is_defined() {
    let defined: BTreeSet<String> = strings("en").into_keys().collect();
    let used = keys_used();
    let undefined: Vec<_> = used.difference(&defined).collect();
    let unused: Vec<_> = defined.difference(&used).collect();
    assert!(
        undefined.is_empty(),
        "used but not in locales/: {undefined:?}"
    );
    assert!(unused.is_empty(), "in locales/ but not used: {unused:?}");
}
