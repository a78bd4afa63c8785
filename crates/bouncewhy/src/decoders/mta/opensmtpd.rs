//! OpenSMTPD bounces.
//!
//! Keys on "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail."
//! with a list intro such as "An error has occurred while attempting to deliver
//! a message for the following list of recipients:", "Delivery to the
//! following recipients failed." or "A message is delayed for more than N
//! seconds for the following list of recipients:"; each recipient is then a
//! line `address: error`, up to "Below is a copy of the original message:" or
//! "Please note that this is only a temporary failure report.". When the
//! message also has a `message/delivery-status` part the RFC 3464 decoder reads
//! it and the list line becomes the diagnostic. "Envelope expired" is
//! OpenSMTPD giving up because of time: expired.

use super::common::{as_address, report};
use crate::decoders::rfc3464::Rfc3464;
use crate::decoders::{find_literal, Decoder};
use crate::diagnosis::Reason;
use crate::engine::Report;
use crate::message::Mail;

/// The OpenSMTPD decoder.
pub struct OpenSmtpd;

const INTROS: &[&str] = &["list of recipients", "following recipients"];
const ENDS: &[&str] = &[
    "below is a copy of the original message",
    "please note that this is only a temporary failure",
];

impl Decoder for OpenSmtpd {
    fn name(&self) -> &'static str {
        "opensmtpd"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let body = mail.body();
        let lower = mail.body_lower();
        find_literal!(lower, "this is the mailer-daemon, please do not reply")?;
        let start = INTROS.iter().filter_map(|i| lower.find(i)).min()?;
        let mut listed: Vec<(String, String)> = Vec::new();
        for line in body[start..].lines().skip(1) {
            let t = line.trim();
            let l = t.to_ascii_lowercase();
            if ENDS.iter().any(|e| l.starts_with(e)) {
                break;
            }
            let Some((head, error)) = t.split_once(": ") else {
                continue;
            };
            if let Some(address) = as_address(head) {
                listed.push((address.to_string(), error.trim().to_string()));
            }
        }
        let mut reports = Rfc3464.decode(mail).unwrap_or_default();
        if reports.is_empty() {
            reports = listed.iter().map(|(a, e)| report(a, e.clone())).collect();
        } else {
            for r in &mut reports {
                let recipient = r.recipient.clone().unwrap_or_default();
                let line = listed
                    .iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(&recipient))
                    .or_else(|| (listed.len() == 1).then(|| &listed[0]));
                if let Some((_, error)) = line {
                    let from_line = report(&recipient, error.clone());
                    r.smtp_command = r.smtp_command.take().or(from_line.smtp_command);
                    r.remote_host = r.remote_host.take().or(from_line.remote_host);
                    r.context = std::mem::take(&mut r.diagnostic);
                    r.diagnostic = error.clone();
                }
            }
        }
        for r in &mut reports {
            if r.diagnostic
                .to_ascii_lowercase()
                .contains("envelope expired")
            {
                r.forced_reason = Some((Reason::Expired, "opensmtpd.envelope-expired".into()));
            }
        }
        (!reports.is_empty()).then_some(reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn reads_the_list() {
        let raw = "From: MAILER-DAEMON@mx.example.com\nTo: s@example.com\nSubject: Delivery status notification: error\n\n    Hi!\n\n    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\n    An error has occurred while attempting to deliver a message for\n    the following list of recipients:\n\na@example.org: 550 5.1.1 <a@example.org>: Recipient address rejected: User unknown\nb@example.org: Envelope expired\n\n    Below is a copy of the original message:\n\nTo: a@example.org\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = OpenSmtpd.decode(&mail).expect("opensmtpd");
        assert_eq!(reports.len(), 2);
        assert_eq!(
            reports[0].diagnostic,
            "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown"
        );
        assert_eq!(
            reports[1].forced_reason.as_ref().map(|r| r.0),
            Some(Reason::Expired)
        );
    }
}
