//! Sendmail bounces ("Returned mail: see transcript for details"), also the
//! old V5/V8 text-only form.
//!
//! Keys on "----- The following addresses had permanent fatal errors -----" or
//! "----- Transcript of session follows -----". The failed list gives the
//! addresses (`<a@b>` with `(reason: ...)` below); the transcript gives the
//! server's words: `... while talking to mx.example.net.:`, `>>> RCPT To:<a@b>`
//! (the command), `<<< 550 5.1.1 <a@b>... User unknown` (the reply), and
//! `550 5.1.1 <a@b>... User unknown`. When the message also carries a
//! `message/delivery-status` part, the RFC 3464 decoder reads it and the
//! transcript fills what the DSN lacks. "Message could not be delivered for N
//! days" / "...for too long" with "Message will be deleted from queue", and
//! "Warning: message still undelivered after N hours", are Sendmail's own
//! notices of giving up (or of delay) because of time: expired.

use super::common::fold;
use crate::decoders::rfc3464::Rfc3464;
use crate::decoders::{addresses, contains_ignore_ascii_case, find_literal, Decoder};
use crate::diagnosis::Reason;
use crate::engine::Report;
use crate::message::Mail;
use crate::smtp::command::{is_word, starts_word};
use crate::smtp::{find_status, normalize};
use regex_syntax::hir::{Class, HirKind};
use std::sync::LazyLock;

/// The Sendmail decoder.
pub struct Sendmail;

const FATAL: &str = "----- the following addresses had permanent fatal errors -----";
const TRANSCRIPT: &str = "----- transcript of session follows -----";

