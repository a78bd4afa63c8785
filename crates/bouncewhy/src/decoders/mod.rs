//! Format decoders: each recognises one family of bounce messages and turns it
//! into per-recipient [`Report`]s for the rules engine.
//!
//! Decoders are tried in [`decoders`] order; the first that claims the message
//! wins. Each one answers `None` ("not mine") rather than guessing.

mod arf;
mod mta;
pub(crate) mod rfc3464;
mod rfc3834;
mod services;
pub(crate) mod text;

use crate::engine::Report;
use crate::message::Mail;

/// One bounce format family.
pub trait Decoder: Sync {
    /// Short name reported as `decoded_by`.
    fn name(&self) -> &'static str;
    /// The recipients' reports, or `None` when the message is not of this format.
    fn decode(&self, mail: &Mail) -> Option<Vec<Report>>;
}

/// Every decoder family, most specific first: feedback reports, then the
/// services' and MTAs' own formats (each checks its signature first), then
/// standard DSNs, auto-replies, and the plain-text scanner last.
pub fn decoders() -> impl Iterator<Item = &'static dyn Decoder> {
    let head: [&'static dyn Decoder; 1] = [&arf::Arf];
    let tail: [&'static dyn Decoder; 3] =
        [&rfc3464::Rfc3464, &rfc3834::AutoReply, &text::PlainText];
    head.into_iter()
        .chain(services::ALL.iter().copied())
        .chain(mta::ALL.iter().copied())
        .chain(tail)
}

/// Every email address in `text`, in order, without surrounding punctuation,
/// as successive matches of the regex
/// `[A-Za-z0-9!#$%&'*+/=?^_\`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`
/// find them.
///
/// `@` is not a local-part character, so a match holds the whole run of
/// local-part characters before its `@` (from where the search resumes):
/// each `@` looks back over its own run and on over its own domain only,
/// which keeps the search linear.
pub fn addresses(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        let (start, end) = memchr::memchr_iter(b'@', &bytes[from..])
            .map(|at| from + at)
            .find_map(|at| {
                let local = bytes[from..at]
                    .iter()
                    .rev()
                    .take_while(|&&b| is_local_part_byte(b))
                    .count();
                (local > 0).then_some(())?;
                Some((at - local, domain_end(bytes, at + 1)?))
            })?;
        from = end;
        Some(text[start..end].trim_matches('.'))
    })
}

/// Whether `byte` may stand in the local part of an address.
fn is_local_part_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&byte)
}

/// Where the domain that starts at `start` ends: labels of letters, digits
/// and inner hyphens, at least two, joined by dots. The first label must
/// reach a dot; each later one is the longest that ends with a letter or
/// digit, and the domain goes on only when a dot and a letter or digit
/// follow a label that takes its whole run.
fn domain_end(bytes: &[u8], start: usize) -> Option<usize> {
    let alphanumeric_at = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_alphanumeric);
    let run_end = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count()
    };
    if !alphanumeric_at(start) {
        return None;
    }
    let first = run_end(start);
    if !alphanumeric_at(first - 1) || bytes.get(first) != Some(&b'.') || !alphanumeric_at(first + 1)
    {
        return None;
    }
    let mut label = first + 1;
    loop {
        let run = run_end(label);
        let hyphens = bytes[label..run]
            .iter()
            .rev()
            .take_while(|&&b| b == b'-')
            .count();
        if hyphens == 0 && bytes.get(run) == Some(&b'.') && alphanumeric_at(run + 1) {
            label = run + 1;
        } else {
            return Some(run - hyphens);
        }
    }
}

/// The first email address in `text`.
pub fn first_address(text: &str) -> Option<&str> {
    addresses(text).next()
}

/// The offset of the first `needle` in `haystack`: a SIMD scan, much cheaper
/// than `str::find` on long bodies.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    memchr::memmem::find(haystack.as_bytes(), needle.as_bytes())
}

/// [`find`] for a constant needle, with its searcher built once per call
/// site (building costs more than searching a typical body): for the
/// signature checks that run on every message.
macro_rules! find_literal {
    ($haystack:expr, $needle:expr $(,)?) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        FINDER.find($haystack.as_bytes())
    }};
}
pub(crate) use find_literal;

/// Whether `haystack` contains `needle` (given in lower case) in any ASCII
/// case, without a lower-cased copy of `haystack`.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    crate::message::find_ignore_ascii_case(haystack.as_bytes(), needle.as_bytes()).is_some()
}

/// The first `max` characters of `text` (all of it when shorter), without copying.
pub fn first_chars(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    text.char_indices()
        .nth(max)
        .map_or(text, |(at, _)| &text[..at])
}

/// True when an address belongs to a mail system rather than a person.
pub fn is_system_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        local.as_str(),
        "mailer-daemon"
            | "postmaster"
            | "mail-daemon"
            | "maildaemon"
            | "root"
            | "daemon"
            | "double-bounce"
            | "nobody"
    ) || local.starts_with("bounce")
        || local.starts_with("mailer-daemon")
}

#[cfg(test)]
mod tests {
    use super::addresses;
    use proptest::prelude::*;
    use regex::Regex;

    /// The regex that [`addresses`] replaced: the reference its results must equal.
    fn reference_addresses(text: &str) -> Vec<&str> {
        let address = Regex::new(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+")
            .expect("valid");
        address
            .find_iter(text)
            .map(|m| m.as_str().trim_matches('.'))
            .collect()
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_the_addresses_the_reference_finds(text in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(&[
                    "a", "Z9", "@", "@@", ".", "..", "-", "--", "_", "+", "!", "é", " ", "<", ">", "\n",
                    "example", "b-", "-c", "x.y", "a@b.c", "a.@b-.c", "@x-y.z-", "mx.example.net.", "\u{17f}",
                ][..]).prop_map(str::to_string),
                2 => "[a-z0-9.@\\-]{1,4}",
                1 => "[ -~]{1,3}",
                1 => "\\PC",
            ],
            0..14,
        ).prop_map(|pieces| pieces.concat())) {
            prop_assert_eq!(addresses(&text).collect::<Vec<_>>(), reference_addresses(&text));
        }
    }
}
