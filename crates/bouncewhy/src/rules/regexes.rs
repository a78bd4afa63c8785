//! The rules' regular expressions behind a literal prefilter.
//!
//! Each regex is reduced (from its syntax tree, see [`super::required`]) to a
//! set of literals one of which every match must contain. The rule set's one
//! phrase search over a text also finds which of those literals occur;
//! only the regexes they point to (and the few with no required literal) can
//! match, and only those are run. A regex is compiled the first time it is
//! run, and the literals of the built-in regexes are worked out by the build,
//! so starting up parses only users' regexes.

use super::required::regex_literals;
use regex_automata::meta::{BuildError, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use std::collections::HashMap;
use std::sync::OnceLock;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_regexes.rs"));
}

/// Size limit for each compiled regex (bytes of automaton).
pub const REGEX_SIZE_LIMIT: usize = 64 << 20;

/// Compiles `source` the way every rule regex is compiled: case-insensitive
/// (Unicode), within [`REGEX_SIZE_LIMIT`]. No fully built DFA: on these short
/// texts the lazy DFA answers as fast, and building a DFA for every regex
/// cost a quarter of the compile time. No capture groups and no one-pass
/// DFA either: rules only ask whether and where a regex matches.
///
/// `own_prefilter` asks for the regex's own literal prefilter. A regex with
/// required literals goes without: the rule set runs it only on texts that
/// hold one of them, where a prefilter would find a start at once anyway,
/// and working it out was about half of the compile time.
pub fn compile_regex(source: &str, own_prefilter: bool) -> Result<Regex, Box<BuildError>> {
    Regex::builder()
        .syntax(syntax::Config::new().case_insensitive(true))
        .configure(
            Regex::config()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(REGEX_SIZE_LIMIT)
                .which_captures(WhichCaptures::Implicit)
                .onepass(false)
                .dfa(false)
                .auto_prefilter(own_prefilter),
        )
        .build(source)
        .map_err(Box::new)
}

/// True when `source` holds a Unicode word boundary (`\b` or `\B` outside
/// `(?-u:...)`). Such a regex matches as written, but the lazy DFA stops
/// at the first non-ASCII byte before one and the search falls back to a
/// backtracker several times slower; `(?-u:\b)` keeps it on the lazy DFA.
/// A regex that does not parse has none. (Case-insensitivity, with which
/// rule regexes are compiled, changes no assertion, so it is left out.)
pub fn has_unicode_word_boundary(source: &str) -> bool {
    regex_syntax::parse(source).is_ok_and(|hir| hir.properties().look_set().contains_word_unicode())
}

/// One rule regex, compiled on first use.
#[derive(Debug, Clone)]
struct Entry {
    source: String,
    rule: usize,
    /// True when the regex has no required literal, so that every text is
    /// a candidate and only its own prefilter skips ahead.
    unfiltered: bool,
    compiled: OnceLock<Option<Regex>>,
}

/// Every rule regex, in rule order, with the literals that pick the ones
/// worth running on a text.
#[derive(Debug, Clone)]
pub struct RegexBank {
    entries: Vec<Entry>,
    /// The prefilter literals (lower-case ASCII), by id.
    literals: Vec<Vec<u8>>,
    /// For each prefilter literal, the entries that require it.
    literal_entries: Vec<Vec<usize>>,
    /// Entries with no required literal: always candidates.
    unfiltered: Vec<usize>,
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
            let required = match builtin_literals(source) {
                Some(known) => known.map(|set| set.iter().map(|l| l.as_bytes().to_vec()).collect()),
                None => regex_literals(source).map_err(|_| position)?,
            };
            let no_required_literal = required.is_none();
            match required {
                Some(required) => {
                    for literal in required {
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
                unfiltered: no_required_literal,
                compiled: OnceLock::new(),
            });
        }
        Ok(RegexBank {
            entries,
            literals,
            literal_entries,
            unfiltered,
        })
    }

    /// The prefilter literals (lower-case ASCII), by id: the caller searches
    /// a text for them and passes the ids found to [`RegexBank::candidates`].
    pub fn literals(&self) -> &[Vec<u8>] {
        &self.literals
    }

    /// Compiles every regex now; the position and error of the first that fails.
    pub fn compile_all(&self) -> Result<(), (usize, Box<BuildError>)> {
        for (position, entry) in self.entries.iter().enumerate() {
            compile_regex(&entry.source, entry.unfiltered).map_err(|error| (position, error))?;
        }
        Ok(())
    }

    /// The entries that may match a text, in rule order, into `out` (cleared
    /// first); `lowered` is the text in ASCII lower case and `found` the ids
    /// of the [`RegexBank::literals`] that occur in it.
    pub fn candidates(&self, lowered: &str, found: &[usize], out: &mut Vec<usize>) {
        out.clear();
        if !lowered.is_ascii() && lowered.chars().any(|c| builtin::ASCII_FOLDS.contains(&c)) {
            out.extend(0..self.entries.len());
            return;
        }
        out.extend_from_slice(&self.unfiltered);
        for &literal in found {
            out.extend_from_slice(&self.literal_entries[literal]);
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
            .get_or_init(|| compile_regex(&entry.source, entry.unfiltered).ok())
            .as_ref()
    }
}

