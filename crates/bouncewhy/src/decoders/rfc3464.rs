//! RFC 3464 delivery status notifications (and the older RFC 1894 form):
//! `multipart/report; report-type=delivery-status` with a
//! `message/delivery-status` part, or the same fields inlined in the body.

use super::{find, find_literal, first_chars, Decoder};
use crate::diagnosis::{Action, Reason};
use crate::engine::Report;
use crate::message::Mail;
use crate::smtp::{find_status, normalize, StatusCode};
use std::borrow::Cow;

/// The RFC 3464 decoder.
pub struct Rfc3464;

impl Decoder for Rfc3464 {
    fn name(&self) -> &'static str {
        "rfc3464"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let fields_text = mail
            .parts
            .iter()
            .find(|p| {
                p.content_type == "message/delivery-status"
                    || p.content_type == "message/global-delivery-status"
            })
            .map(|p| p.text.as_str())
            .or_else(|| inline_fields(mail.body(), mail.body_lower()))?;
        let (per_message, recipients) = parse_fields(fields_text);
        let reporting_mta = field(&per_message, "reporting-mta").map(strip_type);
        let (body, lower) = (mail.body(), mail.body_lower());
        let context = first_chars(super::text::error_section(mail), 8000);
        let reports: Vec<Report> = recipients
            .into_iter()
            .filter_map(|fields| {
                let recipient = field(&fields, "final-recipient")
                    .or_else(|| field(&fields, "original-recipient"))?;
                let recipient = strip_type(recipient);
                let action = field(&fields, "action").and_then(parse_action);
                let status = field(&fields, "status")
                    .and_then(|s| StatusCode::parse(s.split_whitespace().next()?));
                let mut diagnostic = field(&fields, "diagnostic-code")
                    .map(strip_type)
                    .unwrap_or_default();
                let about = body_lines_about(body, lower, &recipient);
                if diagnostic.trim().is_empty() {
                    diagnostic = about.to_string();
                }
                // Some MTAs explain the code in the Status field itself:
                // "Status: 5.2.1 (mailbox disabled, not accepting messages)".
                if let Some(comment) = field(&fields, "status")
                    .and_then(|s| s.split_once('('))
                    .and_then(|(_, rest)| rest.split(')').next())
                    .filter(|c| !c.trim().is_empty())
                {
                    diagnostic = format!("{diagnostic} ({})", comment.trim());
                }
                let status = refine_status(status, &diagnostic);
                // The human-readable part often names the stage the
                // diagnostic leaves out ("... after EHLO mx.example.com:").
                let smtp_command = super::mta::common::command(&diagnostic)
                    .or_else(|| super::mta::common::command(about));
                let forced_reason = match action {
                    Some(Action::Delivered | Action::Relayed | Action::Expanded) => {
                        Some((Reason::Delivered, "rfc3464.action-delivered".to_string()))
                    }
                    _ => None,
                };
                Some(Report {
                    original_recipient: field(&fields, "original-recipient").map(strip_type),
                    recipient: Some(recipient),
                    action,
                    diagnostic,
                    status,
                    remote_host: field(&fields, "remote-mta").map(strip_type),
                    reporting_mta: reporting_mta.clone(),
                    timestamp: field(&fields, "last-attempt-date")
                        .or_else(|| field(&per_message, "arrival-date"))
                        .map(str::to_string),
                    forced_reason,
                    context: context.to_string(),
                    smtp_command,
                    ..Report::default()
                })
            })
            .collect();
        (!reports.is_empty()).then_some(reports)
    }
}

/// A DSN may carry a generic `X.0.0` status while its diagnostic names the
/// specific code: keep the specific one when the classes agree. When the
/// classes disagree, or the words name a more specific code, the remote
/// server's own words are the better witness.
fn refine_status(status: Option<StatusCode>, diagnostic: &str) -> Option<StatusCode> {
    let from_text = find_status(&normalize(diagnostic)).map(|(code, _)| code);
    match (status, from_text) {
        (Some(s), Some(t)) if s.subject == 0 && s.detail == 0 && s.class == t.class => Some(t),
        (Some(s), Some(t)) if s.class != t.class => Some(t),
        // A specific code in the remote server's own words beats the
        // reporting MTA's summary ("Status: 5.1.1" for "552 5.2.2 Over quota").
        (Some(_), Some(t)) if t.subject != 0 || t.detail != 0 => Some(t),
        (None, t) => t,
        (s, _) => s,
    }
}

/// DSN fields written into a plain-text body (some MTAs do that); `lower`
/// is `body` in ASCII lower case.
fn inline_fields<'a>(body: &'a str, lower: &str) -> Option<&'a str> {
    let start = find_literal!(lower, "\nfinal-recipient:")
        .or_else(|| find_literal!(lower, "\noriginal-recipient:"))?;
    if !lower[start..].contains("\nstatus:") && !lower[start..].contains("\naction:") {
        return None;
    }
    let block_start = lower[..start].rfind("\n\n").map_or(0, |p| p + 2);
    let reporting = lower[block_start..start].contains("reporting-mta:");
    Some(&body[if reporting { block_start } else { start + 1 }..])
}

