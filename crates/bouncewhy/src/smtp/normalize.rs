//! Turns pasted or decoded server text into one clean line for matching.
//!
//! Multi-line replies (`550-5.7.1 ...` continuation lines) are joined with
//! their repeated prefixes removed, qmail's underscores become spaces, white
//! space is folded, and control characters are dropped.

use regex::Regex;
use std::sync::LazyLock;

static CONTINUATION_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([245][0-9][0-9])[ \-](?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?")
        .expect("prefix pattern is valid")
});

/// Normalises server text into one line: see the module documentation.
pub fn normalize(text: &str) -> String {
    let joined = join_continuation_lines(text);
    let unscored = if looks_like_qmail_underscores(&joined) {
        joined.replace('_', " ")
    } else {
        joined
    };
    fold_whitespace(&unscored)
}

/// Joins the lines of a multi-line SMTP reply, keeping the first line's code
/// and status and dropping the same prefix from the lines after it.
fn join_continuation_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut first_prefix: Option<(String, Option<String>)> = None;
    for line in text.lines() {
        let mut rest = line;
        // The prefix starts with a code digit after white space; most lines
        // do not, and skip the regex.
        let may_have_prefix = line.trim_start().starts_with(['2', '4', '5']);
        if let Some(caps) = may_have_prefix
            .then(|| CONTINUATION_PREFIX.captures(line))
            .flatten()
        {
            let code = caps
                .get(1)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            let status = caps.get(2).map(|m| m.as_str().to_string());
            match &first_prefix {
                Some((first_code, first_status)) if *first_code == code => {
                    if status.is_none() || status == *first_status {
                        rest = &line[caps.get(0).map_or(0, |m| m.end())..];
                    }
                }
                Some(_) => {
                    if !out.is_empty() && !out.ends_with(' ') {
                        out.push(' ');
                    }
                }
                None => {
                    let whole = caps.get(0).map_or("", |m| m.as_str());
                    out.push_str(&code);
                    out.push(' ');
                    if let Some(status) = &status {
                        out.push_str(status);
                        out.push(' ');
                    }
                    rest = &line[whole.len()..];
                    first_prefix = Some((code, status));
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
    let underscores = text.bytes().filter(|&b| b == b'_').count();
    let spaces = text.bytes().filter(|&b| b == b' ').count();
    underscores >= 3
        && underscores > spaces
        && (text.contains("said:_")
            || text.contains("_said:")
            || text.contains("_host_")
            || underscores > spaces * 2)
}

fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() || ch.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

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
