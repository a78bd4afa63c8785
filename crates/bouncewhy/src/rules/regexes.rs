//! The rules' regular expressions behind a literal prefilter.
//!
//! Each regex is reduced (from its syntax tree) to a set of literals one of
//! which every match must contain. One Aho-Corasick pass over a text finds
//! which of those literals occur; only the regexes they point to (and the few
//! with no required literal) can match, and only those are run. A regex is
//! compiled the first time it is run, so starting up costs a parse, not a
//! compilation, and a text that mentions none of the literals costs one scan.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::meta::{BuildError, Regex};
use regex_automata::util::syntax;
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Size limit for each compiled regex (bytes of automaton).
pub const REGEX_SIZE_LIMIT: usize = 64 << 20;

/// Alternatives kept for one regex before it is treated as unfiltered.
const MAX_ALTERNATIVES: usize = 64;

/// Compiles `source` the way every rule regex is compiled: case-insensitive
/// (Unicode), within [`REGEX_SIZE_LIMIT`]. No fully built DFA: on these short
/// texts the lazy DFA answers as fast, and building a DFA for every regex
/// cost a quarter of the compile time.
pub fn compile_regex(source: &str) -> Result<Regex, Box<BuildError>> {
    Regex::builder()
        .syntax(syntax::Config::new().case_insensitive(true))
        .configure(
            Regex::config()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(REGEX_SIZE_LIMIT)
                .dfa(false),
        )
        .build(source)
        .map_err(Box::new)
}

/// One rule regex, compiled on first use.
#[derive(Debug, Clone)]
struct Entry {
    source: String,
    rule: usize,
    compiled: OnceLock<Option<Regex>>,
}

/// Every rule regex, in rule order, with the prefilter that picks the ones
/// worth running on a text.
#[derive(Debug, Clone)]
pub struct RegexBank {
    entries: Vec<Entry>,
    prefilter: AhoCorasick,
    /// For each prefilter literal, the entries that require it.
    literal_entries: Vec<Vec<usize>>,
    /// Entries with no required literal: always candidates.
    unfiltered: Vec<usize>,
    /// Non-ASCII characters that match an ASCII letter case-insensitively
    /// (KELVIN SIGN, LONG S): a text holding one skips the prefilter.
    ascii_folds: Vec<char>,
}

impl RegexBank {
    /// Reads `(rule index, source)` pairs, given in rule order. A regex that
    /// does not parse is returned as the error, with its position.
    pub fn new(regexes: &[(usize, &str)]) -> Result<RegexBank, usize> {
        let mut entries = Vec::with_capacity(regexes.len());
        let mut literal_ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut literal_entries: Vec<Vec<usize>> = Vec::new();
        let mut unfiltered = Vec::new();
        for (position, &(rule, source)) in regexes.iter().enumerate() {
            let hir = regex_syntax::ParserBuilder::new()
                .build()
                .parse(source)
                .map_err(|_| position)?;
            match required_literals(&hir) {
                Some(required) => {
                    for literal in required {
                        let literal = literal.to_ascii_lowercase();
                        let id = *literal_ids.entry(literal.clone()).or_insert_with(|| {
                            literals.push(literal);
                            literal_entries.push(Vec::new());
                            literals.len() - 1
                        });
                        if literal_entries[id].last() != Some(&position) {
                            literal_entries[id].push(position);
                        }
                    }
                }
                None => unfiltered.push(position),
            }
            entries.push(Entry {
                source: source.to_string(),
                rule,
                compiled: OnceLock::new(),
            });
        }
        let prefilter = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .map_err(|_| 0usize)?;
        Ok(RegexBank {
            entries,
            prefilter,
            literal_entries,
            unfiltered,
            ascii_folds: ascii_folds(),
        })
    }

    /// Compiles every regex now; the position and error of the first that fails.
    pub fn compile_all(&self) -> Result<(), (usize, Box<BuildError>)> {
        for (position, entry) in self.entries.iter().enumerate() {
            compile_regex(&entry.source).map_err(|error| (position, error))?;
        }
        Ok(())
    }

