//! Every built-in pack is valid, every rule is proven by its examples, and
//! every reason has complete texts in every language.

use bouncewhy::rules::check;
use bouncewhy::{Engine, Reason};

fn engine() -> Engine {
    Engine::builtin().expect("built-in packs compile")
}

#[test]
fn every_rule_example_is_decided_by_its_own_rule() {
    let engine = engine();
    let problems = check::examples(&engine, |_| true);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let proven = engine
        .rules()
        .rules()
        .iter()
        .filter(|r| !r.spec.examples.is_empty())
        .count();
    assert!(proven > 0, "no rule has examples");
}

#[test]
fn every_reason_has_complete_english_texts() {
    let engine = engine();
    let english = engine
        .knowledge()
        .texts("en")
        .expect("English texts are built in");
    for reason in Reason::ALL {
        let text = english
            .reason
            .get(reason.as_str())
            .unwrap_or_else(|| panic!("no English text for {reason}"));
        assert!(
            text.summary
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty()),
            "{reason}: empty summary"
        );
        assert!(
            text.detail.as_deref().is_some_and(|s| !s.trim().is_empty()),
            "{reason}: empty detail"
        );
        assert!(
            !text.fix.is_empty() && text.fix.iter().all(|s| !s.trim().is_empty()),
            "{reason}: empty fix"
        );
        assert!(
            english.labels.contains_key(&format!("reason_{reason}")),
            "{reason}: no title label"
        );
    }
}

#[test]
fn other_languages_have_no_keys_english_lacks() {
    let engine = engine();
    let english = engine
        .knowledge()
        .texts("en")
        .expect("English texts are built in");
    for lang in engine.knowledge().languages() {
        let texts = engine
            .knowledge()
            .texts(lang)
            .expect("listed language has texts");
        for key in texts.labels.keys() {
            assert!(
                english.labels.contains_key(key),
                "{lang}: label {key} is not in English"
            );
        }
        for key in texts.reason.keys() {
            assert!(
                english.reason.contains_key(key),
                "{lang}: reason {key} is not in English"
            );
        }
        for key in texts.advice.keys() {
            assert!(
                english.advice.contains_key(key),
                "{lang}: advice {key} is not in English"
            );
        }
    }
}

/// The output languages every text must exist in.
const LANGUAGES: &[&str] = &[
    "en", "da", "sv", "nb", "fi", "de", "nl", "fr", "es", "it", "pl", "lv", "ja",
];

fn is_complete(text: &bouncewhy::knowledge::Text, english: &bouncewhy::knowledge::Text) -> bool {
    let filled =
        |s: &Option<std::sync::Arc<str>>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
    (english.summary.is_none() || filled(&text.summary))
        && (english.detail.is_none() || filled(&text.detail))
        && text.fix.len() == english.fix.len()
        && text.fix.iter().all(|step| !step.trim().is_empty())
}

#[test]
fn every_language_has_every_english_text() {
    let engine = engine();
    let knowledge = engine.knowledge();
    let english = knowledge.texts("en").expect("English texts are built in");
    let mut problems = Vec::new();
    for lang in LANGUAGES {
        let Some(texts) = knowledge.texts(lang) else {
            problems.push(format!("{lang}: no language file"));
            continue;
        };
        for key in english.labels.keys() {
            if texts.labels.get(key).is_none_or(|l| l.trim().is_empty()) {
                problems.push(format!("{lang}: label {key} missing or empty"));
            }
        }
        for (kind, theirs, ours) in [
            ("reason", &texts.reason, &english.reason),
            ("advice", &texts.advice, &english.advice),
        ] {
            for (key, text) in ours {
                match theirs.get(key) {
                    Some(t) if is_complete(t, text) => {}
                    Some(_) => problems.push(format!("{lang}: {kind} {key} incomplete")),
                    None => problems.push(format!("{lang}: {kind} {key} missing")),
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems, first ones:\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_advice_text_belongs_to_a_rule() {
    let engine = engine();
    let english = engine
        .knowledge()
        .texts("en")
        .expect("English texts are built in");
    let used: std::collections::HashSet<&str> = engine
        .rules()
        .rules()
        .iter()
        .map(|r| r.spec.advice.as_deref().unwrap_or(r.spec.id.as_str()))
        .collect();
    for key in english.advice.keys() {
        assert!(
            used.contains(key.as_str()),
            "advice {key} is used by no rule"
        );
    }
}

#[test]
fn user_pack_overrides_builtin_rules() {
    let pack = r#"
[pack]
name = "mine"
kind = "provider"
provider = "example-isp"

[[rule]]
id = "mine.user-unknown-is-policy"
patterns = ["user unknown"]
reason = "policyviolation"
examples = ["550 5.1.1 user unknown"]
"#;
    let engine = Engine::builder()
        .pack("mine.toml", pack)
        .build()
        .expect("user pack compiles");
    let answer = engine
        .explain("550 5.1.1 <a@example.org>: user unknown", "en")
        .expect("explains");
    assert_eq!(answer.reason, Reason::PolicyViolation);
    assert_eq!(answer.provider.as_deref(), Some("example-isp"));
    assert_eq!(
        answer.evidence.expect("has evidence").rule,
        "mine.user-unknown-is-policy"
    );
}

#[test]
fn invalid_packs_are_rejected_with_context() {
    let unknown_field = "[pack]\nname = \"x\"\nkind = \"provider\"\n[[rule]]\nid = \"x.a\"\npatterns = [\"a\"]\nreason = \"userunknown\"\ncolour = 1\n";
    let error = Engine::builder()
        .pack("bad.toml", unknown_field)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("bad.toml") && error.contains("colour"),
        "{error}"
    );
    let bad_reason = "[pack]\nname = \"x\"\nkind = \"provider\"\n[[rule]]\nid = \"x.a\"\npatterns = [\"a\"]\nreason = \"nosuchreason\"\n";
    let error = Engine::builder()
        .pack("bad.toml", bad_reason)
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("nosuchreason"), "{error}");
    let bad_regex = "[pack]\nname = \"x\"\nkind = \"provider\"\n[[rule]]\nid = \"x.a\"\nregex = [\"(unclosed\"]\nreason = \"userunknown\"\n";
    let error = Engine::builder()
        .pack("bad.toml", bad_regex)
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("x.a") && error.contains("regex"), "{error}");
}
