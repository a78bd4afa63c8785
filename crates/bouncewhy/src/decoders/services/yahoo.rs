//! Yahoo! Mail bounces (`MAILER-DAEMON@yahoo.com`, `X-Yahoo-Newman-Property: bmbounce`):
//! `Sorry, we were unable to deliver your message to the following address.`,
//! then per recipient `<user@example.org>:` and the remote reply, often
//! `Remote host said: 550 5.1.1 ... [RCPT_TO]` (the bracket names the SMTP
//! command), up to `--- Below this line is a copy of the message.`

use super::super::{first_address, Decoder};
use super::unfold;
use crate::engine::Report;
use crate::message::Mail;
use crate::smtp::{last_reply_code, last_status};

/// The Yahoo! Mail decoder.
pub struct Yahoo;

impl Decoder for Yahoo {
    fn name(&self) -> &'static str {
        "yahoo"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        let bmbounce = mail
            .header("x-yahoo-newman-property")
            .is_some_and(|v| v.contains("bmbounce"));
        if !(bmbounce || (from.contains("mailer-daemon@") && from.contains("yahoo"))) {
            return None;
        }
        let body = mail.body();
        let start = body.find("unable to deliver your message to the following address")?;
        let section = &body[start..];
        let section = section
            .split("--- Below this line is a copy of the message")
            .next()
            .unwrap_or(section);
        let mut reports: Vec<Report> = Vec::new();
        let mut lines = section.lines().skip(1).peekable();
        while let Some(line) = lines.next() {
            let trimmed = line.trim();
            if !(trimmed.starts_with('<') && trimmed.ends_with(">:")) {
                continue;
            }
            let Some(address) = first_address(trimmed) else {
                continue;
            };
            let mut block = Vec::new();
            while let Some(next) = lines.peek() {
                let next = next.trim();
                if next.starts_with('<') && next.ends_with(">:") {
                    break;
                }
                block.push(next);
                lines.next();
            }
            let text = unfold(&block.join(" "));
            let text = text
                .strip_prefix("Remote host said:")
                .map_or(text.as_str(), str::trim);
            let (diagnostic, command) = match text.rsplit_once('[') {
                Some((words, tail))
                    if tail.ends_with(']')
                        && tail[..tail.len() - 1]
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c == '_') =>
                {
                    (
                        words.trim(),
                        Some(
                            tail.trim_end_matches(']')
                                .split('_')
                                .next()
                                .unwrap_or("")
                                .to_string(),
                        ),
                    )
                }
                _ => (text, None),
            };
            reports.push(Report {
                recipient: Some(address.to_string()),
                reply_code: last_reply_code(diagnostic),
                status: last_status(diagnostic),
                smtp_command: command,
                diagnostic: diagnostic.to_string(),
                ..Report::default()
            });
        }
        (!reports.is_empty()).then_some(reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn reads_reply_and_command() {
        let raw = "From: MAILER-DAEMON@yahoo.com\nSubject: Failure Notice\nX-Yahoo-Newman-Property: bmbounce\n\nSorry, we were unable to deliver your message to the following address.\n\n<a@example.org>:\nRemote host said:\n550 5.1.1 <a@example.org>... User Unknown\n[RCPT_TO]\n\n--- Below this line is a copy of the message.\n\nTo: a@example.org\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Yahoo.decode(&mail).expect("decoded");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(
            reports[0].diagnostic,
            "550 5.1.1 <a@example.org>... User Unknown"
        );
        assert_eq!(reports[0].smtp_command.as_deref(), Some("RCPT"));
        assert_eq!(reports[0].reply_code, Some(550));
    }
}
