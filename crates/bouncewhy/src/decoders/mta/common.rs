//! Helpers shared by the MTA decoders: the SMTP command a bounce names, the
//! remote host it names, and folding indented paragraphs into one line.

use crate::engine::Report;
use crate::smtp::command::{
    command_after, literal_end, phrases_in, starts_word, PhraseStarts, KELVIN_SIGN, LONG_S,
};

/// The phrases that lead to a command's name, in the order they are tried at one place.
const LEADS: [&str; 5] = [
    "after",
    "in reply to",
    "did not like our",
    "while sending",
    "response to",
];

/// Where the phrases of [`LEADS`] can start.
static LEAD_STARTS: PhraseStarts = PhraseStarts::new(&LEADS);

/// The command names after a leading phrase, in the order they are tried.
const COMMANDS: [&str; 16] = [
    "initial connection",
    "connect",
    "greeting",
    "banner",
    "helo",
    "ehlo",
    "mail from",
    "mail",
    "rcpt to",
    "rcpt",
    "end of data",
    "final data",
    "data",
    "bdat",
    "quit",
    "starttls",
];

/// The words before a host name and white space that make `host name [ip]`.
const HOST_LEADS: [&str; 4] = ["host", "talking to", "to host", "server"];

/// The SMTP command a bounce text says the error answered, normalised to
/// CONN, HELO/EHLO, MAIL, RCPT, DATA, BDAT, QUIT or STARTTLS.
///
/// The first place where a leading phrase starts a word and is followed by
/// white space, an optional `the` and a command name ending a word (as the
/// regex `(?i)\b(?:after|...)\s+(?:the\s+)?(initial connection|...)\b`
/// would find it) names the command.
pub fn command(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // An ASCII byte before decides `\b` at once; only a non-ASCII one needs decoding.
    let word_starts = |at: usize| match at.checked_sub(1).map(|before| bytes[before]) {
        None => true,
        Some(before) if before.is_ascii() => !(before.is_ascii_alphanumeric() || before == b'_'),
        Some(_) => starts_word(text, at),
    };
    let word = LEAD_STARTS
        .positions(bytes)
        .filter(|&(at, _)| word_starts(at))
        .find_map(|(at, leads)| {
            phrases_in(leads, &LEADS).find_map(|lead| {
                let end = literal_end(text, at, lead)?;
                command_after(text, end, &["the"], &COMMANDS)
            })
        })?;
    Some(command_named(&word.to_ascii_lowercase()).to_string())
}

/// The command a (lower-case) command name in a bounce text stands for.
fn command_named(word: &str) -> &'static str {
    match word {
        "initial connection" | "connect" | "greeting" | "banner" => "CONN",
        "helo" => "HELO",
        "ehlo" => "EHLO",
        "mail from" | "mail" => "MAIL",
        "rcpt to" | "rcpt" => "RCPT",
        "end of data" | "final data" | "data" => "DATA",
        "bdat" => "BDAT",
        "quit" => "QUIT",
        _ => "STARTTLS",
    }
}

/// The remote host a bounce text names as `host name [ip]` or `name[ip]`
/// (the name when there is one, else the address), as the regex
/// `(?i)\b(?:host|talking to|to host|server)\s+([a-z0-9][a-z0-9.\-]*[a-z0-9])\.?\s*\[([0-9a-f.:]+)\]`
/// `|\b([a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)+)\.?\s?\[([0-9a-f.:]+)\]` would find it.
///
/// Every match ends with an address in brackets and before it has only
/// name characters, dots, hyphens and white space, so the first bracketed
/// address that such a name leads to holds the leftmost match. Each bracket
/// looks back only over that run of characters, which ends at the bracket,
/// so the whole search stays linear.
pub fn remote_host(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'[', bytes).find_map(|open| {
        let address = bytes[open + 1..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':'))
            .count();
        if address == 0 || bytes.get(open + 1 + address) != Some(&b']') {
            return None;
        }
        let name = named_after_lead(text, open).or_else(|| name_before(text, open))?;
        Some(name.trim_end_matches('.').to_ascii_lowercase())
    })
}

