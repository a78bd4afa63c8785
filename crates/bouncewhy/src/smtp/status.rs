//! Enhanced mail system status codes (RFC 3463): `class.subject.detail`.

use std::fmt;

/// A parsed enhanced status code such as `5.1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// The subject (0..=7 in the registry; others are kept as written).
    pub subject: u16,
    /// The detail number.
    pub detail: u16,
}

impl StatusCode {
    /// Parses a bare code such as `"5.1.10"`; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let class = parts.next()?.parse::<u8>().ok()?;
        let subject = parse_number(parts.next()?)?;
        let detail = parse_number(parts.next()?)?;
        if parts.next().is_some() || !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(StatusCode {
            class,
            subject,
            detail,
        })
    }

    /// True when this is a permanent failure (class 5).
    pub fn is_permanent(self) -> bool {
        self.class == 5
    }
}

fn parse_number(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// Finds the enhanced status code in a piece of server text.
///
/// IP addresses, version numbers and dotted sizes are not mistaken for codes:
/// a code must not touch another dotted number. Returns the code and its byte span.
///
/// The first place, in text order, where `(?:^|[^0-9A-Za-z.\-]|(?:^|[^0-9])[0-9]{3}-)`
/// `([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:$|[^0-9A-Za-z.\-]|\.$|\.[^0-9])`
/// would match, found from each dot that follows a class digit.
pub fn find_status(text: &str) -> Option<(StatusCode, [usize; 2])> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'.', bytes).find_map(|dot| {
        let start = dot.checked_sub(1)?;
        let (subject_end, detail_end) = status_at(bytes, start)?;
        if !status_may_start(bytes, start) || !status_may_end(bytes, detail_end) {
            return None;
        }
        let code = StatusCode {
            class: bytes[start] - b'0',
            subject: text[dot + 1..subject_end].parse().ok()?,
            detail: text[subject_end + 1..detail_end].parse().ok()?,
        };
        Some((code, [start, detail_end]))
    })
}

/// The ends of the subject and of the detail of `[245]\.[0-9]{1,3}\.[0-9]{1,3}`
/// at `at`; `None` when none starts there (a run of more than three digits
/// is no part of a status).
pub(super) fn status_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    if !matches!(bytes.get(at), Some(b'2' | b'4' | b'5')) || bytes.get(at + 1) != Some(&b'.') {
        return None;
    }
    let subject_end = digit_run_end(bytes, at + 2)?;
    if bytes.get(subject_end) != Some(&b'.') {
        return None;
    }
    Some((subject_end, digit_run_end(bytes, subject_end + 1)?))
}

/// The end of the run of one to three ASCII digits at `at`; `None` when
/// there is no digit there or the run is longer.
pub(super) fn digit_run_end(bytes: &[u8], at: usize) -> Option<usize> {
    let run = bytes
        .get(at..)?
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (1..=3).contains(&run).then_some(at + run)
}

/// Whether a status code may start at `at`: at the start of the text, after
/// anything but a letter, digit, dot or hyphen, or after a reply code and its
/// hyphen (`550-5.1.1`).
fn status_may_start(bytes: &[u8], at: usize) -> bool {
    let Some(&before) = at.checked_sub(1).map(|i| &bytes[i]) else {
        return true;
    };
    if !(before.is_ascii_alphanumeric() || before == b'.' || before == b'-') {
        return true;
    }
    before == b'-'
        && at >= 4
        && bytes[at - 4..at - 1].iter().all(u8::is_ascii_digit)
        && (at == 4 || !bytes[at - 5].is_ascii_digit())
}

/// Whether a status code may end at `at`: at the end of the text, before
/// anything but a letter, digit, dot or hyphen, or before a dot that is not
/// followed by a digit.
fn status_may_end(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        None => true,
        Some(b'.') => bytes.get(at + 1).is_none_or(|b| !b.is_ascii_digit()),
        Some(&after) => !(after.is_ascii_alphanumeric() || after == b'-'),
    }
}