/// The required literals the build worked out for a built-in regex:
/// `None` when `source` is not a built-in regex.
fn builtin_literals(source: &str) -> Option<Option<&'static [&'static str]>> {
    builtin::REGEX_LITERALS
        .binary_search_by(|(known, _)| (*known).cmp(source))
        .ok()
        .map(|index| builtin::REGEX_LITERALS[index].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    fn literals(source: &str) -> Option<Vec<String>> {
        regex_literals(source).expect("parses").map(|set| {
            set.into_iter()
                .map(|l| String::from_utf8(l).expect("ascii"))
                .collect()
        })
    }

    /// The candidates of `bank` for `text`, found the way the rule set finds them.
    fn candidates_of(bank: &RegexBank, text: &str, out: &mut Vec<usize>) {
        let lowered = text.to_ascii_lowercase();
        let searcher = AhoCorasick::new(bank.literals()).expect("builds");
        let found: Vec<usize> = searcher
            .find_overlapping_iter(&lowered)
            .map(|hit| hit.pattern().as_usize())
            .collect();
        bank.candidates(&lowered, &found, out);
    }

    #[test]
    fn required_literals_of_common_shapes() {
        assert_eq!(literals(r"\bIB101\b"), Some(vec!["ib101".into()]));
        assert_eq!(
            literals(r"client host \[[^\]]+\] blocked using rbl\b"),
            Some(vec!["] blocked using rbl".into()])
        );
        let alternatives = literals(r"\b554 RBL (?:reject|avvisning)\b").expect("some");
        assert!(alternatives.iter().any(|l| l.starts_with("554 rbl ")));
        assert_eq!(literals(r"(?:a|\d+)"), None);
        assert_eq!(literals(r"x*"), None);
        assert_eq!(literals("abcé"), Some(vec!["abc".into()]));
    }

    #[test]
    fn kelvin_and_long_s_fold_to_ascii() {
        let folds = super::super::required::ascii_folds();
        assert!(folds.contains(&'\u{212A}') && folds.contains(&'\u{17F}'));
        assert_eq!(folds, builtin::ASCII_FOLDS);
    }

    #[test]
    fn build_time_literals_are_the_run_time_ones() {
        assert!(!builtin::REGEX_LITERALS.is_empty());
        for (source, known) in builtin::REGEX_LITERALS {
            let known = known.map(|set| set.iter().map(|l| l.to_string()).collect());
            assert_eq!(literals(source), known, "{source}");
        }
    }

    /// The packs write `(?-u:\b)`: see [`has_unicode_word_boundary`] (on the
    /// seed lines, the fallback took a fifth of all explaining time).
    #[test]
    fn builtin_regexes_use_ascii_word_boundaries() {
        let unicode_boundaries: Vec<&str> = builtin::REGEX_LITERALS
            .iter()
            .map(|(source, _)| *source)
            .filter(|source| has_unicode_word_boundary(source))
            .collect();
        assert!(unicode_boundaries.is_empty(), "{unicode_boundaries:#?}");
        assert!(has_unicode_word_boundary(r"\bx\b"));
        assert!(has_unicode_word_boundary(r"x\B"));
        assert!(!has_unicode_word_boundary(r"(?-u:\b)x(?-u:\b)"));
        assert!(!has_unicode_word_boundary(r"\b("));
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
            candidates_of(&bank, text, &mut candidates);
            for (entry, source) in sources.iter().enumerate() {
                let matches = compile_regex(source, true).expect("valid").is_match(text);
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
                candidates_of(bank, &text, &mut candidates);
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
