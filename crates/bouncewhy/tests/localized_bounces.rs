//! Bounces written in the thirteen output languages (synthetic fixtures in
//! `tests/fixtures/localized/`, listed with their expected answers in
//! `expected.tsv`): localised Exchange reports, ISP text bounces that carry no
//! code, RFC 3464 reports with a localised server text, a bilingual qmail
//! bounce, Exchange 2007-style reports with only the localised sentence, delay
//! notices, multi-recipient ISP bounces, Japanese Shift_JIS and ISO-2022-JP
//! bounces, and bounces from senders that are not MAILER-DAEMON. Each decodes to the right recipients and reasons, explained in the
//! bounce's own language.

use bouncewhy::Engine;
use std::collections::BTreeMap;
use std::path::PathBuf;

const LANGUAGES: &[&str] = &[
    "en", "da", "sv", "nb", "fi", "de", "nl", "fr", "es", "it", "pl", "lv", "ja",
];

struct Case {
    file: String,
    lang: String,
    recipients: Vec<String>,
    reasons: Vec<String>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/localized")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("expected.tsv")).expect("expected.tsv");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "bad line in expected.tsv: {line}");
            let list = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
            Case {
                file: fields[0].to_string(),
                lang: fields[1].to_string(),
                recipients: list(fields[2]),
                reasons: list(fields[3]),
            }
        })
        .collect()
}

#[test]
fn every_language_has_at_least_five_localized_bounces() {
    let mut per_language = BTreeMap::<String, usize>::new();
    for case in cases() {
        *per_language.entry(case.lang).or_default() += 1;
    }
    for lang in LANGUAGES {
        let count = per_language.get(*lang).copied().unwrap_or(0);
        assert!(count >= 5, "{lang}: only {count} localized bounces");
    }
}

#[test]
fn localized_bounces_decode_to_the_right_reasons() {
    let engine = Engine::builtin().expect("built-in packs compile");
    let mut problems = Vec::new();
    for case in cases() {
        let raw = std::fs::read(fixtures().join(&case.file)).expect("fixture is readable");
        let diagnoses = match engine.decode(&raw, &case.lang) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{}: {e}", case.file));
                continue;
            }
        };
        let got: Vec<(String, String)> = diagnoses
            .iter()
            .map(|d| {
                (
                    d.recipient.clone().unwrap_or_default(),
                    d.reason.to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = case
            .recipients
            .iter()
            .cloned()
            .zip(case.reasons.iter().cloned())
            .collect();
        if got != want {
            problems.push(format!("{}: got {got:?}, want {want:?}", case.file));
        }
        for d in &diagnoses {
            if *d.explanation.lang != *case.lang {
                problems.push(format!(
                    "{}: explained in {} instead of {}",
                    case.file, d.explanation.lang, case.lang
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
