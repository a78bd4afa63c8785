//! Amazon SES (Simple Email Service).
//!
//! Two forms:
//! - JSON notifications (SES event / SNS notification) in the body of a message
//!   from `no-reply@sns.amazonaws.com` or with `x-amz-sns-*` headers: the
//!   `{"notificationType":"Bounce"|"Complaint"|"Delivery", ...}` object, possibly
//!   wrapped in an SNS envelope whose `"Message"` field is the JSON as a string.
//!   Fields read: `bounce.bounceType`, `bounce.bouncedRecipients[].emailAddress`,
//!   `.status`, `.diagnosticCode`, `bounce.reportingMTA`, `complaint.complainedRecipients`,
//!   `complaint.complaintFeedbackType`, `delivery.recipients`, `delivery.smtpResponse`.
//! - DSNs from `MAILER-DAEMON@...amazonses.com` (or with `X-SES-Outgoing`): an RFC 3464
//!   report whose `Diagnostic-Code` wraps the remote server's reply, e.g.
//!   `554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>`;
//!   the remote server's (innermost) codes are reported.

use super::super::rfc3464::Rfc3464;
use super::super::{find_literal, Decoder};

use crate::diagnosis::{Action, Reason};
use crate::engine::Report;
use crate::message::Mail;
use crate::smtp::StatusCode;
use crate::smtp::{last_reply_code, last_status};
use serde_json::Value;

/// The Amazon SES decoder.
pub struct AmazonSes;

impl Decoder for AmazonSes {
    fn name(&self) -> &'static str {
        "amazonses"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        let body = mail.body();
        if find_literal!(body, "notificationType").is_some()
            || find_literal!(body, "eventType").is_some()
        {
            let sns = from.contains("amazonaws.com")
                || mail
                    .headers
                    .iter()
                    .any(|(n, _)| n.starts_with("x-amz-sns-"));
            if sns || body.contains("amazonses.com") {
                if let Some(reports) = from_json(body) {
                    return Some(reports);
                }
            }
        }
        let ses_dsn = (from.contains("amazonses.com") || mail.header("x-ses-outgoing").is_some())
            && mail.part("message/delivery-status").is_some();
        if !ses_dsn {
            return None;
        }
        let mut reports = Rfc3464.decode(mail)?;
        for report in &mut reports {
            let lower = report.diagnostic.to_ascii_lowercase();
            if let Some(status) = last_status(&report.diagnostic) {
                if status.class != 2 {
                    report.status = Some(status);
                }
            }
            if let Some(code) = last_reply_code(&report.diagnostic) {
                report.reply_code = Some(code);
            }
            if lower.contains("message expired") && lower.contains("unable to deliver in") {
                report.forced_reason = Some((Reason::Expired, "amazonses.message-expired".into()));
            }
        }
        Some(reports)
    }
}

/// Reads the first JSON object in the body (trailing text is ignored).
/// Mail transport may wrap long lines inside JSON strings; a second attempt
/// drops the line breaks.
fn first_json(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let parse = |json: &str| {
        serde_json::Deserializer::from_str(json)
            .into_iter::<Value>()
            .next()?
            .ok()
    };
    parse(&text[start..]).or_else(|| parse(&text[start..].replace(['\r', '\n'], "")))
}

fn parse_message(inner: &str) -> Option<Value> {
    serde_json::from_str(inner)
        .ok()
        .or_else(|| serde_json::from_str(&inner.replace(['\r', '\n'], "")).ok())
}

