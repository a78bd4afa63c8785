//! The DragonFly Mail Agent (dma) bounces.
//!
//! Keys on "This is the DragonFly Mail Agent" and reads
//! "There was an error delivering your mail to `<address>`." followed by the
//! error, e.g. `mx.example.net [192.0.2.1] did not like our RCPT TO:` /
//! `550 5.1.1 ...`, up to "Message headers follow." (or "Original message follows.").
//! "Could not deliver for the last N seconds. Giving up." is dma giving up
//! because of time: expired.

use super::common::{fold, report};
use crate::decoders::{addresses, find, find_literal, Decoder};
use crate::diagnosis::Reason;
use crate::engine::Report;
use crate::message::Mail;

/// The DragonFly Mail Agent decoder.
pub struct DragonFly;

impl Decoder for DragonFly {
    fn name(&self) -> &'static str {
        "dragonfly"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let body = mail.body();
        let lower = mail.body_lower();
        find_literal!(lower, "this is the dragonfly mail agent")?;
        let key = "there was an error delivering your mail to";
        let mut reports = Vec::new();
        let mut rest = 0;
        while let Some(found) = find(&lower[rest..], key) {
            let at = rest + found;
            let line_end = lower[at..].find('\n').map_or(lower.len(), |p| at + p);
            let Some(recipient) = addresses(&body[at..line_end]).next() else {
                break;
            };
            let text_end = ["message headers follow", "original message follows", key]
                .iter()
                .filter_map(|m| find(&lower[line_end..], m).map(|p| line_end + p))
                .min()
                .unwrap_or(body.len());
            let lines: Vec<&str> = body[line_end..text_end].lines().collect();
            let mut r = report(recipient, fold(&lines));
            let words = r.diagnostic.to_ascii_lowercase();
            if words.contains("could not deliver for the last") && words.contains("giving up") {
                r.forced_reason = Some((Reason::Expired, "dragonfly.gave-up-after-time".into()));
            }
            reports.push(r);
            rest = text_end;
            if rest >= lower.len() || !lower[rest..].starts_with(key) {
                break;
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
    fn reads_the_error() {
        let raw = "From: MAILER-DAEMON <>\nTo: s@example.com\nSubject: Mail delivery failed\n\nThis is the DragonFly Mail Agent v0.13 at mx.example.com.\n\nThere was an error delivering your mail to <a@example.org>.\n\nmx.example.org [192.0.2.1] did not like our RCPT TO:\n550 5.1.1 <a@example.org>: User unknown\n\nMessage headers follow.\n\nTo: <a@example.org>\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = DragonFly.decode(&mail).expect("dma");
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(reports[0].smtp_command.as_deref(), Some("RCPT"));
        assert_eq!(reports[0].remote_host.as_deref(), Some("mx.example.org"));
        assert_eq!(reports[0].diagnostic, "mx.example.org [192.0.2.1] did not like our RCPT TO: 550 5.1.1 <a@example.org>: User unknown");
    }
}
