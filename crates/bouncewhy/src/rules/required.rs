//! The literals a regex's every match must contain, read from its syntax tree.
//!
//! Shared with the build script, which works them out for the built-in rule
//! regexes ahead of time, so that starting up parses only users' regexes.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Alternatives kept for one regex before it is treated as unfiltered.
const MAX_ALTERNATIVES: usize = 64;

/// The required literals (lower-case ASCII) of a rule regex: a set one of
/// which every match contains, `Ok(None)` when there is no such set, `Err`
/// when the regex does not parse.
pub fn regex_literals(source: &str) -> Result<Option<Vec<Vec<u8>>>, Box<regex_syntax::Error>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .map_err(Box::new)?;
    Ok(required_literals(&hir).map(|set| {
        set.into_iter()
            .map(|literal| literal.to_ascii_lowercase())
            .collect()
    }))
}

/// A set of literals one of which every match of `hir` contains, or `None`
/// when there is no such set.
pub fn required_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(literal) => longest_ascii_run(&literal.0).map(|run| vec![run.to_vec()]),
        HirKind::Capture(capture) => required_literals(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min > 0 => required_literals(&repetition.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required_literals)
            .max_by_key(|set| set.iter().map(Vec::len).min().unwrap_or(0)),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required_literals(branch)?);
                if all.len() > MAX_ALTERNATIVES {
                    return None;
                }
            }
            Some(all)
        }
        _ => None,
    }
}

/// The longest run of ASCII bytes in a literal: a match of the literal
/// contains it whatever the case of its letters.
fn longest_ascii_run(bytes: &[u8]) -> Option<&[u8]> {
    bytes
        .split(|b| !b.is_ascii())
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
}

/// The non-ASCII characters a case-insensitive ASCII letter matches.
pub fn ascii_folds() -> Vec<char> {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse("[a-z]")
    else {
        return Vec::new();
    };
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .flat_map(|range| range.start()..=range.end())
            .filter(|c| !c.is_ascii())
            .collect(),
        _ => Vec::new(),
    }
}
