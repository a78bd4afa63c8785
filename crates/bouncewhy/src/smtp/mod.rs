//! The SMTP layer: reply codes (RFC 5321), enhanced status codes (RFC 3463),
//! the command an error answered, and normalisation of real-world error text.

pub mod command;
pub mod normalize;
pub mod reply;
pub mod status;

pub use command::find_command;
pub use normalize::normalize;
pub use reply::{find_reply_code, last_reply_code, ReplyCode};
pub use status::{find_status, last_status, StatusCode};
