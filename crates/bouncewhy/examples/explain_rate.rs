//! How many one-line explanations the library gives per second on one core:
//! reads the `input` field of every line of a JSON Lines file (such as the
//! acceptance seed cases), then explains them round-robin for about
//! `SECONDS` (default 2) and prints `library explains N lines/s on one core`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The allocator the `bouncewhy` binary (CLI and server) runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: explain_rate CASES.jsonl [SECONDS]");
        return ExitCode::from(2);
    };
    let seconds: f64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("explain_rate: {path}: {error}");
            return ExitCode::from(1);
        }
    };
    let lines: Vec<String> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|case| case.get("input")?.as_str().map(str::to_string))
        .collect();
    if lines.is_empty() {
        eprintln!("explain_rate: {path}: no `input` fields found");
        return ExitCode::from(1);
    }
    let engine = match bouncewhy::Engine::builtin() {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("explain_rate: {error}");
            return ExitCode::from(1);
        }
    };
    // One pass first, so that lazily built matchers are not timed.
    for line in &lines {
        let _ = engine.explain(line, "en");
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut explained = 0usize;
    while start.elapsed() < budget {
        for line in &lines {
            if engine.explain(line, "en").is_ok() {
                explained += 1;
            }
        }
    }
    let rate = explained as f64 / start.elapsed().as_secs_f64();
    println!(
        "library explains {rate:.0} lines/s on one core ({} distinct lines)",
        lines.len()
    );
    ExitCode::SUCCESS
}
