//! Plain-text bounces of any MTA (Postfix, Exim, Sendmail, qmail, Exchange, ...)
//! that carry no RFC 3464 report: the message is recognised as a bounce by its
//! sender, subject or headers; recipients and the server's words are read from
//! the text before the returned original.

use super::{addresses, is_system_address, Decoder};
use crate::engine::Report;
use crate::message::Mail;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use std::sync::LazyLock;

/// The plain-text bounce scanner.
pub struct PlainText;

/// Subject words of bounces in many languages (lower case).
const BOUNCE_SUBJECTS: &[&str] = &[
    "undeliver",
    "undelivered",
    "delivery status notification",
    "delivery failure",
    "failure notice",
    "returned mail",
    "mail delivery failed",
    "delivery failed",
    "non-deliver",
    "nondeliver",
    "not delivered",
    "could not be delivered",
    "delivery notification",
    "mail system error",
    "delivery problem",
    "delayed mail",
    "delivery delayed",
    "warning: could not send",
    "mail failure",
    "bounce",
    "unzustellbar",
    "nicht zustellbar",
    "non remis",
    "non distribuable",
    "no se puede entregar",
    "no entregado",
    "onbestelbaar",
    "niet bezorgd",
    "kan inte levereras",
    "kunne ikke leveres",
    "ei voitu toimittaa",
    "non recapitabile",
    "mensagem não entregue",
    "nie dostarczono",
    "niedostarczon",
    "nepiegādāt",
    "nepiegadat",
    "配信",
    "エラー",
    // Danish, Norwegian, Swedish, Finnish
    "kan ikke leveres",
    "ikke leveret",
    "levering mislykkedes",
    "ikke levert",
    "levering mislyktes",
    "olevererbart",
    "ej levererat",
    "kunde inte levereras",
    "toimittamaton",
    "ei toimitettu",
    "toimitus epäonnistui",
    // German, Dutch, French, Spanish, Italian
    "zustellung fehlgeschlagen",
    "nicht zugestellt",
    "übermittlungsstatusbenachrichtigung",
    "niet afgeleverd",
    "bezorging mislukt",
    "bezorgingsstatusmelding",
    "échec de la remise",
    "echec de la remise",
    "non délivré",
    "non distribué",
    "notification d'état de remise",
    "no entregable",
    "no se pudo entregar",
    "notificación de estado de entrega",
    "mancato recapito",
    "impossibile recapitare",
    "notifica stato recapito",
    // Polish, Latvian, Japanese
    "niedostarczalne",
    "nie można dostarczyć",
    "nie mozna dostarczyc",
    "piegāde neizdevās",
    "piegade neizdevas",
    "不達",
    "配送",
    "送信失敗",
    "未配達",
    "返送",
    "error",
    "rejected",
    "returned",
    "failed",
];

/// Phrases after which the returned original message starts.
const ORIGINAL_MARKERS: &[&str] = &[
    "below this line is a copy of the message",
    "this is a copy of the message",
    "original message follows",
    "----- original message -----",
    "returned message",
    "unsent message follows",
    "header of the original message",
    "the original message headers",
    "original message headers",
    "content-type: message/rfc822",
    "message headers follow",
    "------ original message",
    "--- original message",
    // Localised Exchange headings of the returned headers
    "ursprüngliche nachrichtenkopfzeilen",
    "en-têtes de message d'origine",
    "encabezados del mensaje original",
    "intestazioni originali del messaggio",
    "oorspronkelijke berichtkoppen",
    "ursprungshuvuden",
    "oprindelige meddelelsesheadere",
    "opprinnelige meldingshoder",
    "alkuperäiset viestin otsikot",
    "oryginalne nagłówki wiadomości",
    "sākotnējā ziņojuma galvenes",
    "元のメッセージ ヘッダー",
    // Localised "original message" separators and "copy of the message" lines
    "ursprüngliche nachricht",
    "kopie der nachricht",
    "message d'origine",
    "copie du message",
    "mensaje original",
    "copia del mensaje",
    "messaggio originale",
    "copia del messaggio",
    "oorspronkelijk bericht",
    "kopie van het bericht",
    "oprindelig meddelelse",
    "kopi af meddelelsen",
    "ursprungligt meddelande",
    "kopia av meddelandet",
    "opprinnelig melding",
    "kopi av meldingen",
    "alkuperäinen viesti",
    "oryginalna wiadomość",
    "kopia wiadomości",
    "kopia wiadomosci",
    "sākotnējā ziņa",
    "sākotnējais ziņojums",
    "元のメッセージ",
    "元のメール",
];

