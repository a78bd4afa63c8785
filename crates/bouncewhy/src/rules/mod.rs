//! The data-driven rules engine: pack files (TOML) compiled once into a
//! multi-pattern matcher.
//!
//! # Precedence
//! Every rule belongs to a tier, taken from its pack's kind:
//! user packs (`--pack`) > provider packs > the generic phrase pack >
//! the enhanced-status-code table > the reply-code table > `undefined`.
//! Within a tier a higher `priority` wins, then the earlier rule (pack order, then file order).

pub mod check;
pub mod compile;
pub mod pack;
pub mod phrases;
pub mod regexes;
pub mod required;

pub use compile::{Match, RuleSet};
pub use pack::{Pack, PackKind, RuleSpec};
