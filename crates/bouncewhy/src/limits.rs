//! Named limits, checked before work is done, and the cheap linear pre-scan
//! that checks a message's shape before the MIME parser sees it.
//!
//! Each limit either gives a clear per-message error or cuts the work short
//! (best effort), as documented on the field. Every matcher in the crate is
//! linear-time (hand-written scanners, the rules' phrase search, Aho-Corasick
//! and the `regex` crate; no backtracking), so a long line costs time in
//! proportion to its length and no more; a line is bounded by the message
//! limit (`decode`) or by the text limit (`explain`).

use crate::Error;
use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use memchr::memmem;
use std::sync::OnceLock;

/// Limits on input size and shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest text `explain` accepts, in bytes; with `--each-line` this is
    /// also the longest line. Over it: an error.
    pub max_explain_bytes: usize,
    /// Largest single message `decode` accepts, in bytes. Over it: an error.
    pub max_message_bytes: usize,
    /// How much of a text part is scanned for a bounce's own words, in bytes
    /// (the rest of a longer part is ignored: best effort).
    pub max_scan_bytes: usize,
    /// Most header fields in a message's top-level header section, and in all
    /// its parts' and attached messages' headers together. Over it: an error.
    pub max_headers: usize,
    /// Longest header value kept, in bytes (longer values are cut: best effort).
    pub max_header_bytes: usize,
    /// Most MIME parts in one message, counted before parsing from its boundary
    /// delimiters and nested messages. Over it: an error.
    pub max_parts: usize,
    /// Deepest MIME nesting (multiparts and attached messages); also the most
    /// multipart parts whose boundary never appears. Over it: an error.
    pub max_depth: usize,
    /// Most recipients reported for one message (the rest are dropped: best effort).
    pub max_recipients: usize,
    /// Largest decompressed size of one `.gz` input, in bytes (gzip bombs).
    /// Over it: an error for that input; messages already read are kept.
    pub max_decompressed_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_explain_bytes: 1 << 20,
            max_message_bytes: 32 << 20,
            max_scan_bytes: 256 << 10,
            max_headers: 10_000,
            max_header_bytes: 64 << 10,
            max_parts: 1_000,
            max_depth: 16,
            max_recipients: 10_000,
            max_decompressed_bytes: 1 << 30,
        }
    }
}

impl Limits {
    /// Checks the shape of a raw message in a few linear passes before it is
    /// parsed: the number of top-level header fields, an upper bound on the
    /// number of MIME parts, and multipart parts whose boundary never follows
    /// (each of those makes the MIME parser scan the rest of the message).
    ///
    /// Attached messages in base64 or quoted-printable are decoded here and
    /// checked too, as deep as the MIME parser follows them; at most
    /// `max_depth` of them are decoded.
    pub fn check_shape(&self, raw: &[u8]) -> Result<(), Error> {
        let mut encoded_budget = self.max_depth;
        self.count_parts(raw, ENCODED_NESTING, true, &mut encoded_budget)
            .map(|_| ())
    }

    /// An upper bound on the MIME parts in `raw`, including those of encoded
    /// attached messages down to `levels` deep; an error when over a limit.
    /// With `top`, the top-level header fields are counted (and checked) first.
    fn count_parts(
        &self,
        raw: &[u8],
        levels: usize,
        top: bool,
        encoded_budget: &mut usize,
    ) -> Result<usize, Error> {
        let (nested_messages, any_block) = if levels == 0 {
            let found = mime_type_mentions(raw, MESSAGE_WORD, ATTACHED_SUBTYPES, self.max_parts);
            (found, false)
        } else {
            // In a multipart/digest a part without a Content-Type is a message too.
            let mut queries = [
                TypeQuery::new(MESSAGE_WORD, ATTACHED_SUBTYPES, self.max_parts),
                TypeQuery::new(b"multipart", &[b"digest"], 0),
            ];
            find_type_mentions(raw, &mut queries);
            let [messages, digests] = queries;
            (messages.found, !digests.found.is_empty())
        };
        let encoded = match (levels, any_block) {
            (0, _) => EncodedSearch::Off,
            (_, false) => EncodedSearch::Mentioned,
            (_, true) => EncodedSearch::Every,
        };
        let lines = scan_lines(raw, &nested_messages, encoded, self.max_headers);
        if top && lines.top_fields > self.max_headers {
            return Err(Error::Malformed(format!(
                "more than {} header fields, over the limit",
                self.max_headers
            )));
        }
        let (declarations, unreadable) = boundary_declarations(raw, self.max_parts);
        if declarations.len() + unreadable > self.max_parts {
            return Err(Error::Malformed(format!(
                "more than {} multipart boundaries declared, over the MIME part limit",
                self.max_parts
            )));
        }
        let last_delimiter = delimiters(raw, &declarations);
        let delimiter_count: usize = if unreadable > 0 {
            // A boundary this scan cannot read: every `--` may start a delimiter.
            memmem::find_iter(raw, b"--").count()
        } else {
            last_delimiter.iter().map(|d| d.count).sum()
        };
        if lines.part_fields > self.max_headers {
            return Err(Error::Malformed(format!(
                "more than {} header fields in the message's parts, over the limit",
                self.max_headers
            )));
        }
        let mut parts = 1 + delimiter_count + nested_messages.len();
        let over_parts = |parts: usize| {
            Error::Malformed(format!(
                "up to {parts} MIME parts, over the limit of {}",
                self.max_parts
            ))
        };
        if parts > self.max_parts {
            return Err(over_parts(parts));
        }
        let dangling = declarations
            .iter()
            .filter(|(at, boundary)| {
                last_delimiter
                    .binary_search_by_key(boundary, |d| d.boundary)
                    .is_ok_and(|found| {
                        last_delimiter[found].last < *at || last_delimiter[found].count == 0
                    })
            })
            .count()
            + unreadable;
        if dangling > self.max_depth {
            return Err(Error::Malformed(format!(
                "{dangling} multipart parts name a boundary that never follows, over the limit of {}",
                self.max_depth
            )));
        }
        if levels == 0 {
            return Ok(parts);
        }
        for (body_start, encoding) in lines.encoded_bodies {
            if *encoded_budget == 0 {
                return Err(Error::Malformed(format!(
                    "more than {} encoded attached messages, over the limit",
                    self.max_depth
                )));
            }
            *encoded_budget -= 1;
            let inner = encoding.decode(&raw[body_start..]);
            parts += self.count_parts(&inner, levels - 1, false, encoded_budget)?;
            if parts > self.max_parts {
                return Err(over_parts(parts));
            }
        }
        Ok(parts)
    }
}

