//! Property tests: the SMTP code parsers and the mbox splitter, on generated input.

use bouncewhy::container::MboxReader;
use bouncewhy::smtp::reply::{find_reply_code, last_reply_code};
use bouncewhy::smtp::status::{find_all_status, find_status, StatusCode};
use proptest::prelude::*;

fn status_code() -> impl Strategy<Value = StatusCode> {
    (
        prop_oneof![Just(2u8), Just(4u8), Just(5u8)],
        0u16..1000,
        0u16..1000,
    )
        .prop_map(|(class, subject, detail)| StatusCode {
            class,
            subject,
            detail,
        })
}

/// Server-ish text: words, digits, dots and punctuation, any Unicode now and then.
fn noisy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z]{1,8}",
            2 => "[0-9.]{1,6}",
            2 => "[ <>@:;,()\\[\\]#-]",
            1 => "\\PC{1,3}",
        ],
        0..24,
    )
    .prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(512)
    })]

    #[test]
    fn a_status_code_reads_back_as_written(code in status_code()) {
        prop_assert_eq!(StatusCode::parse(&code.to_string()), Some(code));
    }

    #[test]
    fn parsing_any_text_as_a_status_never_panics_and_is_canonical(text in "\\PC{0,16}") {
        if let Some(code) = StatusCode::parse(&text) {
            prop_assert!(matches!(code.class, 2 | 4 | 5));
            prop_assert_eq!(StatusCode::parse(&code.to_string()), Some(code));
        }
    }

    #[test]
    fn a_status_in_a_reply_is_found_at_its_place(
        reply in 200u16..=559,
        code in status_code(),
        before in "[a-z]{0,10}",
        after in "[a-z ]{0,20}",
    ) {
        let prefix = if before.is_empty() { String::new() } else { format!("{before}: ") };
        let text = format!("{prefix}{reply} {code} {after}");
        let (found, [start, end]) = find_status(&text).expect("the code is found");
        prop_assert_eq!(found, code);
        prop_assert_eq!(&text[start..end], code.to_string());
    }

    #[test]
    fn found_status_spans_are_the_code_itself(text in noisy_text()) {
        if let Some((code, [start, end])) = find_status(&text) {
            prop_assert!(start < end && end <= text.len());
            prop_assert_eq!(StatusCode::parse(&text[start..end]), Some(code));
        }
        prop_assert!(find_all_status(&text).len() <= text.len() / 5 + 1);
    }

    #[test]
    fn a_reply_code_with_a_status_is_found(
        reply in (prop_oneof![Just(2u16), Just(4u16), Just(5u16)], 0u16..=5, 0u16..=9)
            .prop_map(|(class, tens, units)| class * 100 + tens * 10 + units),
        code in status_code(),
        lead in "[a-z]{0,12}",
        separator in prop_oneof![Just(' '), Just('-')],
    ) {
        let prefix = if lead.is_empty() { String::new() } else { format!("{lead} said: ") };
        let text = format!("{prefix}{reply}{separator}{code} rejected");
        let (found, [start, end]) = find_reply_code(&text).expect("the reply code is found");
        prop_assert_eq!(found.0, reply);
        prop_assert_eq!(&text[start..end], reply.to_string());
        prop_assert_eq!(last_reply_code(&text), Some(reply));
    }

    #[test]
    fn found_reply_codes_are_three_digit_codes_at_their_span(text in noisy_text()) {
        if let Some((code, [start, end])) = find_reply_code(&text) {
            prop_assert_eq!(end - start, 3);
            prop_assert_eq!(text[start..end].parse::<u16>().ok(), Some(code.0));
            prop_assert!(matches!(code.class(), 2 | 4 | 5));
        }
    }

    #[test]
    fn mbox_split_of_join_is_identity(messages in prop::collection::vec(message(), 1..8)) {
        let joined = join_mbox(&messages);
        let split: Vec<Vec<u8>> = MboxReader::new(joined.as_bytes(), 1 << 20)
            .collect::<Result<_, _>>()
            .expect("no message is over the limit");
        let expected: Vec<Vec<u8>> = messages.iter().map(|m| m.as_bytes().to_vec()).collect();
        prop_assert_eq!(split, expected);
    }

    #[test]
    fn mbox_splitter_never_panics_and_respects_the_limit(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        limit in 1usize..512,
    ) {
        for message in MboxReader::new(bytes.as_slice(), limit).flatten() {
            prop_assert!(message.len() <= limit);
        }
    }
}

/// One message as an mbox holds it: lines ending in `\n`, some beginning with
/// `From ` (escaped on join), not all blank, no trailing blank line, and no line
/// that already begins with `>From ` (mboxo quoting cannot tell those apart).
fn message() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => "[A-Za-z][A-Za-z-]{0,10}: [ -~]{0,30}",
        3 => "[ -~]{0,40}",
        2 => "From [ -~]{0,30}",
        1 => "\\PC{0,10}",
        1 => Just(String::new()),
    ];
    prop::collection::vec(line, 1..12)
        .prop_filter("lines that already look quoted are ambiguous", |lines| {
            !lines.iter().any(|l| l.starts_with(">From "))
        })
        .prop_map(|lines| {
            let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            while text.ends_with("\n\n") {
                text.pop();
            }
            text
        })
        .prop_filter("a blank message is not a message", |text| {
            !text.trim().is_empty()
        })
}

/// Joins messages into an mbox: a `From ` separator before each, `From `
/// lines in the body quoted as `>From `, and a blank line after each.
fn join_mbox(messages: &[String]) -> String {
    let mut mbox = String::new();
    for message in messages {
        mbox.push_str("From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n");
        for line in message.split_inclusive('\n') {
            if line.starts_with("From ") {
                mbox.push('>');
            }
            mbox.push_str(line);
        }
        mbox.push('\n');
    }
    mbox
}
