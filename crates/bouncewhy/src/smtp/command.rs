//! Which SMTP command an error answered, from the phrases clients write around it.

use regex::Regex;
use std::sync::LazyLock;

static COMMAND_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?:in\ reply\ to|after|while\ sending|while\ talking\ to\ [^:]*:\s*>>>|>>>|responding\ to|during|on|rejected)\s+
        (?:the\s+)?(?:end\ of\s+)?
        (rcpt\ to|mail\ from|data|bdat|ehlo|helo|quit|starttls|auth|rset|lhlo|message\ body|initial\ connection|connect)
        \b",
    )
    .expect("command pattern is valid")
});

static QMAIL_STAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(greeting failed|does not like recipient|sender was rejected|failed after i sent the message|failed on data command|connection refused|couldn't find any host|helo command rejected|client host rejected)",
    )
    .expect("qmail stage pattern is valid")
});

/// Finds the SMTP command an error answered: `CONN`, `HELO`, `EHLO`, `MAIL`,
/// `RCPT`, `DATA`, `BDAT`, `QUIT`, `STARTTLS` or `AUTH`.
pub fn find_command(text: &str) -> Option<&'static str> {
    if let Some(caps) = COMMAND_PHRASE.captures(text) {
        let word = caps.get(1)?.as_str().to_ascii_lowercase();
        return Some(match word.as_str() {
            "rcpt to" => "RCPT",
            "mail from" => "MAIL",
            "data" | "message body" => "DATA",
            "bdat" => "BDAT",
            "ehlo" | "lhlo" => "EHLO",
            "helo" => "HELO",
            "quit" => "QUIT",
            "starttls" => "STARTTLS",
            "auth" => "AUTH",
            "rset" => "RSET",
            _ => "CONN",
        });
    }
    let stage = QMAIL_STAGE
        .captures(text)?
        .get(1)?
        .as_str()
        .to_ascii_lowercase();
    Some(match stage.as_str() {
        "does not like recipient" => "RCPT",
        "sender was rejected" => "MAIL",
        "failed after i sent the message" | "failed on data command" => "DATA",
        "helo command rejected" => "HELO",
        _ => "CONN",
    })
}

#[cfg(test)]
mod tests {
    use super::find_command;

    #[test]
    fn reads_postfix_exim_and_qmail_phrases() {
        assert_eq!(
            find_command("550 5.1.1 unknown (in reply to RCPT TO command)"),
            Some("RCPT")
        );
        assert_eq!(
            find_command("552 too big (in reply to end of DATA command)"),
            Some("DATA")
        );
        assert_eq!(
            find_command("(in reply to MAIL FROM command)"),
            Some("MAIL")
        );
        assert_eq!(
            find_command("SMTP error from remote mail server after RCPT TO:<a@b.example>:"),
            Some("RCPT")
        );
        assert_eq!(
            find_command("SMTP error from remote mail server after initial connection:"),
            Some("CONN")
        );
        assert_eq!(
            find_command("Connected to 192.0.2.1 but greeting failed."),
            Some("CONN")
        );
        assert_eq!(
            find_command("192.0.2.1 does not like recipient."),
            Some("RCPT")
        );
        assert_eq!(
            find_command("192.0.2.1 failed after I sent the message."),
            Some("DATA")
        );
        assert_eq!(
            find_command("550 5.7.1 Message rejected by filter rule"),
            None
        );
    }
}