/// How many levels of encoded attached messages the MIME parser decodes and parses.
const ENCODED_NESTING: usize = 3;

/// The type word of an attached message.
const MESSAGE_WORD: &[u8] = b"message";

/// The subtypes of an attached message the MIME parser parses as a message.
const ATTACHED_SUBTYPES: &[&[u8]] = &[b"rfc822", b"global"];

/// A transfer encoding the MIME parser decodes before parsing an attached message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransferEncoding {
    Base64,
    QuotedPrintable,
}

impl TransferEncoding {
    /// Decodes a body leniently. A base64 body runs to the next line starting
    /// with `--`; a quoted-printable one (whose own delimiter lines stay
    /// readable) to the end: a superset of the part either way.
    fn decode(self, body: &[u8]) -> Vec<u8> {
        match self {
            TransferEncoding::Base64 => {
                let end = memmem::find(body, b"\n--").unwrap_or(body.len());
                decode_base64_leniently(&body[..end])
            }
            TransferEncoding::QuotedPrintable => decode_quoted_printable_leniently(body),
        }
    }
}

/// Where `type/subtype` (one of `subtypes`) occurs as the MIME parser reads a
/// Content-Type: any case, with white space, line folds, quotes, backslashes
/// and comments around the slash. Stops once past `stop_after`.
///
/// Found from each `/`: the subtype is read forward and the type word
/// backward over the same filler, so ordinary text costs one `memchr` pass.
/// A comment before a slash (hand-made or hostile input) is only read
/// correctly forward: then the whole message is scanned from each type word.
fn mime_type_mentions(
    raw: &[u8],
    word: &[u8],
    subtypes: &[&[u8]],
    stop_after: usize,
) -> Vec<usize> {
    let mut queries = [TypeQuery::new(word, subtypes, stop_after)];
    find_type_mentions(raw, &mut queries);
    let [query] = queries;
    query.found
}

/// One search of [`find_type_mentions`]: a type word, its subtypes, when to
/// stop, and what was found so far.
struct TypeQuery<'a> {
    word: &'a [u8],
    subtypes: &'a [&'a [u8]],
    stop_after: usize,
    found: Vec<usize>,
    done: bool,
}

