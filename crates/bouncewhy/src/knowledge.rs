//! Texts that explain a diagnosis, keyed by language, plus each reason's defaults.
//!
//! Built-in texts live in `packs/texts/<lang>.toml`; packs may add or override
//! texts in `[texts.<lang>]` tables. Lookup falls back to English.

use crate::diagnosis::{Category, Explanation, Reason, WhoActs};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

/// One explanation text: summary, detail and fix steps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// One sentence for a non-technical reader.
    pub summary: Option<Arc<str>>,
    /// A paragraph for an administrator.
    pub detail: Option<Arc<str>>,
    /// Concrete fix steps.
    #[serde(default)]
    pub fix: Arc<[Arc<str>]>,
}

/// The texts of one language: interface labels, per-reason texts, per-rule advice.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSet {
    /// Labels and headings of the human output.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Texts per reason name.
    #[serde(default)]
    pub reason: BTreeMap<String, Text>,
    /// Advice per key (usually a rule id) for rules that need their own words.
    #[serde(default)]
    pub advice: BTreeMap<String, Text>,
}

impl TextSet {
    /// Adds `other` on top of `self`: its entries replace same-keyed ones.
    pub fn overlay(&mut self, other: TextSet) {
        self.labels.extend(other.labels);
        self.reason.extend(other.reason);
        self.advice.extend(other.advice);
    }
}

/// Defaults a reason carries when a rule does not say otherwise.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonDefaults {
    /// Default category.
    pub category: Category,
    /// Default party that must act.
    pub who_acts: WhoActs,
    /// Default permanence when no code says.
    pub permanent: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonFile {
    reason: BTreeMap<String, ReasonDefaults>,
}

/// All texts by language, and reason defaults.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    languages: HashMap<String, Language>,
    defaults: HashMap<Reason, ReasonDefaults>,
}

/// One language's texts: its built-in file, parsed on first use (a start that
/// answers in one language parses one file, not thirteen), plus what packs add.
#[derive(Debug, Clone, Default)]
struct Language {
    /// The language's name, shared by every explanation in it.
    name: Arc<str>,
    /// The built-in language file (its JSON copy), if any.
    file: Option<&'static str>,
    /// `file` parsed (at once for English, else on first use).
    parsed_file: OnceLock<TextSet>,
    /// Texts that packs add on top of the file.
    added: TextSet,
    /// The file with `added` on top, built on first use.
    merged: OnceLock<TextSet>,
    /// The merged texts of each reason, by its position in [`Reason::ALL`]
    /// (so that a diagnosis finds its text without comparing names).
    by_reason: OnceLock<Box<[Option<Text>]>>,
}

impl Language {
    fn texts(&self) -> &TextSet {
        self.merged.get_or_init(|| {
            let mut set = self
                .parsed_file
                .get_or_init(|| {
                    self.file
                        .and_then(|json| serde_json::from_str(json).ok())
                        .unwrap_or_default()
                })
                .clone();
            set.overlay(self.added.clone());
            set
        })
    }

    fn reason_text(&self, reason: Reason) -> Option<&Text> {
        self.by_reason
            .get_or_init(|| {
                let texts = self.texts();
                Reason::ALL
                    .iter()
                    .map(|reason| texts.reason.get(reason.as_str()).cloned())
                    .collect()
            })
            .get(reason as usize)?
            .as_ref()
    }
}

impl Knowledge {
    /// Reads the reason defaults file (`packs/core/reasons.toml`, as its JSON copy).
    pub fn set_defaults_json(&mut self, origin: &str, json: &str) -> Result<(), crate::Error> {
        let file: ReasonFile = serde_json::from_str(json).map_err(|e| crate::Error::Pack {
            origin: origin.into(),
            message: e.to_string(),
        })?;
        for (name, defaults) in file.reason {
            let reason = Reason::parse(&name).ok_or_else(|| crate::Error::Pack {
                origin: origin.into(),
                message: format!("unknown reason `{name}`"),
            })?;
            self.defaults.insert(reason, defaults);
        }
        Ok(())
    }

    /// Registers a built-in language file (`packs/texts/<lang>.toml`, as its
    /// JSON copy). English is parsed at once, so a broken file fails the start;
    /// the others on first use (the tests parse every one).
    pub fn add_language_json(
        &mut self,
        lang: &str,
        origin: &str,
        json: &'static str,
    ) -> Result<(), crate::Error> {
        let language = self.language_mut(lang);
        language.file = Some(json);
        if lang == "en" {
            let set = serde_json::from_str::<TextSet>(json).map_err(|e| crate::Error::Pack {
                origin: origin.into(),
                message: e.to_string(),
            })?;
            language.parsed_file = OnceLock::from(set);
        }
        Ok(())
    }

    /// Adds texts for a language on top of what is there.
    pub fn add_texts(&mut self, lang: &str, set: TextSet) {
        let language = self.language_mut(lang);
        language.added.overlay(set);
        language.merged = OnceLock::new();
        language.by_reason = OnceLock::new();
    }

    /// The language named `lang`, added empty when it is not there yet.
    fn language_mut(&mut self, lang: &str) -> &mut Language {
        self.languages
            .entry(lang.to_string())
            .or_insert_with(|| Language {
                name: Arc::from(lang),
                ..Language::default()
            })
    }

    /// The defaults of a reason (every reason has them once the built-ins are loaded).
    pub fn defaults(&self, reason: Reason) -> ReasonDefaults {
        self.defaults
            .get(&reason)
            .copied()
            .unwrap_or(ReasonDefaults {
                category: Category::Server,
                who_acts: WhoActs::SenderAdmin,
                permanent: true,
            })
    }

