//! Compiles packs into one [`RuleSet`]: all literal phrases, and the literals
//! that prefilter the regular expressions (see [`super::regexes`]; all
//! linear-time), in one [`PhraseSearcher`] searched once per text, and
//! code-only rules checked by constraint. Built once, then shared read-only.

use super::pack::{Pack, PackKind, RuleSpec};
use super::phrases::PhraseSearcher;
use super::regexes::{compile_regex, RegexBank};
use crate::diagnosis::Reason;
use crate::Error;
use regex_automata::meta::BuildError;
use std::cell::RefCell;
use std::collections::HashSet;

/// A rule ready to match.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The rule as written.
    pub spec: RuleSpec,
    /// The pack it came from.
    pub pack: String,
    /// Its precedence tier (lower wins).
    pub tier: PackKind,
    /// Provider reported with the answer.
    pub provider: Option<String>,
}

/// The facts a rule's constraints are checked against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Normalised status code, "5.1.1".
    pub status: Option<&'a str>,
    /// Reply code, "550".
    pub reply_code: Option<&'a str>,
    /// SMTP command, "RCPT".
    pub command: Option<&'a str>,
    /// Remote host name or recipient domain, lower-case.
    pub hosts: &'a [&'a str],
    /// True when the text comes from a decoded bounce email rather than a pasted reply.
    pub in_bounce: bool,
}

/// The winning rule for a text, and where it matched.
#[derive(Debug, Clone, Copy)]
pub struct Match<'r> {
    /// The rule.
    pub rule: &'r CompiledRule,
    /// Byte span in the matched text, when the rule matched a phrase.
    pub span: Option<[usize; 2]>,
}

/// Per-thread buffers reused across searches.
#[derive(Default)]
struct Scratch {
    /// The searched text in ASCII lower case.
    lowered: String,
    /// Ids of the regex prefilter literals found in the text.
    regex_literals_found: Vec<usize>,
    /// Regex candidates for the text.
    candidates: Vec<usize>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `work` with this thread's scratch buffers (fresh ones if they are in use).
fn with_scratch<R>(work: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => work(&mut scratch),
        Err(_) => work(&mut Scratch::default()),
    })
}

/// All rules of all packs, compiled.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    /// The rules' phrases (ids below `literal_rule.len()`), then the regex
    /// prefilter literals.
    literals: PhraseSearcher,
    /// The rule of each phrase.
    literal_rule: Vec<usize>,
    regexes: RegexBank,
    code_only: Vec<usize>,
}

