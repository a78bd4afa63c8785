//! JSON Lines: one Diagnosis object per line, field names as in the public contract.
//!
//! A record is written field by field here rather than through serde: most of
//! it is text (the explanation above all), and this writer looks for
//! characters to escape eight bytes at a time instead of one. The bytes are
//! exactly serde_json's (`--format json` still goes through serde), which the
//! tests check on every record of the test fixtures and of the corpus.

use bouncewhy::{Diagnosis, Evidence, Explanation};
use std::io::{self, Write};

/// Writes one Diagnosis as a single JSON line.
pub fn write_line(out: &mut impl Write, d: &Diagnosis) -> io::Result<()> {
    let mut record = Record { out, first: true };
    record.text("source", d.source.as_deref())?;
    record.flag("is_bounce", d.is_bounce)?;
    record.text("recipient", d.recipient.as_deref())?;
    record.text("original_recipient", d.original_recipient.as_deref())?;
    record.text("sender", d.sender.as_deref())?;
    record.text("action", d.action.map(|a| a.as_str()))?;
    record.text("reply_code", d.reply_code.as_deref())?;
    record.text("status", d.status.as_deref())?;
    record.text("remote_host", d.remote_host.as_deref())?;
    record.text("reporting_mta", d.reporting_mta.as_deref())?;
    record.text("smtp_command", d.smtp_command.as_deref())?;
    record.text("diagnostic", d.diagnostic.as_deref())?;
    record.text("reason", Some(d.reason.as_str()))?;
    record.flag("permanent", d.permanent)?;
    record.flag("hard_bounce", d.hard_bounce)?;
    record.text("category", Some(d.category.as_str()))?;
    record.text("who_acts", Some(d.who_acts.as_str()))?;
    record.text("retry", Some(d.retry.as_str()))?;
    record.nullable("retry_after_s", d.retry_after_s, |out, seconds| {
        write!(out, "{seconds}")
    })?;
    record.text("provider", d.provider.as_deref())?;
    record.text("provider_code", d.provider_code.as_deref())?;
    record.text("feedback_type", d.feedback_type.as_deref())?;
    record.text("decoded_by", d.decoded_by.as_deref())?;
    record.text("timestamp", d.timestamp.as_deref())?;
    record.text("subject", d.subject.as_deref())?;
    record.text("message_id", d.message_id.as_deref())?;
    record.key("explanation")?;
    explanation(record.out, &d.explanation)?;
    record.nullable("evidence", d.evidence.as_ref(), evidence)?;
    record.end()?;
    out.write_all(b"\n")
}

fn explanation(out: &mut impl Write, e: &Explanation) -> io::Result<()> {
    let mut record = Record { out, first: true };
    record.text("lang", Some(&e.lang))?;
    record.text("summary", Some(&e.summary))?;
    record.text("detail", Some(&e.detail))?;
    record.key("fix")?;
    strings(record.out, &e.fix)?;
    record.key("links")?;
    strings(record.out, &e.links)?;
    record.end()
}

fn evidence(out: &mut impl Write, e: &Evidence) -> io::Result<()> {
    let mut record = Record { out, first: true };
    record.text("rule", Some(&e.rule))?;
    record.text("pack", Some(&e.pack))?;
    record.text("matched", e.matched.as_deref())?;
    record.nullable("span", e.span, |out, [start, end]| {
        write!(out, "[{start},{end}]")
    })?;
    record.end()
}

/// An object being written: `{` goes out with its first key.
struct Record<'o, W: Write> {
    out: &'o mut W,
    first: bool,
}

impl<W: Write> Record<'_, W> {
    fn key(&mut self, key: &str) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"{\"" } else { b",\"" })?;
        self.first = false;
        self.out.write_all(key.as_bytes())?;
        self.out.write_all(b"\":")
    }

    /// Closes the object (`{}` if it has no key).
    fn end(self) -> io::Result<()> {
        self.out.write_all(if self.first { b"{}" } else { b"}" })
    }

    fn flag(&mut self, key: &str, value: bool) -> io::Result<()> {
        self.key(key)?;
        self.out.write_all(if value { b"true" } else { b"false" })
    }

    fn text(&mut self, key: &str, value: Option<&str>) -> io::Result<()> {
        self.nullable(key, value, |out, value| string(out, value))
    }

    /// `key`: the value as `write` puts it, or `null`.
    fn nullable<T>(
        &mut self,
        key: &str,
        value: Option<T>,
        write: impl FnOnce(&mut W, T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.key(key)?;
        match value {
            Some(value) => write(self.out, value),
            None => self.out.write_all(b"null"),
        }
    }
}

fn strings(out: &mut impl Write, items: &[impl AsRef<str>]) -> io::Result<()> {
    out.write_all(b"[")?;
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        string(out, item.as_ref())?;
    }
    out.write_all(b"]")
}

