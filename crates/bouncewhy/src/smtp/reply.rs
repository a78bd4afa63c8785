//! SMTP reply codes (RFC 5321 section 4.2): three digits, the first 2 to 5.

/// A three-digit SMTP reply code such as 550.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyCode(pub u16);

impl ReplyCode {
    /// The first digit: 2, 3, 4 or 5.
    pub fn class(self) -> u8 {
        (self.0 / 100) as u8
    }
}

impl std::fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Finds the SMTP reply code in server text, with its byte span.
///
/// A code followed by an enhanced status code wins; otherwise the first code
/// that stands alone. Sizes, IP octets, ports and dates are not codes.
///
/// A code is three digits `[245][0-5][0-9]` at the start of the text or after
/// anything but `[0-9A-Za-z.\-/@=_+%]`. With a status it is followed by
/// `[ \-]\(?#?[245]\.[0-9]{1,3}\.[0-9]`; alone, by the end of the text or one
/// of `` \t-])"',;\r\n``, and codes alone are taken as a regex's successive
/// matches would take them: the character before a code is not the one after
/// the code before it.
pub fn find_reply_code(text: &str) -> Option<(ReplyCode, [usize; 2])> {
    let bytes = text.as_bytes();
    let found = |start: usize| {
        let code = ReplyCode(text[start..start + 3].parse().ok()?);
        Some((code, [start, start + 3]))
    };
    let with_status = code_starts(bytes)
        .find(|&start| code_may_follow(text, start, 0) && status_follows(bytes, start + 3));
    if let Some(start) = with_status {
        return found(start);
    }
    let mut matched_up_to = 0;
    for start in code_starts(bytes) {
        let end = start + 3;
        let ends_alone = match bytes.get(end) {
            None => Some(end),
            Some(
                b' ' | b'\t' | b'-' | b']' | b')' | b'"' | b'\'' | b',' | b';' | b'\r' | b'\n',
            ) => Some(end + 1),
            Some(_) => None,
        };
        let Some(match_end) = ends_alone else {
            continue;
        };
        if !code_may_follow(text, start, matched_up_to) {
            continue;
        }
        if !is_inside_number_list(text, start, end) {
            return found(start);
        }
        matched_up_to = match_end;
    }
    None
}

/// Where `[245][0-5][0-9]` stands in `bytes`, in order.
fn code_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr3_iter(b'2', b'4', b'5', bytes).filter(|&at| {
        bytes
            .get(at + 1..at + 3)
            .is_some_and(|rest| matches!(rest[0], b'0'..=b'5') && rest[1].is_ascii_digit())
    })
}

/// Whether a code may start at `start`: at the start of the text, or after a
/// character other than `[0-9A-Za-z.\-/@=_+%]` that begins at or after
/// `not_before` (the end of an earlier match).
fn code_may_follow(text: &str, start: usize, not_before: usize) -> bool {
    let Some(before) = text[..start].chars().next_back() else {
        return true;
    };
    let glued = before.is_ascii_alphanumeric() || ".-/@=_+%".contains(before);
    !glued && start - before.len_utf8() >= not_before
}

/// Whether `[ \-]\(?#?[245]\.[0-9]{1,3}\.[0-9]` follows at `at`.
fn status_follows(bytes: &[u8], at: usize) -> bool {
    if !matches!(bytes.get(at), Some(b' ' | b'-')) {
        return false;
    }
    let mut at = at + 1;
    for optional in [b'(', b'#'] {
        if bytes.get(at) == Some(&optional) {
            at += 1;
        }
    }
    if !matches!(bytes.get(at), Some(b'2' | b'4' | b'5')) || bytes.get(at + 1) != Some(&b'.') {
        return false;
    }
    super::status::digit_run_end(bytes, at + 2).is_some_and(|end| {
        bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
    })
}

/// The last SMTP reply code in `text` (the innermost of nested replies).
pub fn last_reply_code(text: &str) -> Option<u16> {
    let mut offset = 0;
    let mut last = None;
    while let Some((code, [_, end])) = find_reply_code(&text[offset..]) {
        last = Some(code.0);
        offset += end;
        if offset >= text.len() {
            break;
        }
    }
    last
}