impl<'a> TypeQuery<'a> {
    /// A search for `word/subtype` that stops once past `stop_after`.
    fn new(word: &'a [u8], subtypes: &'a [&'a [u8]], stop_after: usize) -> Self {
        TypeQuery {
            word,
            subtypes,
            stop_after,
            found: Vec::new(),
            done: false,
        }
    }
}

/// [`mime_type_mentions`] for several type words in one pass over the
/// slashes: each query ends up with what a search of its own would find.
fn find_type_mentions(raw: &[u8], queries: &mut [TypeQuery<'_>]) {
    // What may follow a slash that starts a mention: filler or a subtype's first letter.
    let mut may_follow = [false; 256];
    for byte in [b' ', b'\t', b'\r', b'\n', b'"', b'\\', b'('] {
        may_follow[usize::from(byte)] = true;
    }
    for subtype in queries.iter().flat_map(|query| query.subtypes) {
        match subtype.first() {
            Some(first) => {
                may_follow[usize::from(first.to_ascii_lowercase())] = true;
                may_follow[usize::from(first.to_ascii_uppercase())] = true;
            }
            None => may_follow = [true; 256],
        }
    }
    for slash in memchr::memchr_iter(b'/', raw) {
        if raw
            .get(slash + 1)
            .is_some_and(|&next| !may_follow[usize::from(next)])
        {
            continue;
        }
        let subtype = skip_type_filler(raw, slash + 1);
        let rest = &raw[subtype..];
        for query in queries.iter_mut().filter(|query| !query.done) {
            let matches = query.subtypes.iter().any(|s| {
                rest.get(..s.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(s))
            });
            if !matches {
                continue;
            }
            match type_word_before(raw, slash, query.word) {
                WordBefore::At(start) => {
                    query.found.push(start);
                    query.done = query.found.len() > query.stop_after;
                }
                WordBefore::Comment => {
                    query.found = mime_type_mentions_forward(
                        raw,
                        query.word,
                        query.subtypes,
                        query.stop_after,
                    );
                    query.done = true;
                }
                WordBefore::None => {}
            }
        }
        if queries.iter().all(|query| query.done) {
            break;
        }
    }
}

/// What precedes a slash in a possible `type/subtype`.
enum WordBefore {
    /// The type word, starting here, with only filler between it and the slash.
    At(usize),
    /// A comment ends before the slash: read it forward.
    Comment,
    /// Something else.
    None,
}

/// Walks back from `slash` over the filler [`skip_type_filler`] skips
/// (outside comments) and checks that `word` (any case) ends there.
fn type_word_before(raw: &[u8], slash: usize, word: &[u8]) -> WordBefore {
    let mut end = slash;
    while end > 0 {
        match raw[end - 1] {
            b' ' | b'\t' | b'\r' | b'"' | b'\\' => {}
            // A fold: the forward scan goes on past a newline only when
            // white space follows it.
            b'\n' if matches!(raw.get(end), Some(b' ' | b'\t')) => {}
            b')' => return WordBefore::Comment,
            _ => break,
        }
        end -= 1;
    }
    match end.checked_sub(word.len()) {
        Some(start) if raw[start..end].eq_ignore_ascii_case(word) => {
            if opens_comment_before(raw, start) {
                WordBefore::Comment
            } else {
                WordBefore::At(start)
            }
        }
        _ => WordBefore::None,
    }
}

/// Whether a `(` may open a comment earlier in the header field that holds
/// `at` (the field starts after a newline not followed by white space); true
/// as well when the field start is further back than a short look or is
/// unclear.
fn opens_comment_before(raw: &[u8], at: usize) -> bool {
    const LOOK_BACK: usize = 1024;
    let mut index = at;
    while index > 0 && at - index < LOOK_BACK {
        index -= 1;
        match raw[index] {
            b'(' => return true,
            // An escaped newline may sit inside a comment: look no further.
            b'\n' if !matches!(raw.get(index + 1), Some(b' ' | b'\t')) => {
                return index > 0 && raw[index - 1] == b'\\'
            }
            _ => {}
        }
    }
    index > 0
}

/// [`mime_type_mentions`] read forward from each type word (found in any
/// case). Linear: no byte is skipped over twice.
fn mime_type_mentions_forward(
    raw: &[u8],
    word: &[u8],
    subtypes: &[&[u8]],
    stop_after: usize,
) -> Vec<usize> {
    let mut found = Vec::new();
    let Ok(type_word) = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .build([word])
    else {
        return found;
    };
    let mut scanned_to = 0;
    for hit in type_word.find_iter(raw) {
        if hit.start() < scanned_to {
            continue;
        }
        let slash = skip_type_filler(raw, hit.end());
        scanned_to = slash;
        if raw.get(slash) != Some(&b'/') {
            continue;
        }
        let subtype = skip_type_filler(raw, slash + 1);
        scanned_to = subtype;
        let rest = &raw[subtype..];
        let matches = subtypes.iter().any(|s| {
            rest.get(..s.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(s))
        });
        if matches {
            found.push(hit.start());
            if found.len() > stop_after {
                break;
            }
        }
    }
    found
}

/// Skips what the MIME parser ignores inside a type: white space, folds,
/// quotes, backslashes and (nested) comments, up to the end of the header field.
fn skip_type_filler(raw: &[u8], mut at: usize) -> usize {
    let mut comment_depth = 0usize;
    while let Some(&byte) = raw.get(at) {
        if byte == b'\n' {
            if !matches!(raw.get(at + 1), Some(b' ' | b'\t')) {
                break;
            }
        } else if comment_depth > 0 {
            match byte {
                b'\\' => at += 1,
                b'(' => comment_depth += 1,
                b')' => comment_depth -= 1,
                _ => {}
            }
        } else {
            match byte {
                b' ' | b'\t' | b'\r' | b'"' | b'\\' => {}
                b'(' => comment_depth = 1,
                _ => break,
            }
        }
        at += 1;
    }
    at.min(raw.len())
}

/// Finds the Content-Transfer-Encoding field name in any case. Header blocks
/// are short and full of the bytes a prefilter would pick (`-`), so the
/// automaton reads every byte instead.
fn transfer_encoding_matcher() -> &'static AhoCorasick {
    static MATCHER: OnceLock<AhoCorasick> = OnceLock::new();
    MATCHER.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(["content-transfer-encoding"])
            .expect("a fixed pattern compiles")
    })
}

