//! SMTP reply codes (RFC 5321 section 4.2): three digits, the first 2 to 5.

use regex::Regex;
use std::sync::LazyLock;

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

/// A reply code as it stands in text: three digits not glued to other digits,
/// dots, or word characters, followed by a space, a hyphen, or the end.
static REPLY_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9A-Za-z.\-/@=_+%])([245][0-5][0-9])(?:$|[ \t\-\]\)\x22',;]|\r|\n)")
        .expect("reply pattern is valid")
});

/// A reply code followed by an enhanced status code: the strongest signal.
static REPLY_WITH_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^0-9A-Za-z.\-/@=_+%])([245][0-5][0-9])[ \-]\(?#?[245]\.[0-9]{1,3}\.[0-9]{1,3}",
    )
    .expect("reply-with-status pattern is valid")
});

/// Finds the SMTP reply code in server text, with its byte span.
///
/// A code followed by an enhanced status code wins; otherwise the first code
/// that stands alone. Sizes, IP octets, ports and dates are not codes.
pub fn find_reply_code(text: &str) -> Option<(ReplyCode, [usize; 2])> {
    let pick = |re: &Regex| {
        re.captures(text).and_then(|caps| {
            let m = caps.get(1)?;
            Some((ReplyCode(m.as_str().parse().ok()?), [m.start(), m.end()]))
        })
    };
    pick(&REPLY_WITH_STATUS).or_else(|| {
        REPLY_IN_TEXT.captures_iter(text).find_map(|caps| {
            let m = caps.get(1)?;
            if is_inside_number_list(text, m.start(), m.end()) {
                return None;
            }
            Some((ReplyCode(m.as_str().parse().ok()?), [m.start(), m.end()]))
        })
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