impl RuleSet {
    /// Compiles packs, given in precedence order within each kind. User packs
    /// are passed with `user = true` and always form the first tier.
    pub fn compile(packs: &[(Pack, bool)]) -> Result<RuleSet, Error> {
        let mut rules = Vec::new();
        let mut seen = HashSet::new();
        for (pack, user) in packs {
            let tier = if *user {
                PackKind::User
            } else {
                pack.pack.kind
            };
            for spec in &pack.rules {
                let origin = || format!("pack `{}`, rule `{}`", pack.pack.name, spec.id);
                if !seen.insert(spec.id.clone()) && !*user {
                    return Err(Error::Rule {
                        origin: origin(),
                        message: "duplicate rule id".into(),
                    });
                }
                if spec.patterns.is_empty()
                    && spec.regex.is_empty()
                    && spec.status.is_empty()
                    && spec.reply_code.is_empty()
                {
                    return Err(Error::Rule {
                        origin: origin(),
                        message: "a rule needs patterns, regex, status or reply_code".into(),
                    });
                }
                if spec.patterns.iter().any(|p| p.trim().is_empty()) {
                    return Err(Error::Rule {
                        origin: origin(),
                        message: "empty pattern".into(),
                    });
                }
                let provider = spec.provider.clone().or_else(|| pack.pack.provider.clone());
                rules.push(CompiledRule {
                    spec: spec.clone(),
                    pack: pack.pack.name.clone(),
                    tier,
                    provider,
                });
            }
        }
        // Stable sort: tier first, then priority (higher first), keeping pack and file order.
        rules.sort_by_key(|r| (r.tier, -r.spec.priority));

        let mut literal_patterns = Vec::new();
        let mut literal_rule = Vec::new();
        let mut regex_patterns = Vec::new();
        let mut code_only = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for pattern in &rule.spec.patterns {
                literal_patterns.push(pattern.to_ascii_lowercase());
                literal_rule.push(index);
            }
            for source in &rule.spec.regex {
                regex_patterns.push((index, source.as_str()));
            }
            if rule.spec.patterns.is_empty() && rule.spec.regex.is_empty() {
                code_only.push(index);
            }
        }
        let bad_regex = |position: usize, error: Option<Box<BuildError>>| {
            let (index, source) = regex_patterns[position];
            let rule = &rules[index];
            let message = match error.or_else(|| compile_regex(source, true).err()) {
                Some(error) => format!("bad regex `{source}`: {error}"),
                None => format!("bad regex `{source}`"),
            };
            Error::Rule {
                origin: format!("pack `{}`, rule `{}`", rule.pack, rule.spec.id),
                message,
            }
        };
        let regexes = RegexBank::new(&regex_patterns).map_err(|p| bad_regex(p, None))?;
        // Built-in regexes are proven by the tests; users' are compiled now so
        // that a regex too big to compile is an error at start, not a silent miss.
        if regex_patterns
            .iter()
            .any(|&(index, _)| rules[index].tier == PackKind::User)
        {
            regexes
                .compile_all()
                .map_err(|(p, error)| bad_regex(p, Some(error)))?;
        }
        // Patterns and texts are both lowered (ASCII): the same matches as an
        // ASCII-case-insensitive search, at the same offsets, with plain
        // byte comparisons.
        let searched = literal_patterns
            .iter()
            .map(|pattern| pattern.as_bytes())
            .chain(regexes.literals().iter().map(Vec::as_slice));
        let literals = PhraseSearcher::new(searched);
        Ok(RuleSet {
            rules,
            literals,
            literal_rule,
            regexes,
            code_only,
        })
    }

    /// The regexes and their prefilter (for tests).
    #[cfg(test)]
    pub(crate) fn regex_bank(&self) -> &RegexBank {
        &self.regexes
    }

    /// Every compiled rule, in precedence order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Finds the best rule for `text` under `context`: lowest tier, then
    /// highest priority, then earliest; `None` when nothing applies.
    pub fn find(&self, text: &str, context: &Context<'_>) -> Option<Match<'_>> {
        self.find_filtered(text, context, |_| true)
    }

    /// Like [`RuleSet::find`], considering only rules for which `keep` is true.
    pub fn find_filtered(
        &self,
        text: &str,
        context: &Context<'_>,
        keep: impl Fn(&CompiledRule) -> bool,
    ) -> Option<Match<'_>> {
        let holds = |index: usize| {
            let rule = &self.rules[index];
            keep(rule) && rule.applies(context)
        };
        let beaten = |best: Option<(usize, Option<[usize; 2]>)>, index: usize| {
            best.is_some_and(|(b, _)| b <= index)
        };
        // A phrase of the best rule so far wins if it ends earlier, or at the
        // same place and starts earlier: the occurrence an in-order search
        // would have met first.
        let phrase_beaten =
            |best: Option<(usize, Option<[usize; 2]>)>, index: usize, [start, end]: [usize; 2]| {
                best.is_some_and(|(b, span)| {
                    b < index || (b == index && span.is_none_or(|[s, e]| (e, s) <= (end, start)))
                })
            };
        let mut best: Option<(usize, Option<[usize; 2]>)> = None;
        with_scratch(|scratch| {
            scratch.lowered.clear();
            scratch.lowered.push_str(text);
            scratch.lowered.make_ascii_lowercase();
            scratch.regex_literals_found.clear();
            let found = &mut scratch.regex_literals_found;
            self.literals
                .for_each_match(scratch.lowered.as_bytes(), |pattern, start, end| match self
                    .literal_rule
                    .get(pattern)
                {
                    Some(&index) => {
                        if !phrase_beaten(best, index, [start, end]) && holds(index) {
                            best = Some((index, Some([start, end])));
                        }
                    }
                    None => found.push(pattern - self.literal_rule.len()),
                });
            // Regex candidates and code-only rules come in rule order: the
            // first that holds (and matches) is the best of its kind.
            self.regexes.candidates(
                &scratch.lowered,
                &scratch.regex_literals_found,
                &mut scratch.candidates,
            );
            for &entry in &scratch.candidates {
                let index = self.regexes.rule(entry);
                if beaten(best, index) {
                    break;
                }
                if holds(index) && self.regexes.is_match(entry, text) {
                    best = Some((index, None));
                    break;
                }
            }
        });
        for &index in &self.code_only {
            if beaten(best, index) {
                break;
            }
            if holds(index) {
                best = Some((index, None));
                break;
            }
        }
        let (index, span) = best?;
        let rule = &self.rules[index];
        let span = span.or_else(|| self.regexes.find_for_rule(index, text));
        Some(Match { rule, span })
    }
}

