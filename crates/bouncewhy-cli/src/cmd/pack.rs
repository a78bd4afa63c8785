//! `bouncewhy pack check`: validate user packs and prove their examples.

use super::CliError;
use bouncewhy::rules::compile::CompiledRule;
use bouncewhy::rules::{check, PackKind};
use bouncewhy::Engine;
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks each pack file on its own on top of the built-in packs; prints one
/// line per problem (`file: rule id: problem`) and a summary, then hints
/// that do not fail the check (a regex that could run faster).
pub fn check(files: &[PathBuf]) -> Result<ExitCode, CliError> {
    let mut problems = 0usize;
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                println!("{name}: cannot read: {error}");
                problems += 1;
                continue;
            }
        };
        let engine = match Engine::builder().pack(name.clone(), text).build() {
            Ok(engine) => engine,
            Err(error) => {
                println!("{name}: {error}");
                problems += 1;
                continue;
            }
        };
        let from_this_pack = |rule: &CompiledRule| rule.tier == PackKind::User;
        let failures = check::examples(&engine, from_this_pack);
        let rules = engine
            .rules()
            .rules()
            .iter()
            .filter(|r| from_this_pack(r))
            .count();
        for failure in &failures {
            println!("{name}: {failure}");
        }
        problems += failures.len();
        if failures.is_empty() {
            println!("{name}: ok, {rules} rules, every example matches its rule");
        }
        for hint in check::slow_regexes(&engine, from_this_pack) {
            println!("{name}: {hint}");
        }
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