/// Finds every enhanced status code in the text, in order.
pub fn find_all_status(text: &str) -> Vec<StatusCode> {
    let mut found = Vec::new();
    let mut offset = 0;
    while let Some((code, [_, end])) = find_status(&text[offset..]) {
        found.push(code);
        offset += end;
    }
    found
}

/// The last enhanced status code in `text`: the innermost one when a service
/// wraps the remote server's reply in its own.
pub fn last_status(text: &str) -> Option<StatusCode> {
    find_all_status(text).last().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    /// The regex this module's search replaced: the reference its results must equal.
    fn reference(text: &str) -> Option<(StatusCode, [usize; 2])> {
        let status = Regex::new(r"(?:^|[^0-9A-Za-z.\-]|(?:^|[^0-9])[0-9]{3}-)([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:$|[^0-9A-Za-z.\-]|\.$|\.[^0-9])")
            .expect("valid");
        let found = status.captures_iter(text).find_map(|caps| {
            let (class, subject, detail) = (caps.get(1)?, caps.get(2)?, caps.get(3)?);
            let code = StatusCode {
                class: class.as_str().parse().ok()?,
                subject: subject.as_str().parse().ok()?,
                detail: detail.as_str().parse().ok()?,
            };
            Some((code, [class.start(), detail.end()]))
        });
        found
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_what_the_reference_finds(
            text in "([0-9]{1,4}|[245]\\.|[.\\-]|[ a-zA-Z#(_]|\\PC){0,16}"
        ) {
            prop_assert_eq!(find_status(&text), reference(&text));
            if let Some((_, [_, end])) = find_status(&text) {
                prop_assert_eq!(find_status(&text[end..]), reference(&text[end..]));
            }
        }
    }

    fn status(text: &str) -> Option<String> {
        find_status(text).map(|(code, _)| code.to_string())
    }

    #[test]
    fn finds_codes_in_decorated_text() {
        assert_eq!(
            status("550 5.1.1 <a@b.example>: User unknown").as_deref(),
            Some("5.1.1")
        );
        assert_eq!(
            status("550-5.7.1 [10.0.33.118 12] Our system").as_deref(),
            Some("5.7.1")
        );
        assert_eq!(
            status("looping: it already has my Delivered-To line. (#5.4.6)").as_deref(),
            Some("5.4.6")
        );
        assert_eq!(
            status("550 5.1.10 RESOLVER.ADR.RecipientNotFound").as_deref(),
            Some("5.1.10")
        );
        assert_eq!(
            status("Status: 5.0.0 (permanent failure)").as_deref(),
            Some("5.0.0")
        );
        assert_eq!(status("ends the sentence 4.4.7.").as_deref(), Some("4.4.7"));
    }

    #[test]
    fn ignores_numbers_that_are_not_codes() {
        assert_eq!(status("connect to 192.0.2.25:25: Connection refused"), None);
        assert_eq!(status("host 5.1.1.1 said nothing"), None);
        assert_eq!(status("mail server 10.4.5.0 rejected"), None);
        assert_eq!(status("version 4.5.0-beta released"), None);
        assert_eq!(
            status("message size 70756380 exceeds size limit 62914560"),
            None
        );
        assert_eq!(status("smtp-4.2.1 build"), None);
    }

    #[test]
    fn parses_and_normalises_bare_codes() {
        assert_eq!(
            StatusCode::parse("5.1.10")
                .map(|c| c.to_string())
                .as_deref(),
            Some("5.1.10")
        );
        assert_eq!(
            StatusCode::parse("4.02.01")
                .map(|c| c.to_string())
                .as_deref(),
            Some("4.2.1")
        );
        assert_eq!(StatusCode::parse("3.1.1"), None);
        assert_eq!(StatusCode::parse("5.1"), None);
        assert_eq!(StatusCode::parse("5.1.1.1"), None);
    }

    #[test]
    fn lists_every_code() {
        let all: Vec<String> = find_all_status("4.4.1 then 5.4.4 and 5.0.0")
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(all, ["4.4.1", "5.4.4", "5.0.0"]);
    }
}
