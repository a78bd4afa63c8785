//! Format decoders: each recognises one family of bounce messages and turns it
//! into per-recipient [`Report`]s for the rules engine.
//!
//! Decoders are tried in [`DECODERS`] order; the first that claims the message
//! wins. Each one answers `None` ("not mine") rather than guessing.

mod arf;
mod mta;
pub(crate) mod rfc3464;
mod rfc3834;
mod services;
pub(crate) mod text;

use crate::engine::Report;
use crate::message::Mail;
use regex::Regex;
use std::sync::LazyLock;

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

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+")
        .expect("address pattern is valid")
});

/// Every email address in `text`, in order, without surrounding punctuation.
pub fn addresses(text: &str) -> impl Iterator<Item = &str> {
    ADDRESS
        .find_iter(text)
        .map(|m| m.as_str().trim_matches('.'))
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
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), hay).any(|at| {
        hay[at..]
            .get(..needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
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