impl Decoder for Sendmail {
    fn name(&self) -> &'static str {
        "sendmail"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        // A heading is a whole line: without its text in the body, none is there.
        let lower = mail.body_lower();
        if find_literal!(lower, FATAL).is_none() && find_literal!(lower, TRANSCRIPT).is_none() {
            return None;
        }
        let lines: Vec<&str> = mail.body().lines().map(unquote).collect();
        let heading = |text: &str| {
            lines
                .iter()
                .position(|l| l.trim().eq_ignore_ascii_case(text))
        };
        let fatal = heading(FATAL);
        let transcript = heading(TRANSCRIPT);
        if fatal.is_none() && transcript.is_none() {
            return None;
        }
        let failed = fatal
            .map(|at| failed_list(&lines[at + 1..]))
            .unwrap_or_default();
        let session: Vec<&str> = transcript
            .map(|at| {
                lines[at + 1..]
                    .iter()
                    .copied()
                    .take_while(|l| {
                        !(l.trim_start().starts_with("-----")
                            || l.starts_with("--")
                            || l.starts_with("Reporting-MTA:"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let expired = expiry_notice(&session);
        let mut reports = Rfc3464.decode(mail).unwrap_or_default();
        if reports.is_empty() {
            let mut recipients: Vec<String> = failed.iter().map(|(a, _)| a.clone()).collect();
            if recipients.is_empty() {
                for line in &session {
                    let t = line.trim();
                    if t.starts_with(['4', '5']) && t.contains("... ") {
                        if let Some(address) =
                            addresses(t.split("... ").next().unwrap_or("")).next()
                        {
                            if !recipients.iter().any(|r| r.eq_ignore_ascii_case(address)) {
                                recipients.push(address.to_string());
                            }
                        }
                    }
                }
            }
            reports = recipients
                .into_iter()
                .map(|r| Report {
                    recipient: Some(r),
                    ..Report::default()
                })
                .collect();
        }
        let single = reports.len() == 1;
        for report in &mut reports {
            let recipient = report.recipient.clone().unwrap_or_default();
            let no_local_part = recipient.split('@').next().is_none_or(str::is_empty);
            if no_local_part && failed.len() == 1 {
                report.recipient = Some(failed[0].0.clone());
            }
            let recipient = report.recipient.clone().unwrap_or_default();
            let words = about(&session, &recipient, single);
            let reason_note = failed
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(&recipient))
                .map(|(_, r)| r.clone());
            if report.smtp_command.is_none() {
                report.smtp_command = words.command.clone();
            }
            if report.remote_host.is_none() {
                report.remote_host = words.host.clone();
            }
            let dsn_words = report.diagnostic.trim().to_string();
            let weak = dsn_words.is_empty()
                || dsn_words.chars().all(|c| c.is_ascii_digit())
                || dsn_words.contains("Final-Recipient:")
                || dsn_words.trim_matches(|c| c == '<' || c == '>') == recipient;
            let text = if words.text.is_empty() {
                reason_note.clone().unwrap_or_default()
            } else {
                words.text.clone()
            };
            if weak && !text.is_empty() {
                report.context = format!("{} {}", dsn_words, fold(&session))
                    .trim()
                    .to_string();
                report.diagnostic = text;
            } else {
                report.context = fold(&session);
            }
            if let Some(id) = expired.filter(|_| !server_replied(&words.text)) {
                report
                    .forced_reason
                    .get_or_insert((Reason::Expired, id.to_string()));
            }
            // A DSN's generic status (X.0.0, or X.4.7 "delivery time expired")
            // gives way to the specific code of the server's own reply.
            if let (Some(dsn), Some((said, _))) =
                (report.status, find_status(&normalize(&words.text)))
            {
                let generic =
                    (dsn.subject == 0 && dsn.detail == 0) || (dsn.subject == 4 && dsn.detail == 7);
                if generic && dsn.class == said.class && said != dsn {
                    report.status = Some(said);
                }
            }
        }
        (!reports.is_empty()).then_some(reports)
    }
}

/// A line of a forwarded (quoted) bounce without its `> ` prefix.
fn unquote(line: &str) -> &str {
    let mut line = line;
    while let Some(rest) = line.strip_prefix('>') {
        if rest.starts_with(">>") || rest.starts_with(">> ") {
            break;
        }
        line = rest.strip_prefix(' ').unwrap_or(rest);
    }
    line
}

/// The addresses of the "permanent fatal errors" list with their `(reason: ...)`.
fn failed_list(lines: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines {
        let t = line.trim();
        if t.starts_with("-----") {
            break;
        }
        if let Some(reason) = t.strip_prefix("(reason:") {
            if let Some((_, note)) = out.last_mut() {
                *note = reason.trim_end_matches(')').trim().to_string();
            }
            continue;
        }
        if t.starts_with('(') {
            continue;
        }
        if let Some(address) = addresses(t).next() {
            if !out.iter().any(|(a, _)| a.eq_ignore_ascii_case(address)) {
                out.push((address.to_string(), String::new()));
            }
        }
    }
    out
}

/// Sendmail's notices that it gave up (or is still trying) because of time.
fn expiry_notice(session: &[&str]) -> Option<&'static str> {
    let text = fold(session).to_ascii_lowercase();
    if text.contains("message could not be delivered for")
        && text.contains("will be deleted from queue")
    {
        Some("sendmail.could-not-be-delivered-for")
    } else if text.contains("message still undelivered after") {
        Some("sendmail.still-undelivered-after")
    } else {
        None
    }
}

/// True when the words carry a server reply with text (not only a bare code
/// such as `Deferred: 421`): then the reply, not the time notice, decides.
fn server_replied(words: &str) -> bool {
    let mut plain = String::with_capacity(words.len());
    let mut depth = 0usize;
    for c in words.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let mut replies = reply_words(&plain);
    replies.any(|word| !word.eq_ignore_ascii_case("deferred"))
}

/// The first word after each reply code in `text`, as the regex
/// `\b[45]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?[ :-]+([A-Za-z]\w*)` (Unicode
/// `\b`, `\d` and `\w`) captures it in successive matches.
fn reply_words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        let (end, word) = memchr::memchr2_iter(b'4', b'5', &bytes[from..])
            .map(|at| from + at)
            .filter(|&at| starts_word(text, at))
            .find_map(|at| reply_word_at(text, at))?;
        from = end;
        Some(word)
    })
}

/// Where the match of [`reply_words`]' regex that starts at the code at
/// `at` ends, and its word. The enhanced status code is tried first, then
/// none; no shorter run of digits or separators could match instead, as a
/// digit or separator stands where the next part needs something else.
fn reply_word_at(text: &str, at: usize) -> Option<(usize, &str)> {
    let code_end = digit_end(text, at + 1).and_then(|end| digit_end(text, end))?;
    [status_end(text, code_end), Some(code_end)]
        .into_iter()
        .flatten()
        .find_map(|end| word_after_separators(text, end))
}

