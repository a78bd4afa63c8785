//! Which SMTP command an error answered, from the phrases clients write around it.

/// The phrases that lead to the command's name, in the order they are tried
/// at one place; `while talking to ` goes on to the `>>>` after its colon.
const LEADS: [&str; 9] = [
    "in reply to",
    "after",
    "while sending",
    "while talking to ",
    ">>>",
    "responding to",
    "during",
    "on",
    "rejected",
];

/// The command names after a leading phrase, in the order they are tried.
const COMMANDS: [&str; 14] = [
    "rcpt to",
    "mail from",
    "data",
    "bdat",
    "ehlo",
    "helo",
    "quit",
    "starttls",
    "auth",
    "rset",
    "lhlo",
    "message body",
    "initial connection",
    "connect",
];

/// qmail's words for the stage it failed at, in the order they are tried.
const QMAIL_STAGES: [&str; 9] = [
    "greeting failed",
    "does not like recipient",
    "sender was rejected",
    "failed after i sent the message",
    "failed on data command",
    "connection refused",
    "couldn't find any host",
    "helo command rejected",
    "client host rejected",
];

/// Where the phrases of [`LEADS`] can start.
static LEAD_STARTS: PhraseStarts = PhraseStarts::new(&LEADS);

/// Where the phrases of [`QMAIL_STAGES`] can start.
static QMAIL_STAGE_STARTS: PhraseStarts = PhraseStarts::new(&QMAIL_STAGES);

/// Where the phrases of a list (at most 16, ASCII, lower case, two bytes or
/// more) can start, as [`literal_end`] compares them, from their first two
/// bytes: one bit per phrase, in their order.
pub(crate) struct PhraseStarts {
    /// For each byte, the phrases whose first letter it is (in either case),
    /// or the first byte of the non-ASCII letter that folds to it.
    first: [u16; 256],
    /// The same for the phrases' second letters.
    second: [u16; 256],
}

impl PhraseStarts {
    /// The table of `phrases`.
    pub(crate) const fn new(phrases: &[&str]) -> Self {
        assert!(phrases.len() <= 16, "at most 16 phrases");
        let mut starts = PhraseStarts {
            first: [0; 256],
            second: [0; 256],
        };
        let mut i = 0;
        while i < phrases.len() {
            let bytes = phrases[i].as_bytes();
            assert!(bytes.len() >= 2, "phrases of two bytes or more");
            add_letter(&mut starts.first, bytes[0], 1 << i);
            add_letter(&mut starts.second, bytes[1], 1 << i);
            i += 1;
        }
        starts
    }

    /// Each place in `bytes` where a phrase may start, in order, with the
    /// phrases that may (one bit each). After a non-ASCII first byte (a
    /// folded letter) only the first byte is checked.
    pub(crate) fn positions<'a>(
        &'a self,
        bytes: &'a [u8],
    ) -> impl Iterator<Item = (usize, u16)> + 'a {
        let mut from = 0;
        std::iter::from_fn(move || {
            while let Some(skipped) = bytes[from..]
                .iter()
                .position(|&byte| self.first[usize::from(byte)] != 0)
            {
                let at = from + skipped;
                from = at + 1;
                let first = bytes[at];
                let mut phrases = self.first[usize::from(first)];
                if first.is_ascii() {
                    phrases &= bytes
                        .get(at + 1)
                        .map_or(0, |&next| self.second[usize::from(next)]);
                }
                if phrases != 0 {
                    return Some((at, phrases));
                }
            }
            None
        })
    }
}

/// Marks `letter` (ASCII, lower case) with `bit` in `table`: the letter in
/// either case, and the first byte of the non-ASCII letter that folds to it.
const fn add_letter(table: &mut [u16; 256], letter: u8, bit: u16) {
    table[letter as usize] |= bit;
    table[letter.to_ascii_uppercase() as usize] |= bit;
    match letter {
        b's' => table[LONG_S.as_bytes()[0] as usize] |= bit,
        b'k' => table[KELVIN_SIGN.as_bytes()[0] as usize] |= bit,
        _ => {}
    }
}

