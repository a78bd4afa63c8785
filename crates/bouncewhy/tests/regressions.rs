//! Inputs the fuzzers found that once panicked or hung, rebuilt here as small
//! synthetic messages. Each must now give an answer or a clear error.

use bouncewhy::Engine;

fn engine() -> Engine {
    Engine::builtin().expect("built-in packs compile")
}

/// A delivery-status part whose recipient has no Diagnostic-Code, so the
/// human-readable text about the recipient is quoted instead; that quote was
/// cut at a fixed byte count, which fell inside a multi-byte character.
#[test]
fn quoting_the_readable_part_cuts_at_a_character_boundary() {
    for filler_offset in 0..4 {
        let filler = format!("{}{}", "x".repeat(filler_offset), "é".repeat(1500));
        let raw = format!(
            "From: MAILER-DAEMON@example.net\r\n\
             Subject: Delivery Status Notification (Failure)\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n\
             --R\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Delivery failed for a@example.org:\r\n{filler}\r\n\
             --R\r\nContent-Type: message/delivery-status\r\n\r\n\
             Reporting-MTA: dns; mx.example.net\r\n\r\n\
             Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n\
             --R--\r\n"
        );
        let diagnoses = engine()
            .decode(raw.as_bytes(), "en")
            .expect("a well-formed DSN decodes");
        assert_eq!(diagnoses.len(), 1);
        let diagnostic = diagnoses[0].diagnostic.as_deref().unwrap_or_default();
        assert!(diagnostic.contains("a@example.org"), "{diagnostic}");
        assert!(diagnostic.len() <= 2000, "the quote is bounded");
    }
}
