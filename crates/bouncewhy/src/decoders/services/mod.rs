//! Decoders for bounces written by mail services and providers (one file per service).

use super::Decoder;

/// This family's decoders, tried in order.
pub static ALL: &[&dyn Decoder] = &[];
