//! Turns pasted or decoded server text into one clean line for matching.
//!
//! Multi-line replies (`550-5.7.1 ...` continuation lines) are joined with
//! their repeated prefixes removed, qmail's underscores become spaces, white
//! space is folded, and control characters are dropped.

/// Normalises server text into one line: see the module documentation.
pub fn normalize(text: &str) -> String {
    let joined = join_continuation_lines(text);
    let underscores_are_spaces = looks_like_qmail_underscores(&joined);
    fold_whitespace(&joined, underscores_are_spaces)
}

/// The reply prefix of a line, as `^\s*([245][0-9][0-9])[ \-](?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?`
/// would match it: the code, the enhanced status when one follows, and
/// where the prefix ends.
struct ReplyPrefix<'a> {
    code: &'a str,
    status: Option<&'a str>,
    end: usize,
}

fn reply_prefix(line: &str) -> Option<ReplyPrefix<'_>> {
    let start = line.len() - line.trim_start().len();
    let bytes = line.as_bytes();
    let code = bytes.get(start..start + 4)?;
    if !(matches!(code[0], b'2' | b'4' | b'5')
        && code[1].is_ascii_digit()
        && code[2].is_ascii_digit()
        && matches!(code[3], b' ' | b'-'))
    {
        return None;
    }
    let after_code = start + 4;
    let status_end = super::status::status_at(bytes, after_code).map(|(_, end)| end);
    let (status, end) = match status_end {
        Some(status_end) => {
            let rest = &line[status_end..];
            let spaced = rest.len() - rest.trim_start().len();
            if spaced > 0 {
                (Some(&line[after_code..status_end]), status_end + spaced)
            } else {
                (None, after_code)
            }
        }
        None => (None, after_code),
    };
    Some(ReplyPrefix {
        code: &line[start..start + 3],
        status,
        end,
    })
}

/// Joins the lines of a multi-line SMTP reply, keeping the first line's code
/// and status and dropping the same prefix from the lines after it.
fn join_continuation_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut first_prefix: Option<(&str, Option<&str>)> = None;
    for line in text.lines() {
        let mut rest = line;
        if let Some(prefix) = reply_prefix(line) {
            match first_prefix {
                Some((first_code, first_status)) if first_code == prefix.code => {
                    if prefix.status.is_none() || prefix.status == first_status {
                        rest = &line[prefix.end..];
                    }
                }
                Some(_) => {
                    if !out.is_empty() && !out.ends_with(' ') {
                        out.push(' ');
                    }
                }
                None => {
                    out.push_str(prefix.code);
                    out.push(' ');
                    if let Some(status) = prefix.status {
                        out.push_str(status);
                        out.push(' ');
                    }
                    rest = &line[prefix.end..];
                    first_prefix = Some((prefix.code, prefix.status));
                }
            }
        }
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(rest);
    }
    out
}

/// qmail writes `Remote_host_said:_550_...` with underscores for spaces.
fn looks_like_qmail_underscores(text: &str) -> bool {
    let underscores = memchr::memchr_iter(b'_', text.as_bytes()).count();
    if underscores < 3 {
        return false;
    }
    let spaces = text.bytes().filter(|&b| b == b' ').count();
    underscores > spaces
        && (text.contains("said:_")
            || text.contains("_said:")
            || text.contains("_host_")
            || underscores > spaces * 2)
}

/// A byte that is part of a word.
const WORD: u8 = 0;
/// An ASCII white space or control character.
const SEPARATOR: u8 = 1;
/// `_`: a separator in qmail's underscored text, else part of a word.
const UNDERSCORE: u8 = 2;
/// A byte of a non-ASCII character, which may be white space or a control.
const WIDE: u8 = 3;

/// What each byte value is to [`fold_whitespace`].
static BYTE_KINDS: [u8; 256] = {
    let mut kinds = [WORD; 256];
    let mut byte = 0;
    while byte < 256 {
        kinds[byte] = match byte {
            0..=0x20 | 0x7f => SEPARATOR,
            0x5f => UNDERSCORE,
            0x80.. => WIDE,
            _ => WORD,
        };
        byte += 1;
    }
    kinds
};

