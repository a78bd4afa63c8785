//! CSV: one row per recipient, RFC 4180 quoting.

use bouncewhy::Diagnosis;
use std::io::Write;

const COLUMNS: &[&str] = &[
    "source",
    "recipient",
    "reason",
    "permanent",
    "hard_bounce",
    "category",
    "who_acts",
    "retry",
    "retry_after_s",
    "reply_code",
    "status",
    "smtp_command",
    "provider",
    "provider_code",
    "decoded_by",
    "sender",
    "diagnostic",
    "summary",
];

/// Writes the header row.
pub fn write_header(out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))
}

/// Writes one diagnosis as a row.
pub fn write_row(out: &mut impl Write, d: &Diagnosis) -> std::io::Result<()> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let fields = [
        text(&d.source),
        text(&d.recipient),
        d.reason.to_string(),
        d.permanent.to_string(),
        d.hard_bounce.to_string(),
        d.category.to_string(),
        d.who_acts.to_string(),
        d.retry.to_string(),
        d.retry_after_s.map(|s| s.to_string()).unwrap_or_default(),
        text(&d.reply_code),
        text(&d.status),
        text(&d.smtp_command),
        text(&d.provider),
        text(&d.provider_code),
        text(&d.decoded_by),
        text(&d.sender),
        text(&d.diagnostic),
        d.explanation.summary.to_string(),
    ];
    let row: Vec<String> = fields.iter().map(|f| quote(f)).collect();
    writeln!(out, "{}", row.join(","))
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
