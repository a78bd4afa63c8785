//! The pack file format: rules and texts, read with `deny_unknown_fields` so a
//! typo in a pack is an error, not a silently ignored key.

use crate::diagnosis::{Category, Reason, Retry, WhoActs};
use crate::knowledge::TextSet;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a pack is for; decides the precedence tier of its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    /// A user's own pack, loaded with `--pack`: wins over everything built in.
    User,
    /// One provider's catalogue of its own messages.
    Provider,
    /// Phrases many servers send.
    Generic,
    /// Rules keyed on the enhanced status code alone.
    Status,
    /// Rules keyed on the SMTP reply code alone.
    Reply,
}

/// The `[pack]` header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    /// Short unique name, e.g. `yousee`.
    pub name: String,
    /// Kind; user packs are always treated as `user`.
    pub kind: PackKind,
    /// Provider every rule of this pack reports, unless a rule says otherwise.
    pub provider: Option<String>,
    /// What the pack covers and where its facts come from.
    pub description: Option<String>,
}

/// One rule as written in a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique id, `<pack>.<slug>`.
    pub id: String,
    /// Literal phrases, any of which triggers the rule (ASCII case-insensitive).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Regular expressions (case-insensitive, linear-time), any of which triggers the rule.
    #[serde(default)]
    pub regex: Vec<String>,
    /// Only when the status code equals one of these, or starts with one ending in `.`;
    /// a leading `x` stands for class 4 or 5 (`x.7.1`).
    #[serde(default)]
    pub status: Vec<String>,
    /// Only when the reply code matches one of these; `x` is a wildcard digit (`55x`).
    #[serde(default)]
    pub reply_code: Vec<String>,
    /// Only for these SMTP commands (`RCPT`, `DATA`, `MAIL`, `CONN`, ...).
    #[serde(default)]
    pub command: Vec<String>,
    /// Only when the remote host or recipient domain ends with one of these.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Only for text read from a whole bounce email that names no SMTP
    /// command (the stage of the refusal is unknown); never for a pasted reply.
    #[serde(default)]
    pub bounce_without_command: bool,
    /// Higher wins within a tier (default 0).
    #[serde(default)]
    pub priority: i32,
    /// The reason the rule gives.
    pub reason: Reason,
    /// Overrides the reason's default category.
    pub category: Option<Category>,
    /// Overrides the reason's default who_acts.
    pub who_acts: Option<WhoActs>,
    /// Overrides the permanence derived from the codes.
    pub permanent: Option<bool>,
    /// Overrides the hard-bounce flag derived from the reason.
    pub hard_bounce: Option<bool>,
    /// Overrides the derived retry advice.
    pub retry: Option<Retry>,
    /// Seconds to wait before retrying.
    pub retry_after_s: Option<u64>,
    /// Provider reported with the answer (defaults to the pack's).
    pub provider: Option<String>,
    /// The provider's own error code.
    pub provider_code: Option<String>,
    /// Key of the advice text to use; defaults to the rule id when texts exist for it.
    pub advice: Option<String>,
    /// Real server text this rule must match (tested).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Where the facts come from (URL or document).
    pub source: Option<String>,
}

/// One `[[code]]` row of the status-code registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSpec {
    /// `X.1.1` (any class) or a full code like `5.7.26`.
    pub code: String,
    /// The registry's title.
    pub title: String,
    /// What it means, in a sentence.
    pub meaning: Option<String>,
    /// Default reason for this code, if the code alone says enough.
    pub reason: Option<Reason>,
    /// Default who_acts for this code.
    pub who_acts: Option<WhoActs>,
    /// Default category for this code.
    pub category: Option<Category>,
}

/// A whole pack file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// Header.
    pub pack: PackHeader,
    /// Rules, in precedence order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
    /// Status-code registry rows (status packs).
    #[serde(default, rename = "code")]
    pub codes: Vec<CodeSpec>,
    /// Texts by language tag.
    #[serde(default)]
    pub texts: BTreeMap<String, TextSet>,
}

impl Pack {
    /// Parses a pack from TOML text; `origin` names it in errors.
    pub fn from_toml(origin: &str, text: &str) -> Result<Pack, crate::Error> {
        toml::from_str(text).map_err(|e| crate::Error::Pack {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    /// Parses a pack from the JSON copy the build makes of a built-in pack
    /// file (the same data, read several times faster); `origin` names it in errors.
    pub fn from_json(origin: &str, text: &str) -> Result<Pack, crate::Error> {
        serde_json::from_str(text).map_err(|e| crate::Error::Pack {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }
}

/// Turns the `[[code]]` rows of a status pack that name a reason into rules
/// constrained on that status code alone.
pub fn status_rules(pack: &Pack) -> Result<Vec<RuleSpec>, crate::Error> {
    pack.codes
        .iter()
        .filter_map(|code| code.reason.map(|reason| (code, reason)))
        .map(|(code, reason)| {
            let want = code.code.to_ascii_lowercase();
            if crate::smtp::StatusCode::parse(&want.replacen('x', "5", 1)).is_none() {
                return Err(crate::Error::Pack {
                    origin: pack.pack.name.clone(),
                    message: format!("`{}` is not a status code", code.code),
                });
            }
            Ok(RuleSpec {
                id: format!("{}.{}", pack.pack.name, want),
                patterns: Vec::new(),
                regex: Vec::new(),
                status: vec![want],
                reply_code: Vec::new(),
                command: Vec::new(),
                hosts: Vec::new(),
                bounce_without_command: false,
                priority: 0,
                reason,
                category: code.category,
                who_acts: code.who_acts,
                permanent: None,
                hard_bounce: None,
                retry: None,
                retry_after_s: None,
                provider: None,
                provider_code: None,
                advice: None,
                examples: Vec::new(),
                source: Some("RFC 3463 and the IANA enhanced status code registry".into()),
            })
        })
        .collect()
}
