//! Microsoft Exchange / Microsoft 365 / Outlook.com non-delivery reports that
//! carry no RFC 3464 `message/delivery-status` part (those go to the standard
//! decoder), in any language. Keys on structure, not on the localised prose:
//! - Exchange 5.5–2003 (`X-MS-Embedded-Report`, "Internet Mail Service"): the
//!   recipient lines `user@example.org on <date>` followed by indented text
//!   (`The recipient name is not recognized`, `MSEXCH:IMS:... (000C05A6) Unknown Recipient`).
//! - Exchange 2007 and later: the administrators' section, a line with the
//!   recipient address followed by `Remote Server returned '550 5.1.1 ...'`,
//!   `#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##` or
//!   `#< #5.1.1 smtp;550 5.1.1 ...> #SMTP#`; the line before the address names
//!   the generating server (`Generating server: host`, `Serveur de génération : host`).

use super::super::text::{error_section, error_section_lower};
use super::super::{addresses, find_literal, is_system_address, Decoder};
use super::unfold;
use crate::engine::Report;
use crate::message::Mail;
use regex::Regex;
use std::sync::LazyLock;

/// The Exchange NDR decoder.
pub struct Exchange;

static ADMIN_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?mi)^[ \t]*<?([^\s<>@]+@[A-Za-z0-9.\-]+)>?(?:<mailto:[^>]*>)?[ \t]*\r?\n[ \t]*(?:Remote Server returned '([^\n]*)'|(#[^\n]*##?[^\n]*)|(#< ?#[^\n]*))",
    )
    .expect("admin line pattern is valid")
});

static SERVER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^:\n]{3,60}:[ \t]*([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z0-9\-]+)[ \t]*$")
        .expect("server line pattern is valid")
});

impl Decoder for Exchange {
    fn name(&self) -> &'static str {
        "exchange"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        if mail.part("message/delivery-status").is_some()
            || mail.part("message/global-delivery-status").is_some()
        {
            return None;
        }
        let microsoft_headers = mail.headers.iter().any(|(n, _)| {
            n.starts_with("x-ms-exchange-")
                || n == "x-ms-embedded-report"
                || n == "x-ms-tnef-correlator"
        }) || mail
            .header("x-mailer")
            .is_some_and(|m| m.contains("Internet Mail Service"));
        let lower = mail.body_lower();
        let admin_lines = may_hold_admin_lines(lower);
        let legacy_report = microsoft_headers
            || find_literal!(lower, "did not reach the following recipient").is_some();
        if !admin_lines && !legacy_report {
            return None;
        }
        let section = error_section(mail);
        let reports = if admin_lines && ADMIN_LINE.is_match(section) {
            modern(section)
        } else if legacy_report {
            legacy(section, error_section_lower(mail))
        } else {
            Vec::new()
        };
        (!reports.is_empty()).then_some(reports)
    }
}

/// Whether [`ADMIN_LINE`] may match in `lower` (text in ASCII lower case)
/// or a prefix of it: its second line holds `returned '` (no letter of
/// which folds to a non-ASCII one), or starts with `#` after spaces and tabs
/// and follows a line that ends (before spaces, tabs and a carriage return)
/// with an address's last character or `>`.
fn may_hold_admin_lines(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    let without_trailing_blanks = |line: &[u8]| {
        let blanks = line
            .iter()
            .rev()
            .take_while(|&&b| matches!(b, b' ' | b'\t'))
            .count();
        line.len() - blanks
    };
    // The last bytes of LONG S and KELVIN SIGN, which `(?i)[a-z]` matches.
    let ends_address =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'>' | 0xBF | 0xAA);
    find_literal!(lower, "returned '").is_some()
        || memchr::memchr_iter(b'#', bytes).any(|at| {
            let line_start = without_trailing_blanks(&bytes[..at]);
            let Some(newline) = line_start.checked_sub(1).filter(|&nl| bytes[nl] == b'\n') else {
                return false;
            };
            let before = &bytes[..newline];
            let before = before.strip_suffix(b"\r").unwrap_or(before);
            let end = without_trailing_blanks(before);
            end > 0 && ends_address(before[end - 1])
        })
}