impl Decoder for PlainText {
    fn name(&self) -> &'static str {
        "text"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        let subject = mail.subject().to_lowercase();
        let from_system = super::first_address(from).is_some_and(is_system_address)
            || from.contains("mailer-daemon")
            || from.contains("mail delivery")
            || from.contains("postmaster");
        let failed_header = mail.header("x-failed-recipients");
        let subject_says = BOUNCE_SUBJECTS.iter().any(|w| subject.contains(w));
        let is_bounce = from_system
            || failed_header.is_some()
            || (subject_says
                && (!mail.original_headers.is_empty() || looks_like_error_text(mail.body_lower())))
            || (!mail.original_headers.is_empty()
                && mail.body_lower().contains("could not be delivered to"));
        if !is_bounce {
            return None;
        }
        let section = error_section(mail);
        let section_lower = error_section_lower(mail);
        let excluded = excluded_addresses(mail);
        let keep = |address: &&str| {
            let lower = address.to_ascii_lowercase();
            !excluded.contains(&lower) && !is_system_address(&lower)
        };
        let mut candidates: Vec<&str> = failed_header
            .map(|h| addresses(h).filter(keep).collect())
            .unwrap_or_default();
        if candidates.is_empty() {
            candidates = addresses(section).filter(keep).collect();
        }
        if candidates.is_empty() {
            // A system mailbox (postmaster@...) can be the failed recipient
            // itself when the notice names nobody else.
            candidates = addresses(section)
                .filter(|a| !excluded.contains(&a.to_ascii_lowercase()))
                .collect();
        }
        if candidates.is_empty() {
            candidates = mail
                .original_header("to")
                .and_then(|to| addresses(to).find(keep))
                .into_iter()
                .collect();
        }
        let mut recipients: Vec<String> = Vec::new();
        for address in candidates {
            if !recipients.iter().any(|r| r.eq_ignore_ascii_case(address)) {
                recipients.push(address.to_string());
            }
        }
        if recipients.is_empty() && section.trim().is_empty() {
            return None;
        }
        if recipients.is_empty() {
            recipients.push(String::new());
        }
        let context = super::first_chars(section, 8000);
        let reports = recipients
            .iter()
            .map(|recipient| {
                let diagnostic = Some(recipient)
                    .filter(|r| !r.is_empty())
                    .map(|r| block_about(section, section_lower, r, &recipients))
                    .filter(|block| !block.is_empty())
                    .map(|block| with_codes_from(section, block))
                    .unwrap_or_else(|| coded_lines(section));
                Report {
                    smtp_command: super::mta::common::command(&diagnostic),
                    diagnostic,
                    recipient: (!recipient.is_empty()).then(|| recipient.clone()),
                    context: context.to_string(),
                    ..Report::default()
                }
            })
            .collect();
        Some(reports)
    }
}

/// `block` as is when it carries a code; otherwise the coded lines of the
/// section (notices that give the error before the list of recipients)
/// followed by `block`.
fn with_codes_from(section: &str, block: String) -> String {
    let has_code = |text: &str| {
        crate::smtp::find_reply_code(text).is_some() || crate::smtp::find_status(text).is_some()
    };
    if has_code(&block) {
        return block;
    }
    let coded = coded_lines(section);
    if coded.is_empty() {
        block
    } else {
        format!("{coded}\n{block}")
    }
}

/// The lines of the section that carry an SMTP reply or status code.
fn coded_lines(section: &str) -> String {
    section
        .lines()
        .filter(|line| {
            crate::smtp::find_reply_code(line).is_some() || crate::smtp::find_status(line).is_some()
        })
        .take(5)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text that reads like a delivery error even without a bounce sender
/// (`lower` is the body in lower case).
fn looks_like_error_text(lower: &str) -> bool {
    [
        "could not be delivered",
        "delivery has failed",
        "undeliverable",
        "permanent error",
        "550 ",
        "554 ",
        "user unknown",
        // The same sentence in the other languages bouncewhy reads.
        "nicht zugestellt werden",
        "zustellung an folgende empfänger",
        "n'a pas pu être remis",
        "n'a pas pu être délivré",
        "n'a pas pu être distribué",
        "no se pudo entregar",
        "error al entregar",
        "non è stato possibile recapitare",
        "recapito non è riuscito",
        "kon niet worden afgeleverd",
        "kon niet worden bezorgd",
        "bezorging is mislukt",
        "kunne ikke leveres",
        "levering mislyktes",
        "leveringen til disse modtagere",
        "kunde inte levereras",
        "gick inte att leverera",
        "ei voitu toimittaa",
        "toimitus epäonnistui",
        "nie udało się dostarczyć",
        "nie udalo sie dostarczyc",
        "nie można dostarczyć",
        "nie mozna dostarczyc",
        "neizdevās piegādāt",
        "nevarēja piegādāt",
        "配信できませんでした",
        "送信できませんでした",
        "配送できませんでした",
        "配信に失敗",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// The part of the message body before the returned original message.
pub fn error_section(mail: &Mail) -> &str {
    &mail.body()[..section_end(mail)]
}

/// [`error_section`] in ASCII lower case (a prefix of [`Mail::body_lower`]).
pub fn error_section_lower(mail: &Mail) -> &str {
    &mail.body_lower()[..section_end(mail)]
}

/// Where the error section ends, computed once per message.
fn section_end(mail: &Mail) -> usize {
    mail.error_section_end(|body, lower| section_before_original(body, lower).len())
}

/// All [`ORIGINAL_MARKERS`] in one automaton. Leftmost-first matching lets
/// it use a SIMD prefilter; it finds the same first line as any other
/// semantics, since no marker spans a line break. Only the first match from
/// some offset is asked for, so a (cheaply built) NFA suffices.
static ORIGINAL_MARKER_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(ORIGINAL_MARKERS)
        .expect("the original-message markers form an automaton")
});

/// Header lines that can only belong to a returned original message.
const ORIGINAL_HEADERS: [&str; 3] = ["\nreturn-path:", "\nreceived: from", "\nreceived: by"];

/// [`ORIGINAL_HEADERS`] in one automaton.
static ORIGINAL_HEADER_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(ORIGINAL_HEADERS).expect("the original-header markers form an automaton")
});

