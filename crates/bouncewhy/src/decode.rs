//! Decoding whole bounce emails: parse, pick the format decoder, classify each
//! recipient, and add what the returned original tells.

use crate::decoders::{decoders, first_address};
use crate::diagnosis::Diagnosis;
use crate::engine::Engine;
use crate::message::Mail;
use crate::Error;

impl Engine {
    /// Decodes one raw email into one Diagnosis per reported recipient.
    ///
    /// A message that is not a bounce gives an empty list. Explanations are in `lang`.
    pub fn decode(&self, raw: &[u8], lang: &str) -> Result<Vec<Diagnosis>, Error> {
        self.decode_nested(raw, lang, true)
    }

    /// Decodes one email; when `look_inside` and the bounce names no
    /// recipient, a bounce forwarded as its attached message is decoded instead.
    fn decode_nested(
        &self,
        raw: &[u8],
        lang: &str,
        look_inside: bool,
    ) -> Result<Vec<Diagnosis>, Error> {
        let mail = Mail::parse(raw, self.limits())?;
        for decoder in decoders() {
            let Some(mut reports) = decoder.decode(&mail) else {
                continue;
            };
            if look_inside && reports.iter().all(|r| r.recipient.is_none()) {
                if let Some(inner) = &mail.attached_message {
                    if let Ok(found) = self.decode_nested(inner, lang, false) {
                        if found.iter().any(|d| d.recipient.is_some()) {
                            return Ok(found);
                        }
                    }
                }
            }
            reports.truncate(self.limits().max_recipients);
            let sender = mail
                .original_header("return-path")
                .or_else(|| mail.original_header("from"))
                .and_then(first_address)
                .map(str::to_string);
            let subject = mail.original_header("subject").map(str::to_string);
            let message_id = mail.original_header("message-id").map(|id| {
                id.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            });
            let timestamp = mail.header("date").map(str::to_string);
            return Ok(reports
                .into_iter()
                .map(|mut report| {
                    report
                        .decoded_by
                        .get_or_insert_with(|| decoder.name().to_string());
                    if report.sender.is_none() {
                        report.sender.clone_from(&sender);
                    }
                    if report.subject.is_none() {
                        report.subject.clone_from(&subject);
                    }
                    if report.message_id.is_none() {
                        report.message_id.clone_from(&message_id);
                    }
                    if report.timestamp.is_none() {
                        report.timestamp.clone_from(&timestamp);
                    }
                    self.diagnose(&report, lang)
                })
                .collect());
        }
        Ok(Vec::new())
    }
}

impl Engine {
    /// Explains pasted text of any kind: a whole bounce email is decoded (one
    /// Diagnosis per recipient, possibly none when it is not a bounce); a
    /// server reply or log line gives exactly one Diagnosis.
    pub fn explain_any(&self, text: &str, lang: &str) -> Result<Vec<Diagnosis>, Error> {
        if !looks_like_email(text) {
            return self.explain(text, lang).map(|d| vec![d]);
        }
        crate::engine::check_text(text, self.limits().max_message_bytes)?;
        let mut diagnoses = self.decode(text.as_bytes(), lang)?;
        for diagnosis in &mut diagnoses {
            diagnosis.source = Some("text".into());
        }
        Ok(diagnoses)
    }
}

/// True when pasted text looks like a whole email (a header section first)
/// rather than a single server reply.
pub fn looks_like_email(text: &str) -> bool {
    let head: Vec<&str> = text
        .trim_start()
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .take(200)
        .collect();
    let header_like = head
        .iter()
        .filter(|line| {
            line.split_once(':').is_some_and(|(name, _)| {
                !name.is_empty()
                    && name.len() < 40
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
        })
        .count();
    let known = head.iter().any(|line| {
        let lower = line.to_ascii_lowercase();
        [
            "from:",
            "subject:",
            "received:",
            "content-type:",
            "return-path:",
            "date:",
            "message-id:",
            "to:",
        ]
        .iter()
        .any(|h| lower.starts_with(h))
    });
    known && header_like >= 2
}