/// The words of `text` (runs of characters that are neither white space nor
/// control characters, nor underscores when `underscores_are_spaces`) joined
/// by single spaces. Words already separated by one space are copied together.
fn fold_whitespace(text: &str, underscores_are_spaces: bool) -> String {
    let bytes = text.as_bytes();
    // Whether the character at `at` separates words, and its length.
    let separator_at = |at: usize| -> (bool, usize) {
        match BYTE_KINDS[usize::from(bytes[at])] {
            WORD => (false, 1),
            SEPARATOR => (true, 1),
            UNDERSCORE => (underscores_are_spaces, 1),
            _ => {
                let ch = text[at..].chars().next().unwrap_or_default();
                (ch.is_whitespace() || ch.is_control(), ch.len_utf8())
            }
        }
    };
    let mut out = String::with_capacity(text.len());
    // The stretch of text waiting to be copied: words with single spaces between.
    let mut stretch: Option<(usize, usize)> = None;
    let mut at = 0;
    while at < bytes.len() {
        let (separator, len) = separator_at(at);
        if separator {
            at += len;
            continue;
        }
        let start = at;
        at += len;
        loop {
            at += bytes[at..]
                .iter()
                .position(|&b| BYTE_KINDS[usize::from(b)] != WORD)
                .unwrap_or(bytes.len() - at);
            if at == bytes.len() {
                break;
            }
            let (separator, len) = separator_at(at);
            if separator {
                break;
            }
            at += len;
        }
        stretch = match stretch {
            Some((from, end)) if start == end + 1 && bytes[end] == b' ' => Some((from, at)),
            Some((from, end)) => {
                push_word(&mut out, &text[from..end]);
                Some((start, at))
            }
            None => Some((start, at)),
        };
    }
    if let Some((from, end)) = stretch {
        push_word(&mut out, &text[from..end]);
    }
    out
}

/// Appends `words` to `out`, after a space when `out` has words already.
fn push_word(out: &mut String, words: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(words);
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use proptest::prelude::*;
    use regex::Regex;

    /// The regex-and-chars normaliser this module replaced: the reference
    /// its results must equal.
    fn reference(text: &str) -> String {
        let prefix =
            Regex::new(r"^\s*([245][0-9][0-9])[ \-](?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?")
                .expect("valid");
        let mut joined = String::new();
        let mut first: Option<(String, Option<String>)> = None;
        for line in text.lines() {
            let mut rest = line;
            if let Some(caps) = prefix.captures(line) {
                let code = caps[1].to_string();
                let status = caps.get(2).map(|m| m.as_str().to_string());
                match &first {
                    Some((first_code, first_status)) if *first_code == code => {
                        if status.is_none() || status == *first_status {
                            rest = &line[caps[0].len()..];
                        }
                    }
                    Some(_) => {
                        if !joined.is_empty() && !joined.ends_with(' ') {
                            joined.push(' ');
                        }
                    }
                    None => {
                        joined.push_str(&code);
                        joined.push(' ');
                        if let Some(status) = &status {
                            joined.push_str(status);
                            joined.push(' ');
                        }
                        rest = &line[caps[0].len()..];
                        first = Some((code, status));
                    }
                }
            }
            if !joined.is_empty() && !joined.ends_with(' ') {
                joined.push(' ');
            }
            joined.push_str(rest);
        }
        let underscores = joined.bytes().filter(|&b| b == b'_').count();
        let spaces = joined.bytes().filter(|&b| b == b' ').count();
        if underscores >= 3
            && underscores > spaces
            && (joined.contains("said:_")
                || joined.contains("_said:")
                || joined.contains("_host_")
                || underscores > spaces * 2)
        {
            joined = joined.replace('_', " ");
        }
        let mut out = String::new();
        let mut pending_space = false;
        for ch in joined.chars() {
            if ch.is_whitespace() || ch.is_control() {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(' ');
                }
                pending_space = false;
                out.push(ch);
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(4096)
        })]

        #[test]
        fn equals_the_reference(
            lines in prop::collection::vec(
                "[ \t\u{a0}]{0,2}([245][0-9]{2}[ \\-x]){0,1}([245x]\\.[0-9]{1,4}\\.[0-9]{0,4}){0,1}[ \t\r\u{3000}]{0,2}([a-z_:]{1,4}|[ _\u{85}\u{7f}\u{1}]|\\PC){0,6}",
                0..5,
            ),
            line_end in prop_oneof!["\n", "\r\n"],
        ) {
            let text = lines.join(&line_end);
            prop_assert_eq!(normalize(&text), reference(&text));
        }
    }

    #[test]
    fn joins_multiline_replies() {
        let text = "550-5.7.1 [10.0.33.118 12] Our system has detected that this\n550-5.7.1 message is likely unsolicited mail.\n550 5.7.1 Please visit the help page.";
        assert_eq!(
            normalize(text),
            "550 5.7.1 [10.0.33.118 12] Our system has detected that this message is likely unsolicited mail. Please visit the help page."
        );
    }

    #[test]
    fn replaces_qmail_underscores() {
        let text = "192.0.2.4_does_not_like_recipient./Remote_host_said:_550_No_such_user/";
        assert_eq!(
            normalize(text),
            "192.0.2.4 does not like recipient./Remote host said: 550 No such user/"
        );
    }

    #[test]
    fn keeps_underscores_in_ordinary_text() {
        assert_eq!(
            normalize("550 5.1.1 <john_doe@example.com>: user unknown"),
            "550 5.1.1 <john_doe@example.com>: user unknown"
        );
    }

    #[test]
    fn folds_whitespace_and_controls() {
        assert_eq!(
            normalize("  550\t5.1.1\r\n   user\x00 unknown  "),
            "550 5.1.1 user unknown"
        );
    }
}