/// What [`scan_lines`] finds in one pass over the lines of a message.
struct LineScan {
    /// Header fields (lines not starting with white space) up to the first
    /// blank line; counting stops once past the limit.
    top_fields: usize,
    /// Header fields in every block the MIME parser reads as headers: the top
    /// block, the block after each line starting with `--` (a possible
    /// delimiter) and the block after one that holds an attached message's
    /// type. A superset; counting stops once past the limit.
    part_fields: usize,
    /// For each block of lines (up to a blank line) holding an attached
    /// message's type (or any block, in a digest) and a base64 or
    /// quoted-printable Content-Transfer-Encoding: where the body after the
    /// block starts, and its encoding.
    encoded_bodies: Vec<(usize, TransferEncoding)>,
}

/// Which blocks [`scan_lines`] searches for an encoded attached message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EncodedSearch {
    /// None: encoded attached messages are not followed this deep.
    Off,
    /// Blocks holding an attached message's type.
    Mentioned,
    /// Every block: in a multipart/digest a part without a Content-Type is a
    /// message too.
    Every,
}

/// Counts header fields and finds encoded attached messages in one pass over
/// the lines of `raw` (see [`LineScan`]); `mentions` are where an attached
/// message's type occurs, sorted. Each block is searched for its transfer
/// encoding at most once.
fn scan_lines(
    raw: &[u8],
    mentions: &[usize],
    encoded: EncodedSearch,
    stop_after: usize,
) -> LineScan {
    static DASH_LINE: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    let dash_line = DASH_LINE.get_or_init(|| memmem::Finder::new(b"\n-"));
    let mut scan = LineScan {
        top_fields: 0,
        part_fields: 0,
        encoded_bodies: Vec::new(),
    };
    let mut in_top = true;
    let mut in_headers = true;
    let mut pending = mentions.iter().peekable();
    let mut line_start = 0;
    // Where a search for the next line starting with `-` began, and what it found.
    let mut dash_line_cache: Option<(usize, Option<usize>)> = None;
    while line_start < raw.len() {
        if !in_top && !in_headers && encoded != EncodedSearch::Every && raw[line_start] != b'-' {
            // In a body only a line starting with `--` matters, and a blank
            // line after a pending mention: skip to whichever comes first.
            let dashes = match dash_line_cache {
                Some((from, found))
                    if from <= line_start && found.is_none_or(|at| at > line_start) =>
                {
                    found
                }
                _ => {
                    let found = dash_line
                        .find(&raw[line_start..])
                        .map(|at| line_start + at + 1);
                    dash_line_cache = Some((line_start, found));
                    found
                }
            };
            match (dashes, pending.peek()) {
                (Some(next), None) => {
                    line_start = next;
                    continue;
                }
                (Some(next), Some(&&mention)) if mention >= next => {
                    line_start = next;
                    continue;
                }
                (None, None) => break,
                (_, Some(&&mention)) if mention > line_start => {
                    // The blank lines before the mention's line consume nothing.
                    line_start = memchr::memrchr(b'\n', &raw[line_start..mention])
                        .map_or(line_start, |at| line_start + at + 1);
                }
                _ => {}
            }
        }
        let newline = match &raw[line_start..] {
            [b'\n', ..] => Some(line_start),
            [b'\r', b'\n', ..] => Some(line_start + 1),
            rest => memchr::memchr(b'\n', rest).map(|at| line_start + at),
        };
        let line_end = newline.unwrap_or(raw.len());
        let line = &raw[line_start..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(&first) = line.first() {
            let folded = first == b' ' || first == b'\t';
            if in_top && !folded && scan.top_fields <= stop_after {
                scan.top_fields += 1;
            }
            if line.starts_with(b"--") {
                in_headers = true;
            } else if in_headers && !folded {
                if memchr::memchr(b':', line).is_none() {
                    in_headers = false;
                } else if scan.part_fields <= stop_after {
                    scan.part_fields += 1;
                }
            }
        } else {
            in_top = false;
            let mut holds_mention = false;
            while pending.next_if(|at| **at < line_start).is_some() {
                holds_mention = true;
            }
            in_headers = holds_mention;
            let searched = match encoded {
                EncodedSearch::Off => false,
                EncodedSearch::Mentioned => holds_mention,
                EncodedSearch::Every => true,
            };
            if searched && newline.is_some() {
                let block = &raw[block_start(raw, line_start)..line_start];
                if let Some(encoding) = transfer_encoding(block) {
                    scan.encoded_bodies.push((line_end + 1, encoding));
                }
            }
        }
        line_start = line_end + 1;
    }
    scan
}

/// Where the block of lines that ends at the blank line starting at
/// `blank_line` begins: after the blank line before it, or at the start.
/// Reads back over that block only.
fn block_start(raw: &[u8], blank_line: usize) -> usize {
    let mut line_end = blank_line;
    while let Some(newline) = line_end.checked_sub(1) {
        let line_start = memchr::memrchr(b'\n', &raw[..newline]).map_or(0, |at| at + 1);
        if matches!(&raw[line_start..newline], b"" | b"\r") {
            return newline + 1;
        }
        line_end = line_start;
    }
    0
}

/// The transfer encoding a block of header lines declares, if it is one the
/// MIME parser decodes.
fn transfer_encoding(block: &[u8]) -> Option<TransferEncoding> {
    let field = transfer_encoding_matcher().find(block)?;
    let rest = &block[field.end()..];
    let filler = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b':' | b'\r' | b'\n'))
        .count();
    let value = &rest[filler..];
    let starts_with = |word: &[u8]| {
        value
            .get(..word.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(word))
    };
    if starts_with(b"base64") {
        Some(TransferEncoding::Base64)
    } else if starts_with(b"quoted-printable") {
        Some(TransferEncoding::QuotedPrintable)
    } else {
        None
    }
}

