//! Errors, each naming what was being read.

use thiserror::Error;

/// Everything that can go wrong in the library.
#[derive(Debug, Error)]
pub enum Error {
    /// A pack file could not be read.
    #[error("pack {origin}: {message}")]
    Pack {
        /// The pack file.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A rule is invalid.
    #[error("{origin}: {message}")]
    Rule {
        /// Pack and rule id.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The input is empty or only white space.
    #[error("the input is empty")]
    EmptyInput,
    /// The input is larger than the configured limit.
    #[error("the input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Input size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The input is binary data, not text.
    #[error("the input is binary data, not text ({reason})")]
    Binary {
        /// What gave it away.
        reason: String,
    },
    /// The message could not be decoded.
    #[error("cannot decode the message: {0}")]
    Malformed(String),
}