    /// The entries that may match a text, in rule order, into `out` (cleared
    /// first); `lowered` is the text in ASCII lower case.
    pub fn candidates(&self, lowered: &str, out: &mut Vec<usize>) {
        out.clear();
        if !lowered.is_ascii() && lowered.chars().any(|c| self.ascii_folds.contains(&c)) {
            out.extend(0..self.entries.len());
            return;
        }
        out.extend_from_slice(&self.unfiltered);
        for hit in self.prefilter.find_overlapping_iter(lowered) {
            out.extend_from_slice(&self.literal_entries[hit.pattern().as_usize()]);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The rule an entry belongs to.
    pub fn rule(&self, entry: usize) -> usize {
        self.entries[entry].rule
    }

    /// True when entry's regex matches `text`.
    pub fn is_match(&self, entry: usize, text: &str) -> bool {
        self.regex(entry).is_some_and(|re| re.is_match(text))
    }

    /// The first span any of `rule`'s regexes (in their order) finds in `text`.
    pub fn find_for_rule(&self, rule: usize, text: &str) -> Option<[usize; 2]> {
        let start = self.entries.partition_point(|e| e.rule < rule);
        self.entries[start..]
            .iter()
            .enumerate()
            .take_while(|(_, e)| e.rule == rule)
            .find_map(|(offset, _)| self.regex(start + offset)?.find(text))
            .map(|m| [m.start(), m.end()])
    }

    fn regex(&self, entry: usize) -> Option<&Regex> {
        let entry = &self.entries[entry];
        entry
            .compiled
            .get_or_init(|| compile_regex(&entry.source).ok())
            .as_ref()
    }
}

/// A set of literals (lower-case ASCII) one of which every match of `hir`
/// contains, or `None` when there is no such set.
fn required_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
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
fn ascii_folds() -> Vec<char> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(source: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(source)
            .expect("parses");
        required_literals(&hir).map(|set| {
            set.into_iter()
                .map(|l| String::from_utf8(l).expect("ascii"))
                .collect()
        })
    }

    #[test]
    fn required_literals_of_common_shapes() {
        assert_eq!(literals(r"\bIB101\b"), Some(vec!["IB101".into()]));
        assert_eq!(
            literals(r"client host \[[^\]]+\] blocked using rbl\b"),
            Some(vec!["] blocked using rbl".into()])
        );
        let alternatives = literals(r"\b554 RBL (?:reject|avvisning)\b").expect("some");
        assert!(alternatives.iter().any(|l| l.starts_with("554 RBL ")));
        assert_eq!(literals(r"(?:a|\d+)"), None);
        assert_eq!(literals(r"x*"), None);
        assert_eq!(literals("abcé"), Some(vec!["abc".into()]));
    }

    #[test]
    fn kelvin_and_long_s_fold_to_ascii() {
        let folds = ascii_folds();
        assert!(folds.contains(&'\u{212A}') && folds.contains(&'\u{17F}'));
    }

    #[test]
    fn prefilter_never_hides_a_match() {
        let sources = [
            r"\bIB101\b",
            r"recipient address rejected: user unknown - \S+@",
            r"(?:mailbox|account) (?:is )?(?:full|over quota)",
            r"\d{3} too many",
            r"disk",
        ];
        let pairs: Vec<(usize, &str)> = sources.iter().copied().enumerate().collect();
        let bank = RegexBank::new(&pairs).expect("builds");
        let texts = [
            "550 ib101 refused",
            "Recipient address rejected: User unknown - a@b",
            "the ACCOUNT over quota",
            "421 too many",
            "DIS\u{212A} full",
            "nothing here",
        ];
        let mut candidates = Vec::new();
        for text in texts {
            bank.candidates(&text.to_ascii_lowercase(), &mut candidates);
            for (entry, source) in sources.iter().enumerate() {
                let matches = compile_regex(source).expect("valid").is_match(text);
                assert!(
                    !matches || candidates.contains(&entry),
                    "{source} matches {text:?} but was filtered out"
                );
            }
        }
    }

    #[test]
    fn every_builtin_regex_compiles_and_survives_its_prefilter() {
        let engine = crate::Engine::builtin().expect("built-in packs compile");
        let bank = engine.rules().regex_bank();
        assert!(bank.compile_all().is_ok());
        let mut candidates = Vec::new();
        for rule in engine.rules().rules() {
            for example in &rule.spec.examples {
                let text = crate::smtp::normalize(example);
                bank.candidates(&text.to_ascii_lowercase(), &mut candidates);
                for entry in 0..bank.entries.len() {
                    if bank.is_match(entry, &text) {
                        assert!(
                            candidates.contains(&entry),
                            "`{}` matches {text:?} but was filtered out",
                            bank.entries[entry].source
                        );
                    }
                }
            }
        }
    }
}