/// Base64 that skips every byte outside the alphabet; `=` ends a group.
fn decode_base64_leniently(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let (mut chunk, mut count) = (0u32, 0);
    for &byte in bytes {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                match count {
                    2 => out.push((chunk >> 4) as u8),
                    3 => out.extend_from_slice(&[(chunk >> 10) as u8, (chunk >> 2) as u8]),
                    _ => {}
                }
                (chunk, count) = (0, 0);
                continue;
            }
            _ => continue,
        };
        chunk = (chunk << 6) | u32::from(value);
        count += 1;
        if count == 4 {
            out.extend_from_slice(&chunk.to_be_bytes()[1..]);
            (chunk, count) = (0, 0);
        }
    }
    out
}

/// Quoted-printable that keeps what it cannot decode.
fn decode_quoted_printable_leniently(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte != b'=' {
            out.push(byte);
            index += 1;
            continue;
        }
        let rest = &bytes[index + 1..];
        if rest.starts_with(b"\r\n") {
            index += 3;
        } else if rest.starts_with(b"\n") {
            index += 2;
        } else if let Some(value) = rest
            .get(..2)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            index += 3;
        } else {
            out.push(byte);
            index += 1;
        }
    }
    out
}

/// The parameter name that declares a multipart boundary, in lower case.
const BOUNDARY_WORD: &[u8] = b"boundary";

/// Every `boundary=value` in the message (anywhere: an upper bound), as
/// (position, value), and how many more declare a boundary this scan cannot
/// read (RFC 2231 continuations or encodings, comments, encoded words,
/// escapes); stops once past `stop_after`.
fn boundary_declarations(raw: &[u8], stop_after: usize) -> (Vec<(usize, &[u8])>, usize) {
    let mut found = Vec::new();
    let mut unreadable = 0;
    let mut declare = |start: usize| {
        match boundary_value(&raw[start + BOUNDARY_WORD.len()..]) {
            Boundary::Value(value) => found.push((start, value)),
            Boundary::Unreadable => unreadable += 1,
            Boundary::None => {}
        }
        found.len() + unreadable <= stop_after
    };
    match boundary_word_search() {
        BoundaryWordSearch::Tails(tails) => {
            let head = BOUNDARY_WORD.len() - BOUNDARY_TAIL_LEN;
            for tail in tails.find_iter(raw) {
                let Some(start) = tail.start().checked_sub(head) else {
                    continue;
                };
                if raw[start..tail.start()].eq_ignore_ascii_case(&BOUNDARY_WORD[..head])
                    && !declare(start)
                {
                    break;
                }
            }
        }
        BoundaryWordSearch::Words(words) => {
            for word in words.find_iter(raw) {
                if !declare(word.start()) {
                    break;
                }
            }
        }
    }
    (found, unreadable)
}

/// How many of the last letters of [`BOUNDARY_WORD`] the vector search looks for.
const BOUNDARY_TAIL_LEN: usize = 3;

/// How [`BOUNDARY_WORD`] is found in any case.
enum BoundaryWordSearch {
    /// A vector search for every case spelling of the word's tail (rare in
    /// other words); the head is checked at each.
    Tails(packed::Searcher),
    /// An automaton for the whole word, where the platform has no vector search.
    Words(AhoCorasick),
}

