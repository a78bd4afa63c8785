//! Human-readable output: what happened, why, who acts, retry, fix steps, evidence.
//! Headings come from the language's labels; colour only on a terminal.

use bouncewhy::knowledge::Knowledge;
use bouncewhy::{Diagnosis, Retry, WhoActs};
use std::io::Write;

struct Style {
    color: bool,
}

impl Style {
    fn heading(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn reason(&self, text: &str, permanent: bool) -> String {
        match (self.color, permanent) {
            (false, _) => text.to_string(),
            (true, true) => format!("\x1b[1;31m{text}\x1b[0m"),
            (true, false) => format!("\x1b[1;33m{text}\x1b[0m"),
        }
    }
}

/// Writes one diagnosis as a readable block.
pub fn write(
    out: &mut impl Write,
    d: &Diagnosis,
    knowledge: &Knowledge,
    color: bool,
) -> std::io::Result<()> {
    let style = Style { color };
    let lang = &*d.explanation.lang;
    let label = |key: &'static str| knowledge.label(lang, key);
    if let Some(recipient) = &d.recipient {
        writeln!(out, "{}: {recipient}", style.heading(label("recipient")))?;
    }
    let permanence = label(if d.permanent {
        "permanent"
    } else {
        "temporary"
    });
    let mut flags = vec![permanence.to_string()];
    if d.hard_bounce {
        flags.push(label("hard_bounce").to_string());
    }
    writeln!(
        out,
        "{}: {} - {} ({}; {})",
        style.heading(label("reason")),
        style.reason(d.reason.as_str(), d.permanent),
        knowledge.label(lang, &format!("reason_{}", d.reason)),
        knowledge.label(lang, &format!("category_{}", d.category)),
        flags.join(", ")
    )?;
    writeln!(
        out,
        "{}: {}",
        style.heading(label("what_happened")),
        d.explanation.summary
    )?;
    if !d.explanation.detail.is_empty() {
        writeln!(
            out,
            "{}: {}",
            style.heading(label("why")),
            d.explanation.detail
        )?;
    }
    writeln!(
        out,
        "{}: {}",
        style.heading(label("who_acts")),
        label(who_key(d.who_acts))
    )?;
    let retry = match (d.retry, d.retry_after_s) {
        (Retry::Later, Some(seconds)) => format!(
            "{} {}",
            label("retry_wait"),
            human_duration(seconds, knowledge, lang)
        ),
        (retry, _) => label(retry_key(retry)).to_string(),
    };
    writeln!(out, "{}: {retry}", style.heading(label("retry")))?;
    if !d.explanation.fix.is_empty() {
        writeln!(out, "{}:", style.heading(label("fix")))?;
        for (number, step) in d.explanation.fix.iter().enumerate() {
            writeln!(out, "  {}. {step}", number + 1)?;
        }
    }
    let codes: Vec<String> = [
        d.reply_code
            .as_ref()
            .map(|c| format!("{} {c}", label("reply_code"))),
        d.status
            .as_ref()
            .map(|s| format!("{} {s}", label("status"))),
        d.smtp_command
            .as_ref()
            .map(|c| format!("{} {c}", label("smtp_command"))),
        d.provider
            .as_ref()
            .map(|p| format!("{} {p}", label("provider"))),
        d.provider_code
            .as_ref()
            .map(|p| format!("{} {p}", label("provider_code"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !codes.is_empty() {
        writeln!(
            out,
            "{}: {}",
            style.heading(label("codes")),
            codes.join(", ")
        )?;
    }
    if let Some(evidence) = &d.evidence {
        match &evidence.matched {
            Some(matched) => writeln!(
                out,
                "{}: {} \u{2190} \"{matched}\"",
                style.heading(label("evidence")),
                evidence.rule
            )?,
            None => writeln!(
                out,
                "{}: {}",
                style.heading(label("evidence")),
                evidence.rule
            )?,
        }
    }
    if let Some(diagnostic) = &d.diagnostic {
        writeln!(out, "{}: {diagnostic}", style.heading(label("server_said")))?;
    }
    for link in &d.explanation.links {
        writeln!(out, "{}: {link}", style.heading(label("more")))?;
    }
    writeln!(out)
}

fn who_key(who: WhoActs) -> &'static str {
    match who {
        WhoActs::Sender => "who_sender",
        WhoActs::SenderAdmin => "who_sender_admin",
        WhoActs::Recipient => "who_recipient",
        WhoActs::RecipientAdmin => "who_recipient_admin",
        WhoActs::Nobody => "who_nobody",
    }
}

fn retry_key(retry: Retry) -> &'static str {
    match retry {
        Retry::Never => "retry_never",
        Retry::Later => "retry_later",
        Retry::AfterFix => "retry_after_fix",
    }
}

fn human_duration(seconds: u64, knowledge: &Knowledge, lang: &str) -> String {
    let (count, unit, one) = if seconds % 3600 == 0 {
        (seconds / 3600, "hours", "hour")
    } else if seconds % 60 == 0 {
        (seconds / 60, "minutes", "minute")
    } else {
        (seconds, "seconds", "second")
    };
    format!(
        "{count} {}",
        knowledge.label(lang, if count == 1 { one } else { unit })
    )
}
