//! Feedback reports (RFC 5965, ARF): `message/feedback-report` parts, or the
//! same fields in the body of providers that send them inline.

use super::{first_address, Decoder};
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
        let report_text = mail
            .part("message/feedback-report")
            .map(|p| p.text.clone())
            .or_else(|| {
                let body = mail.body();
                let at = mail.body_lower().find("feedback-type:")?;
                Some(body[at..].to_string())
            })?;
        let fields = parse_header_block(&report_text);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim().to_string())
        };
        let feedback_type = get("feedback-type")?.to_ascii_lowercase();
        let recipient = mail
            .original_header("to")
            .and_then(first_address)
            .map(str::to_string)
            .or_else(|| {
                ["removal-recipient", "original-rcpt-to"]
                    .iter()
                    .find_map(|f| {
                        get(f)
                            .as_deref()
                            .and_then(first_address)
                            .map(str::to_string)
                    })
            });
        let sender = get("original-mail-from")
            .as_deref()
            .and_then(first_address)
            .map(str::to_string)
            .or_else(|| {
                mail.original_header("from")
                    .and_then(first_address)
                    .map(str::to_string)
            });
        Some(vec![Report {
            recipient,
            sender,
            diagnostic: mail.body().lines().take(20).collect::<Vec<_>>().join("\n"),
            feedback_type: Some(feedback_type),
            forced_reason: Some((Reason::Feedback, "arf.feedback-report".into())),
            reporting_mta: get("reporting-mta"),
            timestamp: get("arrival-date").or_else(|| get("received-date")),
            ..Report::default()
        }])
    }
}