impl CompiledRule {
    /// True when the rule's constraints hold for `context`.
    pub fn applies(&self, context: &Context<'_>) -> bool {
        let spec = &self.spec;
        (!spec.bounce_without_command || (context.in_bounce && context.command.is_none()))
            && (spec.status.is_empty()
                || context
                    .status
                    .is_some_and(|s| spec.status.iter().any(|want| status_matches(want, s))))
            && (spec.reply_code.is_empty()
                || context
                    .reply_code
                    .is_some_and(|r| spec.reply_code.iter().any(|want| digits_match(want, r))))
            && (spec.command.is_empty()
                || context
                    .command
                    .is_some_and(|c| spec.command.iter().any(|want| want.eq_ignore_ascii_case(c))))
            && (spec.hosts.is_empty()
                || context
                    .hosts
                    .iter()
                    .any(|host| spec.hosts.iter().any(|want| host_matches(want, host))))
    }

    /// The reason this rule gives.
    pub fn reason(&self) -> Reason {
        self.spec.reason
    }
}

fn status_matches(want: &str, status: &str) -> bool {
    if want.is_empty() || status.is_empty() {
        return false;
    }
    let (want_class, want_rest) = want.split_at(1);
    let class_ok = want_class.eq_ignore_ascii_case("x") && matches!(&status[..1], "4" | "5")
        || status.starts_with(want_class);
    let rest = &status[1..];
    class_ok
        && if want_rest.ends_with('.') {
            rest.starts_with(want_rest)
        } else {
            rest == want_rest
        }
}

fn digits_match(want: &str, code: &str) -> bool {
    want.len() == code.len()
        && want
            .bytes()
            .zip(code.bytes())
            .all(|(w, c)| w == b'x' || w == b'X' || w == c)
}

fn host_matches(want: &str, host: &str) -> bool {
    host.eq_ignore_ascii_case(want)
        || (host.len() > want.len()
            && host.as_bytes()[host.len() - want.len() - 1] == b'.'
            && host[host.len() - want.len()..].eq_ignore_ascii_case(want))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_reply_wildcards() {
        assert!(status_matches("5.7.26", "5.7.26"));
        assert!(!status_matches("5.7.2", "5.7.26"));
        assert!(status_matches("x.7.26", "4.7.26"));
        assert!(status_matches("5.7.", "5.7.1"));
        assert!(!status_matches("5.7.", "4.7.1"));
        assert!(digits_match("55x", "554"));
        assert!(!digits_match("55x", "450"));
        assert!(host_matches("google.com", "mx.google.com"));
        assert!(!host_matches("google.com", "notgoogle.com"));
    }
}