/// The [`BoundaryWordSearch`] for this platform, built once.
fn boundary_word_search() -> &'static BoundaryWordSearch {
    static SEARCH: OnceLock<BoundaryWordSearch> = OnceLock::new();
    SEARCH.get_or_init(|| {
        let tail = &BOUNDARY_WORD[BOUNDARY_WORD.len() - BOUNDARY_TAIL_LEN..];
        let spellings = (0..1u32 << tail.len()).map(|upper| {
            tail.iter()
                .enumerate()
                .map(|(index, letter)| {
                    if upper & (1 << index) == 0 {
                        *letter
                    } else {
                        letter.to_ascii_uppercase()
                    }
                })
                .collect::<Vec<u8>>()
        });
        match packed::Searcher::new(spellings) {
            Some(tails) => BoundaryWordSearch::Tails(tails),
            None => BoundaryWordSearch::Words(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build([BOUNDARY_WORD])
                    .expect("a fixed pattern compiles"),
            ),
        }
    })
}

/// What follows the word `boundary`.
#[derive(Debug, PartialEq, Eq)]
enum Boundary<'a> {
    /// A plain value.
    Value(&'a [u8]),
    /// A declaration whose value this scan cannot read exactly.
    Unreadable,
    /// Not a declaration.
    None,
}

/// The value after `boundary`: `=`, then a quoted string or a token.
fn boundary_value(rest: &[u8]) -> Boundary<'_> {
    let skip_space = |bytes: &[u8]| -> usize {
        bytes
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .count()
    };
    let mut at = skip_space(rest);
    match rest.get(at) {
        Some(b'=') => {}
        Some(b'*' | b'(') => return Boundary::Unreadable,
        _ => return Boundary::None,
    }
    at += 1;
    at += skip_space(&rest[at..]);
    let rest = &rest[at..];
    let value = match rest.first() {
        Some(b'"') => {
            let inner = &rest[1..];
            let end = memchr::memchr(b'"', inner).unwrap_or(inner.len());
            &inner[..end]
        }
        _ => {
            let end = rest
                .iter()
                .position(|b| matches!(b, b';' | b' ' | b'\t' | b'\r' | b'\n' | b'"'))
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    let unusual = value.len() > 200
        || value
            .iter()
            .any(|b| matches!(b, b'\\' | b'\r' | b'\n' | b'('))
        || value.windows(2).any(|pair| pair == b"=?");
    if unusual {
        Boundary::Unreadable
    } else if value.is_empty() {
        Boundary::None
    } else {
        Boundary::Value(value)
    }
}

/// Up to this many distinct boundaries are counted with one substring search
/// each; more share one automaton pass.
const FEW_BOUNDARIES: usize = 4;

/// For each distinct declared boundary (sorted), how many `--boundary`
/// delimiters occur and where the last one starts: with up to
/// [`FEW_BOUNDARIES`] boundaries, as a substring search finds them (never
/// overlapping), with more, as an automaton finds them (all of them).
fn delimiters<'a>(raw: &[u8], declarations: &[(usize, &'a [u8])]) -> Vec<Delimiters<'a>> {
    let mut found: Vec<Delimiters<'a>> = declarations
        .iter()
        .map(|&(_, boundary)| Delimiters {
            boundary,
            count: 0,
            last: 0,
        })
        .collect();
    found.sort_unstable_by_key(|d| d.boundary);
    found.dedup_by_key(|d| d.boundary);
    if found.is_empty() || delimiters_in_dash_runs(raw, &mut found) {
        return found;
    }
    for entry in &mut found {
        (entry.count, entry.last) = (0, 0);
    }
    let patterns: Vec<Vec<u8>> = found.iter().map(|d| [b"--", d.boundary].concat()).collect();
    if patterns.len() <= FEW_BOUNDARIES {
        for (entry, pattern) in found.iter_mut().zip(&patterns) {
            for start in memmem::find_iter(raw, pattern) {
                entry.count += 1;
                entry.last = start;
            }
        }
        return found;
    }
    // Building a DFA per message would cost more than the search itself.
    let Ok(matcher) = AhoCorasickBuilder::new()
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .match_kind(MatchKind::Standard)
        .build(&patterns)
    else {
        return found;
    };
    for hit in matcher.find_overlapping_iter(raw) {
        let entry = &mut found[hit.pattern().as_usize()];
        entry.count += 1;
        entry.last = hit.start();
    }
    found
}

