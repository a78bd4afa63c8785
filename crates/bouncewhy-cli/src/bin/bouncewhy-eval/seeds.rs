//! `bouncewhy-eval seeds`: runs every seed acceptance case through the real
//! command, `bouncewhy explain --json --lang en -- "<input>"`, and measures how
//! often the answer agrees with the case.
//!
//! A case counts when `reason`, `permanent`, `category` and `who_acts` all
//! agree. The other fields and the fix keywords are reported on their own.
//! The cases file is described in `shared/acceptance/README.md`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The fields that must all agree for a case to count.
pub const MAIN_FIELDS: [&str; 4] = ["reason", "permanent", "category", "who_acts"];

/// Fields whose agreement is reported separately.
pub const OTHER_FIELDS: [&str; 5] = [
    "reply_code",
    "status",
    "provider",
    "provider_code",
    "retry_after_s",
];

/// Where the cases file lives, relative to the folder next to the workspace.
const CASES_IN_SHARED: &str = "acceptance/seed-cases.jsonl";

/// Words that carry no meaning of their own in a fix keyword.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "if", "in", "into", "is", "it",
    "its", "of", "on", "or", "so", "that", "the", "their", "them", "then", "these", "this",
    "those", "to", "with", "you", "your",
];

/// The content words of a fix keyword or explanation: lower-case runs of
/// letters and digits, without stop words and one-character pieces.
pub fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() > 1)
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// The content words of `keyword` that `explanation` lacks. A word is present
/// when some word of the explanation equals it or starts with it (so
/// "recipient" is found in "recipients").
pub fn missing_words(explanation: &str, keyword: &str) -> Vec<String> {
    let have: Vec<String> = explanation
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    content_words(keyword)
        .into_iter()
        .filter(|want| !have.iter().any(|word| word.starts_with(want.as_str())))
        .collect()
}

/// The explanation of a Diagnosis (as JSON) in one string: summary, detail and fix steps.
pub fn explanation_text(diagnosis: &Value) -> String {
    let explanation = &diagnosis["explanation"];
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(explanation["summary"].as_str());
    parts.extend(explanation["detail"].as_str());
    if let Some(fix) = explanation["fix"].as_array() {
        parts.extend(fix.iter().filter_map(Value::as_str));
    }
    parts.join(" ")
}

/// The cases file next to the workspace: `<workspace>/../shared/acceptance/seed-cases.jsonl`,
/// looked for above the current folder, then relative to this package's source.
pub fn default_cases_path() -> Option<PathBuf> {
    find_in_shared(CASES_IN_SHARED)
}

/// `relative` inside the `shared` folder next to the workspace, looked for
/// above the current folder, then relative to this package's source.
pub fn find_in_shared(relative: &str) -> Option<PathBuf> {
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Ok(dir) = std::env::current_dir() {
        bases.extend(dir.ancestors().map(|d| d.join("../shared")));
    }
    bases.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    bases
        .into_iter()
        .map(|base| base.join(relative))
        .find(|path| path.is_file())
}

/// Reads JSON Lines: one object per non-empty line.
pub fn parse_cases(text: &str) -> Result<Vec<Value>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let case: Value =
                serde_json::from_str(line).map_err(|e| format!("line {}: {e}", index + 1))?;
            if case["input"].as_str().is_none() {
                return Err(format!("line {}: the case has no `input`", index + 1));
            }
            Ok(case)
        })
        .collect()
}

struct Options {
    cases: Option<PathBuf>,
    min: f64,
    bin: Option<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        cases: None,
        min: 0.95,
        bin: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or(format!("{name} needs a value"))
        };
        match name {
            "--cases" => options.cases = Some(PathBuf::from(value()?)),
            "--bin" => options.bin = Some(PathBuf::from(value()?)),
            "--min" => {
                let text = value()?;
                options.min = text
                    .parse::<f64>()
                    .ok()
                    .filter(|min| (0.0..=1.0).contains(min))
                    .ok_or(format!("--min wants a share between 0 and 1, not `{text}`"))?;
            }
            other => {
                return Err(format!(
                "seeds: unknown option `{other}` (options: --cases PATH, --min SHARE, --bin PATH)"
            ))
            }
        }
    }
    Ok(options)
}

