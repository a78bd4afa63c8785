//! `bouncewhy-eval corpus`: decodes the sisimai sample corpus with the real
//! `bouncewhy decode` and scores it against `labels.jsonl`.
//!
//! Results are paired by recipient, else by position. A status label of the
//! form `X.0.9NN` is sisimai's stand-in for "no code in the message": null or
//! any code of the same class agrees with it. Likewise sisimai's stand-in
//! address for "no recipient named" agrees with a null recipient.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Labels judged wrong, each with the evidence: `corpus` prints its figures
/// with all labels and again without these files.
pub const DISPUTED_LABELS: &[(&str, &str)] = &[
    (
        "rhost-aol-06.eml",
        "labelled notaccept, but lhost-postfix-17.eml carries the very same \"Name service error for name=... type=MX: Malformed or unexpected name server reply\" and is labelled networkerror",
    ),
    (
        "lhost-sendmail-21.eml",
        "\"Deferred: Connection refused by mx...\" is labelled blocked here and expired in lhost-sendmail-54.eml for the same words; a refused connection after retries is expiry",
    ),
    (
        "lhost-domino-02.eml",
        "the ISO-2022-JP text says the user is not found in the Domino directory: userunknown, not onhold",
    ),
    (
        "lhost-exim-46.eml",
        "\"554 5.7.1 [C14] Missing reverse DNS\" is requireptr by definition; the label says blocked",
    ),
    (
        "lhost-exim-56.eml",
        "\"You've reached your daily relay quota\" is a sending-rate limit (speeding); the label says blocked",
    ),
    (
        "rfc3464-04.eml",
        "the pipe to procmail failed (\"|IFS=' ' && exec procmail ... Service unavailable\"): mailererror, not systemerror",
    ),
    (
        "rhost-yahooinc-02.eml",
        "Yahoo's TSS04 \"deferred due to unexpected volume or user complaints\" is a reputation deferral (badreputation) per Yahoo's sender documentation",
    ),
    (
        "lhost-yahoo-13.eml",
        "\"Unable to deliver message after multiple retries, giving up.\" is expiry; the label says systemerror",
    ),
    (
        "lhost-sendmail-13.eml",
        "\"maildrop: maildir over quota.\" is a full mailbox; the label says systemerror (from the following \"Insufficient permission\")",
    ),
    (
        "rb-issue-368-bug.eml",
        "labelled not a bounce, but it is one: from postmaster, subject \"email bounce notification\", reporting that the target mailbox is full",
    ),
];

/// Minimum shares; the run fails when any is not reached.
#[derive(Debug, Clone, Copy)]
pub struct Minimums {
    /// Share of right reasons.
    pub reason: f64,
    /// Share of right status codes.
    pub status: f64,
    /// Share of right recipients.
    pub recipient: f64,
    /// Share of right hard-bounce flags.
    pub hard_bounce: f64,
    /// Whether every not-bounce file must give no result.
    pub every_not_bounce: bool,
}

impl Minimums {
    /// No minimum at all: only report.
    pub const NONE: Minimums = Minimums {
        reason: 0.0,
        status: 0.0,
        recipient: 0.0,
        hard_bounce: 0.0,
        every_not_bounce: false,
    };
}

const FIELDS: [&str; 4] = ["reason", "status", "recipient", "hard_bounce"];

/// Agreement counts of one scoring.
#[derive(Default)]
struct Score {
    agree: [usize; 4],
    total: usize,
    not_bounce_ok: usize,
    not_bounce_total: usize,
    misses: Vec<String>,
}

