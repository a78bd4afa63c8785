//! Helpers shared by the MTA decoders: the SMTP command a bounce names, the
//! remote host it names, and folding indented paragraphs into one line.

use crate::engine::Report;
use regex::Regex;
use std::sync::LazyLock;

static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:after|in reply to|did not like our|while sending|response to)\s+(?:the\s+)?(initial connection|connect|greeting|banner|helo|ehlo|mail from|mail|rcpt to|rcpt|end of data|final data|data|bdat|quit|starttls)\b",
    )
    .expect("command pattern is valid")
});

static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:host|talking to|to host|server)\s+([a-z0-9][a-z0-9.\-]*[a-z0-9])\.?\s*\[([0-9a-f.:]+)\]|\b([a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)+)\.?\s?\[([0-9a-f.:]+)\]")
        .expect("host pattern is valid")
});

/// The SMTP command a bounce text says the error answered, normalised to
/// CONN, HELO/EHLO, MAIL, RCPT, DATA, BDAT, QUIT or STARTTLS.
pub fn command(text: &str) -> Option<String> {
    let word = COMMAND
        .captures(text)?
        .get(1)?
        .as_str()
        .to_ascii_lowercase();
    let name = match word.as_str() {
        "initial connection" | "connect" | "greeting" | "banner" => "CONN",
        "helo" => "HELO",
        "ehlo" => "EHLO",
        "mail from" | "mail" => "MAIL",
        "rcpt to" | "rcpt" => "RCPT",
        "end of data" | "final data" | "data" => "DATA",
        "bdat" => "BDAT",
        "quit" => "QUIT",
        _ => "STARTTLS",
    };
    Some(name.to_string())
}

/// The remote host a bounce text names as `host name [ip]` or `name[ip]`
/// (the name when there is one, else the address).
pub fn remote_host(text: &str) -> Option<String> {
    let caps = HOST.captures(text)?;
    let name = caps.get(1).or_else(|| caps.get(3))?.as_str();
    Some(name.trim_end_matches('.').to_ascii_lowercase())
}

/// Trimmed non-empty lines joined by one space.
pub fn fold(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A report for one recipient with the command and host read from its text.
pub fn report(recipient: &str, diagnostic: String) -> Report {
    Report {
        recipient: Some(
            recipient
                .trim_matches(|c| matches!(c, '<' | '>' | ':' | ' '))
                .to_string(),
        ),
        smtp_command: command(&diagnostic),
        remote_host: remote_host(&diagnostic),
        diagnostic,
        ..Report::default()
    }
}

/// The address when `token` is one (angle brackets and a trailing colon allowed).
pub fn as_address(token: &str) -> Option<&str> {
    let token = token
        .trim()
        .trim_end_matches([':', ',', '.'])
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (local, domain) = token.split_once('@')?;
    (!local.is_empty()
        && domain.contains('.')
        && !token.contains([' ', '<', '>', '(', ')'])
        && super::super::first_address(token) == Some(token))
    .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commands_and_hosts() {
        assert_eq!(
            command("SMTP error from remote mail server after RCPT TO:<a@b.example>:").as_deref(),
            Some("RCPT")
        );
        assert_eq!(
            command("(in reply to end of DATA command)").as_deref(),
            Some("DATA")
        );
        assert_eq!(
            command("mx.example.net [192.0.2.1] did not like our final DATA:").as_deref(),
            Some("DATA")
        );
        assert_eq!(
            command("after initial connection:").as_deref(),
            Some("CONN")
        );
        assert_eq!(
            remote_host("host mx.example.jp [192.0.2.20]: 550").as_deref(),
            Some("mx.example.jp")
        );
        assert_eq!(
            remote_host("host mx.example.jp[192.0.2.20] said: 550").as_deref(),
            Some("mx.example.jp")
        );
        assert_eq!(as_address("<a@example.org>:"), Some("a@example.org"));
        assert_eq!(as_address("a"), None);
    }
}
