//! The engine: compiled rules plus knowledge; turns facts about one recipient
//! into a [`Diagnosis`].

use crate::diagnosis::{Action, Diagnosis, Evidence, Explanation, Reason, Retry};
use crate::knowledge::Knowledge;
use crate::limits::Limits;
use crate::rules::compile::Context;
use crate::rules::{Pack, PackKind, RuleSet};
use crate::smtp::{find_command, find_reply_code, find_status, normalize, StatusCode};
use crate::Error;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));
}

/// The built-in pack files compiled into the library: (path under `packs/`, contents).
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    builtin::BUILTIN_FILES
}

/// What a decoder (or `explain`) knows about one recipient before classification.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The failed address.
    pub recipient: Option<String>,
    /// DSN Original-Recipient.
    pub original_recipient: Option<String>,
    /// The original sender.
    pub sender: Option<String>,
    /// RFC 3464 action.
    pub action: Option<Action>,
    /// The server's words (any form; normalised here).
    pub diagnostic: String,
    /// Surrounding text of the bounce, searched for phrases when the
    /// diagnostic alone decides nothing more specific than a code.
    pub context: String,
    /// Status given by the report itself (e.g. a DSN `Status:` field).
    pub status: Option<StatusCode>,
    /// Reply code given by the report itself.
    pub reply_code: Option<u16>,
    /// Command given by the report itself.
    pub smtp_command: Option<String>,
    /// Server that refused the message.
    pub remote_host: Option<String>,
    /// Server that wrote the bounce.
    pub reporting_mta: Option<String>,
    /// A reason the format itself establishes (delivery report, auto-reply, feedback, expiry),
    /// with the decoder's evidence id; it wins over phrase rules.
    pub forced_reason: Option<(Reason, String)>,
    /// A reason the format suggests when no phrase rule decides (a status
    /// or reply code alone does not beat it), with the decoder's evidence id.
    pub fallback_reason: Option<(Reason, String)>,
    /// Feedback-Type of an ARF report.
    pub feedback_type: Option<String>,
    /// Which decoder read it.
    pub decoded_by: Option<String>,
    /// Time of the failure.
    pub timestamp: Option<String>,
    /// Subject of the original message.
    pub subject: Option<String>,
    /// Message-ID of the original message.
    pub message_id: Option<String>,
}

/// Rules and knowledge, compiled once; cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: RuleSet,
    knowledge: Knowledge,
    limits: Limits,
}

/// Builds an [`Engine`] from the built-in packs plus users' packs.
#[derive(Debug, Default)]
pub struct EngineBuilder {
    user_packs: Vec<(String, String)>,
    limits: Limits,
}

impl EngineBuilder {
    /// Adds a user pack (TOML text); `origin` names it in errors. User packs win over built-ins.
    pub fn pack(mut self, origin: impl Into<String>, toml_text: impl Into<String>) -> Self {
        self.user_packs.push((origin.into(), toml_text.into()));
        self
    }

    /// Sets the input limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Compiles everything.
    pub fn build(self) -> Result<Engine, Error> {
        let mut knowledge = Knowledge::default();
        let mut packs = Vec::new();
        for (path, json) in builtin::BUILTIN_JSON {
            if path.starts_with("texts/") {
                let lang = path.trim_start_matches("texts/").trim_end_matches(".toml");
                let lang = lang.split('/').next().unwrap_or(lang);
                knowledge.add_language_json(lang, path, json)?;
            } else if *path == "core/reasons.toml" {
                knowledge.set_defaults_json(path, json)?;
            } else {
                packs.push((Pack::from_json(path, json)?, false));
            }
        }
        for (origin, text) in &self.user_packs {
            packs.push((Pack::from_toml(origin, text)?, true));
        }
        let mut expanded = Vec::with_capacity(packs.len());
        for (mut pack, user) in packs {
            for (lang, texts) in std::mem::take(&mut pack.texts) {
                knowledge.add_texts(&lang, texts);
            }
            if pack.pack.kind == PackKind::Status {
                pack.rules.extend(crate::rules::pack::status_rules(&pack)?);
            }
            expanded.push((pack, user));
        }
        let rules = RuleSet::compile(&expanded)?;
        Ok(Engine {
            rules,
            knowledge,
            limits: self.limits,
        })
    }
}