/// Runs the corpus evaluation and prints the figures with all labels, then
/// without the disputed ones; returns whether both sets of minimums were reached.
pub fn run(
    corpus: &Path,
    binary: &Path,
    all_labels: Minimums,
    undisputed: Minimums,
) -> Result<bool, String> {
    let labels_path = corpus.join("labels.jsonl");
    let emails = corpus.join("emails");
    let labels = std::fs::read_to_string(&labels_path)
        .map_err(|e| format!("cannot read {}: {e}", labels_path.display()))?;
    let output = Command::new(binary)
        .args(["decode", "--format", "jsonl", "--lang", "en"])
        .arg(&emails)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !output.status.success() && output.status.code() != Some(1) {
        return Err(format!(
            "bouncewhy decode failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut got: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let record: Value =
            serde_json::from_str(line).map_err(|e| format!("bad output line: {e}"))?;
        let file = record["source"].as_str().map(file_name).unwrap_or_default();
        got.entry(file).or_default().push(record);
    }
    let mut expected: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let label: Value =
            serde_json::from_str(line).map_err(|e| format!("bad label line: {e}"))?;
        let file = label["file"].as_str().unwrap_or_default().to_string();
        expected.entry(file).or_default().push(label);
    }

    let everything = score(&expected, &got, &[]);
    let disputed: Vec<&str> = DISPUTED_LABELS.iter().map(|(file, _)| *file).collect();
    let without = score(&expected, &got, &disputed);
    println!(
        "sisimai corpus: {} bounce results in {} files, {} not-bounce files",
        everything.total,
        expected.len(),
        everything.not_bounce_total
    );
    let mut pass = print_score("all labels", &everything, all_labels);
    pass &= print_score(
        &format!("without the {} disputed labels", disputed.len()),
        &without,
        undisputed,
    );
    println!("disputed labels (kept our answer; evidence):");
    for (file, evidence) in DISPUTED_LABELS {
        println!("  {file}: {evidence}");
    }
    println!("misses (all labels): {}", everything.misses.len());
    for miss in &everything.misses {
        println!("  {miss}");
    }
    Ok(pass)
}

/// Scores the results against the labels, leaving out the files in `skip`.
fn score(
    expected: &BTreeMap<String, Vec<Value>>,
    got: &BTreeMap<String, Vec<Value>>,
    skip: &[&str],
) -> Score {
    let mut score = Score::default();
    let empty = Vec::new();
    for (file, labels) in expected {
        if skip.contains(&file.as_str()) {
            continue;
        }
        let results = got.get(file).unwrap_or(&empty);
        if labels[0]["not_bounce"].as_bool() == Some(true) {
            score.not_bounce_total += 1;
            if results.is_empty() {
                score.not_bounce_ok += 1;
            } else {
                score.misses.push(format!(
                    "{file}: not a bounce, but {} results",
                    results.len()
                ));
            }
            continue;
        }
        for (index, label) in labels.iter().enumerate() {
            score.total += 1;
            let by_recipient = label["recipient"].as_str().and_then(|want| {
                results
                    .iter()
                    .find(|r| r["recipient"].as_str() == Some(want))
            });
            let result = by_recipient.or_else(|| results.get(index));
            let null = Value::Null;
            let result = result.unwrap_or(&null);
            let checks = [
                result["reason"] == label["reason"],
                status_agrees(&label["status"], &result["status"]),
                recipient_agrees(&label["recipient"], &result["recipient"]),
                result["hard_bounce"] == label["hard_bounce"],
            ];
            for (slot, ok) in score.agree.iter_mut().zip(checks) {
                *slot += usize::from(ok);
            }
            if checks.contains(&false) {
                let wrong: Vec<String> = FIELDS
                    .iter()
                    .zip(checks)
                    .filter(|(_, ok)| !ok)
                    .map(|(field, _)| {
                        format!("{field} expected {} got {}", label[*field], result[*field])
                    })
                    .collect();
                let rule = result["evidence"]["rule"].as_str().unwrap_or("-");
                let said: String = result["diagnostic"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect();
                score.misses.push(format!(
                    "{file}#{}: {} [rule {rule}] {said:?}",
                    index + 1,
                    wrong.join("; ")
                ));
            }
        }
    }
    score
}

/// Prints one scoring's shares; returns whether it reached `minimums`.
fn print_score(title: &str, score: &Score, minimums: Minimums) -> bool {
    let share = |n: usize| n as f64 / score.total.max(1) as f64;
    let wanted = [
        minimums.reason,
        minimums.status,
        minimums.recipient,
        minimums.hard_bounce,
    ];
    println!("{title}:");
    let mut pass = true;
    for ((field, count), minimum) in FIELDS.iter().zip(score.agree).zip(wanted) {
        let ok = share(count) >= minimum;
        pass &= ok;
        println!(
            "  {field:<12} {count}/{} = {:.3}{}",
            score.total,
            share(count),
            if ok { "" } else { "  (below minimum)" }
        );
    }
    let every = score.not_bounce_ok == score.not_bounce_total;
    println!(
        "  not-bounce   {}/{} handled{}",
        score.not_bounce_ok,
        score.not_bounce_total,
        if every || !minimums.every_not_bounce {
            ""
        } else {
            "  (below minimum)"
        }
    );
    pass && (every || !minimums.every_not_bounce)
}

fn file_name(source: &str) -> String {
    let path = source.split('#').next().unwrap_or(source);
    PathBuf::from(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The address sisimai writes when a report names no recipient at all; like
/// the pseudo status codes it stands for "none", so only null agrees with it.
const NO_RECIPIENT_STAND_IN: &str = "undisclosed-recipient-in-headers@libsisimai.org.invalid";

/// True when a result's recipient agrees with the label (a null label is not scored).
fn recipient_agrees(label: &Value, got: &Value) -> bool {
    match label.as_str() {
        None => true,
        Some(NO_RECIPIENT_STAND_IN) => got.is_null(),
        Some(_) => got == label,
    }
}

/// True when a result's status agrees with the label (see the module docs).
fn status_agrees(label: &Value, got: &Value) -> bool {
    match label.as_str() {
        None => got.is_null(),
        Some(want) => {
            let parts: Vec<&str> = want.split('.').collect();
            let pseudo = parts.len() == 3 && parts[2].len() == 3 && parts[2].starts_with('9');
            if pseudo {
                got.is_null()
                    || got
                        .as_str()
                        .is_some_and(|g| g.split('.').next() == Some(parts[0]))
            } else {
                got.as_str() == Some(want)
            }
        }
    }
}

/// `corpus [--corpus DIR] [--bin PATH] [--min-reason X] [--min-status X] [--min-recipient X] [--min-hard-bounce X]`;
/// the minimums apply to the figures with all labels.
pub fn run_args(args: &[String]) -> Result<std::process::ExitCode, String> {
    let mut corpus: Option<PathBuf> = None;
    let mut binary: Option<PathBuf> = None;
    let mut minimums = Minimums::NONE;
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("corpus: {flag} needs a value"))
        };
        let share = |text: String| {
            text.parse::<f64>()
                .map_err(|e| format!("corpus: {flag}: {e}"))
        };
        match flag.as_str() {
            "--corpus" => corpus = Some(PathBuf::from(value()?)),
            "--bin" => binary = Some(PathBuf::from(value()?)),
            "--min-reason" => minimums.reason = share(value()?)?,
            "--min-status" => minimums.status = share(value()?)?,
            "--min-recipient" => minimums.recipient = share(value()?)?,
            "--min-hard-bounce" => minimums.hard_bounce = share(value()?)?,
            other => return Err(format!("corpus: unknown option `{other}`")),
        }
    }
    let corpus = match corpus {
        Some(dir) => dir,
        None => default_corpus().ok_or(
            "cannot find ../shared/corpus/sisimai next to the workspace; pass --corpus DIR",
        )?,
    };
    let binary = match binary {
        Some(path) => path,
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("bouncewhy"),
    };
    let pass = run(&corpus, &binary, minimums, Minimums::NONE)?;
    Ok(if pass {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

/// `<workspace>/../shared/corpus/sisimai`, found the same way as the seed cases.
pub fn default_corpus() -> Option<PathBuf> {
    super::seeds::find_in_shared("corpus/sisimai/labels.jsonl")
        .and_then(|labels| labels.parent().map(Path::to_path_buf))
}
