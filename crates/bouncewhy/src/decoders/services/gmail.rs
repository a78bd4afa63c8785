//! Gmail's own plain-text bounces (before Gmail switched to RFC 3464 reports),
//! from `mailer-daemon@googlemail.com` / `@google.com`. Keys on the lines
//! `Delivery to the following recipient(s) failed permanently:` /
//! `... has been delayed:`, the indented recipient lines after them,
//! `Technical details of permanent|temporary failure:` (the diagnostic, which
//! quotes `The error that the other server returned was: 550 5.1.1 ... (state 14).`)
//! and `----- Original message -----` (the returned original, inline).

use super::super::rfc3464::Rfc3464;
use super::super::{addresses, find_literal, Decoder};
use super::{between, unfold};
use crate::diagnosis::Action;
use crate::engine::Report;
use crate::message::{parse_header_block, Mail};
use crate::smtp::{last_reply_code, last_status};

/// The Gmail decoder.
pub struct Gmail;

const ORIGINAL: &[&str] = &[
    "----- original message -----",
    "----- message header follows -----",
];

impl Decoder for Gmail {
    fn name(&self) -> &'static str {
        "gmail"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        if !(from.contains("@googlemail.com")
            || from.contains("@google.com")
            || from.contains("@gmail.com"))
        {
            return None;
        }
        let body = mail.body();
        let lower = mail.body_lower();
        let Some(heading) = find_literal!(lower, "delivery to the following recipient") else {
            return modern(mail);
        };
        if !lower.contains("technical details of") {
            return None;
        }
        let delayed = lower[heading..]
            .starts_with("delivery to the following recipient has been delayed")
            || lower[heading..]
                .starts_with("delivery to the following recipients has been delayed");
        let section_end = lower.find("technical details of").unwrap_or(body.len());
        let listing = &body[heading..section_end.max(heading)];
        let mut recipients: Vec<String> = Vec::new();
        for line in listing.lines().skip(1) {
            let trimmed = line.trim();
            if trimmed.is_empty() || !line.starts_with([' ', '\t']) {
                continue;
            }
            for address in addresses(trimmed) {
                if !recipients.iter().any(|r| r.eq_ignore_ascii_case(address)) {
                    recipients.push(address.to_string());
                }
            }
        }
        let details = between(body, "technical details of", ORIGINAL).unwrap_or("");
        // Skip "permanent failure:" / "temporary failure:".
        let details = details.split_once(':').map_or(details, |(_, rest)| rest);
        let diagnostic = unfold(details);
        if recipients.is_empty() {
            let original = lower
                .find(ORIGINAL[0])
                .or_else(|| lower.find(ORIGINAL[1]))
                .map(|at| {
                    parse_header_block(body[at..].split_once('\n').map_or("", |(_, rest)| rest))
                })
                .unwrap_or_default();
            let to = original.get("to").or_else(|| mail.original_header("to"));
            if let Some(to) = to {
                let all: Vec<&str> = addresses(to).collect();
                if all.len() == 1 {
                    recipients.push(all[0].to_string());
                }
            }
        }
        if recipients.is_empty() {
            return None;
        }
        let remote_host = remote_host(&diagnostic);
        let command = state_command(&diagnostic);
        let status = last_status(&diagnostic);
        Some(
            recipients
                .into_iter()
                .map(|recipient| Report {
                    recipient: Some(recipient),
                    action: Some(if delayed {
                        Action::Delayed
                    } else {
                        Action::Failed
                    }),
                    diagnostic: diagnostic.clone(),
                    context: unfold(&body[..section_end]),
                    status,
                    reply_code: last_reply_code(&diagnostic),
                    smtp_command: command.map(str::to_string),
                    remote_host: remote_host.clone(),
                    ..Report::default()
                })
                .collect(),
        )
    }
}

