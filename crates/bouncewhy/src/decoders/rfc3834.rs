//! Automatic replies (RFC 3834): out-of-office and vacation messages. They are
//! not bounces; they are reported as `vacation` so that nobody suppresses a
//! live address because of one.

use super::{first_address, Decoder};
use crate::diagnosis::Reason;
use crate::engine::Report;
use crate::message::Mail;

/// The auto-reply decoder.
pub struct AutoReply;

/// Subject beginnings used by auto-responders in many languages.
const SUBJECT_MARKERS: &[&str] = &[
    "auto:",
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "out of office",
    "out of the office",
    "vacation",
    "away from",
    "abwesenheit",
    "automatische antwort",
    "réponse automatique",
    "reponse automatique",
    "absence",
    "respuesta automática",
    "respuesta automatica",
    "fuera de la oficina",
    "risposta automatica",
    "automatisch antwoord",
    "afwezig",
    "automatiskt svar",
    "automatisk svar",
    "autosvar",
    "frånvaro",
    "poza biurem",
    "automatyczna odpowiedź",
    "automaattinen vastaus",
    "不在",
];

impl Decoder for AutoReply {
    fn name(&self) -> &'static str {
        "rfc3834"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let auto_submitted = mail
            .header("auto-submitted")
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("auto-replied"));
        let autoreply_header = [
            "x-autoreply",
            "x-autorespond",
            "x-auto-response-suppress-vacation",
            "x-vacation",
        ]
        .iter()
        .any(|h| mail.header(h).is_some());
        let subject = mail.subject().to_lowercase();
        // A marker at the start of the subject or of one of its words.
        let subject_says = std::iter::once(0)
            .chain(subject.match_indices(' ').map(|(at, _)| at + 1))
            .any(|word| {
                SUBJECT_MARKERS
                    .iter()
                    .any(|m| subject[word..].starts_with(m))
            });
        let precedence_auto = mail
            .header("precedence")
            .is_some_and(|v| v.eq_ignore_ascii_case("auto_reply"));
        if !(auto_submitted || autoreply_header || subject_says || precedence_auto) {
            return None;
        }
        let from = mail.from_lower();
        if super::is_system_address(first_address(from).unwrap_or(""))
            || from.contains("mailer-daemon")
            || from.contains("postmaster")
        {
            return None;
        }
        let recipient = first_address(mail.from()).map(str::to_string);
        let body = mail.body();
        Some(vec![Report {
            recipient,
            sender: mail
                .header("to")
                .and_then(first_address)
                .map(str::to_string),
            diagnostic: body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(5)
                .collect::<Vec<_>>()
                .join(" "),
            forced_reason: Some((Reason::Vacation, "rfc3834.auto-reply".into())),
            ..Report::default()
        }])
    }
}
