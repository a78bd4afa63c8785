//! Decoders for bounces written by mail server software (one file per MTA).

use super::Decoder;

/// This family's decoders, tried in order.
pub static ALL: &[&dyn Decoder] = &[];
