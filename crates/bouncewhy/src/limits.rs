//! Named limits, checked before work is done.

/// Limits on input size and shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest text `explain` accepts, in bytes.
    pub max_explain_bytes: usize,
    /// Largest single message `decode` accepts, in bytes.
    pub max_message_bytes: usize,
    /// How much of a text part is scanned for a bounce's own words, in bytes.
    pub max_scan_bytes: usize,
    /// Most MIME parts looked at in one message.
    pub max_parts: usize,
    /// Deepest MIME nesting followed.
    pub max_depth: usize,
    /// Most recipients reported for one message.
    pub max_recipients: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_explain_bytes: 1 << 20,
            max_message_bytes: 32 << 20,
            max_scan_bytes: 256 << 10,
            max_parts: 1_000,
            max_depth: 16,
            max_recipients: 10_000,
        }
    }
}