/// What one case came to.
/// Prints one titled list: a line per case for which `items` is not empty
/// (a case whose command failed is listed only by the caller that asks for it).
fn print_section(title: &str, outcomes: &[Outcome], items: impl Fn(&Outcome) -> Vec<String>) {
    let lines: Vec<(&Outcome, Vec<String>)> = outcomes
        .iter()
        .map(|o| (o, items(o)))
        .filter(|(_, items)| !items.is_empty())
        .collect();
    if lines.is_empty() {
        return;
    }
    println!("\n{title} ({}):", lines.len());
    for (outcome, items) in lines {
        println!(
            "  {}: {} [rule {}]",
            outcome.id,
            items.join("; "),
            outcome.rule
        );
    }
}

struct Outcome {
    id: String,
    rule: String,
    /// Main fields that disagree: (field, expected, got).
    misses: Vec<(&'static str, Value, Value)>,
    /// Other fields that disagree.
    others: Vec<(&'static str, Value, Value)>,
    /// Fix keywords not conveyed, with the words lacking.
    keywords: Vec<(String, Vec<String>)>,
    /// The command failed for this case.
    error: Option<String>,
}

/// Runs `bouncewhy-eval seeds`.
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let options = parse_args(args)?;
    let cases_path = match options.cases {
        Some(path) => path,
        None => default_cases_path().ok_or(
            "cannot find the seed cases (../shared/acceptance/seed-cases.jsonl next to the workspace); pass --cases PATH",
        )?,
    };
    let text = std::fs::read_to_string(&cases_path)
        .map_err(|e| format!("cannot read {}: {e}", cases_path.display()))?;
    let cases = parse_cases(&text).map_err(|e| format!("{}: {e}", cases_path.display()))?;
    if cases.is_empty() {
        return Err(format!("{} holds no cases", cases_path.display()));
    }
    let bin = match options.bin {
        Some(bin) => bin,
        None => std::env::current_exe()
            .map_err(|e| format!("cannot locate this program: {e}"))?
            .with_file_name(format!("bouncewhy{}", std::env::consts::EXE_SUFFIX)),
    };
    if !bin.is_file() {
        return Err(format!(
            "no bouncewhy binary at {} (run `cargo build` or pass --bin PATH)",
            bin.display()
        ));
    }

    let outcomes = run_all(&bin, &cases)?;
    let total = outcomes.len();
    let right = outcomes
        .iter()
        .filter(|o| o.error.is_none() && o.misses.is_empty())
        .count();
    let share = right as f64 / total as f64;
    let agree = |field: &str| {
        outcomes
            .iter()
            .filter(|o| {
                o.error.is_none()
                    && !o
                        .misses
                        .iter()
                        .chain(&o.others)
                        .any(|(f, _, _)| *f == field)
            })
            .count()
    };
    let per_field = |fields: &[&str]| {
        fields
            .iter()
            .map(|f| format!("{f} {}/{total}", agree(f)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let conveyed = outcomes
        .iter()
        .filter(|o| o.error.is_none() && o.keywords.is_empty())
        .count();

    println!("seed cases: {right}/{total} = {share:.3} (reason, permanent, category, who_acts all right)");
    println!("per field: {}", per_field(&MAIN_FIELDS));
    println!("reported separately: {}", per_field(&OTHER_FIELDS));
    println!("fix keywords: {conveyed}/{total} cases convey every keyword");
    println!("cases: {}", cases_path.display());

    let show = |value: &Value| value.to_string();
    let differences = |fields: &[(&'static str, Value, Value)]| -> Vec<String> {
        fields
            .iter()
            .map(|(field, want, got)| format!("{field} expected {}, got {}", show(want), show(got)))
            .collect()
    };
    print_section("misses", &outcomes, |o| match &o.error {
        Some(error) => vec![error.clone()],
        None => differences(&o.misses),
    });
    print_section("other fields differ", &outcomes, |o| {
        if o.error.is_some() {
            Vec::new()
        } else {
            differences(&o.others)
        }
    });
    print_section("fix keywords not conveyed", &outcomes, |o| {
        if o.error.is_some() {
            return Vec::new();
        }
        o.keywords
            .iter()
            .map(|(keyword, words)| format!("{keyword:?} lacks {}", words.join(", ")))
            .collect()
    });

    if share + 1e-9 < options.min {
        println!("\nshare {share:.3} is below the minimum {:.3}", options.min);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs every case, a few at a time; fails only when the binary cannot be started.
fn run_all(bin: &Path, cases: &[Value]) -> Result<Vec<Outcome>, String> {
    let workers = std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(16);
    let chunk = cases.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|case| judge(bin, case))
                        .collect::<Result<Vec<_>, String>>()
                })
            })
            .collect();
        let mut outcomes = Vec::with_capacity(cases.len());
        for handle in handles {
            outcomes.extend(
                handle
                    .join()
                    .map_err(|_| "a worker thread panicked".to_string())??,
            );
        }
        Ok(outcomes)
    })
}