/// The end of the enhanced status code (`[ -][245]\.\d{1,3}\.\d{1,3}`) at `at`.
fn status_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !matches!(bytes.get(at), Some(b' ' | b'-'))
        || !matches!(bytes.get(at + 1), Some(b'2' | b'4' | b'5'))
    {
        return None;
    }
    let mut end = at + 2;
    for _ in 0..2 {
        if bytes.get(end) != Some(&b'.') {
            return None;
        }
        let first = digit_end(text, end + 1)?;
        end = digit_end(text, first)
            .map_or(first, |second| digit_end(text, second).unwrap_or(second));
    }
    Some(end)
}

/// The end of the separators (`[ :-]+`) at `at`, the word after them
/// (`[A-Za-z]\w*`) and its end.
fn word_after_separators(text: &str, at: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let separators = bytes[at..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b':' | b'-'))
        .count();
    let start = at + separators;
    if separators == 0 || !bytes.get(start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let end = text[start..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(len, _)| start + len);
    Some((end, &text[start..end]))
}

/// The end of the decimal digit (Unicode `\d`) at `at`.
fn digit_end(text: &str, at: usize) -> Option<usize> {
    let c = text.get(at..)?.chars().next()?;
    is_decimal_digit(c).then(|| at + c.len_utf8())
}

/// Whether `c` is a decimal digit (Unicode general category Nd, as `\d`).
fn is_decimal_digit(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii()
            && DECIMAL_DIGITS
                .binary_search_by(|&(low, high)| {
                    if high < c {
                        std::cmp::Ordering::Less
                    } else if low > c {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .is_ok())
}

/// The ranges of Unicode decimal digits, from the regex syntax tables
/// (read only when a non-ASCII character stands where a digit may).
static DECIMAL_DIGITS: LazyLock<Vec<(char, char)>> = LazyLock::new(|| {
    let hir = regex_syntax::parse(r"\d").expect("\\d is a valid class");
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|range| (range.start(), range.end()))
            .collect(),
        _ => unreachable!("\\d is a Unicode class"),
    }
});

/// `text` without `prefix` (ASCII, lower case) when it starts with it in any ASCII case.
fn strip_prefix_ignore_ascii_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    crate::message::starts_with_ignore_ascii_case(text.as_bytes(), prefix.as_bytes())
        .then(|| &text[prefix.len()..])
}

/// What the transcript says about one recipient.
#[derive(Default)]
struct Words {
    text: String,
    command: Option<String>,
    host: Option<String>,
}