fn modern(section: &str) -> Vec<Report> {
    let mut reports: Vec<Report> = Vec::new();
    for caps in ADMIN_LINE.captures_iter(section) {
        let Some(address) = caps.get(1).map(|m| m.as_str()) else {
            continue;
        };
        if is_system_address(address)
            || reports
                .iter()
                .any(|r| r.recipient.as_deref() == Some(address))
        {
            continue;
        }
        let raw = caps
            .get(2)
            .or_else(|| caps.get(3))
            .or_else(|| caps.get(4))
            .map_or("", |m| m.as_str());
        // `#550 5.1.1 text ##rfc822;original@example.org` / `#< #5.1.1 smtp;550 ...> #SMTP#`
        let (diagnostic, original) = match raw
            .trim_start_matches("#< ")
            .trim_start_matches('#')
            .split_once("##")
        {
            Some((text, rest)) => (text, addresses(rest).next().map(str::to_string)),
            None => (raw.trim_start_matches("#< ").trim_matches('#'), None),
        };
        let diagnostic = diagnostic.trim().trim_end_matches("> #SMTP").trim();
        let start = caps.get(0).map_or(0, |m| m.start());
        let previous = section[..start].trim_end().lines().last().unwrap_or("");
        let reporting_mta = SERVER_LINE
            .captures(previous.trim())
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string());
        reports.push(Report {
            recipient: Some(address.to_string()),
            original_recipient: original.filter(|o| !o.eq_ignore_ascii_case(address)),
            diagnostic: unfold(diagnostic),
            context: unfold(&section[..start]),
            reporting_mta: reporting_mta
                .or_else(|| reports.last().and_then(|r| r.reporting_mta.clone())),
            ..Report::default()
        });
    }
    reports
}

/// `lower` is `section` in ASCII lower case.
fn legacy(section: &str, lower: &str) -> Vec<Report> {
    let start = lower
        .find("did not reach the following recipient")
        .unwrap_or(0);
    let text = &section[start..];
    let matches: Vec<_> = legacy_lines(text).collect();
    let mut reports: Vec<Report> = Vec::new();
    for (index, (_, end, address)) in matches.iter().enumerate() {
        if addresses(address).next().is_none()
            || reports
                .iter()
                .any(|r| r.recipient.as_deref() == Some(*address))
        {
            continue;
        }
        let after = &text[*end..];
        let after = after.split_once('\n').map_or("", |(_, rest)| rest);
        let stop = matches.get(index + 1).map_or(after.len(), |(next, _, _)| {
            next.saturating_sub(text.len() - after.len())
        });
        let block = &after[..stop.min(after.len())];
        let block = block.split("\n\n\n").next().unwrap_or(block);
        reports.push(Report {
            recipient: Some(address.to_string()),
            diagnostic: unfold(block),
            ..Report::default()
        });
    }
    reports
}

/// The addresses that start lines of `text` as `address on <date>`, with
/// where each starts and ends.
fn legacy_lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut line_start = 0;
    text.split('\n').filter_map(move |line| {
        let at = line_start;
        line_start += line.len() + 1;
        let (start, end) = legacy_address(line)?;
        Some((at + start, at + end, &line[start..end]))
    })
}

