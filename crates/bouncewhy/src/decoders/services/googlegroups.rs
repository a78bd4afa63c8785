//! Google Groups rejections: a bounce from `mailer-daemon@googlemail.com` with
//! `X-Failed-Recipients: <group>@googlegroups.com` whose (localised) body explains
//! that the group does not exist or the sender may not post to it, and points to
//! `https://groups.google.com/support/`. The format itself means "rejected":
//! the group refused the post.

use super::super::{addresses, Decoder};
use super::unfold;
use crate::diagnosis::{Action, Reason};
use crate::engine::Report;
use crate::message::Mail;

/// The Google Groups decoder.
pub struct GoogleGroups;

impl Decoder for GoogleGroups {
    fn name(&self) -> &'static str {
        "googlegroups"
    }

    fn decode(&self, mail: &Mail) -> Option<Vec<Report>> {
        let from = mail.from_lower();
        if !(from.contains("@googlemail.com") || from.contains("@google.com")) {
            return None;
        }
        let failed = mail.header("x-failed-recipients")?;
        let recipients: Vec<String> = addresses(failed)
            .filter(|a| a.to_ascii_lowercase().ends_with("@googlegroups.com"))
            .map(str::to_string)
            .collect();
        let body = mail.body();
        if recipients.is_empty() || !body.contains("groups.google.com") {
            return None;
        }
        let text = body
            .split("----- Original message -----")
            .next()
            .unwrap_or("");
        let text = unfold(text);
        Some(
            recipients
                .into_iter()
                .map(|recipient| Report {
                    recipient: Some(recipient),
                    action: Some(Action::Failed),
                    diagnostic: text.clone(),
                    forced_reason: Some((Reason::Rejected, "googlegroups.post-refused".into())),
                    ..Report::default()
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn group_rejection() {
        let raw = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nX-Failed-Recipients: team@googlegroups.com\nSubject: Delivery Status Notification (Failure)\n\nThe group you tried to contact (team) may not exist, or you may not have permission to post messages to the group. Visit https://groups.google.com/support/ for help.\n\n----- Original message -----\n\nTo: team@googlegroups.com\n";
        let mail = Mail::parse(raw.as_bytes(), &Limits::default()).expect("parses");
        let reports = GoogleGroups.decode(&mail).expect("decoded");
        assert_eq!(
            reports[0].recipient.as_deref(),
            Some("team@googlegroups.com")
        );
        assert_eq!(
            reports[0].forced_reason.as_ref().map(|r| r.0),
            Some(Reason::Rejected)
        );
        assert!(reports[0].diagnostic.contains("permission to post"));
    }
}
