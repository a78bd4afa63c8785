//! Picking the answer's language: an explicit `lang`, else `Accept-Language`, else English.

/// The language to answer in: the first of `requested` and the `Accept-Language`
/// preferences (highest q first) that `available` has texts for, else `en`.
///
/// Tags are BCP 47; `da-DK` matches `da`, `no` matches `nb`. Tags with `q=0` are refused.
pub fn negotiate(
    requested: Option<&str>,
    accept_language: Option<&str>,
    available: impl Fn(&str) -> bool,
) -> String {
    let mut preferences: Vec<(String, f32)> = Vec::new();
    if let Some(tag) = requested.map(str::trim).filter(|t| !t.is_empty()) {
        preferences.push((tag.to_string(), 2.0));
    }
    if let Some(header) = accept_language {
        preferences.extend(parse_accept_language(header));
    }
    preferences.sort_by(|a, b| b.1.total_cmp(&a.1));
    preferences
        .iter()
        .filter(|(_, q)| *q > 0.0)
        .flat_map(|(tag, _)| candidates(tag))
        .find(|candidate| available(candidate))
        .unwrap_or_else(|| "en".to_string())
}

/// `Accept-Language` entries with their q-values, in header order (`*` left out).
fn parse_accept_language(header: &str) -> Vec<(String, f32)> {
    header
        .split(',')
        .take(32)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            Some((tag.to_string(), quality))
        })
        .collect()
}

/// The lookups one tag stands for, most specific first: `pt-BR` → `pt-br`, `pt`.
fn candidates(tag: &str) -> Vec<String> {
    let lower = tag.replace('_', "-").to_ascii_lowercase();
    let primary = lower.split('-').next().unwrap_or_default().to_string();
    let mut list = vec![lower.clone()];
    if primary != lower {
        list.push(primary.clone());
    }
    // Norwegian: the generic tag and Nynorsk readers are served Bokmål texts.
    if primary == "no" || primary == "nn" {
        list.push("nb".into());
    }
    list
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    fn has(langs: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |l| langs.contains(&l)
    }

    #[test]
    fn explicit_lang_wins_over_header() {
        let picked = negotiate(Some("da"), Some("sv, en;q=0.5"), has(&["en", "da", "sv"]));
        assert_eq!(picked, "da");
    }

    #[test]
    fn header_q_values_order_the_choice() {
        let picked = negotiate(
            None,
            Some("de;q=0.3, sv-SE;q=0.9, xx, fr;q=0"),
            has(&["en", "de", "sv", "fr"]),
        );
        assert_eq!(picked, "sv");
    }

    #[test]
    fn refused_and_unknown_languages_fall_back_to_english() {
        assert_eq!(
            negotiate(Some("xx"), Some("fr;q=0"), has(&["en", "fr"])),
            "en"
        );
        assert_eq!(negotiate(None, Some("*"), has(&["en"])), "en");
        assert_eq!(negotiate(None, None, has(&["en"])), "en");
    }

    #[test]
    fn unknown_explicit_lang_still_honours_the_header() {
        assert_eq!(negotiate(Some("xx"), Some("da"), has(&["en", "da"])), "da");
    }

    #[test]
    fn norwegian_tags_reach_bokmal() {
        assert_eq!(negotiate(None, Some("no-NO"), has(&["en", "nb"])), "nb");
        assert_eq!(negotiate(Some("nn"), None, has(&["en", "nb"])), "nb");
    }
}
