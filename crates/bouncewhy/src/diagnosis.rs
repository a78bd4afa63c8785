//! The public answer: one [`Diagnosis`] per failed (or reported) recipient.
//!
//! Field names and enum spellings are the JSON wire contract (snake_case); a
//! missing value is `null`, never an empty string.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

macro_rules! closed_vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The wire spelling of this value.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// Parses the wire spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $( $text => Some($name::$variant), )+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_vocabulary! {
    /// Why delivery failed, in sisimai's reason names (the de-facto standard).
    Reason {
        /// SPF, DKIM or DMARC checks failed.
        AuthFailure = "authfailure",
        /// The sending IP address or domain has a poor reputation.
        BadReputation = "badreputation",
        /// The sending host (IP or name) is refused, e.g. by a blocklist.
        Blocked = "blocked",
        /// The message's headers or format were refused.
        ContentError = "contenterror",
        /// Delivered successfully (a success notification).
        Delivered = "delivered",
        /// The message exceeded a limit of the recipient.
        ExceedLimit = "exceedlimit",
        /// The sending server gave up after retrying for too long.
        Expired = "expired",
        /// STARTTLS could not be used.
        FailedStartTls = "failedstarttls",
        /// A feedback-loop (complaint) report.
        Feedback = "feedback",
        /// Refused by the recipient's filter or settings.
        Filtered = "filtered",
        /// The mailbox has moved and mail is not forwarded.
        HasMoved = "hasmoved",
        /// The recipient's domain does not exist or has no mail server.
        HostUnknown = "hostunknown",
        /// The recipient's mailbox is full.
        MailboxFull = "mailboxfull",
        /// A mail program on the receiving side failed.
        MailerError = "mailererror",
        /// The message is too big for the receiving server.
        MesgTooBig = "mesgtoobig",
        /// DNS or network failure while delivering.
        NetworkError = "networkerror",
        /// Relaying denied.
        NoRelaying = "norelaying",
        /// The receiving domain or server accepts no mail.
        NotAccept = "notaccept",
        /// The message does not comply with the RFCs.
        NotCompliantRfc = "notcompliantrfc",
        /// Not enough information to decide yet.
        OnHold = "onhold",
        /// Refused by a policy of the receiving side.
        PolicyViolation = "policyviolation",
        /// The sender's address (envelope from) was refused.
        Rejected = "rejected",
        /// The sending host has no or an invalid PTR record.
        RequirePtr = "requireptr",
        /// A security problem, such as failed SMTP authentication.
        SecurityError = "securityerror",
        /// Refused by a spam filter.
        SpamDetected = "spamdetected",
        /// Sending too fast: a rate limit.
        Speeding = "speeding",
        /// The sending platform suppressed the address.
        Suppressed = "suppressed",
        /// The recipient's account is suspended or disabled.
        Suspend = "suspend",
        /// A syntax error in an SMTP command.
        SyntaxError = "syntaxerror",
        /// A system error on the receiving host.
        SystemError = "systemerror",
        /// The receiving host's disk or storage is full.
        SystemFull = "systemfull",
        /// Too many connections or recipients at once.
        TooManyConn = "toomanyconn",
        /// No reason could be detected.
        Undefined = "undefined",
        /// The recipient's mailbox does not exist.
        UserUnknown = "userunknown",
        /// An automatic (out-of-office) reply.
        Vacation = "vacation",
        /// Refused by a virus scanner.
        VirusDetected = "virusdetected",
    }
}

closed_vocabulary! {
    /// Which area the problem lies in.
    Category {
        /// The recipient's address or mailbox.
        Recipient = "recipient",
        /// The sender's address or account.
        Sender = "sender",
        /// The message's content, size or format.
        Content = "content",
        /// Sending volume, speed or connection count.
        RateLimit = "rate_limit",
        /// Reputation of the sending IP or domain, blocklists.
        Reputation = "reputation",
        /// SPF, DKIM, DMARC or SMTP authentication.
        Authentication = "authentication",
        /// Server or DNS set-up (PTR, HELO, MX, routing).
        Configuration = "configuration",
        /// Connections, DNS lookups, time-outs.
        Network = "network",
        /// The receiving server's own failure.
        Server = "server",
        /// The SMTP conversation itself.
        Protocol = "protocol",
    }
}

