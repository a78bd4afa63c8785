//! Shared by the proptests that compare a hand-written scanner with the regex
//! it replaced: their settings and the text they generate.

use proptest::prelude::*;

/// Many cases per comparison, and no regression files.
pub(crate) fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(8192)
    }
}

/// Text of fewer than `max_pieces` pieces: mostly `words`, some strings of the
/// regex `other`, and some single characters of any kind.
pub(crate) fn soup(
    words: &'static [&'static str],
    other: &'static str,
    max_pieces: usize,
) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(words).prop_map(str::to_string),
            2 => other,
            1 => "\\PC",
        ],
        0..max_pieces,
    )
    .prop_map(|pieces| pieces.concat())
}
