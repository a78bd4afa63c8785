//! bouncewhy: explains why an email bounced.
//!
//! Reads a pasted SMTP error, a mail-server log line or a whole bounce email
//! and answers, per failed recipient, with a [`Diagnosis`]: what failed, why,
//! who has to act, whether and when to retry, and how to fix it.
//!
//! ```
//! let engine = bouncewhy::Engine::builtin().unwrap();
//! let answer = engine.explain("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown", "en").unwrap();
//! assert_eq!(answer.reason, bouncewhy::Reason::UserUnknown);
//! assert!(answer.hard_bounce);
//! ```

#![forbid(unsafe_code)]

pub mod container;
pub mod decode;
pub mod decoders;
pub mod diagnosis;
pub mod engine;
pub mod error;
pub mod knowledge;
pub mod limits;
pub mod message;
pub mod rules;
pub mod smtp;
#[cfg(test)]
mod test_text;

pub use diagnosis::{Action, Category, Diagnosis, Evidence, Explanation, Reason, Retry, WhoActs};
pub use engine::{Engine, EngineBuilder, Report};
pub use error::Error;
pub use limits::Limits;
