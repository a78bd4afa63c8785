//! qmail's bounces (qmail-send, also netqmail, qmail-ldap, vpopmail).
//!
//! Keys on "This is the qmail-send program at" (or qmail's "I'm afraid I wasn't
//! able to deliver your message to the following addresses."), then reads one
//! paragraph per recipient: a line `<address>:` followed by the error, e.g.
//! `192.0.2.1 does not like recipient.` / `Remote host said: 550 5.1.1 ...` /
//! `Giving up on 192.0.2.1.`. The paragraphs end at
//! "--- Below this line is a copy of the message." (or "--- Enclosed is a copy").
//! qmail's "I'm not going to try again; this message has been in the queue too
//! long." is kept as context only: the remote host's words decide the reason.

use super::common::{as_address, fold};
use crate::decoders::{find, find_literal, first_chars, Decoder};
use crate::engine::Report;
use crate::message::Mail;

/// The qmail decoder.
pub struct Qmail;

/// qmail's own descriptions of where the SMTP dialogue failed.
const COMMANDS: &[(&str, &str)] = &[
    ("does not like recipient", "RCPT"),
    ("most progress was rcpt to", "RCPT"),
    ("sender was rejected", "MAIL"),
    ("most progress was mail from", "MAIL"),
    ("my name was rejected", "HELO"),
    ("failed after i sent the message", "DATA"),
    ("failed on data command", "DATA"),
    ("wasn't able to establish an smtp connection", "CONN"),
    ("no smtp connection got far enough", "CONN"),
];

impl Decoder for Qmail {
    fn name(&self) -> &'static str {
        "qmail"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        if mail.part("message/delivery-status").is_some() {
            return None;
        }
        let body = mail.body();
        let lower = mail.body_lower();
        let start = find_literal!(lower, "this is the qmail-send program").or_else(|| {
            find_literal!(
                lower,
                "i wasn't able to deliver your message to the following addresses",
            )
        })?;
        let section = &body[start..];
        let end = [
            "\n--- below this line is a copy",
            "\n--- enclosed is a copy",
            "\n--- original message follows",
        ]
        .iter()
        .filter_map(|m| find(&lower[start..], m))
        .min()
        .unwrap_or(section.len());
        let section = &section[..end];
        let mut blocks: Vec<(String, Vec<&str>)> = Vec::new();
        for line in section.lines() {
            let t = line.trim();
            if t.starts_with('<') && t.ends_with(':') {
                if let Some(address) = as_address(t) {
                    blocks.push((address.to_string(), Vec::new()));
                    continue;
                }
            }
            if let Some((_, text)) = blocks.last_mut() {
                text.push(t);
            }
        }
        let context = first_chars(section, 4000);
        let reports: Vec<Report> = blocks
            .into_iter()
            .map(|(recipient, lines)| {
                let words: Vec<&str> = lines
                    .iter()
                    .copied()
                    .filter(|l| {
                        !l.to_ascii_lowercase()
                            .starts_with("i'm not going to try again")
                    })
                    .collect();
                let mut diagnostic = fold(&words);
                if let Some(at) = diagnostic
                    .to_ascii_lowercase()
                    .find("i'm not going to try again")
                {
                    diagnostic.truncate(at);
                }
                let lower = diagnostic.to_ascii_lowercase();
                let smtp_command = COMMANDS
                    .iter()
                    .find(|(p, _)| lower.contains(p))
                    .map(|(_, c)| c.to_string());
                Report {
                    recipient: Some(recipient),
                    remote_host: remote_ip(&diagnostic),
                    smtp_command,
                    diagnostic: diagnostic.trim().to_string(),
                    context: context.to_string(),
                    ..Report::default()
                }
            })
            .collect();
        (!reports.is_empty()).then_some(reports)
    }
}

/// The IP address qmail names as the remote host ("Connected to 192.0.2.1 but",
/// "192.0.2.1 does not like recipient", "remote host 192.0.2.1 said").
fn remote_ip(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for key in ["connected to ", "remote host ", ""] {
        let Some(at) = lower.find(key) else { continue };
        for word in text[at + key.len()..]
            .split_whitespace()
            .take(if key.is_empty() { 40 } else { 1 })
        {
            let word = word.trim_end_matches(['.', ',', ':']);
            if word.parse::<std::net::IpAddr>().is_ok() {
                return Some(word.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn reads_paragraphs() {
        let raw = "From: MAILER-DAEMON@mx.example.com\nTo: s@example.com\nSubject: failure notice\n\nHi. This is the qmail-send program at mx.example.com.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<a@example.org>:\n192.0.2.9 does not like recipient.\nRemote host said: 550 5.1.1 <a@example.org>... User Unknown\nGiving up on 192.0.2.9.\n\n<b@example.org>:\nSorry, I couldn't find any host named example.org. (#5.1.2)\nI'm not going to try again; this message has been in the queue too long.\n\n--- Below this line is a copy of the message.\n\nFrom: s@example.com\nTo: c@example.org\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Qmail.decode(&mail).expect("qmail");
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].recipient.as_deref(), Some("a@example.org"));
        assert_eq!(reports[0].smtp_command.as_deref(), Some("RCPT"));
        assert_eq!(reports[0].remote_host.as_deref(), Some("192.0.2.9"));
        assert!(reports[0]
            .diagnostic
            .contains("Remote host said: 550 5.1.1"));
        assert!(!reports[1].diagnostic.contains("queue too long"));
        assert!(reports[1].context.contains("queue too long"));
    }
}
