//! Zoho Mail bounces from `mailer-daemon@mail.zoho.com` (`X-ZohoMail` /
//! `X-Mailer: Zoho Mail`). After "This message was created automatically by mail
//! delivery software." each failed recipient has a line (possibly wrapped)
//! `user@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <user@example.org>... User Unknown`;
//! the returned original follows from `Received:`.

use super::super::Decoder;
use super::unfold;
use crate::engine::Report;
use crate::message::Mail;
use crate::smtp::{last_reply_code, last_status};

/// The Zoho Mail decoder.
pub struct Zoho;

impl Decoder for Zoho {
    fn name(&self) -> &'static str {
        "zoho"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        let zoho_headers = mail.header("x-zohomail").is_some()
            || mail.header("x-mailer").is_some_and(|m| m.contains("Zoho"));
        if !(from.contains("mailer-daemon@") && (from.contains("zoho") || zoho_headers)) {
            return None;
        }
        let body = mail.body();
        let start = body.find("delivery software").unwrap_or(0);
        let end = body[start..]
            .find("\nReceived:")
            .map_or(body.len(), |p| start + p + 1);
        let section = &body[start..end];
        let matches: Vec<_> = recipient_lines(section).collect();
        let mut reports: Vec<Report> = Vec::new();
        for (index, (at, address)) in matches.iter().enumerate() {
            let stop = matches
                .get(index + 1)
                .map_or(section.len(), |(next, _)| *next);
            let block = &section[at + address.len()..stop];
            let block = block.split("\n\n").next().unwrap_or(block);
            let diagnostic = unfold(block);
            let status = last_status(&diagnostic);
            reports.push(Report {
                recipient: Some(address.to_string()),
                reply_code: last_reply_code(&diagnostic),
                status,
                diagnostic,
                ..Report::default()
            });
        }
        (!reports.is_empty()).then_some(reports)
    }
}

/// The lines of `text` that start with a recipient address followed by
/// spaces or tabs and text, as (where the line starts, the address).
fn recipient_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut line_start = 0;
    text.split('\n').filter_map(move |line| {
        let at = line_start;
        line_start += line.len() + 1;
        leading_recipient(line).map(|address| (at, address))
    })
}

/// The address a line starts with when the regex
/// `^([^\s@<>]+@[A-Za-z0-9.\-]+)[ \t]+(\S[^\n]*)$` matches the line: no
/// shorter local part or domain could match, as the character after one
/// would be neither `@` nor a space or tab.
fn leading_recipient(line: &str) -> Option<&str> {
    let local = line
        .find(|c: char| c.is_whitespace() || matches!(c, '@' | '<' | '>'))
        .unwrap_or(line.len());
    if local == 0 || !line[local..].starts_with('@') {
        return None;
    }
    let domain = line[local + 1..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    let end = local + 1 + domain;
    let text = line[end..].trim_start_matches([' ', '\t']);
    let spaced = text.len() < line.len() - end;
    let worded = text.chars().next().is_some_and(|c| !c.is_whitespace());
    (domain > 0 && spaced && worded).then_some(&line[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use proptest::prelude::*;
    use regex::Regex;

    /// The regex that [`recipient_lines`] replaced: the reference its results must equal.
    fn reference_lines(text: &str) -> Vec<(usize, &str)> {
        let line = Regex::new(r"(?m)^([^\s@<>]+@[A-Za-z0-9.\-]+)[ \t]+(\S[^\n]*)$").expect("valid");
        line.captures_iter(text)
            .filter_map(|c| Some((c.get(0)?.start(), c.get(1)?.as_str())))
            .collect()
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_the_lines_the_reference_finds(text in crate::test_text::soup(&[
                    "a", "a@b.c", "@", "x.y", "-", " ", "\t", "  ", "\n", "\r", "\r\n", "<", ">", "é",
                    "\u{a0}", "\u{2003}", "\u{85}", "_", "Invalid Address", "\u{17f}", "\u{212a}",
                ], "[a-z@. \t\n]{1,4}", 14)) {
            prop_assert_eq!(recipient_lines(&text).collect::<Vec<_>>(), reference_lines(&text));
        }
    }

    #[test]
    fn one_line_per_recipient() {
        let raw = "From: mailer-daemon@mail.zoho.com\nSubject: Undelivered Mail Returned to Sender\nX-ZohoMail: x\n\nThis message was created automatically by mail delivery software.\nA message that you sent could not be delivered.\n\na@example.org Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <a@example.org>... User Unknown\nb@example.org Invalid Address, ERROR_CODE :552, ERROR_CODE :5.2.2 <b@example.org>... Mailbox Full\n\n\nReceived:from mail.zoho.com by mx.zohomail.com\nTo: <a@example.org>\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Zoho.decode(&mail).expect("decoded");
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[1].recipient.as_deref(), Some("b@example.org"));
        assert_eq!(
            reports[1].status.map(|s| s.to_string()).as_deref(),
            Some("5.2.2")
        );
        assert!(!reports[0].diagnostic.contains("Mailbox Full"));
    }
}