/// The current Gmail / Google Workspace notice: `** Message not delivered **`,
/// `** Address not found **`, ..., human text, then `The response was:` or
/// `The response from the remote server was:` and the reply. With a
/// `message/delivery-status` part the standard fields are used and the human
/// text becomes the context.
fn modern(mail: &Mail) -> Option<Vec<Report>> {
    let (body, lower) = (mail.body(), mail.body_lower());
    let marker = [
        "the response from the remote server was:",
        "the response was:",
    ]
    .into_iter()
    .find_map(|m| lower.find(m).map(|at| (at, m.len())));
    let human = unfold(&body[..marker.map_or(body.len(), |(at, _)| at)]);
    let response = marker
        .map(|(at, len)| {
            let rest = body[at + len..].trim_start();
            unfold(rest.split("\n\n").next().unwrap_or(rest))
        })
        .unwrap_or_default();
    if let Some(mut reports) = Rfc3464.decode(mail) {
        for report in &mut reports {
            if report.diagnostic.trim().is_empty() {
                report.diagnostic.clone_from(&response);
            }
            report.context.clone_from(&human);
        }
        return Some(reports);
    }
    if marker.is_none() || !lower.contains("**") {
        return None;
    }
    let failed = mail.header("x-failed-recipients")?;
    let reports: Vec<Report> = addresses(failed)
        .map(|recipient| Report {
            recipient: Some(recipient.to_string()),
            action: Some(Action::Failed),
            diagnostic: response.clone(),
            context: human.clone(),
            status: last_status(&response),
            reply_code: last_reply_code(&response),
            ..Report::default()
        })
        .collect();
    (!reports.is_empty()).then_some(reports)
}

/// `... rejected by the server for the recipient domain example.jp by mx.example.jp. [192.0.2.1].`
/// or `[(0) mx.example.jp. [192.0.2.1]:25: socket error]`.
fn remote_host(diagnostic: &str) -> Option<String> {
    let lower = diagnostic.to_ascii_lowercase();
    if let Some(at) = lower.find("for the recipient domain ") {
        let rest = &diagnostic[at..];
        if let Some(by) = rest.find(" by ") {
            let host = rest[by + 4..]
                .split_whitespace()
                .next()?
                .trim_end_matches('.');
            return (!host.is_empty()).then(|| host.to_string());
        }
    }
    let at = lower.find("[(0) ")?;
    let host = diagnostic[at + 5..]
        .split_whitespace()
        .next()?
        .trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_string())
}

/// Gmail's `(state N)` suffix names the SMTP stage at which the remote server answered.
fn state_command(diagnostic: &str) -> Option<&'static str> {
    let at = diagnostic.rfind("(state ")?;
    let number: String = diagnostic[at + 7..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match number.as_str() {
        "6" => Some("MAIL"),
        "8" | "9" | "12" => Some("AUTH"),
        "13" => Some("EHLO"),
        "14" => Some("RCPT"),
        "15" | "17" | "18" => Some("DATA"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn modern_notice_without_report() {
        let raw = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nX-Failed-Recipients: a@example.org\nSubject: Delivery Status Notification (Failure)\n\n** Message not delivered **\n\nYour message couldn't be delivered.\n\nThe response was:\n\n550 5.7.1 Relaying denied\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Gmail.decode(&mail).expect("decoded");
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(reports[0].diagnostic, "550 5.7.1 Relaying denied");
        assert!(reports[0].context.contains("couldn't be delivered"));
    }

    #[test]
    fn reads_recipient_and_details() {
        let raw = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status Notification (Failure)\n\nDelivery to the following recipient failed permanently:\n\n     a@example.org\n\nTechnical details of permanent failure:\nGoogle tried to deliver your message, but it was rejected by the server for the recipient domain example.org by mx.example.org. [192.0.2.1].\n\nThe error that the other server returned was:\n550 5.1.1 <a@example.org>... User Unknown (state 14).\n\n----- Original message -----\n\nTo: a@example.org\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Gmail.decode(&mail).expect("decoded");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert!(reports[0]
            .diagnostic
            .contains("550 5.1.1 <a@example.org>... User Unknown"));
        assert_eq!(reports[0].remote_host.as_deref(), Some("mx.example.org"));
        assert_eq!(reports[0].smtp_command.as_deref(), Some("RCPT"));
        assert_eq!(
            reports[0].status.map(|s| s.to_string()).as_deref(),
            Some("5.1.1")
        );
    }
}
