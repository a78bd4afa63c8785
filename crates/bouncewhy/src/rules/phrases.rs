//! Finds every occurrence of many literal strings in a text.
//!
//! An automaton of all the rules' strings costs more than anything else at
//! start, and on these short texts every byte's step through its large
//! tables waits on memory. This searcher keeps the strings sorted instead,
//! and passes over most of a text at a few instructions a byte, in tables
//! small enough to stay in the first-level cache:
//! - a string of four bytes or more can start only where the text's next
//!   four bytes are a string's first four: a 4 KiB bit set of those heads
//!   (hashed) rules out most other positions. Common words are heads, so
//!   where one is found, a second bit set of the strings' first eight bytes
//!   (and one of the heads of the strings shorter than that) rules out
//!   most of the rest before any table of strings is read;
//! - where a head is known, a binary search among the strings that start
//!   with it finds the greatest one not after the text there. Every string
//!   that starts the text there is a prefix of that one, so it is on that
//!   string's chain of prefixes (each string links to the longest other
//!   string that is its prefix), as long as the bytes they share;
//! - the few shorter strings are compared, as masked heads, where their
//!   first byte occurs (a 256-bit set of those bytes is checked first).
//!
//! The work at a position is bounded by the strings' lengths and number, so
//! a search is linear in the text. Occurrences come in no useful order
//! (callers must not depend on it).

use std::ops::Range;

/// Bytes of a head: the strings' first bytes that a position is checked for.
const HEAD_BYTES: usize = 4;
/// Bits of a head's hash in the bit set of heads.
const HEAD_BITS_HASH: u32 = 15;
/// Bytes of a prefix: strings of this length or more are also checked by
/// their first bytes as a whole, in a second bit set.
const PREFIX_BYTES: usize = 8;
/// Bits of a prefix's hash in the bit set of prefixes.
const PREFIX_BITS_HASH: u32 = 16;
/// No string: the end of a chain of prefixes.
const NO_STRING: u32 = u32::MAX;

/// Many literal strings, searched together.
#[derive(Debug, Clone)]
pub struct PhraseSearcher {
    /// One bit for each hash of the heads of the strings of [`HEAD_BYTES`] or more.
    head_bits: Box<[u64; 1 << (HEAD_BITS_HASH - 6)]>,
    /// One bit for each hash of the heads of the strings shorter than
    /// [`PREFIX_BYTES`] (and of [`HEAD_BYTES`] or more).
    short_head_bits: Box<[u64; 1 << (HEAD_BITS_HASH - 6)]>,
    /// One bit for each hash of the first [`PREFIX_BYTES`] bytes of the
    /// strings that long: where a head is known but neither this bit nor
    /// the head's bit in `short_head_bits` is set, no string starts.
    prefix_bits: Box<[u64; 1 << (PREFIX_BITS_HASH - 6)]>,
    /// The heads' hash table (open addressing, at most a quarter full): a
    /// position in `heads` plus one, or zero for none.
    /// Its size is a power of two.
    head_table: Box<[u32]>,
    /// The distinct heads, each with its strings' range in `long`.
    heads: Vec<(u32, Range<u32>)>,
    /// The distinct strings of [`HEAD_BYTES`] or more, sorted.
    long: Vec<u32>,
    /// The first eight bytes of each string in `long` (see [`order_key`]).
    long_keys: Vec<u64>,
    /// For each string in `long`, the position in `long` of the longest
    /// other string that is its prefix, or [`NO_STRING`].
    parent: Vec<u32>,
    /// The distinct non-empty strings shorter than [`HEAD_BYTES`], sorted.
    short: Vec<u32>,
    /// For each string in `short`, its bytes as a head ([`head_of`], zeros
    /// after its end) and the mask that keeps as many bytes of a head.
    short_heads: Vec<(u32, u32)>,
    /// For each byte, the range in `short` of the strings it starts.
    short_by_first: Box<[(u16, u16); 256]>,
    /// One bit for each byte that starts a string in `short`: most bytes
    /// start none, and this is one cache line where `short_by_first` is 16.
    short_firsts: [u64; 4],
    /// The empty string, if it is one of the strings: it occurs everywhere.
    empty: Option<u32>,
    /// Each distinct string's bytes in `bytes`.
    string_bytes: Vec<Range<u32>>,
    /// Each distinct string's range in `ids`.
    string_ids: Vec<Range<u32>>,
    /// All distinct strings, one after the other.
    bytes: Vec<u8>,
    /// The ids of the strings as given, grouped by distinct string.
    ids: Vec<u32>,
}