fn about(session: &[&str], recipient: &str, single: bool) -> Words {
    let needle = recipient.to_ascii_lowercase();
    // Split into "... while talking to host:" segments.
    let mut segments: Vec<(Option<String>, Vec<&str>)> = vec![(None, Vec::new())];
    for line in session {
        let t = line.trim();
        if let Some(rest) = strip_prefix_ignore_ascii_case(t, "... while talking to ")
            .or_else(|| strip_prefix_ignore_ascii_case(t, "while talking to "))
        {
            let host = rest
                .trim_end_matches(':')
                .trim_end_matches('.')
                .to_ascii_lowercase();
            segments.push((Some(host), Vec::new()));
            continue;
        }
        if !t.is_empty() {
            if let Some((_, lines)) = segments.last_mut() {
                lines.push(t);
            }
        }
    }
    segments.retain(|(h, l)| h.is_some() || !l.is_empty());
    let mentions = |lines: &Vec<&str>| lines.iter().any(|l| contains_ignore_ascii_case(l, &needle));
    let chosen = segments
        .iter()
        .find(|(_, l)| !needle.is_empty() && mentions(l))
        .or_else(|| {
            if single || segments.len() == 1 {
                segments
                    .iter()
                    .find(|(h, _)| h.is_some())
                    .or(segments.first())
            } else {
                None
            }
        });
    let Some((host, lines)) = chosen else {
        return Words::default();
    };
    let mut command = None;
    let mut last_command = None;
    let mut replies: Vec<&str> = Vec::new();
    let mut others: Vec<&str> = Vec::new();
    let mut in_reply = false;
    for line in lines {
        if let Some(cmd) = line.strip_prefix(">>>") {
            in_reply = false;
            let word = cmd
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let word = match word.trim_end_matches(':') {
                "RCPT" => "RCPT",
                "MAIL" => "MAIL",
                "DATA" | "." => "DATA",
                "EHLO" => "EHLO",
                "HELO" => "HELO",
                "QUIT" => "QUIT",
                "STARTTLS" => "STARTTLS",
                _ => "",
            };
            if !word.is_empty() {
                last_command = Some(word.to_string());
            }
            continue;
        }
        if let Some(reply) = line.strip_prefix("<<<") {
            let reply = reply.trim();
            let error = reply.starts_with(['4', '5']);
            if error && (replies.is_empty() || in_reply) {
                if replies.is_empty() {
                    command.clone_from(&last_command);
                    if command.is_none() {
                        command = Some("CONN".to_string());
                    }
                }
                replies.push(reply);
                in_reply = true;
            } else {
                in_reply = false;
            }
            continue;
        }
        in_reply = false;
        let about_this = needle.is_empty() || contains_ignore_ascii_case(line, &needle) || single;
        let first_words = replies.is_empty() && others.is_empty();
        if about_this && (line.starts_with(['4', '5']) || first_words) {
            others.push(line);
        }
    }
    let mut text: Vec<&str> = replies.clone();
    for line in others {
        if !text
            .iter()
            .any(|t| t.ends_with(line.split("... ").last().unwrap_or(line)))
        {
            text.push(line);
        }
    }
    Words {
        text: text.join(" "),
        command,
        host: host.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use proptest::prelude::*;
    use regex::Regex;

    /// The words the regex that [`reply_words`] replaced captures: the reference.
    fn reference_words(text: &str) -> Vec<&str> {
        let reply = Regex::new(r"\b[45]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?[ :-]+([A-Za-z]\w*)")
            .expect("valid");
        reply
            .captures_iter(text)
            .map(|c| c.get(1).map_or("", |m| m.as_str()))
            .collect()
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_the_reply_words_the_reference_finds(text in crate::test_text::soup(&[
                    "4", "5", "45", "450", "550 ", "421", "5.1.1", "4.7.12", "2.0.0", "5.1234.1", ".",
                    " ", "  ", "-", ":", " :- ", "deferred", "Deferred", "DEFERRED:", "x", "Ab_c", "_",
                    "é", "\u{301}", "\u{664}", "\u{665}\u{660}", "\u{b2}", "\u{ff15}", "\u{17f}", "\n",
                ], "[0-9 .:\\-]{1,4}", 14)) {
            prop_assert_eq!(reply_words(&text).collect::<Vec<_>>(), reference_words(&text));
        }
    }

    #[test]
    fn reads_list_and_transcript() {
        let raw = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\nTo: s@example.com\nSubject: Returned mail: see transcript for details\n\nThe original message was received at Thu, 1 Jan 2026 00:00:00 +0000\n\n   ----- The following addresses had permanent fatal errors -----\n<a@example.org>\n    (reason: 550 5.1.1 <a@example.org>... User unknown)\n\n   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n>>> DATA\n<<< 550 5.1.1 <a@example.org>... User unknown\n550 5.1.1 <a@example.org>... User unknown\n<<< 503 5.0.0 Need RCPT (recipient)\n\n   ----- Original message follows -----\n\nTo: a@example.org\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Sendmail.decode(&mail).expect("sendmail");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(reports[0].smtp_command.as_deref(), Some("DATA"));
        assert_eq!(reports[0].remote_host.as_deref(), Some("mx.example.org"));
        assert_eq!(
            reports[0].diagnostic,
            "550 5.1.1 <a@example.org>... User unknown"
        );
    }

    #[test]
    fn notices_expiry() {
        assert!(expiry_notice(&[
            "Message could not be delivered for 5 days",
            "Message will be deleted from queue"
        ])
        .is_some());
        assert!(expiry_notice(&["550 5.1.1 <a@example.org>... User unknown"]).is_none());
        assert!(!server_replied("421 <a@example.org>... Deferred: 421"));
        assert!(server_replied(
            "450 4.7.1 <h.example[192.0.2.1]>: Client host rejected"
        ));
    }
}
