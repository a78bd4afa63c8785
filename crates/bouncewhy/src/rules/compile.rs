//! Compiles packs into one [`RuleSet`]: all literal phrases in one Aho-Corasick
//! automaton, all regular expressions in one `RegexSet` (both linear-time), and
//! code-only rules checked by constraint. Built once, then shared read-only.

use super::pack::{Pack, PackKind, RuleSpec};
use crate::diagnosis::Reason;
use crate::Error;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Size limit for each compiled regex and the regex set (bytes of automaton).
const REGEX_SIZE_LIMIT: usize = 64 << 20;

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
    /// The rule's own regexes, compiled the first time the rule wins (they
    /// only locate the matched span; the shared `RegexSet` finds the rule).
    regexes: OnceLock<Vec<Regex>>,
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

/// All rules of all packs, compiled.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    literals: AhoCorasick,
    literal_rule: Vec<usize>,
    regex_set: RegexSet,
    regex_rule: Vec<usize>,
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
                    regexes: OnceLock::new(),
                });
            }
        }
        // Stable sort: tier first, then priority (higher first), keeping pack and file order.
        rules.sort_by_key(|r| (r.tier, -r.spec.priority));

        let mut literal_patterns = Vec::new();
        let mut literal_rule = Vec::new();
        let mut regex_patterns = Vec::new();
        let mut regex_rule = Vec::new();
        let mut code_only = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for pattern in &rule.spec.patterns {
                literal_patterns.push(pattern.as_str());
                literal_rule.push(index);
            }
            for source in &rule.spec.regex {
                regex_patterns.push(source.as_str());
                regex_rule.push(index);
            }
            if rule.spec.patterns.is_empty() && rule.spec.regex.is_empty() {
                code_only.push(index);
            }
        }
        let literals = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&literal_patterns)
            .map_err(|e| Error::Rule {
                origin: "literal patterns".into(),
                message: e.to_string(),
            })?;
        let regex_set = RegexSetBuilder::new(&regex_patterns)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                blame_regex(&rules).unwrap_or_else(|| Error::Rule {
                    origin: "regex set".into(),
                    message: e.to_string(),
                })
            })?;
        Ok(RuleSet {
            rules,
            literals,
            literal_rule,
            regex_set,
            regex_rule,
            code_only,
        })
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
        let mut best: Option<(usize, Option<[usize; 2]>)> = None;
        let mut consider = |index: usize, span: Option<[usize; 2]>| {
            if best.is_some_and(|(b, _)| b <= index) {
                return;
            }
            let rule = &self.rules[index];
            if keep(rule) && rule.applies(context) {
                best = Some((index, span));
            }
        };
        for hit in self.literals.find_overlapping_iter(text) {
            consider(
                self.literal_rule[hit.pattern().as_usize()],
                Some([hit.start(), hit.end()]),
            );
        }
        if !self.regex_rule.is_empty() {
            for pattern in self.regex_set.matches(text).iter() {
                consider(self.regex_rule[pattern], None);
            }
        }
        for &index in &self.code_only {
            consider(index, None);
        }
        let (index, span) = best?;
        let rule = &self.rules[index];
        let span = span.or_else(|| {
            rule.regexes()
                .iter()
                .find_map(|re| re.find(text))
                .map(|m| [m.start(), m.end()])
        });
        Some(Match { rule, span })
    }
}

/// Finds the rule whose regex does not compile, to name it in the error.
/// Only called when the shared set failed to build.
fn blame_regex(rules: &[CompiledRule]) -> Option<Error> {
    rules.iter().find_map(|rule| {
        rule.spec.regex.iter().find_map(|source| {
            compile_regex(source).err().map(|e| Error::Rule {
                origin: format!("pack `{}`, rule `{}`", rule.pack, rule.spec.id),
                message: format!("bad regex `{source}`: {e}"),
            })
        })
    })
}

fn compile_regex(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

impl CompiledRule {
    /// The rule's own regexes (valid: the shared set that contains them compiled).
    fn regexes(&self) -> &[Regex] {
        self.regexes.get_or_init(|| {
            self.spec
                .regex
                .iter()
                .filter_map(|source| compile_regex(source).ok())
                .collect()
        })
    }

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
