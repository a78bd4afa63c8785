//! Proves rules by their examples: each example, explained on its own, must be
//! decided by its own rule.

use super::compile::CompiledRule;
use super::regexes::has_unicode_word_boundary;
use super::PackKind;
use crate::Engine;

/// Runs the examples of every rule `select` picks; returns one line per problem
/// (`rule id: problem`). Rules built from the status registry carry no examples.
pub fn examples(engine: &Engine, select: impl Fn(&CompiledRule) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    for rule in engine.rules().rules().iter().filter(|r| select(r)) {
        if rule.spec.examples.is_empty() {
            if rule.tier != PackKind::Status {
                problems.push(format!("{}: has no examples", rule.spec.id));
            }
            continue;
        }
        for example in &rule.spec.examples {
            let result = if rule.spec.bounce_without_command || !rule.spec.hosts.is_empty() {
                // Such a rule applies only inside a decoded bounce or for its
                // hosts: try it there, as the bounce from its first host.
                let report = crate::engine::Report {
                    diagnostic: example.clone(),
                    remote_host: rule.spec.hosts.first().cloned(),
                    decoded_by: rule.spec.bounce_without_command.then(|| "example".into()),
                    ..crate::engine::Report::default()
                };
                Ok(engine.diagnose(&report, "en"))
            } else {
                engine.explain(example, "en")
            };
            match result {
                Ok(diagnosis) => {
                    let winner = diagnosis
                        .evidence
                        .as_ref()
                        .map_or("nothing", |e| e.rule.as_str());
                    if winner != rule.spec.id {
                        problems.push(format!(
                            "{}: example {example:?} is decided by {winner}",
                            rule.spec.id
                        ));
                    }
                }
                Err(error) => {
                    problems.push(format!("{}: example {example:?}: {error}", rule.spec.id))
                }
            }
        }
    }
    problems
}

/// Hints for the regexes of the rules `select` picks that hold a Unicode word
/// boundary, one line per regex (`rule id: hint`): they match as written, but
/// on texts with non-ASCII letters they run on a slower search than with
/// `(?-u:\b)`.
pub fn slow_regexes(engine: &Engine, select: impl Fn(&CompiledRule) -> bool) -> Vec<String> {
    engine
        .rules()
        .rules()
        .iter()
        .filter(|rule| select(rule))
        .flat_map(|rule| {
            rule.spec
                .regex
                .iter()
                .filter(|source| has_unicode_word_boundary(source))
                .map(|source| {
                    format!(
                        "{}: hint: regex `{source}` has a Unicode \\b; (?-u:\\b) differs only next \
                         to non-ASCII letters and keeps the search fast on non-ASCII text",
                        rule.spec.id
                    )
                })
        })
        .collect()
}