/// Rejects codes that are really parts of numbers such as "250 000 bytes" or "1 500 kB".
fn is_inside_number_list(text: &str, start: usize, end: usize) -> bool {
    let after = &text.as_bytes()[end..];
    let followed_by_group = after.len() >= 4
        && after[0] == b' '
        && after[1..4].iter().all(u8::is_ascii_digit)
        && after
            .get(4)
            .is_none_or(|b| !b.is_ascii_digit() && *b != b'.');
    let before = &text.as_bytes()[..start];
    let preceded_by_digit_group = before.len() >= 2
        && before[before.len() - 1] == b' '
        && before[before.len() - 2].is_ascii_digit();
    followed_by_group || preceded_by_digit_group
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    /// The regexes this module's search replaced: the reference its results must equal.
    fn reference(text: &str) -> Option<(ReplyCode, [usize; 2])> {
        let alone = Regex::new(
            r"(?:^|[^0-9A-Za-z.\-/@=_+%])([245][0-5][0-9])(?:$|[ \t\-\]\)\x22',;]|\r|\n)",
        )
        .expect("valid");
        let with_status = Regex::new(
            r"(?:^|[^0-9A-Za-z.\-/@=_+%])([245][0-5][0-9])[ \-]\(?#?[245]\.[0-9]{1,3}\.[0-9]{1,3}",
        )
        .expect("valid");
        let pick = |re: &Regex| {
            re.captures(text).and_then(|caps| {
                let m = caps.get(1)?;
                Some((ReplyCode(m.as_str().parse().ok()?), [m.start(), m.end()]))
            })
        };
        let found = pick(&with_status).or_else(|| {
            alone.captures_iter(text).find_map(|caps| {
                let m = caps.get(1)?;
                if is_inside_number_list(text, m.start(), m.end()) {
                    return None;
                }
                Some((ReplyCode(m.as_str().parse().ok()?), [m.start(), m.end()]))
            })
        });
        found
    }

    #[test]
    fn takes_codes_as_successive_regex_matches_would() {
        for text in [
            "1 550)451 x",
            "1 550 451 x",
            "1 550,451",
            "1 550\n451",
            "550 000 451 5",
            "é550 4.2.2",
            "é550)é451",
            "x 250 000;451-",
        ] {
            assert_eq!(find_reply_code(text), reference(text), "{text}");
        }
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_what_the_reference_finds(
            pieces in prop::collection::vec(
                prop_oneof![
                    3 => prop::sample::select(&["550", "451", "250", "599", "5.1.1", "4.7.20", "5.1.1234"][..]).prop_map(str::to_string),
                    3 => prop::sample::select(&[" ", "-", ")", ",", "\n", "\t", "(", "#", "."][..]).prop_map(str::to_string),
                    2 => "[0-9]{1,3}",
                    1 => "[a-z_%/@=+\\]\"';\r]",
                    1 => "\\PC",
                ],
                0..12,
            )
        ) {
            let text = pieces.concat();
            prop_assert_eq!(find_reply_code(&text), reference(&text));
        }
    }

    fn reply(text: &str) -> Option<u16> {
        find_reply_code(text).map(|(code, _)| code.0)
    }

    #[test]
    fn finds_codes_in_real_replies() {
        assert_eq!(reply("550 5.1.1 user unknown"), Some(550));
        assert_eq!(
            reply("550-5.7.1 [10.0.33.118 12] Our system has detected"),
            Some(550)
        );
        assert_eq!(
            reply("host mx.example.com[192.0.2.1] said: 452 4.2.2 Mailbox full"),
            Some(452)
        );
        assert_eq!(
            reply("holly@example.com #550 5.1.1 RESOLVER.ADR.ExRecipNotFound"),
            Some(550)
        );
        assert_eq!(
            reply("Remote host said: / Zdalny host odpowiedzial: 550 No Such User Here"),
            Some(550)
        );
        assert_eq!(
            reply(
                "SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 unrouteable"
            ),
            Some(550)
        );
        assert_eq!(reply("'550 5.1.1 Recipient address rejected'"), Some(550));
        assert_eq!(reply("421"), Some(421));
        assert_eq!(
            reply("host mx.example.net[192.0.2.78] said:550 Unknown user"),
            Some(550)
        );
    }

    #[test]
    fn ignores_numbers_that_are_not_codes() {
        assert_eq!(
            reply("message size 70756380 exceeds size limit 62914560"),
            None
        );
        assert_eq!(reply("connect to 192.0.2.250:25: Connection refused"), None);
        assert_eq!(reply("Date: Tue, 12 Mar 2024 10:20:30 +0100"), None);
        assert_eq!(reply("queued as 4A3B2C for 250 000 bytes"), None);
        assert_eq!(reply("id=550abc user=550"), None);
        assert_eq!(reply("http://example.com/550"), None);
    }

    #[test]
    fn prefers_the_code_that_carries_a_status() {
        assert_eq!(
            reply("after 421 seconds the server said 554 5.7.1 rejected"),
            Some(554)
        );
    }
}