/// Where the address starts and ends when the regex
/// `^[ \t]*([^\s@]+@[A-Za-z0-9.\-]+) on [^\n]+$` matches the line: no
/// shorter indent, local part or domain could match, as the character after
/// one would be neither the start of a local part, `@` nor a space.
fn legacy_address(line: &str) -> Option<(usize, usize)> {
    let start = line.len() - line.trim_start_matches([' ', '\t']).len();
    let local = line[start..]
        .find(|c: char| c.is_whitespace() || c == '@')
        .unwrap_or(line.len() - start);
    if local == 0 || !line[start + local..].starts_with('@') {
        return None;
    }
    let domain_start = start + local + 1;
    let domain = line[domain_start..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    let end = domain_start + domain;
    let dated = line[end..]
        .strip_prefix(" on ")
        .is_some_and(|date| !date.is_empty());
    (domain > 0 && dated).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use proptest::prelude::*;

    /// The regex that [`legacy_lines`] replaced: the reference its results must equal.
    fn reference_legacy_lines(text: &str) -> Vec<(usize, usize, &str)> {
        let line = Regex::new(r"(?m)^[ \t]*([^\s@]+@[A-Za-z0-9.\-]+) on [^\n]+$").expect("valid");
        line.captures_iter(text)
            .filter_map(|c| c.get(1).map(|m| (m.start(), m.end(), m.as_str())))
            .collect()
    }

    /// Text made of `words`, spacing and other characters.
    fn pieces(words: &'static [&'static str]) -> impl Strategy<Value = String> {
        crate::test_text::soup(words, "[a-z@#. \t\n]{1,4}", 14)
    }

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_the_legacy_lines_the_reference_finds(text in pieces(&[
            "a", "a@b.c", "@", " on ", "on", "x.y", "-", " ", "\t", "\n", "\r", "\r\n", "<", "é",
            "\u{a0}", "\u{2003}", "\u{85}", "_", "Thu, 1 Jan", "a@b on x", "\u{17f}", "\u{212a}",
        ])) {
            prop_assert_eq!(legacy_lines(&text).collect::<Vec<_>>(), reference_legacy_lines(&text));
        }

        #[test]
        fn admin_lines_need_what_the_gate_looks_for(text in pieces(&[
            "a@b.c", "<a@b.c>", "<mailto:a@b.c>", "\n", "\r\n", " ", "\t", "#", "##", "#< #", "#<#",
            "Remote Server returned '", "REMOTE \u{17f}ERVER RETURNED '", "550 5.1.1", "'", ">",
            "x@y\u{17f}", "x@y\u{212a}", "a@b.c-", "a@b.c.", "\r", "#####", "a@b.c \t\r\n  #x#",
        ])) {
            if ADMIN_LINE.is_match(&text) {
                prop_assert!(may_hold_admin_lines(&text.to_ascii_lowercase()));
            }
        }
    }

    fn mail(raw: &str) -> Mail {
        Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses")
    }

    #[test]
    fn localised_modern_ndr() {
        let raw = "From: postmaster@example.net\nSubject: Unzustellbar: Hallo\nX-MS-Exchange-Message-Is-Ndr: \n\nDie Nachricht konnte nicht zugestellt werden.\n\nDiagnoseinformationen für Administratoren:\n\nGenerierender Server: mail.example.net\n\na@example.org\nRemote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\n\nUrsprüngliche Nachrichtenkopfzeilen:\n\nFrom: s@example.net\n";
        let reports = Exchange.decode(&mail(raw)).expect("decoded");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(
            reports[0].diagnostic,
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
        );
        assert_eq!(
            reports[0].reporting_mta.as_deref(),
            Some("mail.example.net")
        );
    }

    #[test]
    fn hash_form() {
        let raw = "From: postmaster@example.net\nSubject: Onbestelbaar: x\n\nServer: mx.example.net\nb@example.org\n#550 5.2.2 mailbox full ##\n";
        let reports = Exchange.decode(&mail(raw)).expect("decoded");
        assert_eq!(reports[0].diagnostic, "550 5.2.2 mailbox full");
        let raw = "From: postmaster@example.net\nSubject: x\n\nServer: mx.example.net\nb@example.org\n#550 5.7.1 denied ##rfc822;c@example.org\n";
        let reports = Exchange.decode(&mail(raw)).expect("decoded");
        assert_eq!(reports[0].diagnostic, "550 5.7.1 denied");
        assert_eq!(
            reports[0].original_recipient.as_deref(),
            Some("c@example.org")
        );
    }

    #[test]
    fn legacy_ndr() {
        let raw = "From: postmaster@example.net\nSubject: Undeliverable: x\nX-MS-Embedded-Report: \n\nYour message\n\n  To: a@example.org\n\ndid not reach the following recipient(s):\n\na@example.org on Thu, 29 Apr 2010 00:00:00 -0000\n    The recipient name is not recognized\n    MSEXCH:IMS:X:Y:Z 0 (000C05A6) Unknown Recipient\n";
        let reports = Exchange.decode(&mail(raw)).expect("decoded");
        assert_eq!(reports.len(), 1);
        assert!(reports[0]
            .diagnostic
            .starts_with("The recipient name is not recognized"));
    }
}
