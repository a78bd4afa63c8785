//! Seed acceptance: the cases in `<workspace>/../shared/acceptance/seed-cases.jsonl`,
//! made from five providers' help pages. Skipped, with a message, when that
//! folder is not next to the workspace.

// The measuring code of `bouncewhy-eval seeds`, so both judge keywords the same way.
#[allow(dead_code)]
#[path = "../src/bin/bouncewhy-eval/seeds.rs"]
mod seeds;

use std::path::PathBuf;
use std::process::Command;

fn cases_path() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/acceptance/seed-cases.jsonl");
    path.is_file().then_some(path)
}

#[test]
fn seed_cases_reach_the_minimum_share() {
    let Some(cases) = cases_path() else {
        println!("skipped: ../shared not found");
        return;
    };
    let output = Command::new(env!("CARGO_BIN_EXE_bouncewhy-eval"))
        .args(["seeds", "--min", "0.95", "--cases"])
        .arg(&cases)
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_bouncewhy"))
        .output()
        .expect("bouncewhy-eval runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bouncewhy-eval seeds failed ({}):\n{stdout}{stderr}",
        output.status
    );
    assert!(
        stdout.starts_with("seed cases: "),
        "unexpected output:\n{stdout}"
    );
}

/// Keywords no honest rule can convey: the input carries nothing that names
/// the provider (Postfix's stock "Temporary lookup failure" with an example.com
/// address), so naming inbox.lv in the answer would be a guess.
const UNREACHABLE_KEYWORDS: &[(&str, &str)] = &[
    (
        "inboxlv-451-4.3.0-temporary-lookup-failure",
        "problem at inbox.lv servers",
    ),
    (
        "inboxlv-451-4.3.0-temporary-lookup-failure",
        "contact inbox.lv support",
    ),
];

#[test]
fn explanations_convey_every_fix_keyword() {
    let Some(path) = cases_path() else {
        println!("skipped: ../shared not found");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("the cases file is readable");
    let cases = seeds::parse_cases(&text).expect("the cases file is valid JSON Lines");
    assert!(!cases.is_empty(), "no cases in {}", path.display());
    let engine = bouncewhy::Engine::builtin().expect("built-in packs compile");
    let mut problems = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("(no id)");
        let input = case["input"].as_str().expect("every case has an input");
        let diagnosis = engine
            .explain(input, "en")
            .unwrap_or_else(|e| panic!("{id}: cannot explain: {e}"));
        let diagnosis = serde_json::to_value(&diagnosis).expect("a Diagnosis serialises");
        let explanation = seeds::explanation_text(&diagnosis);
        let rule = diagnosis["evidence"]["rule"].as_str().unwrap_or("none");
        for keyword in case["fix_keywords"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str())
        {
            let missing = seeds::missing_words(&explanation, keyword);
            if !missing.is_empty() && !UNREACHABLE_KEYWORDS.contains(&(id, keyword)) {
                problems.push(format!(
                    "{id}: {keyword:?} lacks {} [rule {rule}]",
                    missing.join(", ")
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} fix keywords not conveyed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Runs `bouncewhy explain --json --lang <lang> <input>` and parses its answer.
fn explain_json(input: &str, lang: &str) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_bouncewhy"))
        .args(["explain", "--json", "--lang", lang, "--", input])
        .env_remove("LC_ALL")
        .env_remove("LANG")
        .output()
        .expect("bouncewhy runs");
    assert!(output.status.success(), "explain failed for {input:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout.lines().next().expect("explain printed a diagnosis");
    serde_json::from_str(first).expect("explain --json prints JSON")
}

#[test]
fn seed_cases_are_explained_in_their_own_language() {
    let Some(path) = cases_path() else {
        println!("skipped: ../shared not found");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("the cases file is readable");
    let cases = seeds::parse_cases(&text).expect("the cases file is valid JSON Lines");
    let engine = bouncewhy::Engine::builtin().expect("built-in packs compile");
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut problems = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("(no id)");
        let input = case["input"].as_str().expect("every case has an input");
        let Some(lang) = case["languages"]
            .as_str()
            .and_then(|l| l.split('/').next())
            .filter(|l| *l != "en")
        else {
            continue;
        };
        let english = engine
            .explain(input, "en")
            .map(|d| serde_json::to_value(d).expect("a Diagnosis serialises"))
            .unwrap_or_else(|e| panic!("{id}: cannot explain: {e}"));
        let local = explain_json(input, lang);
        for field in ["reason", "category", "who_acts", "retry", "permanent"] {
            if local[field] != english[field] {
                problems.push(format!(
                    "{id}: {field} is {} in {lang} but {} in English",
                    local[field], english[field]
                ));
            }
        }
        let explanation = &local["explanation"];
        if explanation["lang"] != lang {
            problems.push(format!("{id}: answered in {}", explanation["lang"]));
        }
        for part in ["summary", "detail"] {
            let words = explanation[part].as_str().unwrap_or_default();
            if words.trim().is_empty() || explanation[part] == english["explanation"][part] {
                problems.push(format!("{id}: {part} is not in {lang}"));
            }
        }
        let steps = explanation["fix"].as_array().map_or(0, Vec::len);
        if steps == 0 || explanation["fix"] == english["explanation"]["fix"] {
            problems.push(format!("{id}: fix steps are not in {lang}"));
        }
        *checked.entry(lang.to_string()).or_default() += 1;
    }
    for lang in ["da", "sv", "nb", "pl", "lv"] {
        assert!(checked.contains_key(lang), "no seed case in {lang}");
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