impl PhraseSearcher {
    /// Builds a searcher for `strings`, whose ids are their positions.
    pub fn new<'a>(strings: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut given: Vec<(&[u8], u32)> = strings
            .into_iter()
            .enumerate()
            .map(|(id, string)| (string, id as u32))
            .collect();
        given.sort_unstable();
        let mut bytes = Vec::new();
        let mut string_bytes: Vec<Range<u32>> = Vec::new();
        let mut string_ids: Vec<Range<u32>> = Vec::new();
        let mut last: Option<&[u8]> = None;
        for (position, &(string, _)) in given.iter().enumerate() {
            if last != Some(string) {
                let start = bytes.len() as u32;
                bytes.extend_from_slice(string);
                string_bytes.push(start..bytes.len() as u32);
                string_ids.push(position as u32..position as u32);
                last = Some(string);
            }
            if let Some(ids) = string_ids.last_mut() {
                ids.end += 1;
            }
        }
        let text = |string: u32| {
            let range = &string_bytes[string as usize];
            &bytes[range.start as usize..range.end as usize]
        };

        let distinct = 0..string_bytes.len() as u32;
        let empty = distinct.clone().find(|&string| text(string).is_empty());
        let (long, short): (Vec<u32>, Vec<u32>) = distinct
            .filter(|&string| !text(string).is_empty())
            .partition(|&string| text(string).len() >= HEAD_BYTES);
        let short_heads = short
            .iter()
            .map(|&string| {
                let bytes = text(string);
                let mut head = [0u8; HEAD_BYTES];
                head[..bytes.len()].copy_from_slice(bytes);
                let mask = u32::MAX >> (8 * (HEAD_BYTES - bytes.len()));
                (u32::from_le_bytes(head), mask)
            })
            .collect();
        let mut short_by_first = Box::new([(0u16, 0u16); 256]);
        let mut short_firsts = [0u64; 4];
        for (position, &string) in short.iter().enumerate() {
            let first = usize::from(text(string)[0]);
            set_bit(&mut short_firsts, first);
            let range = &mut short_by_first[first];
            if range.0 == range.1 {
                range.0 = position as u16;
            }
            range.1 = position as u16 + 1;
        }
        // Sorted strings put each string's prefixes before it: the chain of
        // the string before, cut back to what is a prefix of this one.
        let mut parent = Vec::with_capacity(long.len());
        let mut chain: Vec<u32> = Vec::new();
        for (position, &string) in long.iter().enumerate() {
            while chain
                .last()
                .is_some_and(|&before| !text(string).starts_with(text(long[before as usize])))
            {
                chain.pop();
            }
            parent.push(chain.last().copied().unwrap_or(NO_STRING));
            chain.push(position as u32);
        }
        let long_keys = long.iter().map(|&string| order_key(text(string))).collect();
        let mut heads: Vec<(u32, Range<u32>)> = Vec::new();
        for (position, &string) in long.iter().enumerate() {
            let head = head_of(text(string));
            match heads.last_mut() {
                Some((last_head, range)) if *last_head == head => range.end += 1,
                _ => heads.push((head, position as u32..position as u32 + 1)),
            }
        }
        let mut short_head_bits = Box::new([0u64; 1 << (HEAD_BITS_HASH - 6)]);
        let mut prefix_bits = Box::new([0u64; 1 << (PREFIX_BITS_HASH - 6)]);
        for &string in &long {
            let bytes = text(string);
            let (set, bit) = match bytes.first_chunk::<PREFIX_BYTES>() {
                Some(prefix) => (
                    &mut prefix_bits[..],
                    prefix_hash(u64::from_le_bytes(*prefix)),
                ),
                None => (
                    &mut short_head_bits[..],
                    hash(head_of(bytes), HEAD_BITS_HASH),
                ),
            };
            set_bit(set, bit);
        }
        let mut head_bits = Box::new([0u64; 1 << (HEAD_BITS_HASH - 6)]);
        let table_size = (4 * heads.len()).next_power_of_two();
        let mut head_table = vec![0u32; table_size].into_boxed_slice();
        for (index, &(head, _)) in heads.iter().enumerate() {
            let bit = hash(head, HEAD_BITS_HASH);
            set_bit(&mut head_bits[..], bit);
            let mut slot = table_slot(head, table_size - 1);
            while head_table[slot] != 0 {
                slot = (slot + 1) & (table_size - 1);
            }
            head_table[slot] = index as u32 + 1;
        }
        PhraseSearcher {
            head_bits,
            short_head_bits,
            prefix_bits,
            head_table,
            heads,
            long,
            long_keys,
            parent,
            short,
            short_heads,
            short_by_first,
            short_firsts,
            empty,
            string_bytes,
            string_ids,
            bytes,
            ids: given.into_iter().map(|(_, id)| id).collect(),
        }
    }

    /// Calls `found(id, start, end)` for every occurrence of every string in
    /// `haystack` (overlapping ones too), in no particular order.
    pub fn for_each_match(&self, haystack: &[u8], mut found: impl FnMut(usize, usize, usize)) {
        let mut report = |string: u32, start: usize| {
            let end = start + self.string(string).len();
            let ids = &self.string_ids[string as usize];
            for &id in &self.ids[ids.start as usize..ids.end as usize] {
                found(id as usize, start, end);
            }
        };
        if let Some(empty) = self.empty {
            for start in 0..=haystack.len() {
                report(empty, start);
            }
        }
        // The last four bytes read, the first of them lowest: the head of
        // the position three bytes back.
        let mut head = 0u32;
        for (index, &byte) in haystack.iter().enumerate() {
            head = (head >> 8) | (u32::from(byte) << 24);
            let Some(start) = (index + 1).checked_sub(HEAD_BYTES) else {
                continue;
            };
            let first_byte = (head & 0xff) as usize;
            if bit_is_set(&self.short_firsts, first_byte) {
                let (first, end) = self.short_by_first[first_byte];
                for position in usize::from(first)..usize::from(end) {
                    let (short_head, mask) = self.short_heads[position];
                    if head & mask == short_head {
                        report(self.short[position], start);
                    }
                }
            }
            let bit = hash(head, HEAD_BITS_HASH);
            if bit_is_set(&self.head_bits[..], bit) && self.may_start_long(haystack, start, bit) {
                self.find_long(haystack, start, head, &mut report);
            }
        }
        // The last positions have no whole head: only shorter strings fit.
        for start in haystack.len().saturating_sub(HEAD_BYTES - 1)..haystack.len() {
            let (first, end) = self.short_by_first[usize::from(haystack[start])];
            for &string in &self.short[usize::from(first)..usize::from(end)] {
                if haystack[start..].starts_with(self.string(string)) {
                    report(string, start);
                }
            }
        }
    }

    /// Reports the strings of [`HEAD_BYTES`] or more that start `haystack`
    /// at `start`, where the bytes are `head`.
    fn find_long(
        &self,
        haystack: &[u8],
        start: usize,
        head: u32,
        report: &mut impl FnMut(u32, usize),
    ) {
        let Some(range) = self.strings_with_head(head) else {
            return;
        };
        // The greatest string not after the text here: every string that
        // starts the text here is one of its prefixes.
        let rest = &haystack[start..];
        let rest_key = order_key(rest);
        let (first, end) = (range.start as usize, range.end as usize);
        let below = first + self.long_keys[first..end].partition_point(|&key| key < rest_key);
        let ties = self.long_keys[below..end].partition_point(|&key| key == rest_key);
        let not_after = below
            + self.long[below..below + ties].partition_point(|&string| self.string(string) <= rest);
        let Some(greatest) = not_after.checked_sub(1).filter(|&at| at >= first) else {
            return;
        };
        let shared = common_prefix(self.string(self.long[greatest]), rest);
        let mut position = greatest as u32;
        while position != NO_STRING {
            let string = self.long[position as usize];
            if self.string(string).len() <= shared {
                report(string, start);
            }
            position = self.parent[position as usize];
        }
    }

    /// Whether a string of [`HEAD_BYTES`] or more may start at `start`,
    /// where the head's hash `head_bit` is known to be a string's: one
    /// shorter than [`PREFIX_BYTES`] has that head, or a longer one the
    /// text's next [`PREFIX_BYTES`] bytes (near the end, any may).
    fn may_start_long(&self, haystack: &[u8], start: usize, head_bit: usize) -> bool {
        if bit_is_set(&self.short_head_bits[..], head_bit) {
            return true;
        }
        let Some(prefix) = haystack[start..].first_chunk::<PREFIX_BYTES>() else {
            return true;
        };
        let bit = prefix_hash(u64::from_le_bytes(*prefix));
        bit_is_set(&self.prefix_bits[..], bit)
    }

    /// The range in `long` of the strings that start with `head`.
    fn strings_with_head(&self, head: u32) -> Option<&Range<u32>> {
        let mask = self.head_table.len() - 1;
        let mut slot = table_slot(head, mask);
        loop {
            let (index, range) = match self.head_table[slot] {
                0 => return None,
                index => &self.heads[index as usize - 1],
            };
            if *index == head {
                return Some(range);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The bytes of distinct string `string`.
    fn string(&self, string: u32) -> &[u8] {
        let range = &self.string_bytes[string as usize];
        &self.bytes[range.start as usize..range.end as usize]
    }
}

/// The first [`HEAD_BYTES`] bytes of `bytes` (which has as many), as a number.
fn head_of(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// The top `bits` bits of a multiplicative hash of `head`.
fn hash(head: u32, bits: u32) -> usize {
    (head.wrapping_mul(0x9E37_79B9) >> (32 - bits)) as usize
}

/// Sets bit `bit` of the bit set `set`.
fn set_bit(set: &mut [u64], bit: usize) {
    set[bit >> 6] |= 1 << (bit & 63);
}

/// Whether bit `bit` of the bit set `set` is set.
#[inline]
fn bit_is_set(set: &[u64], bit: usize) -> bool {
    set[bit >> 6] & (1 << (bit & 63)) != 0
}

/// The bit of a string's first [`PREFIX_BYTES`] bytes in the bit set of prefixes.
fn prefix_hash(prefix: u64) -> usize {
    (prefix.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - PREFIX_BITS_HASH)) as usize
}

/// Where `head` is first looked for in a hash table of `mask + 1` slots.
fn table_slot(head: u32, mask: usize) -> usize {
    (u64::from(head).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

/// The first eight bytes of `bytes` (zeros after its end) as a big-endian
/// number. Strings' keys are in the strings' order, or equal.
fn order_key(bytes: &[u8]) -> u64 {
    if let Some(first) = bytes.first_chunk::<8>() {
        return u64::from_be_bytes(*first);
    }
    let mut key = [0u8; 8];
    key[..bytes.len()].copy_from_slice(bytes);
    u64::from_be_bytes(key)
}

/// The number of leading bytes `a` and `b` have in common.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence, sorted, found the plain way.
    fn naive(strings: &[&str], haystack: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (id, string) in strings.iter().enumerate() {
            for start in 0..=haystack.len().saturating_sub(string.len()) {
                if haystack.as_bytes()[start..].starts_with(string.as_bytes()) {
                    out.push((id, start, start + string.len()));
                }
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_what_a_plain_search_finds() {
        let mut strings = vec![
            "mailbox full",
            "mailbox",
            "mailbox full",
            "box",
            "a",
            "mailbox unavailable",
            "user unknown",
            "unknown",
        ];
        let many: Vec<String> = (0..30).map(|n| format!("mailbox is {n} over")).collect();
        strings.extend(many.iter().map(String::as_str));
        let searcher = PhraseSearcher::new(strings.iter().map(|s| s.as_bytes()));
        for haystack in [
            "550 mailbox full, mailbox is 12 over quota; user unknown",
            "mailbox",
            "mailbo",
            "",
            "a mailbox unavailable mailbox is 3 over",
        ] {
            let mut found = Vec::new();
            searcher.for_each_match(haystack.as_bytes(), |id, start, end| {
                found.push((id, start, end))
            });
            found.sort_unstable();
            assert_eq!(found, naive(&strings, haystack), "{haystack:?}");
        }
    }

    proptest::proptest! {
        /// Any strings (short ones, empty ones, prefixes of each other and
        /// repeats among them) are found where a plain search finds them.
        #[test]
        fn random_strings_are_found_where_a_plain_search_finds_them(
            strings in proptest::collection::vec("[ab\\x00]{0,9}", 1..40),
            haystack in "[ab\\x00]{0,40}",
        ) {
            let searcher = PhraseSearcher::new(strings.iter().map(|s| s.as_bytes()));
            let mut found = Vec::new();
            searcher.for_each_match(haystack.as_bytes(), |id, start, end| {
                found.push((id, start, end))
            });
            found.sort_unstable();
            let strings: Vec<&str> = strings.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(found, naive(&strings, &haystack));
        }
    }
}