/// Fields as (name in its own case, value with folded lines unfolded).
type Fields<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// Splits DSN text into the per-message fields and one field list per recipient.
///
/// Blocks are separated by blank lines; a block that names a recipient
/// (`Final-Recipient` or `Original-Recipient`, in any position) is a recipient
/// block, and a block naming several recipients is split at each repeat.
pub(crate) fn parse_fields(text: &str) -> (Fields<'_>, Vec<Fields<'_>>) {
    let mut per_message = Fields::new();
    let mut recipients: Vec<Fields> = Vec::new();
    for block in blocks(text) {
        let names_recipient = block.iter().any(|(n, _)| is_recipient_field(n));
        if !names_recipient {
            if recipients.is_empty() {
                per_message.extend(block);
            } else if let Some(last) = recipients.last_mut() {
                last.extend(block);
            }
            continue;
        }
        let mut current = Fields::new();
        for (name, value) in block {
            let repeats = is_recipient_field(name) && has(&current, name);
            let final_after_final = name.eq_ignore_ascii_case("original-recipient")
                && has(&current, "final-recipient")
                && current
                    .iter()
                    .rposition(|(n, _)| n.eq_ignore_ascii_case("final-recipient"))
                    != Some(current.len() - 1);
            if repeats || final_after_final {
                recipients.push(std::mem::take(&mut current));
            }
            current.push((name, value));
        }
        recipients.push(current);
    }
    (per_message, recipients)
}

/// Whether a field names a recipient.
fn is_recipient_field(name: &str) -> bool {
    name.eq_ignore_ascii_case("final-recipient") || name.eq_ignore_ascii_case("original-recipient")
}

/// Header-like fields grouped by blank lines, with folded lines unfolded.
fn blocks(text: &str) -> Vec<Fields<'_>> {
    let mut blocks = Vec::new();
    let mut current = Fields::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                let value = value.to_mut();
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some(colon) = memchr::memchr(b':', line.as_bytes()) {
            let name = line[..colon].trim();
            if !name.is_empty() && memchr::memchr(b' ', name.as_bytes()).is_none() {
                current.push((name, Cow::Borrowed(line[colon + 1..].trim())));
            }
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// Whether `fields` has a field `name` (in any ASCII case).
fn has(fields: &Fields, name: &str) -> bool {
    fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// The first non-empty value of the field `name` (lower case).
fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, v)| n.eq_ignore_ascii_case(name) && !v.is_empty())
        .map(|(_, v)| v.as_ref())
}

/// Drops the address or diagnostic type: `rfc822; a@b` → `a@b`, `smtp; 550 ...` → `550 ...`.
fn strip_type(value: &str) -> String {
    let value = value.trim();
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') && kind.len() <= 12 && !kind.contains('@') => {
            rest.trim().to_string()
        }
        _ => value.to_string(),
    }
}

fn parse_action(value: &str) -> Option<Action> {
    let word = value.split_whitespace().next()?.to_ascii_lowercase();
    Action::parse(word.trim_end_matches(['.', ';']))
}

/// Lines of the human-readable part that mention the recipient, and the
/// lines after them; `lower` is `body` in ASCII lower case.
fn body_lines_about<'a>(body: &'a str, lower: &str, recipient: &str) -> &'a str {
    let Some(at) = find(lower, &recipient.to_ascii_lowercase()) else {
        return "";
    };
    let start = lower[..at].rfind('\n').map_or(0, |p| p + 1);
    let end = find_literal!(&lower[at..], "\n\n").map_or(body.len(), |p| at + p);
    let mut end = end.min(start + 2000).min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_recipients_and_unfolds() {
        let text = "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.org>:\n    Recipient address rejected\n\nOriginal-Recipient: rfc822;b@example.org\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.2.2\n";
        let (message, recipients) = parse_fields(text);
        assert_eq!(
            field(&message, "reporting-mta"),
            Some("dns; mx.example.net")
        );
        assert_eq!(recipients.len(), 2);
        assert_eq!(
            field(&recipients[0], "diagnostic-code"),
            Some("smtp; 550 5.1.1 <a@example.org>: Recipient address rejected")
        );
        assert_eq!(
            field(&recipients[1], "original-recipient"),
            Some("rfc822;b@example.org")
        );
        assert_eq!(strip_type("rfc822;b@example.org"), "b@example.org");
    }

    #[test]
    fn fields_before_the_recipient_and_original_after_final_stay_together() {
        let text = "Reporting-MTA: dns; mx.example.net\n\nAction: failed\nStatus: 5.1.1\nFinal-Recipient: rfc822; a@example.org\nOriginal-Recipient: rfc822; A@example.org\nDiagnostic-Code: smtp; 550 no\n";
        let (_, recipients) = parse_fields(text);
        assert_eq!(recipients.len(), 1);
        assert_eq!(field(&recipients[0], "status"), Some("5.1.1"));
        assert_eq!(
            field(&recipients[0], "original-recipient"),
            Some("rfc822; A@example.org")
        );
        let final_first = "Final-Recipient: rfc822; a@example.org\nOriginal-Recipient: rfc822;a@example.org\nAction: failed\n\nFinal-Recipient: rfc822; b@example.org\nOriginal-Recipient: rfc822;b@example.org\nAction: failed\n";
        let (_, recipients) = parse_fields(final_first);
        assert_eq!(recipients.len(), 2);
        assert_eq!(
            field(&recipients[1], "final-recipient"),
            Some("rfc822; b@example.org")
        );
    }
}