fn from_json(body: &str) -> Option<Vec<Report>> {
    let mut value = first_json(body)?;
    if let Some(inner) = value.get("Message").and_then(Value::as_str) {
        value = parse_message(inner)?;
    }
    let kind = value
        .get("notificationType")
        .or_else(|| value.get("eventType"))
        .and_then(Value::as_str)?
        .to_ascii_lowercase();
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let original = value.get("mail");
    let sender = original.and_then(|m| text(m, "source"));
    let subject = original
        .and_then(|m| m.get("commonHeaders"))
        .and_then(|h| text(h, "subject"));
    let message_id = original
        .and_then(|m| m.get("commonHeaders"))
        .and_then(|h| text(h, "messageId"));
    let mut reports = Vec::new();
    match kind.as_str() {
        "bounce" => {
            let bounce = value.get("bounce")?;
            let reporting = text(bounce, "reportingMTA").map(|m| strip_type(&m));
            let timestamp = text(bounce, "timestamp");
            let transient =
                text(bounce, "bounceType").is_some_and(|t| t.eq_ignore_ascii_case("transient"));
            for item in bounce
                .get("bouncedRecipients")
                .and_then(Value::as_array)?
                .iter()
            {
                let Some(address) = text(item, "emailAddress") else {
                    continue;
                };
                let diagnostic = text(item, "diagnosticCode")
                    .map(|d| strip_type(&d))
                    .unwrap_or_default();
                let status = text(item, "status")
                    .and_then(|s| StatusCode::parse(&s))
                    .or_else(|| last_status(&diagnostic));
                let action = text(item, "action")
                    .and_then(|a| Action::parse(&a.to_ascii_lowercase()))
                    .or(Some(if transient {
                        Action::Delayed
                    } else {
                        Action::Failed
                    }));
                reports.push(Report {
                    recipient: Some(address),
                    action,
                    reply_code: last_reply_code(&diagnostic),
                    status,
                    diagnostic,
                    context: format!(
                        "bounceType: {} bounceSubType: {}",
                        text(bounce, "bounceType").unwrap_or_default(),
                        text(bounce, "bounceSubType").unwrap_or_default()
                    ),
                    reporting_mta: reporting.clone(),
                    timestamp: timestamp.clone(),
                    ..Report::default()
                });
            }
        }
        "complaint" => {
            let complaint = value.get("complaint")?;
            let feedback = text(complaint, "complaintFeedbackType");
            for item in complaint
                .get("complainedRecipients")
                .and_then(Value::as_array)?
                .iter()
            {
                let Some(address) = text(item, "emailAddress") else {
                    continue;
                };
                reports.push(Report {
                    recipient: Some(address),
                    diagnostic: feedback.clone().unwrap_or_default(),
                    feedback_type: feedback.clone(),
                    forced_reason: Some((Reason::Feedback, "amazonses.complaint".into())),
                    timestamp: text(complaint, "timestamp"),
                    ..Report::default()
                });
            }
        }
        "delivery" => {
            let delivery = value.get("delivery")?;
            let response = text(delivery, "smtpResponse").unwrap_or_default();
            for address in delivery
                .get("recipients")
                .and_then(Value::as_array)?
                .iter()
                .filter_map(Value::as_str)
            {
                reports.push(Report {
                    recipient: Some(address.to_string()),
                    action: Some(Action::Delivered),
                    status: last_status(&response),
                    reply_code: last_reply_code(&response),
                    diagnostic: response.clone(),
                    reporting_mta: text(delivery, "reportingMTA"),
                    remote_host: text(delivery, "remoteMtaIp"),
                    timestamp: text(delivery, "timestamp"),
                    forced_reason: Some((Reason::Delivered, "amazonses.delivery".into())),
                    ..Report::default()
                });
            }
        }
        _ => return None,
    }
    for report in &mut reports {
        report.sender.clone_from(&sender);
        report.subject.clone_from(&subject);
        report.message_id.clone_from(&message_id);
    }
    (!reports.is_empty()).then_some(reports)
}

/// `dsn; host` → `host`, `smtp; 550 ...` → `550 ...`.
fn strip_type(value: &str) -> String {
    match value.split_once(';') {
        Some((kind, rest)) if kind.len() <= 8 && !kind.contains(' ') => rest.trim().to_string(),
        _ => value.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn mail(raw: &str) -> Mail {
        Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses")
    }

    #[test]
    fn reads_sns_wrapped_bounce() {
        let inner = r#"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"General\",\"bouncedRecipients\":[{\"emailAddress\":\"a@example.org\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 no such user\"}],\"reportingMTA\":\"dsn; out.example.net\"}}"#;
        let raw = format!("From: X <no-reply@sns.amazonaws.com>\nSubject: AWS Notification Message\n\n{{\n \"Type\" : \"Notification\",\n \"Message\" : \"{inner}\"\n}}\n--\nunsubscribe\n");
        let reports = AmazonSes.decode(&mail(&raw)).expect("decoded");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(
            reports[0].status.map(|s| s.to_string()).as_deref(),
            Some("5.1.1")
        );
        assert_eq!(reports[0].diagnostic, "550 5.1.1 no such user");
        assert_eq!(reports[0].reporting_mta.as_deref(), Some("out.example.net"));
    }

    #[test]
    fn tolerates_wrapped_lines() {
        let raw = "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":\"a@exam\nple.org\"}]}}\n";
        let reports = AmazonSes.decode(&mail(raw)).expect("decoded");
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
    }

    #[test]
    fn reads_delivery_and_complaint() {
        let raw = "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":[\"b@example.org\"],\"smtpResponse\":\"250 2.6.0 ok\"}}\n";
        let reports = AmazonSes.decode(&mail(raw)).expect("decoded");
        assert_eq!(
            reports[0].forced_reason.as_ref().map(|r| r.0),
            Some(Reason::Delivered)
        );
        let raw = "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n{\"notificationType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"c@example.org\"}],\"complaintFeedbackType\":\"abuse\"}}\n";
        let reports = AmazonSes.decode(&mail(raw)).expect("decoded");
        assert_eq!(
            reports[0].forced_reason.as_ref().map(|r| r.0),
            Some(Reason::Feedback)
        );
    }

    #[test]
    fn ignores_other_mail() {
        assert!(AmazonSes
            .decode(&mail("From: a@example.org\nSubject: hi\n\n{\"x\":1}\n"))
            .is_none());
    }
}
