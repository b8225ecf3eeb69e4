//! Every string the app shows exists in every language, and every reason
//! code the engine can give has words in every language (read from the
//! engine's own `ReasonCode` enum, so a code added there fails here until
//! it is translated).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::collections::BTreeSet;

use pwa_tests::repo_root;
use serde_json::Value;

const LOCALES: [&str; 4] = ["en", "hi", "fr", "ar"];

fn locale(name: &str) -> Value {
    let path = repo_root().join(format!("verifier-ui/locales/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn keys(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                keys(v, &format!("{prefix}{k}."), out);
            }
        }
        Value::String(s) => {
            assert!(!s.trim().is_empty(), "{prefix} is empty");
            out.insert(prefix.trim_end_matches('.').to_owned());
        }
        other => panic!("{prefix}: not a string: {other}"),
    }
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The engine's reason codes, as serde writes them.
fn engine_reason_codes() -> Vec<String> {
    let source =
        std::fs::read_to_string(repo_root().join("verifier-wasm/src/engine/verdict.rs")).unwrap();
    let body = source
        .split("pub enum ReasonCode {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("ReasonCode enum");
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with('#') && l.ends_with(','))
        .map(|l| snake(l.trim_end_matches(',')))
        .collect()
}

#[test]
fn every_locale_has_every_key() {
    let mut reference = BTreeSet::new();
    keys(&locale("en"), "", &mut reference);
    for name in LOCALES {
        let mut found = BTreeSet::new();
        keys(&locale(name), "", &mut found);
        let missing: Vec<_> = reference.difference(&found).collect();
        let extra: Vec<_> = found.difference(&reference).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: missing {missing:?}, extra {extra:?}"
        );
    }
}

#[test]
fn every_engine_reason_code_is_translated() {
    let codes = engine_reason_codes();
    assert!(codes.len() >= 20, "read only {codes:?} from the engine");
    for name in LOCALES {
        let reasons = &locale(name)["reason"];
        for code in &codes {
            assert!(
                reasons.get(code).is_some(),
                "{name}: no words for reason {code}"
            );
        }
    }
}

#[test]
fn every_translated_code_is_matched_in_the_ui() {
    let text = std::fs::read_to_string(repo_root().join("verifier-ui/src/text.rs")).unwrap();
    let en = locale("en");
    for code in en["reason"].as_object().unwrap().keys() {
        assert!(
            text.contains(&format!("\"{code}\" => td_string!(locale, reason.{code})")),
            "text.rs does not map {code}"
        );
    }
}
