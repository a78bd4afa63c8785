//! fml mailing-list manager notices (`X-MLServer: fml ...`): a post refused
//! because its sender is not a member, or dropped as a loop. The list address
//! is the first `<address>` of the notice; the subject and first paragraph are
//! the words.

use super::super::{first_address, Decoder};
use crate::engine::Report;
use crate::message::Mail;

/// The fml decoder.
pub struct Fml;

impl Decoder for Fml {
    fn name(&self) -> &'static str {
        "fml"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let server = mail.header("x-mlserver")?;
        if !server.to_ascii_lowercase().starts_with("fml") {
            return None;
        }
        let body = mail.body();
        let paragraph = body.split("\n\n").map(str::trim).find(|p| !p.is_empty())?;
        let recipient = paragraph
            .split('<')
            .skip(1)
            .find_map(|rest| rest.split('>').next().and_then(first_address))?;
        Some(vec![Report {
            recipient: Some(recipient.to_string()),
            diagnostic: format!(
                "{} {}",
                mail.subject(),
                super::common::fold(&paragraph.lines().collect::<Vec<_>>())
            ),
            ..Report::default()
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn not_a_member() {
        let raw = "From: list-admin@example.org\nSubject: You a@example.net are not member (list ML)\nX-MLServer: fml [fml 4.0.3 release]\n\nYou are not a member of this mailing list <list@example.org>.\n\nIf you know the general guide of this list, send guide.\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = Fml.decode(&mail).expect("decoded");
        assert_eq!(reports[0].recipient.as_deref(), Some("list@example.org"));
        assert!(reports[0].diagnostic.contains("not a member"));
    }
}