impl Engine {
    /// An engine with the built-in packs only.
    pub fn builtin() -> Result<Engine, Error> {
        Engine::builder().build()
    }

    /// A builder, for user packs and limits.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The texts and reason defaults.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The same engine with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Engine {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Diagnoses one pasted SMTP error or log line, with the explanation in `lang`.
    pub fn explain(&self, text: &str, lang: &str) -> Result<Diagnosis, Error> {
        check_text(text, self.limits.max_explain_bytes)?;
        let report = Report {
            diagnostic: text.to_string(),
            ..Report::default()
        };
        let mut diagnosis = self.diagnose(&report, lang);
        diagnosis.source = Some("text".into());
        Ok(diagnosis)
    }

    /// Classifies one recipient's report and explains it in `lang`.
    pub fn diagnose(&self, report: &Report, lang: &str) -> Diagnosis {
        let diagnostic = normalize(&report.diagnostic);
        let status = report
            .status
            .or_else(|| find_status(&diagnostic).map(|(code, _)| code));
        let status_text = status.map(|s| s.to_string());
        let reply_code = report
            .reply_code
            .or_else(|| find_reply_code(&diagnostic).map(|(code, _)| code.0));
        let reply_text = reply_code.map(|r| r.to_string());
        let command = report
            .smtp_command
            .clone()
            .or_else(|| find_command(&diagnostic).map(str::to_string));
        let recipient_domain = report
            .recipient
            .as_deref()
            .and_then(|r| r.rsplit_once('@'))
            .map(|(_, d)| d);
        let hosts: Vec<&str> = [
            report.remote_host.as_deref(),
            recipient_domain,
            report.reporting_mta.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let context = Context {
            status: status_text.as_deref(),
            reply_code: reply_text.as_deref(),
            command: command.as_deref(),
            hosts: &hosts,
            in_bounce: report.decoded_by.is_some(),
        };

        let mut found = self.rules.find(&diagnostic, &context);
        let mut found_in_context: Option<String> = None;
        if found.is_none_or(|hit| hit.rule.tier >= PackKind::Status) && !report.context.is_empty() {
            let surrounding = normalize(&report.context);
            if let Some(hit) = self
                .rules
                .find_filtered(&surrounding, &context, |rule| rule.tier < PackKind::Status)
            {
                found_in_context = hit.span.map(|[s, e]| surrounding[s..e].to_string());
                found = Some(hit);
            }
        }
        let phrase_decided = found.is_some_and(|hit| hit.rule.tier < PackKind::Status);
        let decoder_reason = report
            .forced_reason
            .as_ref()
            .or(report.fallback_reason.as_ref().filter(|_| !phrase_decided));
        let (reason, evidence, rule) = match (decoder_reason, found) {
            (Some((reason, id)), _) => (
                *reason,
                Some(Evidence {
                    rule: id.clone(),
                    pack: "decoder".into(),
                    matched: None,
                    span: None,
                }),
                None,
            ),
            (None, Some(hit)) => (
                hit.rule.reason(),
                Some(Evidence {
                    rule: hit.rule.spec.id.clone(),
                    pack: hit.rule.pack.clone(),
                    matched: found_in_context
                        .clone()
                        .or_else(|| hit.span.map(|[s, e]| diagnostic[s..e].to_string())),
                    span: if found_in_context.is_some() {
                        None
                    } else {
                        hit.span
                    },
                }),
                Some(hit.rule),
            ),
            // A delay report that says nothing more: the message is still
            // waiting, so it counts as (not yet final) expiry.
            (None, None) if report.action == Some(Action::Delayed) => (
                Reason::Expired,
                Some(Evidence {
                    rule: "rfc3464.action-delayed".into(),
                    pack: "decoder".into(),
                    matched: None,
                    span: None,
                }),
                None,
            ),
            // A bounce whose words no rule reads: the reason is on hold
            // (sisimai's name for "words given, reason not decidable").
            (None, None) if context.in_bounce && has_words_besides_addresses(&diagnostic) => {
                (Reason::OnHold, None, None)
            }
            (None, None) => (Reason::Undefined, None, None),
        };
        let spec = rule.map(|r| &r.spec);
        let defaults = self.knowledge.defaults(reason);
        let code_class = status
            .map(|s| s.class)
            .or(reply_code.map(|r| (r / 100) as u8));
        let permanent = spec
            .and_then(|s| s.permanent)
            .unwrap_or(match (reason, code_class) {
                (Reason::Delivered | Reason::Vacation | Reason::Feedback, _) => false,
                (_, Some(class)) if reason != Reason::Undefined || class != 2 => class == 5,
                _ => defaults.permanent,
            });
        let hard_bounce = spec
            .and_then(|s| s.hard_bounce)
            .unwrap_or_else(|| reason.is_hard_bounce(permanent));
        let retry = spec.and_then(|s| s.retry).unwrap_or(if !permanent {
            Retry::Later
        } else if hard_bounce {
            Retry::Never
        } else {
            Retry::AfterFix
        });
        // Advice is under the rule's own key or else its id. An id that no
        // language has advice for finds nothing, as no key would (no
        // built-in language has advice English lacks): no need to ask first.
        let advice = spec.map(|s| s.advice.as_deref().unwrap_or(&s.id));
        let links = spec
            .and_then(|s| s.source.clone())
            .filter(|s| s.starts_with("http"))
            .into_iter()
            .collect();
        let explanation: Explanation = self.knowledge.explain(lang, reason, advice, links);

        Diagnosis {
            source: None,
            is_bounce: true,
            recipient: report.recipient.as_deref().map(normalize_address),
            original_recipient: report.original_recipient.as_deref().map(normalize_address),
            sender: report.sender.clone(),
            action: report.action,
            reply_code: reply_text,
            status: status_text,
            remote_host: report.remote_host.clone(),
            reporting_mta: report.reporting_mta.clone(),
            smtp_command: command,
            diagnostic: (!diagnostic.is_empty()).then_some(diagnostic),
            reason,
            permanent,
            hard_bounce,
            category: spec.and_then(|s| s.category).unwrap_or(defaults.category),
            who_acts: spec.and_then(|s| s.who_acts).unwrap_or(defaults.who_acts),
            retry,
            retry_after_s: spec.and_then(|s| s.retry_after_s),
            provider: rule.and_then(|r| r.provider.clone()),
            provider_code: spec.and_then(|s| s.provider_code.clone()),
            feedback_type: report.feedback_type.clone(),
            decoded_by: report.decoded_by.clone(),
            timestamp: report.timestamp.clone(),
            subject: report.subject.clone(),
            message_id: report.message_id.clone(),
            explanation,
            evidence,
        }
    }
}

/// True when `text` says something beyond the addresses it names.
fn has_words_besides_addresses(text: &str) -> bool {
    text.split_whitespace()
        .filter(|word| !word.contains('@'))
        .any(|word| word.chars().filter(|c| c.is_alphabetic()).count() >= 2)
}

/// Lower-cases the domain of an address and strips angle brackets and quotes.
pub fn normalize_address(address: &str) -> String {
    let trimmed = address
        .trim()
        .trim_matches(|c| matches!(c, '<' | '>' | '"' | '\'' | ' '));
    let mut normalized = trimmed.to_string();
    if let Some(at) = normalized.rfind('@') {
        normalized[at + 1..].make_ascii_lowercase();
    }
    normalized
}

/// Rejects empty, oversized and binary input with a clear error.
pub fn check_text(text: &str, limit: usize) -> Result<(), Error> {
    if text.len() > limit {
        return Err(Error::TooLarge {
            size: text.len(),
            limit,
        });
    }
    if text.trim().is_empty() {
        return Err(Error::EmptyInput);
    }
    if text.contains('\0') {
        return Err(Error::Binary {
            reason: "it contains NUL bytes".into(),
        });
    }
    let total = text.chars().count();
    let odd = text
        .chars()
        .filter(|&c| c == '\u{FFFD}' || (c.is_control() && !c.is_whitespace()))
        .count();
    if odd * 10 > total {
        return Err(Error::Binary {
            reason: format!("{odd} of {total} characters are control or undecodable bytes"),
        });
    }
    Ok(())
}
