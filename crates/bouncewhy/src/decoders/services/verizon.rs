//! Verizon Wireless MMS gateway (`vzwpix.com`, "MMSC NDR Administrator") and
//! SMS gateway (`vtext.com`) bounces: `Message could not be delivered to mobile.`
//! followed by `Error: <reason>`; the recipient is the `To:` of the
//! `Original Message:` block that follows.

use super::super::{addresses, Decoder};
use crate::engine::Report;
use crate::message::Mail;

/// The Verizon decoder.
pub struct Verizon;

impl Decoder for Verizon {
    fn name(&self) -> &'static str {
        "verizon"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        if !(from.contains("vzwpix.com") || from.contains("vtext.com")) {
            return None;
        }
        let body = mail.body();
        if !body.contains("could not be delivered") {
            return None;
        }
        let (error_part, original) = body.split_once("Original Message:").unwrap_or((body, ""));
        let diagnostic = error_part
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("Error:"))
            .map(|l| l.trim_start_matches("Error:").trim().to_string())
            .unwrap_or_default();
        let recipient = original
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("To:")
                    .and_then(|to| addresses(to).next())
            })
            .or_else(|| {
                mail.original_header("to")
                    .and_then(|to| addresses(to).next())
            })?;
        Some(vec![Report {
            recipient: Some(recipient.to_string()),
            diagnostic,
            context: error_part.trim().to_string(),
            ..Report::default()
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn mms_gateway() {
        let raw = "From: MMSC NDR Administrator <sysadmin@m01.vzwpix.com>\nSubject: Undeliverable Message\n\nMessage could not be delivered to mobile.\nError: No valid recipients for this MM\n\nOriginal Message:\nFrom: s <s@example.org>\nTo: 5550100@vzwpix.com\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Verizon.decode(&mail).expect("decoded");
        assert_eq!(reports[0].recipient.as_deref(), Some("5550100@vzwpix.com"));
        assert_eq!(reports[0].diagnostic, "No valid recipients for this MM");
    }
}