/// Whether `c` is a letter or digit as `(?i)[a-z0-9]` sees it: LONG S and
/// KELVIN SIGN fold to `s` and `k`.
fn is_name_letter(c: char) -> bool {
    c.is_ascii_alphanumeric() || LONG_S.starts_with(c) || KELVIN_SIGN.starts_with(c)
}

/// Whether `c` can stand in a host name: a letter, a digit, a dot or a hyphen.
fn is_name_part(c: char) -> bool {
    is_name_letter(c) || matches!(c, '.' | '-')
}

/// Where the run of characters that `keep` accepts and that ends at `end` starts.
fn run_start(text: &str, end: usize, keep: impl Fn(char) -> bool) -> usize {
    text[..end]
        .char_indices()
        .rev()
        .find(|&(_, c)| !keep(c))
        .map_or(0, |(at, c)| at + c.len_utf8())
}

/// The name of `host name [ip]` (the first alternative) whose bracket opens
/// at `open`: one of [`HOST_LEADS`] starting a word, white space, a name of
/// at least two characters that starts and ends with a letter or digit, an
/// optional dot and any white space. The name is the whole run of name
/// characters before the bracket, as white space comes before it.
fn named_after_lead(text: &str, open: usize) -> Option<&str> {
    let spaced = run_start(text, open, char::is_whitespace);
    let end = if text[..spaced].ends_with('.') {
        spaced - 1
    } else {
        spaced
    };
    let start = run_start(text, end, is_name_part);
    let name = &text[start..end];
    let mut chars = name.chars();
    let (first, last) = (chars.next()?, chars.next_back()?);
    if !is_name_letter(first) || !is_name_letter(last) {
        return None;
    }
    let lead_end = run_start(text, start, char::is_whitespace);
    let led = lead_end < start
        && HOST_LEADS.iter().any(|lead| {
            // Each character of a lead matches one character of the text.
            text[..lead_end]
                .char_indices()
                .rev()
                .nth(lead.len() - 1)
                .is_some_and(|(at, _)| {
                    literal_end(text, at, lead) == Some(lead_end) && starts_word(text, at)
                })
        });
    led.then_some(name)
}

/// The name of `name[ip]` (the second alternative) whose bracket opens at
/// `open`: after an optional dot and at most one white-space character
/// before the bracket, the longest name that starts a word with a letter or
/// digit, holds a dot, has no two dots in a row and does not end with one.
fn name_before(text: &str, open: usize) -> Option<&str> {
    let mut end = open;
    if let Some(space) = text[..end]
        .chars()
        .next_back()
        .filter(|c| c.is_whitespace())
    {
        end -= space.len_utf8();
    }
    if text[..end].ends_with('.') {
        end -= 1;
    }
    let run = run_start(text, end, is_name_part);
    if run == end || text[..end].ends_with('.') {
        return None;
    }
    let from = text[run..end]
        .rfind("..")
        .map_or(run, |pair| run + pair + 2);
    let start = text[from..end]
        .char_indices()
        .map(|(at, c)| (from + at, c))
        .find(|&(at, c)| is_name_letter(c) && starts_word(text, at))?
        .0;
    let name = &text[start..end];
    name.contains('.').then_some(name)
}