/// A JSON string, escaped as serde_json escapes it.
fn string(out: &mut impl Write, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    out.write_all(b"\"")?;
    let mut written = 0;
    while let Some(found) = next_to_escape(bytes, written) {
        out.write_all(&bytes[written..found])?;
        let byte = bytes[found];
        match byte {
            b'"' => out.write_all(b"\\\"")?,
            b'\\' => out.write_all(b"\\\\")?,
            b'\n' => out.write_all(b"\\n")?,
            b'\r' => out.write_all(b"\\r")?,
            b'\t' => out.write_all(b"\\t")?,
            0x08 => out.write_all(b"\\b")?,
            0x0c => out.write_all(b"\\f")?,
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ];
                out.write_all(&code)?;
            }
        }
        written = found + 1;
    }
    out.write_all(&bytes[written..])?;
    out.write_all(b"\"")
}

/// The first byte at or after `from` that JSON must escape: a control
/// character, `"` or `\`. Whole 8-byte words without one are skipped at once.
fn next_to_escape(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `word` is zero (exact, no false positives).
    let any_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
        if control
            || any_zero(word ^ (ONES * u64::from(b'"')))
            || any_zero(word ^ (ONES * u64::from(b'\\')))
        {
            break;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|offset| at + offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bouncewhy::{Action, Category, Reason, Retry, WhoActs};
    use std::sync::Arc;

    fn serde_line(d: &Diagnosis) -> String {
        let mut line = serde_json::to_string(d).expect("serde_json");
        line.push('\n');
        line
    }

    fn line(d: &Diagnosis) -> String {
        let mut out = Vec::new();
        write_line(&mut out, d).expect("write");
        String::from_utf8(out).expect("UTF-8")
    }

    /// Every byte that may need escaping, in every position of a word, among
    /// ASCII and multi-byte characters.
    fn awkward_texts() -> Vec<String> {
        let mut texts = vec![String::new(), "plain".into(), "ünïcödé 日本語 ✓".into()];
        for byte in (0u8..0x20).chain([b'"', b'\\', b'/', 0x7f]) {
            for offset in 0..10 {
                let mut text = "x".repeat(offset);
                text.push(char::from(byte));
                text.push_str("ü-and-a-tail-longer-than-a-word");
                texts.push(text);
            }
        }
        texts
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in awkward_texts() {
            let mut out = Vec::new();
            string(&mut out, &text).expect("write");
            assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(&text).expect("serde_json"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn records_are_serde_json_records() {
        let empty = Diagnosis {
            source: None,
            is_bounce: false,
            recipient: None,
            original_recipient: None,
            sender: None,
            action: None,
            reply_code: None,
            status: None,
            remote_host: None,
            reporting_mta: None,
            smtp_command: None,
            diagnostic: None,
            reason: Reason::Undefined,
            permanent: false,
            hard_bounce: false,
            category: Category::ALL[0],
            who_acts: WhoActs::Nobody,
            retry: Retry::Never,
            retry_after_s: None,
            provider: None,
            provider_code: None,
            feedback_type: None,
            decoded_by: None,
            timestamp: None,
            subject: None,
            message_id: None,
            explanation: Explanation::default(),
            evidence: None,
        };
        assert_eq!(line(&empty), serde_line(&empty));
        for (index, text) in awkward_texts().into_iter().enumerate() {
            let some = Some(text.clone());
            let full = Diagnosis {
                source: some.clone(),
                is_bounce: true,
                recipient: some.clone(),
                original_recipient: some.clone(),
                sender: some.clone(),
                action: Some(Action::ALL[index % Action::ALL.len()]),
                reply_code: some.clone(),
                status: some.clone(),
                remote_host: some.clone(),
                reporting_mta: some.clone(),
                smtp_command: some.clone(),
                diagnostic: some.clone(),
                reason: Reason::ALL[index % Reason::ALL.len()],
                permanent: true,
                hard_bounce: index % 2 == 0,
                category: Category::ALL[index % Category::ALL.len()],
                who_acts: WhoActs::ALL[index % WhoActs::ALL.len()],
                retry: Retry::ALL[index % Retry::ALL.len()],
                retry_after_s: Some(u64::MAX - index as u64),
                provider: some.clone(),
                provider_code: some.clone(),
                feedback_type: some.clone(),
                decoded_by: some.clone(),
                timestamp: some.clone(),
                subject: some.clone(),
                message_id: some.clone(),
                explanation: Explanation {
                    lang: Arc::from(text.as_str()),
                    summary: Arc::from(text.as_str()),
                    detail: Arc::from(text.as_str()),
                    fix: vec![Arc::from(text.as_str()); index % 3].into(),
                    links: vec![text.clone(); index % 2],
                },
                evidence: Some(Evidence {
                    rule: text.clone(),
                    pack: text.clone(),
                    matched: some.clone(),
                    span: Some([index, usize::MAX]),
                }),
            };
            assert_eq!(line(&full), serde_line(&full));
        }
    }
}