/// The phrases of `phrases` whose bits are set in `bits` (see [`PhraseStarts::positions`]), in order.
pub(crate) fn phrases_in<'a>(
    mut bits: u16,
    phrases: &'a [&'a str],
) -> impl Iterator<Item = &'a str> + 'a {
    std::iter::from_fn(move || {
        if bits == 0 {
            return None;
        }
        let index = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        Some(phrases[index])
    })
}

/// LONG S, which a case-insensitive `s` matches.
pub(crate) const LONG_S: &str = "\u{17f}";
/// KELVIN SIGN, which a case-insensitive `k` matches.
pub(crate) const KELVIN_SIGN: &str = "\u{212a}";

/// Finds the SMTP command an error answered: `CONN`, `HELO`, `EHLO`, `MAIL`,
/// `RCPT`, `DATA`, `BDAT`, `QUIT`, `STARTTLS` or `AUTH`.
///
/// The first place where a leading phrase, white space, an optional `the`
/// and `end of`, and a command name ending a word stand (as the regex
/// `(?i)(?:in reply to|after|...)\s+(?:the\s+)?(?:end of\s+)?(rcpt to|...)\b`
/// would find it) names the command; otherwise one of qmail's stage phrases.
pub fn find_command(text: &str) -> Option<&'static str> {
    if let Some(word) = command_phrase(text) {
        return Some(command_named(&word.to_ascii_lowercase()));
    }
    let stage = first_phrase(text, &QMAIL_STAGES, &QMAIL_STAGE_STARTS)?;
    Some(command_of_stage(&stage.to_ascii_lowercase()))
}

/// The command a (lower-case) command name after a leading phrase stands for.
fn command_named(word: &str) -> &'static str {
    match word {
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
    }
}

/// The command a (lower-case) qmail stage phrase stands for.
fn command_of_stage(stage: &str) -> &'static str {
    match stage {
        "does not like recipient" => "RCPT",
        "sender was rejected" => "MAIL",
        "failed after i sent the message" | "failed on data command" => "DATA",
        "helo command rejected" => "HELO",
        _ => "CONN",
    }
}

/// The command name of the first leading phrase that is followed by one.
fn command_phrase(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    LEAD_STARTS.positions(bytes).find_map(|(at, leads)| {
        phrases_in(leads, &LEADS).find_map(|lead| {
            let mut end = literal_end(text, at, lead)?;
            if lead == "while talking to " {
                let colon = end + memchr::memchr(b':', &bytes[end..])?;
                end = literal_end(text, whitespace_end(text, colon + 1), ">>>")?;
            }
            command_after(text, end, &["the", "end of"], &COMMANDS)
        })
    })
}

/// The command name in `commands` that follows at `at` after white space
/// (at least one character of it) and the `optional` words, each of them
/// when it stands there with white space after it; the name must end a word.
pub(crate) fn command_after<'a>(
    text: &'a str,
    at: usize,
    optional: &[&str],
    commands: &[&str],
) -> Option<&'a str> {
    let spaced = whitespace_end(text, at);
    if spaced == at {
        return None;
    }
    let mut at = spaced;
    for optional in optional {
        if let Some(end) = literal_end(text, at, optional) {
            let spaced = whitespace_end(text, end);
            if spaced > end {
                at = spaced;
            }
        }
    }
    commands.iter().find_map(|command| {
        let end = literal_end(text, at, command)?;
        ends_word(text, end).then(|| &text[at..end])
    })
}

/// The first phrase of `phrases` in `text`, in any case, as the regex
/// `(?i)(phrase|phrase|...)` would find it; `starts` are where the phrases can start.
fn first_phrase<'a>(text: &'a str, phrases: &[&str], starts: &PhraseStarts) -> Option<&'a str> {
    let bytes = text.as_bytes();
    starts.positions(bytes).find_map(|(at, found)| {
        phrases_in(found, phrases)
            .find_map(|phrase| literal_end(text, at, phrase).map(|end| &text[at..end]))
    })
}