/// Trimmed non-empty lines joined by one space.
pub fn fold(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A report for one recipient with the command and host read from its text.
pub fn report(recipient: &str, diagnostic: String) -> Report {
    Report {
        recipient: Some(
            recipient
                .trim_matches(|c| matches!(c, '<' | '>' | ':' | ' '))
                .to_string(),
        ),
        smtp_command: command(&diagnostic),
        remote_host: remote_host(&diagnostic),
        diagnostic,
        ..Report::default()
    }
}

/// The address when `token` is one (angle brackets and a trailing colon allowed).
pub fn as_address(token: &str) -> Option<&str> {
    let token = token
        .trim()
        .trim_end_matches([':', ',', '.'])
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (local, domain) = token.split_once('@')?;
    (!local.is_empty()
        && domain.contains('.')
        && !token.contains([' ', '<', '>', '(', ')'])
        && super::super::first_address(token) == Some(token))
    .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    /// The regex this module's command search replaced: the reference its results must equal.
    fn reference_command(text: &str) -> Option<String> {
        let command = Regex::new(
            r"(?i)\b(?:after|in reply to|did not like our|while sending|response to)\s+(?:the\s+)?(initial connection|connect|greeting|banner|helo|ehlo|mail from|mail|rcpt to|rcpt|end of data|final data|data|bdat|quit|starttls)\b",
        )
        .expect("valid");
        let word = command.captures(text)?.get(1)?.as_str();
        Some(command_named(&word.to_ascii_lowercase()).to_string())
    }

    /// The regex the host search replaced: the reference its results must equal.
    fn reference_host(text: &str) -> Option<String> {
        let host = Regex::new(r"(?i)\b(?:host|talking to|to host|server)\s+([a-z0-9][a-z0-9.\-]*[a-z0-9])\.?\s*\[([0-9a-f.:]+)\]|\b([a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)+)\.?\s?\[([0-9a-f.:]+)\]")
            .expect("valid");
        let caps = host.captures(text)?;
        let name = caps.get(1).or_else(|| caps.get(3))?.as_str();
        Some(name.trim_end_matches('.').to_ascii_lowercase())
    }

    /// Text made of `words`, spacing and other characters.
    fn pieces(words: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(words).prop_map(str::to_string),
                3 => prop::sample::select(
                    &[" ", "  ", "\t", "\u{a0}", ":", ".", "-", "[", "]", "_", "\u{17f}", "\u{212a}", "é", "\u{301}"][..]
                )
                .prop_map(str::to_string),
                2 => "[a-zA-Z0-9]{1,3}",
                1 => "\\PC",
            ],
            0..12,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_the_command_the_reference_finds(text in pieces(&[
            "after", "AFTER", "in reply to", "did not like our", "did not li\u{212a}e our", "while sending",
            "while \u{17f}ending", "response to", "the", "initial connection", "connect", "connection",
            "greeting", "banner", "helo", "ehlo", "mail from", "mail", "rcpt to", "rcpt", "end of data",
            "end of quit", "final data", "data", "bdat", "quit", "starttls", "\u{17f}tarttl\u{17f}",
        ])) {
            prop_assert_eq!(command(&text), reference_command(&text));
        }

        #[test]
        fn finds_the_host_the_reference_finds(text in pieces(&[
            "host", "talking to", "to host", "server", "mx.example.net", "mx-1.example", "a.b.",
            "[192.0.2.1]", "[2001:db8::1]", "[ff]", "[]", "[x]", " said", "HOST", "talking to ",
            "tal\u{212a}ing to", "to ho\u{17f}t", "\u{17f}erver", "..", "a", "1", "a-", "\u{2003}",
            "\n", "[1]", "[A:b.C]", "x_", "host a.b [1]", "host ab. \t[1]", "a.b..c.d[1]", "[[1]",
        ])) {
            prop_assert_eq!(remote_host(&text), reference_host(&text));
        }
    }

    #[test]
    fn reads_commands_and_hosts() {
        assert_eq!(
            command("SMTP error from remote mail server after RCPT TO:<a@b.example>:").as_deref(),
            Some("RCPT")
        );
        assert_eq!(
            command("(in reply to end of DATA command)").as_deref(),
            Some("DATA")
        );
        assert_eq!(
            command("mx.example.net [192.0.2.1] did not like our final DATA:").as_deref(),
            Some("DATA")
        );
        assert_eq!(
            command("after initial connection:").as_deref(),
            Some("CONN")
        );
        assert_eq!(
            remote_host("host mx.example.jp [192.0.2.20]: 550").as_deref(),
            Some("mx.example.jp")
        );
        assert_eq!(
            remote_host("host mx.example.jp[192.0.2.20] said: 550").as_deref(),
            Some("mx.example.jp")
        );
        assert_eq!(as_address("<a@example.org>:"), Some("a@example.org"));
        assert_eq!(as_address("a"), None);
    }
}
