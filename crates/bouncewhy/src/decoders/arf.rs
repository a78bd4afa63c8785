//! Feedback reports (RFC 5965, ARF): `message/feedback-report` parts, or the
//! same fields in the body of providers that send them inline.

use super::{find_literal, first_address, Decoder};
use crate::diagnosis::Reason;
use crate::engine::Report;
use crate::message::{parse_header_block, Mail};

/// The ARF decoder.
pub struct Arf;

impl Decoder for Arf {
    fn name(&self) -> &'static str {
        "arf"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        if let Some(report) = apple_unsubscribe(mail) {
            return Some(vec![report]);
        }
        let report_text = mail
            .part("message/feedback-report")
            .map(|p| p.text.as_str())
            .or_else(|| {
                let at = find_literal!(mail.body_lower(), "feedback-type:")?;
                Some(&mail.body()[at..])
            })?;
        let fields = parse_header_block(report_text);
        let get = |name: &str| fields.get(name).map(|v| v.trim().to_string());
        let feedback_type = get("feedback-type")?.to_ascii_lowercase();
        // The report's own recipient fields (several allowed) come before
        // the To of the returned original, which may name a list or nobody.
        let mut recipients: Vec<String> = fields
            .iter()
            .filter(|&(n, _)| n == "original-rcpt-to" || n == "removal-recipient")
            .filter_map(|(_, v)| first_address(v).map(str::to_string))
            .collect();
        recipients.dedup();
        if recipients.is_empty() {
            recipients.extend(
                mail.original_header("to")
                    .and_then(first_address)
                    .map(str::to_string),
            );
        }
        if recipients.is_empty() {
            recipients.push(String::new());
        }
        let sender = get("original-mail-from")
            .as_deref()
            .and_then(first_address)
            .map(str::to_string)
            .or_else(|| {
                mail.original_header("from")
                    .and_then(first_address)
                    .map(str::to_string)
            });
        let diagnostic = mail.body().lines().take(20).collect::<Vec<_>>().join("\n");
        Some(
            recipients
                .into_iter()
                .map(|recipient| Report {
                    recipient: (!recipient.is_empty()).then_some(recipient),
                    sender: sender.clone(),
                    diagnostic: diagnostic.clone(),
                    feedback_type: Some(feedback_type.clone()),
                    forced_reason: Some((Reason::Feedback, "arf.feedback-report".into())),
                    reporting_mta: get("reporting-mta"),
                    timestamp: get("arrival-date").or_else(|| get("received-date")),
                    ..Report::default()
                })
                .collect(),
        )
    }
}

/// Apple Mail's one-click unsubscribe: a message from the recipient marked
/// `X-Apple-Unsubscribe: true`, an opt-out request rather than a bounce.
fn apple_unsubscribe(mail: &Mail) -> Option<Report> {
    let flag = mail.header("x-apple-unsubscribe")?;
    if !flag.trim().eq_ignore_ascii_case("true") {
        return None;
    }
    Some(Report {
        recipient: first_address(mail.from()).map(str::to_string),
        diagnostic: mail.body().lines().take(5).collect::<Vec<_>>().join("\n"),
        feedback_type: Some("opt-out".into()),
        forced_reason: Some((Reason::Feedback, "arf.apple-unsubscribe".into())),
        ..Report::default()
    })
}