closed_vocabulary! {
    /// Who has to do something for the mail to get through.
    WhoActs {
        /// The person who wrote the email.
        Sender = "sender",
        /// The sender's mail provider or IT.
        SenderAdmin = "sender_admin",
        /// The recipient.
        Recipient = "recipient",
        /// The recipient's mail provider or IT.
        RecipientAdmin = "recipient_admin",
        /// Nobody: wait and retry.
        Nobody = "nobody",
    }
}

closed_vocabulary! {
    /// Whether and when sending again can help.
    Retry {
        /// Do not send again to this address.
        Never = "never",
        /// Send again later, unchanged.
        Later = "later",
        /// Send again once the cause is fixed.
        AfterFix = "after_fix",
    }
}

closed_vocabulary! {
    /// The RFC 3464 `Action` of a recipient.
    Action {
        /// Delivery failed.
        Failed = "failed",
        /// Delivery is delayed and still being tried.
        Delayed = "delayed",
        /// Delivered.
        Delivered = "delivered",
        /// Relayed to a system that sends no reports.
        Relayed = "relayed",
        /// Delivered and expanded to further addresses.
        Expanded = "expanded",
    }
}

impl Reason {
    /// sisimai's hard-bounce rule: the address itself is dead.
    pub fn is_hard_bounce(self, permanent: bool) -> bool {
        match self {
            Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved => true,
            Reason::NotAccept => permanent,
            _ => false,
        }
    }
}

/// A human explanation in one language. The texts are shared with the
/// engine's knowledge (and with every other diagnosis that uses them), so a
/// diagnosis costs no copy of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Explanation {
    /// The language used (BCP 47 tag).
    pub lang: Arc<str>,
    /// One sentence for a non-technical reader.
    pub summary: Arc<str>,
    /// A paragraph for an administrator.
    pub detail: Arc<str>,
    /// Concrete steps that fix the problem.
    pub fix: Arc<[Arc<str>]>,
    /// Further reading.
    pub links: Vec<String>,
}

/// Which rule decided the reason, and the exact text it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The id of the rule that matched.
    pub rule: String,
    /// The pack the rule comes from.
    pub pack: String,
    /// The matched text, as it stands in `diagnostic`.
    pub matched: Option<String>,
    /// Byte offsets `[start, end)` of `matched` inside `diagnostic`.
    pub span: Option<[usize; 2]>,
}

/// The answer for one recipient: what failed, why, who acts, retry, and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Where it came from: a path, `path#N` inside an mbox, `-` for stdin, `text` for explain.
    pub source: Option<String>,
    /// False only for messages shown with `--all` that are not bounces.
    pub is_bounce: bool,
    /// The failed address, domain lower-cased.
    pub recipient: Option<String>,
    /// The DSN's Original-Recipient, when given.
    pub original_recipient: Option<String>,
    /// The original sender, when known.
    pub sender: Option<String>,
    /// RFC 3464 action.
    pub action: Option<Action>,
    /// SMTP reply code, e.g. "550".
    pub reply_code: Option<String>,
    /// Enhanced status code, e.g. "5.1.1".
    pub status: Option<String>,
    /// The server that refused the message.
    pub remote_host: Option<String>,
    /// The server that wrote the bounce.
    pub reporting_mta: Option<String>,
    /// The SMTP command the error answered.
    pub smtp_command: Option<String>,
    /// The server's own words, unfolded into one line.
    pub diagnostic: Option<String>,
    /// Why it failed.
    pub reason: Reason,
    /// Sending the same message again unchanged will not succeed.
    pub permanent: bool,
    /// The address itself is dead and should be suppressed.
    pub hard_bounce: bool,
    /// The area of the problem.
    pub category: Category,
    /// Who has to act.
    pub who_acts: WhoActs,
    /// Whether and when to retry.
    pub retry: Retry,
    /// Seconds to wait before retrying, when known.
    pub retry_after_s: Option<u64>,
    /// The provider whose rule or server gave the answer.
    pub provider: Option<String>,
    /// The provider's own error code.
    pub provider_code: Option<String>,
    /// For feedback reports: the RFC 5965 Feedback-Type.
    pub feedback_type: Option<String>,
    /// Which format decoder read the bounce.
    pub decoded_by: Option<String>,
    /// When the failure happened (as written in the bounce).
    pub timestamp: Option<String>,
    /// Subject of the returned original message.
    pub subject: Option<String>,
    /// Message-ID of the returned original message.
    pub message_id: Option<String>,
    /// The human explanation.
    pub explanation: Explanation,
    /// The rule and text that decided the reason.
    pub evidence: Option<Evidence>,
}