/// Where `literal` (ASCII, lower case) ends when it stands at `at` in any
/// case, as a case-insensitive regex compares: `s` also matches LONG S
/// (U+017F) and `k` KELVIN SIGN (U+212A), the only non-ASCII characters
/// that fold to ASCII letters.
pub(crate) fn literal_end(text: &str, at: usize, literal: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = at;
    for &want in literal.as_bytes() {
        let got = *bytes.get(at)?;
        if got.to_ascii_lowercase() == want {
            at += 1;
            continue;
        }
        let fold = match want {
            b's' => LONG_S,
            b'k' => KELVIN_SIGN,
            _ => return None,
        };
        if !bytes[at..].starts_with(fold.as_bytes()) {
            return None;
        }
        at += fold.len();
    }
    Some(at)
}

/// The end of the white space (`\s*`) at `at`.
pub(crate) fn whitespace_end(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    at + rest.len() - rest.trim_start().len()
}

/// Whether a word starts at `at` (`\b` before a word character): the text
/// starts there or a character that is not a word character comes before.
pub(crate) fn starts_word(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|c| !is_word(c))
}

/// Whether a word ends at `at` (`\b` after a word character): the text ends
/// there or goes on with a character that is not a word character.
pub(crate) fn ends_word(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_none_or(|c| !is_word(c))
}

/// Whether `c` is a word character as `\b` sees it (Unicode `\w`).
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        regex_syntax::is_word_character(c)
    }
}

#[cfg(test)]
mod tests {
    use super::{command_named, command_of_stage, find_command};
    use proptest::prelude::*;
    use regex::Regex;

    /// The regexes this module's search replaced: the reference its results must equal.
    fn reference(text: &str) -> Option<&'static str> {
        let phrase = Regex::new(
            r"(?ix)
            (?:in\ reply\ to|after|while\ sending|while\ talking\ to\ [^:]*:\s*>>>|>>>|responding\ to|during|on|rejected)\s+
            (?:the\s+)?(?:end\ of\s+)?
            (rcpt\ to|mail\ from|data|bdat|ehlo|helo|quit|starttls|auth|rset|lhlo|message\ body|initial\ connection|connect)
            \b",
        )
        .expect("valid");
        let stage = Regex::new(
            r"(?i)(greeting failed|does not like recipient|sender was rejected|failed after i sent the message|failed on data command|connection refused|couldn't find any host|helo command rejected|client host rejected)",
        )
        .expect("valid");
        if let Some(caps) = phrase.captures(text) {
            return Some(command_named(&caps[1].to_ascii_lowercase()));
        }
        Some(command_of_stage(
            &stage.captures(text)?[1].to_ascii_lowercase(),
        ))
    }

    /// Text made of the phrases' pieces, spacing and other characters.
    pub(crate) fn phrase_pieces(words: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(words).prop_map(str::to_string),
                3 => prop::sample::select(&[" ", "  ", "\t", "\u{a0}", ":", ">", "_", "\u{17f}", "\u{212a}", "é", "\u{301}"][..]).prop_map(str::to_string),
                2 => "[a-zA-Z]{1,3}",
                1 => "\\PC",
            ],
            0..10,
        )
        .prop_map(|pieces| pieces.concat())
    }

    const WORDS: &[&str] = &[
        "in reply to",
        "IN REPLY TO",
        "after",
        "while sending",
        "while talking to ",
        ">>>",
        "responding to",
        "during",
        "on",
        "rejected",
        "the",
        "end of",
        "rcpt to",
        "RCPT TO",
        "mail from",
        "data",
        "bdat",
        "ehlo",
        "helo",
        "quit",
        "starttls",
        "STARTTLS",
        "auth",
        "rset",
        "lhlo",
        "message body",
        "initial connection",
        "connect",
        "connection",
        "greeting failed",
        "does not like recipient",
        "sender was rejected",
        "failed after i sent the message",
        "failed on data command",
        "connection refused",
        "couldn't find any host",
        "helo command rejected",
        "client host rejected",
        "\u{17f}tarttl\u{17f}",
        "re\u{17f}ponding to",
        "\u{17f}ender was rejected",
        "does not li\u{212a}e recipient",
    ];

    proptest! {
        #![proptest_config(crate::test_text::config())]

        #[test]
        fn finds_what_the_reference_finds(text in phrase_pieces(WORDS)) {
            prop_assert_eq!(find_command(&text), reference(&text));
        }
    }

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
