//! Decoders for bounces written by mail services and providers (one file per service).

mod amazonses;
mod exchange;
mod gmail;
mod googlegroups;
mod verizon;
mod yahoo;
mod zoho;

use super::Decoder;

/// This family's decoders, tried in order.
pub static ALL: &[&dyn Decoder] = &[
    &amazonses::AmazonSes,
    &googlegroups::GoogleGroups,
    &gmail::Gmail,
    &zoho::Zoho,
    &verizon::Verizon,
    &yahoo::Yahoo,
    &exchange::Exchange,
];

/// Joins lines into one string, collapsing runs of whitespace.
pub(crate) fn unfold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of `body` after the first `marker` (case-insensitive) up to the
/// first of `ends` (case-insensitive), or to the end.
pub(crate) fn between<'a>(body: &'a str, marker: &str, ends: &[&str]) -> Option<&'a str> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find(&marker.to_ascii_lowercase())? + marker.len();
    let end = ends
        .iter()
        .filter_map(|e| lower[start..].find(&e.to_ascii_lowercase()))
        .min()
        .map_or(body.len(), |p| start + p);
    body.get(start..end)
}