/// [`delimiters`] found from the runs of two or more dashes, which every
/// delimiter starts in: a boundary whose first byte after its own leading
/// dashes is another byte can only start a delimiter where a run ends, so
/// each run is checked once per boundary. False, with the counts unfinished,
/// when that would cost more steps than the message has bytes (many
/// boundaries, or hostile runs): the substring searches are linear anyway.
fn delimiters_in_dash_runs(raw: &[u8], found: &mut [Delimiters<'_>]) -> bool {
    static DASHES: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    let dashes = DASHES.get_or_init(|| memmem::Finder::new(b"--"));
    let overlapping = found.len() > FEW_BOUNDARIES;
    // For each boundary: its leading dashes, and where its next match may
    // start without overlapping the last one.
    let mut progress: Vec<(usize, usize)> = found
        .iter()
        .map(|d| (d.boundary.iter().take_while(|&&b| b == b'-').count(), 0))
        .collect();
    let mut budget = raw.len();
    let mut search_from = 0;
    while let Some(offset) = dashes.find(&raw[search_from..]) {
        let run_start = search_from + offset;
        let run_end = raw[run_start..]
            .iter()
            .position(|&b| b != b'-')
            .map_or(raw.len(), |len| run_start + len);
        for (entry, (leading, next_free)) in found.iter_mut().zip(&mut progress) {
            let Some(left) = budget.checked_sub(1) else {
                return false;
            };
            budget = left;
            let dash_count = *leading + 2;
            if run_end - run_start < dash_count {
                continue;
            }
            let last_start = run_end - dash_count;
            let rest = &entry.boundary[*leading..];
            if rest.is_empty() {
                // All dashes: a match at every start that leaves room in the run.
                let (first, step) = if overlapping {
                    (run_start, 1)
                } else {
                    (run_start.max(*next_free), dash_count)
                };
                if first <= last_start {
                    let matches = (last_start - first) / step + 1;
                    entry.count += matches;
                    entry.last = first + (matches - 1) * step;
                    *next_free = entry.last + dash_count;
                }
                continue;
            }
            if raw.get(run_end) != rest.first() {
                continue;
            }
            let Some(left) = budget.checked_sub(rest.len()) else {
                return false;
            };
            budget = left;
            if raw[run_end..].starts_with(rest) && (overlapping || last_start >= *next_free) {
                entry.count += 1;
                entry.last = last_start;
                *next_free = run_end + rest.len();
            }
        }
        search_from = run_end;
    }
    true
}

/// The delimiters of one boundary found in a message.
struct Delimiters<'a> {
    boundary: &'a [u8],
    count: usize,
    last: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multipart(parts: usize) -> Vec<u8> {
        let mut raw =
            b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
                .to_vec();
        for _ in 0..parts {
            raw.extend_from_slice(b"--B\r\n\r\nx\r\n");
        }
        raw.extend_from_slice(b"--B--\r\n");
        raw
    }

    #[test]
    fn counts_parts_before_parsing() {
        let limits = Limits {
            max_parts: 10,
            ..Limits::default()
        };
        assert!(limits.check_shape(&multipart(5)).is_ok());
        let error = limits
            .check_shape(&multipart(50))
            .expect_err("too many parts");
        assert!(
            error.to_string().contains("over the limit of 10"),
            "{error}"
        );
    }

    #[test]
    fn header_fields_are_counted_in_the_top_section_only() {
        let limits = Limits {
            max_headers: 3,
            ..Limits::default()
        };
        let ok = b"A: 1\r\nB: 2\r\n folded\r\nC: 3\r\n\r\nD: 4\r\nE: 5\r\n";
        assert!(limits.check_shape(ok).is_ok());
        let over = b"A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\nbody";
        assert!(limits.check_shape(over).is_err());
    }

    #[test]
    fn header_fields_of_parts_and_attached_messages_are_counted() {
        let limits = Limits {
            max_headers: 100,
            ..Limits::default()
        };
        let fields = "a: b\r\n".repeat(150);
        let in_part = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n{fields}\r\nbody\r\n--B--\r\n"
        );
        assert!(limits.check_shape(in_part.as_bytes()).is_err());
        let attached = format!(
            "From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n{fields}\r\nbody\r\n"
        );
        assert!(limits.check_shape(attached.as_bytes()).is_err());
        let in_body = format!("From: a@example.com\r\n\r\nbody\r\n{fields}");
        assert!(limits.check_shape(in_body.as_bytes()).is_ok());
    }

    #[test]
    fn boundaries_that_never_follow_are_limited() {
        let limits = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        let mut raw =
            b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
                .to_vec();
        for index in 0..5 {
            raw.extend_from_slice(
                format!("--B\r\nContent-Type: multipart/mixed; boundary = \"missing{index}\"\r\n\r\nx\r\n")
                    .as_bytes(),
            );
        }
        raw.extend_from_slice(b"--B--\r\n");
        let error = limits.check_shape(&raw).expect_err("dangling boundaries");
        assert!(error.to_string().contains("never follows"), "{error}");
    }

    #[test]
    fn decodes_attached_messages_leniently() {
        assert_eq!(decode_base64_leniently(b"SGVs\r\nbG8=!!"), b"Hello");
        assert_eq!(decode_base64_leniently(b"SGk=SGk="), b"HiHi");
        assert_eq!(
            decode_quoted_printable_leniently(b"mes=\r\nsage/rfc=38=322 =ZZ"),
            b"message/rfc822 =ZZ"
        );
    }

    #[test]
    fn parts_inside_encoded_attached_messages_count() {
        let limits = Limits {
            max_parts: 10,
            ..Limits::default()
        };
        let inner = multipart(50);
        let mut encoded = String::new();
        for chunk in inner.chunks(57) {
            encoded.push_str(&base64_encode(chunk));
            encoded.push_str("\r\n");
        }
        let raw = format!(
            "From: a@example.com\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}"
        );
        let error = limits
            .check_shape(raw.as_bytes())
            .expect_err("parts inside");
        assert!(error.to_string().contains("MIME parts"), "{error}");
        let plain = raw.replace("Content-Transfer-Encoding: base64", "X-Note: not encoded");
        assert!(limits.check_shape(plain.as_bytes()).is_ok());
        let padding = format!("X-Padding: {}\r\n", "p".repeat(200_000));
        let padded = raw.replacen(
            "Content-Transfer-Encoding",
            &(padding + "Content-Transfer-Encoding"),
            1,
        );
        let error = limits
            .check_shape(padded.as_bytes())
            .expect_err("a long header in between hides nothing");
        assert!(error.to_string().contains("MIME parts"), "{error}");
    }

    fn base64_encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for group in bytes.chunks(3) {
            let mut buffer = [0u8; 3];
            buffer[..group.len()].copy_from_slice(group);
            let value = u32::from_be_bytes([0, buffer[0], buffer[1], buffer[2]]);
            for index in 0..4 {
                if index <= group.len() {
                    out.push(ALPHABET[(value >> (18 - 6 * index) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn encoded_parts_of_a_digest_count_without_a_content_type() {
        let limits = Limits {
            max_parts: 10,
            ..Limits::default()
        };
        let encoded = base64_encode(&multipart(50));
        let raw = format!(
            "From: a@example.com\r\nContent-Type: multipart/digest; boundary=\"D\"\r\n\r\n--D\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--D--\r\n"
        );
        let error = limits
            .check_shape(raw.as_bytes())
            .expect_err("parts inside");
        assert!(error.to_string().contains("MIME parts"), "{error}");
    }

    #[test]
    fn attached_messages_count_however_their_type_is_written() {
        let limits = Limits {
            max_parts: 10,
            ..Limits::default()
        };
        for written in [
            "message/rfc822",
            "MESSAGE/RFC822",
            "message /rfc822",
            "message/ rfc822",
            "message/(a (nested) comment)rfc822",
            "\"message\"/\"rfc822\"",
            "message\t/\r\n rfc822",
            "message/global",
        ] {
            let link = format!("From: x@example.org\r\nContent-Type: {written}\r\n\r\n");
            let raw = link.repeat(50) + "Subject: end\r\n\r\nbody\r\n";
            let error = limits
                .check_shape(raw.as_bytes())
                .expect_err("50 nested messages");
            assert!(
                error.to_string().contains("MIME parts"),
                "{written}: {error}"
            );
        }
        let prose = "Subject: x\r\n\r\nThe message / the rest; message(s)/other\r\n".repeat(50);
        assert!(limits.check_shape(prose.as_bytes()).is_ok());
    }

    proptest::proptest! {
        /// The slash-anchored scan finds what the forward scan finds.
        #[test]
        fn type_mentions_match_the_forward_scan(
            tokens in proptest::collection::vec(
                proptest::sample::select(vec![
                    "message", "MeSsAgE", "multipart", "/", " ", "\t", "\r", "\n", "\n ",
                    "\"", "\\", "(", ")", "rfc822", "RFC822", "global", "digest", "x", ":",
                ]),
                0..40,
            )
        ) {
            let raw = tokens.concat();
            let raw = raw.as_bytes();
            for (word, subtypes) in [
                (&b"message"[..], &[&b"rfc822"[..], b"global"][..]),
                (b"multipart", &[b"digest"]),
            ] {
                proptest::prop_assert_eq!(
                    mime_type_mentions(raw, word, subtypes, 1000),
                    mime_type_mentions_forward(raw, word, subtypes, 1000)
                );
            }
        }
    }

    #[test]
    fn unreadable_boundaries_count_every_dash_pair() {
        let limits = Limits {
            max_parts: 10,
            ..Limits::default()
        };
        let raw = multipart(50);
        let raw = String::from_utf8(raw)
            .expect("ascii")
            .replace("boundary=\"B\"", "boundary*0=\"B\"");
        let error = limits
            .check_shape(raw.as_bytes())
            .expect_err("too many parts");
        assert!(error.to_string().contains("MIME parts"), "{error}");
    }

    #[test]
    fn reads_quoted_and_bare_boundary_values() {
        assert_eq!(boundary_value(b"=\"a b\"; x"), Boundary::Value(b"a b"));
        assert_eq!(boundary_value(b" = tok;"), Boundary::Value(b"tok"));
        assert_eq!(boundary_value(b"*0=x"), Boundary::Unreadable);
        assert_eq!(boundary_value(b"(c)=x"), Boundary::Unreadable);
        assert_eq!(boundary_value(b"=\"=?utf-8?q?x?=\""), Boundary::Unreadable);
        assert_eq!(boundary_value(b" of the part"), Boundary::None);
        assert_eq!(boundary_value(b"=\"\""), Boundary::None);
    }
}
