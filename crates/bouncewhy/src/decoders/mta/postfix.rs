//! Postfix bounces ("Undelivered Mail Returned to Sender").
//!
//! Keys on Postfix's `X-Postfix-Queue-ID` / `X-Postfix-Sender` DSN fields or the
//! notice "This is the mail system at host" / "This is the Postfix program at
//! host". The `message/delivery-status` part is read by the RFC 3464 decoder;
//! the human-readable part adds per recipient the paragraph
//! `<address>: host mx.example.net[192.0.2.1] said: 550 5.1.1 ... (in reply to
//! RCPT TO command)`, which names the remote host and the SMTP command (and is
//! the diagnostic when the DSN has none, or when there is no DSN at all).
//! Postfix reports `Action: failed` with a 4.x.x status only when the message
//! stayed in the queue longer than its lifetime: expired.

use super::common::{command, fold, remote_host};
use crate::decoders::rfc3464::Rfc3464;
use crate::decoders::{
    addresses, contains_ignore_ascii_case, find_literal, is_system_address, Decoder,
};
use crate::diagnosis::{Action, Reason};
use crate::engine::Report;
use crate::message::{parse_header_block, Mail};

/// The Postfix decoder.
pub struct Postfix;

impl Decoder for Postfix {
    fn name(&self) -> &'static str {
        "postfix"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let body = mail.body();
        let lower = mail.body_lower();
        let signed = mail.part("message/delivery-status").is_some_and(|p| {
            contains_ignore_ascii_case(&p.text, "x-postfix-queue-id")
                || contains_ignore_ascii_case(&p.text, "x-postfix-sender")
        }) || find_literal!(lower, "this is the mail system at host").is_some()
            || find_literal!(lower, "this is the postfix program at host").is_some();
        if !signed {
            return None;
        }
        let paragraphs = paragraphs(body);
        let mut reports = Rfc3464.decode(mail).unwrap_or_default();
        if reports.is_empty() {
            reports = paragraphs
                .iter()
                .map(|(recipient, text)| Report {
                    recipient: Some(recipient.clone()),
                    diagnostic: text.clone(),
                    ..Report::default()
                })
                .collect();
        }
        if reports.is_empty() && lower.contains("delivery report unavailable") {
            let returned = mail
                .part("message/rfc822")
                .map(|p| parse_header_block(&p.text))
                .unwrap_or_default();
            let header = |name: &str| {
                mail.original_header(name)
                    .or_else(|| returned.get(name))
                    .map(str::to_string)
            };
            let sender =
                header("from").and_then(|f| addresses(&f).next().map(str::to_ascii_lowercase));
            let recipient = header("to").and_then(|to| {
                addresses(&to)
                    .find(|a| Some(a.to_ascii_lowercase()) != sender && !is_system_address(a))
                    .map(str::to_string)
            });
            reports.push(Report {
                recipient,
                sender,
                ..Report::default()
            });
        }
        let single = reports.len() == 1 && paragraphs.len() == 1;
        for report in &mut reports {
            let recipient = report
                .recipient
                .clone()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let paragraph = paragraphs
                .iter()
                .find(|(r, _)| r.eq_ignore_ascii_case(&recipient))
                .or_else(|| single.then(|| &paragraphs[0]))
                .map(|(_, text)| text.as_str());
            if let Some(text) = paragraph {
                report.smtp_command = report.smtp_command.take().or_else(|| command(text));
                report.remote_host = remote_host(text).or_else(|| report.remote_host.take());
                if report.diagnostic.trim().is_empty() || report.diagnostic.trim() == text.trim() {
                    report.diagnostic = text.to_string();
                } else {
                    report.context = text.to_string();
                }
            }
            let remote_replied = crate::smtp::find_reply_code(&report.diagnostic).is_some();
            let gave_up = report.action == Some(Action::Failed)
                && report.status.is_some_and(|s| s.class == 4)
                && !remote_replied;
            if gave_up && report.forced_reason.is_none() {
                report.fallback_reason = Some((
                    Reason::Expired,
                    "postfix.failed-with-temporary-status".into(),
                ));
            }
        }
        (!reports.is_empty()).then_some(reports)
    }
}

/// The `<address>: text` paragraphs of the notice (also `<address> (expanded
/// from <alias>): text`), each folded to one line without the address.
fn paragraphs(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    let mut open = false;
    for line in body.lines() {
        if line.trim().is_empty() {
            open = false;
            continue;
        }
        if !line.starts_with([' ', '\t']) && line.starts_with('<') {
            if let Some(close) = line.find('>') {
                let address = &line[1..close];
                let rest = &line[close + 1..];
                let text = match rest.find("): ") {
                    Some(p) if rest.trim_start().starts_with("(expanded from") => &rest[p + 3..],
                    _ => rest.trim_start().strip_prefix(':').unwrap_or(""),
                };
                if address.contains('@')
                    && (rest.starts_with(':') || rest.trim_start().starts_with("(expanded from"))
                {
                    out.push((address.to_string(), vec![text]));
                    open = true;
                    continue;
                }
            }
        }
        if open && line.starts_with([' ', '\t']) {
            if let Some((_, text)) = out.last_mut() {
                text.push(line);
            }
        } else {
            open = false;
        }
    }
    out.into_iter()
        .map(|(address, lines)| (address, fold(&lines)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn adds_host_and_command_from_the_notice() {
        let raw = "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\nTo: s@example.com\nSubject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.com.\n\n<a@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <a@example.org>:\n    Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n<b@example.org>: connect to example.org[192.0.2.2]:25: Connection timed out\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\nX-Postfix-Queue-ID: 1234\n\nFinal-Recipient: rfc822; a@example.org\nOriginal-Recipient: rfc822;a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.org>: Recipient address rejected: User unknown\n\nFinal-Recipient: rfc822; b@example.org\nAction: failed\nStatus: 4.4.1\nDiagnostic-Code: X-Postfix; connect to example.org[192.0.2.2]:25: Connection timed out\n--B--\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Postfix.decode(&mail).expect("postfix");
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].smtp_command.as_deref(), Some("RCPT"));
        assert_eq!(reports[0].remote_host.as_deref(), Some("mx.example.org"));
        assert!(reports[0].fallback_reason.is_none());
        assert_eq!(
            reports[1].fallback_reason.as_ref().map(|r| r.0),
            Some(Reason::Expired)
        );
    }
}
