//! RFC 3464 delivery status notifications (and the older RFC 1894 form):
//! `multipart/report; report-type=delivery-status` with a
//! `message/delivery-status` part, or the same fields inlined in the body.

use super::Decoder;
use crate::diagnosis::{Action, Reason};
use crate::engine::Report;
use crate::message::Mail;
use crate::smtp::{find_status, normalize, StatusCode};

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
            .find(|p| p.content_type == "message/delivery-status" || p.content_type == "message/global-delivery-status")
            .map(|p| p.text.clone())
            .or_else(|| inline_fields(&mail.body()))?;
        let (per_message, recipients) = parse_fields(&fields_text);
        let reporting_mta = field(&per_message, "reporting-mta").map(strip_type);
        let body = mail.body();
        let reports: Vec<Report> = recipients
            .into_iter()
            .filter_map(|fields| {
                let recipient = field(&fields, "final-recipient").or_else(|| field(&fields, "original-recipient"))?;
                let recipient = strip_type(recipient);
                let action = field(&fields, "action").and_then(parse_action);
                let status = field(&fields, "status").and_then(|s| StatusCode::parse(s.split_whitespace().next()?));
                let mut diagnostic = field(&fields, "diagnostic-code").map(strip_type).unwrap_or_default();
                if diagnostic.trim().is_empty() {
                    diagnostic = body_lines_about(&body, &recipient);
                }
                let status = refine_status(status, &diagnostic);
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
                    ..Report::default()
                })
            })
            .collect();
        (!reports.is_empty()).then_some(reports)
    }
}

/// A DSN may carry a generic `X.0.0` status while its diagnostic names the
/// specific code: keep the specific one when the classes agree.
fn refine_status(status: Option<StatusCode>, diagnostic: &str) -> Option<StatusCode> {
    let from_text = find_status(&normalize(diagnostic)).map(|(code, _)| code);
    match (status, from_text) {
        (Some(s), Some(t)) if s.subject == 0 && s.detail == 0 && s.class == t.class => Some(t),
        (None, t) => t,
        (s, _) => s,
    }
}

/// DSN fields written into a plain-text body (some MTAs do that).
fn inline_fields(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("\nfinal-recipient:").or_else(|| lower.find("\noriginal-recipient:"))?;
    if !lower[start..].contains("\nstatus:") && !lower[start..].contains("\naction:") {
        return None;
    }
    let block_start = lower[..start].rfind("\n\n").map_or(0, |p| p + 2);
    let reporting = lower[block_start..start].contains("reporting-mta:");
    Some(body[if reporting { block_start } else { start + 1 }..].to_string())
}

type Fields = Vec<(String, String)>;

/// Splits DSN text into the per-message fields and one field list per recipient.
fn parse_fields(text: &str) -> (Fields, Vec<Fields>) {
    let mut per_message = Fields::new();
    let mut recipients: Vec<Fields> = Vec::new();
    let mut current: Option<Fields> = None;
    let mut last: Option<(bool, usize)> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            let target = match last {
                Some((true, index)) => current.as_mut().and_then(|c| c.get_mut(index)),
                Some((false, index)) => per_message.get_mut(index),
                None => None,
            };
            if let Some((_, value)) = target {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            if line.trim().is_empty() {
                last = None;
            }
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        let value = value.trim().to_string();
        let starts_recipient = match name.as_str() {
            "final-recipient" => current.as_ref().is_none_or(|c| has(c, "final-recipient")),
            "original-recipient" => current.as_ref().is_none_or(|c| has(c, "final-recipient") || has(c, "original-recipient")),
            _ => false,
        };
        if starts_recipient {
            if let Some(done) = current.take() {
                recipients.push(done);
            }
            current = Some(Fields::new());
        }
        match current.as_mut() {
            Some(fields) => {
                fields.push((name, value));
                last = Some((true, fields.len() - 1));
            }
            None => {
                per_message.push((name, value));
                last = Some((false, per_message.len() - 1));
            }
        }
    }
    recipients.extend(current);
    (per_message, recipients)
}

fn has(fields: &Fields, name: &str) -> bool {
    fields.iter().any(|(n, _)| n == name)
}

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
}

/// Drops the address or diagnostic type: `rfc822; a@b` → `a@b`, `smtp; 550 ...` → `550 ...`.
fn strip_type(value: &str) -> String {
    let value = value.trim();
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') && kind.len() <= 12 && !kind.contains('@') => rest.trim().to_string(),
        _ => value.to_string(),
    }
}

fn parse_action(value: &str) -> Option<Action> {
    let word = value.split_whitespace().next()?.to_ascii_lowercase();
    Action::parse(word.trim_end_matches(['.', ';']))
}

/// Lines of the human-readable part that mention the recipient, and the lines after them.
fn body_lines_about(body: &str, recipient: &str) -> String {
    let lower = body.to_ascii_lowercase();
    let needle = recipient.to_ascii_lowercase();
    let Some(at) = lower.find(&needle) else { return String::new() };
    let start = lower[..at].rfind('\n').map_or(0, |p| p + 1);
    let end = lower[at..].find("\n\n").map_or(body.len(), |p| at + p);
    body[start..end.min(start + 2000).min(body.len())].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_recipients_and_unfolds() {
        let text = "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.org>:\n    Recipient address rejected\n\nOriginal-Recipient: rfc822;b@example.org\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.2.2\n";
        let (message, recipients) = parse_fields(text);
        assert_eq!(field(&message, "reporting-mta"), Some("dns; mx.example.net"));
        assert_eq!(recipients.len(), 2);
        assert_eq!(field(&recipients[0], "diagnostic-code"), Some("smtp; 550 5.1.1 <a@example.org>: Recipient address rejected"));
        assert_eq!(field(&recipients[1], "original-recipient"), Some("rfc822;b@example.org"));
        assert_eq!(strip_type("rfc822;b@example.org"), "b@example.org");
    }
}