/// The part of `body` before the returned original; `lower` is `body` in ASCII lower case.
/// It ends at the start of the first line, after the first, that carries a
/// marker, or at the first header line of a returned message.
fn section_before_original<'a>(body: &'a str, lower: &str) -> &'a str {
    let line_start = |at: usize| lower[..at].rfind('\n').map_or(0, |p| p + 1);
    let mut end = memchr::memchr(b'\n', lower.as_bytes())
        .and_then(|first_line_end| {
            ORIGINAL_MARKER_FINDER.find(Input::new(lower).span(first_line_end + 1..lower.len()))
        })
        .map_or(body.len(), |m| line_start(m.start()));
    // A header line counts only when it starts before `end` - 1, and then it
    // ends before `limit`. (Each header starts with its only line break, so
    // matches never overlap and the first found is the leftmost.)
    let longest = ORIGINAL_HEADERS.iter().map(|h| h.len()).max().unwrap_or(0);
    let limit = (end + longest).min(lower.len());
    if let Some(header) = ORIGINAL_HEADER_FINDER.find(Input::new(lower).span(1.min(limit)..limit)) {
        end = end.min(header.start() + 1);
    }
    &body[..end]
}

/// Addresses that are never the failed recipient: the bounce's own parties and
/// the original sender.
fn excluded_addresses(mail: &Mail) -> Vec<String> {
    let mut excluded = Vec::new();
    for value in [
        mail.header("to"),
        mail.header("from"),
        mail.original_header("from"),
        mail.header("return-path"),
    ]
    .into_iter()
    .flatten()
    {
        excluded.extend(addresses(value).map(str::to_ascii_lowercase));
    }
    excluded
}

/// The lines of `section` from the first mention of `recipient` to the next
/// blank line or the next line naming another of `others`, at most 30 lines.
/// `lower` is `section` in ASCII lower case.
fn block_about(section: &str, lower: &str, recipient: &str, others: &[String]) -> String {
    let Some(at) = lower.find(&recipient.to_ascii_lowercase()) else {
        return String::new();
    };
    let start = lower[..at].rfind('\n').map_or(0, |p| p + 1);
    let mut lines = Vec::new();
    let mut seen_text = false;
    for line in section[start..].lines().take(30) {
        let lower_line = line.to_ascii_lowercase();
        if !lines.is_empty()
            && others.iter().any(|other| {
                !other.eq_ignore_ascii_case(recipient)
                    && lower_line.contains(&other.to_ascii_lowercase())
            })
        {
            break;
        }
        if line.trim().is_empty() {
            if seen_text && lines.len() > 1 {
                break;
            }
            continue;
        }
        seen_text = true;
        lines.push(line.trim());
    }
    // Some notices (Lotus Notes) give the reason on the line before a bare
    // address; an introduction ("... failed:") or a rule line is not one.
    let address_only = section[start..].lines().next().is_some_and(|l| {
        l.split_whitespace()
            .all(|w| w.contains('@') || w.len() <= 2)
    });
    if address_only && lines.len() == 1 {
        if let Some(before) = section[..start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .filter(|l| {
                !l.ends_with(':')
                    && !l.contains('@')
                    && !l.starts_with("--")
                    && !l.starts_with("==")
            })
        {
            lines.insert(0, before);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_stops_at_the_returned_message() {
        let body = "Hi. This is the qmail-send program.\n\n<a@example.org>:\nSorry, no mailbox here by that name.\n\n--- Below this line is a copy of the message.\n\nReturn-Path: <s@example.com>\n";
        let section = section_before_original(body, &body.to_ascii_lowercase());
        assert!(section.contains("no mailbox here"));
        assert!(!section.contains("Return-Path"));
        assert_eq!(
            block_about(section, &section.to_ascii_lowercase(), "a@example.org", &[]),
            "<a@example.org>:\nSorry, no mailbox here by that name."
        );
    }
}
