//! Apache James bounces: `Error message below:` with the server's words, then
//! `Message details:` whose `RCPT TO:` line names the failed recipient.

use super::super::{addresses, find_literal, Decoder};
use crate::engine::Report;
use crate::message::Mail;

/// The Apache James decoder.
pub struct ApacheJames;

impl Decoder for ApacheJames {
    fn name(&self) -> &'static str {
        "apachejames"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let body = mail.body();
        let at = find_literal!(body, "Message details:")?;
        let (head, details) = (&body[..at], &body[at + "Message details:".len()..]);
        let (_, error) = head.split_once("Error message below:")?;
        let recipients: Vec<&str> = details
            .lines()
            .map(str::trim)
            .filter_map(|l| l.strip_prefix("RCPT TO:"))
            .flat_map(addresses)
            .collect();
        if recipients.is_empty() {
            return None;
        }
        let diagnostic = super::common::fold(&error.lines().collect::<Vec<_>>());
        Some(
            recipients
                .into_iter()
                .map(|recipient| super::common::report(recipient, diagnostic.clone()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn reads_the_details_block() {
        let raw = "From: postmaster@example.net\nSubject: Re: hello\n\nError: Invalid user address\n\nError message below:\n550 - Requested action not taken: no such user here\n\nMessage details:\n  Subject: hello\n  MAIL FROM: s@example.org\n  RCPT TO: 5550100@example.net\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = ApacheJames.decode(&mail).expect("decoded");
        assert_eq!(reports[0].recipient.as_deref(), Some("5550100@example.net"));
        assert!(reports[0].diagnostic.contains("no such user here"));
    }
}