/// Runs one case and compares the answer with it.
fn judge(bin: &Path, case: &Value) -> Result<Outcome, String> {
    let id = case["id"].as_str().unwrap_or("(no id)").to_string();
    let input = case["input"].as_str().unwrap_or_default();
    let mut outcome = Outcome {
        id,
        rule: "none".into(),
        misses: Vec::new(),
        others: Vec::new(),
        keywords: Vec::new(),
        error: None,
    };
    let output = Command::new(bin)
        .args(["explain", "--json", "--lang", "en", "--", input])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first_line = stdout.lines().next().unwrap_or_default();
    let diagnosis: Value = match serde_json::from_str(first_line) {
        Ok(value) if output.status.success() => value,
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            outcome.error = Some(format!(
                "bouncewhy failed ({}): {}",
                output.status,
                stderr.trim()
            ));
            return Ok(outcome);
        }
    };
    outcome.rule = diagnosis["evidence"]["rule"]
        .as_str()
        .unwrap_or("none")
        .to_string();
    for field in MAIN_FIELDS {
        if case[field] != diagnosis[field] {
            outcome
                .misses
                .push((field, case[field].clone(), diagnosis[field].clone()));
        }
    }
    for field in OTHER_FIELDS {
        if case[field] != diagnosis[field] {
            outcome
                .others
                .push((field, case[field].clone(), diagnosis[field].clone()));
        }
    }
    let explanation = explanation_text(&diagnosis);
    for keyword in case["fix_keywords"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let missing = missing_words(&explanation, keyword);
        if !missing.is_empty() {
            outcome.keywords.push((keyword.to_string(), missing));
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_drop_stop_words_and_punctuation() {
        assert_eq!(
            content_words("turn off splitting of large messages"),
            ["turn", "off", "splitting", "large", "messages"]
        );
        assert_eq!(
            content_words("provider's server error"),
            ["provider", "server", "error"]
        );
        assert_eq!(
            content_words("configure reverse DNS (PTR)"),
            ["configure", "reverse", "dns", "ptr"]
        );
    }

    #[test]
    fn words_are_found_case_insensitively_and_as_prefixes() {
        assert!(missing_words(
            "Check the recipients' addresses.",
            "check recipient address"
        )
        .is_empty());
        assert_eq!(
            missing_words("Wait an hour.", "wait 60 minutes"),
            ["60", "minutes"]
        );
    }

    #[test]
    fn options_parse() {
        let args: Vec<String> = ["--min", "0.5", "--cases=x.jsonl"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let options = parse_args(&args).expect("valid options");
        assert_eq!(options.min, 0.5);
        assert_eq!(options.cases, Some(PathBuf::from("x.jsonl")));
        assert!(parse_args(&["--min".to_string(), "2".to_string()]).is_err());
        assert!(parse_args(&["--what".to_string()]).is_err());
    }
}