    /// The languages that have texts.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }

    /// The loaded language that best serves `tag`: a BCP 47 tag (`da`, `nb-NO`,
    /// `pt-BR`) or a locale name (`de_DE.UTF-8`). Subtags are dropped from the end
    /// until a loaded language matches; `no` and `nn` read Bokmål (`nb`).
    pub fn resolve_language(&self, tag: &str) -> Option<&str> {
        self.resolve(tag).map(|language| &*language.name)
    }

    /// The loaded language that best serves `tag` (see [`Knowledge::resolve_language`]).
    fn resolve(&self, tag: &str) -> Option<&Language> {
        // A tag that is already a name as written (`en`, `pt-br`) is looked up as it is.
        let plain = tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if plain && !matches!(tag, "no" | "nn") {
            if let Some(language) = self.languages.get(tag) {
                return Some(language);
            }
        }
        let base = tag.split(['.', '@']).next().unwrap_or_default();
        let mut candidate = base.trim().replace('_', "-").to_ascii_lowercase();
        loop {
            let name = match candidate.as_str() {
                "no" | "nn" => "nb",
                other => other,
            };
            if let Some(language) = self.languages.get(name) {
                return Some(language);
            }
            let cut = candidate.rfind('-')?;
            candidate.truncate(cut);
        }
    }

    /// The best loaded language for an HTTP `Accept-Language` list
    /// (`da, en-GB;q=0.8`): the highest-weighted tag that resolves.
    pub fn negotiate(&self, accept_language: &str) -> Option<&str> {
        let mut ranges: Vec<(f32, usize, &str)> = accept_language
            .split(',')
            .take(32)
            .enumerate()
            .filter_map(|(position, item)| {
                let mut pieces = item.split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (!tag.is_empty() && tag != "*" && weight > 0.0).then_some((weight, position, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .into_iter()
            .find_map(|(_, _, tag)| self.resolve_language(tag))
    }

    /// The text set of a language, if loaded.
    pub fn texts(&self, lang: &str) -> Option<&TextSet> {
        self.languages.get(lang).map(Language::texts)
    }

    /// A label of the human output in `lang`, falling back to English, then to the key.
    pub fn label<'a>(&'a self, lang: &str, key: &'a str) -> &'a str {
        [lang, "en"]
            .iter()
            .find_map(|l| self.texts(l).and_then(|t| t.labels.get(key)))
            .map_or(key, String::as_str)
    }

    /// Builds the explanation for a reason (and optional advice key) in `lang`,
    /// falling back field by field to English.
    pub fn explain(
        &self,
        lang: &str,
        reason: Reason,
        advice: Option<&str>,
        links: Vec<String>,
    ) -> Explanation {
        // Looked up once: the language, then English.
        let english = self.languages.get("en");
        let used = self.resolve(lang).or(english);
        let name = used.map_or_else(|| Arc::from("en"), |language| language.name.clone());
        let found = [
            advice.and_then(|key| used?.texts().advice.get(key)),
            used.and_then(|language| language.reason_text(reason)),
            advice.and_then(|key| english?.texts().advice.get(key)),
            english.and_then(|language| language.reason_text(reason)),
        ];
        let texts = || found.iter().flatten();
        let summary = texts().find_map(|t| t.summary.clone()).unwrap_or_default();
        let detail = texts().find_map(|t| t.detail.clone()).unwrap_or_default();
        let fix = texts()
            .find(|t| !t.fix.is_empty())
            .map(|t| t.fix.clone())
            .unwrap_or_default();
        Explanation {
            lang: name,
            summary,
            detail,
            fix,
            links,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge(languages: &[&str]) -> Knowledge {
        let mut knowledge = Knowledge::default();
        for lang in languages {
            knowledge.add_texts(lang, TextSet::default());
        }
        knowledge
    }

    #[test]
    fn tags_and_locales_resolve_to_loaded_languages() {
        let k = knowledge(&["en", "da", "nb", "pt"]);
        assert_eq!(k.resolve_language("da"), Some("da"));
        assert_eq!(k.resolve_language("DA-dk"), Some("da"));
        assert_eq!(k.resolve_language("da_DK.UTF-8"), Some("da"));
        assert_eq!(k.resolve_language("no"), Some("nb"));
        assert_eq!(k.resolve_language("nn-NO"), Some("nb"));
        assert_eq!(k.resolve_language("nb-NO"), Some("nb"));
        assert_eq!(k.resolve_language("pt-BR"), Some("pt"));
        assert_eq!(k.resolve_language("de@euro"), None);
        assert_eq!(k.resolve_language(""), None);
    }

    #[test]
    fn accept_language_prefers_weight_then_order() {
        let k = knowledge(&["en", "da", "sv"]);
        assert_eq!(k.negotiate("fr-FR, sv;q=0.5, da;q=0.9"), Some("da"));
        assert_eq!(k.negotiate("sv, da"), Some("sv"));
        assert_eq!(k.negotiate("da;q=0, sv;q=0.1"), Some("sv"));
        assert_eq!(k.negotiate("fr, *;q=0.5"), None);
        assert_eq!(k.negotiate("da;q=oops, en"), Some("en"));
    }

    #[test]
    fn explanation_names_the_language_used() {
        let k = knowledge(&["en", "da"]);
        assert_eq!(
            &*k.explain("da-DK", Reason::MailboxFull, None, vec![]).lang,
            "da"
        );
        assert_eq!(
            &*k.explain("xx", Reason::MailboxFull, None, vec![]).lang,
            "en"
        );
    }
}
