//! A flat, decoded view of one email for the format decoders, built on
//! `mail-parser` (charsets, transfer encodings, nested messages).

use crate::limits::Limits;
use crate::Error;
use mail_parser::{HeaderName, Message, MessageParser, MimeHeaders, PartType};
use std::ops::Range;
use std::sync::LazyLock;
use std::sync::OnceLock;

/// The MIME parser, built once: only the headers that shape the MIME tree
/// (type, disposition, transfer encoding) are parsed; every other header is
/// skipped (the decoders read them from the raw header block), so Received,
/// address, date and the other `Content-` headers cost neither a parse nor a copy.
static MIME_PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .header_content_type(HeaderName::ContentType)
        .header_content_type(HeaderName::ContentDisposition)
        .header_text(HeaderName::ContentTransferEncoding)
        .default_header_ignore()
});

/// The parser that decodes RFC 2047 encoded-words in one header value.
static ENCODED_WORDS_PARSER: LazyLock<MessageParser> = LazyLock::new(MessageParser::new);

/// One leaf part of the bounce, decoded to text.
#[derive(Debug, Clone)]
pub struct Part {
    /// Lower-case `type/subtype`.
    pub content_type: String,
    /// The decoded text (binary parts are decoded lossily).
    pub text: String,
}

/// What decoders see of a message.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// Top-level headers, in order.
    pub headers: Headers,
    /// Leaf parts of the bounce itself (not of the returned original), in order.
    pub parts: Vec<Part>,
    /// Headers of the returned original message (`message/rfc822` or `text/rfc822-headers`).
    pub original_headers: Headers,
    /// Whether the message carried a MIME structure at all.
    pub is_mime: bool,
    /// The raw bytes of the first attached message (`message/rfc822`), which
    /// may itself be the real bounce when a bounce was forwarded.
    pub attached_message: Option<Vec<u8>>,
    /// The human-readable body, built once from `parts` (see [`Mail::body`]).
    body: String,
    /// `body` in ASCII lower case, for case-insensitive searches with the same offsets.
    body_lower: String,
    /// Where the bounce's own text ends in `body`, found once for all decoders.
    error_section_end: OnceLock<usize>,
    /// The From header in ASCII lower case, made on the first call of
    /// [`Mail::from_lower`] (several decoders key on the sender's domain).
    from_lower: OnceLock<String>,
}

/// Header fields in order, as (lower-case name, unfolded value) pairs,
/// kept in one string: a message's fields cost two allocations, not two each.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    /// The names and values, one after the other.
    text: String,
    /// Each field's name and value, as ranges in `text`.
    fields: Vec<(Range<u32>, Range<u32>)>,
}

impl Headers {
    /// The value of the first field with this (lower-case) name.
    pub fn get(&self, name: &str) -> Option<&str> {
        let (text, name) = (self.text.as_bytes(), name.as_bytes());
        self.fields
            .iter()
            .find(|(field, _)| {
                (field.end - field.start) as usize == name.len()
                    && &text[field.start as usize..field.end as usize] == name
            })
            .map(|(_, value)| self.slice(value))
    }

    /// The fields in order, as (lower-case name, unfolded value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|(name, value)| (self.slice(name), self.slice(value)))
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn slice(&self, range: &Range<u32>) -> &str {
        &self.text[range.start as usize..range.end as usize]
    }

    /// Appends `piece` to `text`, returning its range there.
    fn push(&mut self, piece: &str) -> Range<u32> {
        let start = self.text.len() as u32;
        self.text.push_str(piece);
        start..self.text.len() as u32
    }
}

impl Mail {
    /// Parses raw bytes within `limits`.
    pub fn parse(raw: &[u8], limits: &Limits) -> Result<Mail, Error> {
        if raw.len() > limits.max_message_bytes {
            return Err(Error::TooLarge {
                size: raw.len(),
                limit: limits.max_message_bytes,
            });
        }
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::EmptyInput);
        }
        let leading_blank = raw
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(raw.len());
        let raw = &raw[leading_blank..];
        if !starts_with_header_field(raw) {
            return Err(Error::Malformed(
                "it does not start with a header field, so it is not an email".into(),
            ));
        }
        limits.check_shape(raw)?;
        let mut message = MIME_PARSER
            .parse(raw)
            .ok_or_else(|| Error::Malformed("no header section was found".into()))?;
        if message.parts.len() > limits.max_parts {
            return Err(Error::Malformed(format!(
                "{} MIME parts, over the limit of {}",
                message.parts.len(),
                limits.max_parts
            )));
        }
        let depth = nesting_depth(&message, limits.max_parts);
        if depth > limits.max_depth {
            return Err(Error::Malformed(format!(
                "MIME nesting {depth} deep, over the limit of {}",
                limits.max_depth
            )));
        }
        let headers = collect_headers(&message, limits);
        if headers.is_empty() {
            return Err(Error::Malformed("no header fields were found".into()));
        }
        let mut mail = Mail {
            headers,
            is_mime: message
                .root_part()
                .content_type()
                .is_some_and(|c| c.ctype().eq_ignore_ascii_case("multipart")),
            ..Mail::default()
        };
        mail.collect_parts(&mut message, 0, limits);
        if !mail
            .parts
            .iter()
            .any(|p| p.content_type.starts_with("text/"))
        {
            // Broken MIME (a boundary parameter on a line of its own, say)
            // hides every part: read the raw body as plain text.
            let raw = message.raw_message();
            let start = (message.root_part().offset_body as usize).min(raw.len());
            mail.parts.push(Part {
                content_type: "text/plain".into(),
                text: truncate_at_char(decode_lossy(&raw[start..]), limits.max_scan_bytes),
            });
        }
        mail.body = mail.join_body();
        mail.body_lower = mail.body.to_ascii_lowercase();
        Ok(mail)
    }

    /// Reads the leaf parts, taking their decoded texts out of `message`.
    fn collect_parts(&mut self, message: &mut Message<'_>, depth: usize, limits: &Limits) {
        if depth > limits.max_depth {
            return;
        }
        let mut budget = limits.max_scan_bytes * 4;
        for part in &mut message.parts {
            let content_type = part
                .content_type()
                .map(|c| {
                    let mut name = String::with_capacity(32);
                    name.push_str(c.ctype());
                    if let Some(sub) = c.subtype() {
                        name.push('/');
                        name.push_str(sub);
                    }
                    name.make_ascii_lowercase();
                    name
                })
                .unwrap_or_else(|| "text/plain".into());
            // A multipart header whose boundary never occurs in the body (old
            // MTAs did that) leaves the body as text: read it as plain text.
            let content_type = if content_type.starts_with("multipart/")
                && matches!(part.body, PartType::Text(_))
            {
                "text/plain".to_string()
            } else {
                content_type
            };
            let text = match &mut part.body {
                PartType::Text(text) | PartType::Html(text) => std::mem::take(text).into_owned(),
                PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                    if content_type.starts_with("message/") || content_type.starts_with("text/") {
                        decode_lossy(bytes)
                    } else {
                        continue;
                    }
                }
                PartType::Message(inner) => {
                    if self.attached_message.is_none() {
                        self.attached_message = Some(inner.raw_message().to_vec());
                    }
                    if self.original_headers.is_empty() {
                        self.original_headers = collect_headers(inner, limits);
                    }
                    continue;
                }
                PartType::Multipart(_) => continue,
            };
            if content_type == "text/rfc822-headers" || content_type == "message/rfc822" {
                if self.original_headers.is_empty() {
                    self.original_headers = bounded(parse_header_block(&text), limits);
                }
                continue;
            }
            let text = if content_type == "text/html" {
                // Markup is bulky; a bounded prefix holds the readable start.
                html_to_text(&truncate_at_char(text, limits.max_scan_bytes * 4))
            } else {
                text
            };
            let text = truncate_at_char(text, budget.min(limits.max_scan_bytes));
            budget = budget.saturating_sub(text.len());
            self.parts.push(Part { content_type, text });
            if budget == 0 {
                break;
            }
        }
    }

    /// The first top-level header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The first header of the returned original with this (lower-case) name.
    pub fn original_header(&self, name: &str) -> Option<&str> {
        self.original_headers.get(name)
    }

    /// The Subject header, or "".
    pub fn subject(&self) -> &str {
        self.header("subject").unwrap_or("")
    }

    /// The From header, or "".
    pub fn from(&self) -> &str {
        self.header("from").unwrap_or("")
    }

    /// The From header in ASCII lower case, or "".
    pub fn from_lower(&self) -> &str {
        self.from_lower
            .get_or_init(|| self.from().to_ascii_lowercase())
    }

    /// The first part of the given type.
    pub fn part(&self, content_type: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.content_type == content_type)
    }

    /// The human-readable body: text/plain parts (or HTML turned to text), joined.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The body in ASCII lower case; byte offsets match [`Mail::body`].
    pub fn body_lower(&self) -> &str {
        &self.body_lower
    }

    /// The end of the bounce's own text in [`Mail::body`]: `find` (given the
    /// body and its lower-case copy) runs on the first call only.
    pub(crate) fn error_section_end(&self, find: impl FnOnce(&str, &str) -> usize) -> usize {
        *self
            .error_section_end
            .get_or_init(|| find(&self.body, &self.body_lower))
    }

    fn join_body(&self) -> String {
        let plain: Vec<&str> = self
            .parts
            .iter()
            .filter(|p| p.content_type == "text/plain")
            .map(|p| p.text.as_str())
            .collect();
        if !plain.is_empty() {
            return plain.join("\n");
        }
        self.parts
            .iter()
            .filter(|p| p.content_type == "text/html" || p.content_type.starts_with("text/"))
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// True when the first non-blank line is a header field (`Name: value`, the
/// name printable ASCII) or an mbox `From ` line.
fn starts_with_header_field(raw: &[u8]) -> bool {
    let start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(raw.len());
    let line = &raw[start..];
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    if line.starts_with(b"From ") {
        return true;
    }
    let name_end = line
        .iter()
        .position(|b| !(b'!'..=b'~').contains(b) || *b == b':')
        .unwrap_or(line.len());
    let after_name = line[name_end..]
        .iter()
        .skip_while(|b| matches!(b, b' ' | b'\t'));
    name_end > 0 && after_name.take(1).eq([b':'].iter())
}

fn collect_headers(message: &Message<'_>, limits: &Limits) -> Headers {
    let raw = message.raw_message();
    let root = message.root_part();
    let end = (root.offset_body as usize).min(raw.len());
    let start = (root.offset_header as usize).min(end);
    let headers = parse_header_bytes(&raw[start..end]);
    if headers.is_empty() {
        // A nested message's offsets may not index its own bytes: its raw
        // text still starts with its header block.
        return bounded(parse_header_bytes(&raw[..raw.len().min(64 * 1024)]), limits);
    }
    bounded(headers, limits)
}

/// Keeps at most `max_headers` fields, each value cut to `max_header_bytes`.
fn bounded(mut headers: Headers, limits: &Limits) -> Headers {
    headers.fields.truncate(limits.max_headers);
    for (_, value) in &mut headers.fields {
        if (value.end - value.start) as usize > limits.max_header_bytes {
            let end = value.start as usize + limits.max_header_bytes;
            value.end = char_boundary_at_or_before(&headers.text, end) as u32;
        }
    }
    headers
}

/// Parses a header block given as bytes, without a copy when it is UTF-8.
fn parse_header_bytes(block: &[u8]) -> Headers {
    match std::str::from_utf8(block) {
        Ok(text) => parse_header_block(text),
        Err(_) => parse_header_block(&decode_lossy(block)),
    }
}

/// How deeply parts nest (multiparts and attached messages), walked without
/// recursion; stops after visiting a bounded number of parts.
fn nesting_depth(message: &Message<'_>, max_parts: usize) -> usize {
    let mut deepest = 0;
    let mut visits = 0;
    let mut stack: Vec<(&Message<'_>, u32, usize)> = vec![(message, 0, 0)];
    while let Some((current, part_id, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        visits += 1;
        if visits > max_parts.saturating_mul(4).max(64) {
            break;
        }
        let Some(part) = current.parts.get(part_id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Multipart(children) => stack.extend(
                children
                    .iter()
                    .filter(|child| **child > part_id)
                    .map(|child| (current, *child, depth + 1)),
            ),
            PartType::Message(inner) => stack.push((inner, 0, depth + 1)),
            _ => {}
        }
    }
    deepest
}

/// Parses an RFC 5322 header block into (lower-case name, unfolded value) pairs;
/// MIME encoded-words are decoded.
pub fn parse_header_block(text: &str) -> Headers {
    let mut headers = Headers {
        text: String::with_capacity(text.len()),
        fields: Vec::with_capacity((text.len() / 64).clamp(8, 64)),
    };
    // The last field's value is written once its folded lines are all
    // known: its first line, then each further line after a space.
    let mut first_line = "";
    let mut folded_lines: Vec<&str> = Vec::new();
    let mut end = text.len();
    for (line, line_end) in lines(text) {
        let bytes = line.as_bytes();
        let blank = if bytes.first().is_some_and(|b| matches!(b, b' ' | b'\t')) {
            let folded = trim_whitespace(line);
            if !folded.is_empty() && !headers.is_empty() {
                folded_lines.push(folded);
            }
            folded.is_empty()
        } else {
            match memchr::memchr2(b':', b' ', bytes) {
                Some(colon) if colon > 0 && bytes[colon] == b':' => {
                    if !headers.is_empty() {
                        end_value(&mut headers, first_line, &mut folded_lines);
                    }
                    let name = headers.push(field_name(&line[..colon]));
                    headers.text[name.start as usize..].make_ascii_lowercase();
                    headers.fields.push((name, 0..0));
                    first_line = trim_whitespace(&line[colon + 1..]);
                    false
                }
                // A name with a space (or none) is no field; a line with a
                // colon is never blank.
                _ => trim_whitespace(line).is_empty(),
            }
        };
        if blank && !headers.is_empty() {
            end = line_end;
            break;
        }
    }
    if !headers.is_empty() {
        end_value(&mut headers, first_line, &mut folded_lines);
    }
    if has_encoded_word(&text[..end]) {
        for index in 0..headers.fields.len() {
            let value = headers.slice(&headers.fields[index].1);
            if has_encoded_word(value) {
                let decoded = decode_encoded_words(value);
                headers.fields[index].1 = headers.push(&decoded);
            }
        }
    }
    headers
}

/// Writes the value of the last field of `headers`: `first_line`, then each
/// of `folded_lines` (emptied) after a space.
fn end_value(headers: &mut Headers, first_line: &str, folded_lines: &mut Vec<&str>) {
    let start = headers.text.len() as u32;
    headers.text.push_str(first_line);
    for line in folded_lines.drain(..) {
        headers.text.push(' ');
        headers.text.push_str(line);
    }
    let value = start..headers.text.len() as u32;
    if let Some((_, last)) = headers.fields.last_mut() {
        *last = value;
    }
}

/// A field name, trimmed (it is lower-cased once copied into the headers).
fn field_name(name: &str) -> &str {
    let bytes = name.as_bytes();
    let plain = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if plain(bytes.first()) && plain(bytes.last()) {
        name
    } else {
        trim_whitespace(name)
    }
}

/// Whether `text` holds the start of an encoded-word (`=?`), found through
/// the rare `?`.
fn has_encoded_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'?', bytes).any(|at| at > 0 && bytes[at - 1] == b'=')
}

/// The lines of `text` as `str::lines` splits them (after `\n`, dropping a
/// `\r` before it), each with where the next one starts, found with one
/// vectorised scan of the whole text.
fn lines(text: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        let line = match ends.next() {
            Some(end) => {
                let line = &text[start..end];
                start = end + 1;
                line.strip_suffix('\r').unwrap_or(line)
            }
            None if start < text.len() => {
                let line = &text[start..];
                start = text.len();
                line
            }
            None => return None,
        };
        Some((line, start))
    })
}

/// `str::trim`, with the common all-ASCII ends handled byte by byte.
#[inline]
fn trim_whitespace(text: &str) -> &str {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    if bytes.get(start).is_some_and(|b| !b.is_ascii())
        || (end > start && !bytes[end - 1].is_ascii())
    {
        // A non-ASCII character at either end may be Unicode whitespace.
        return text[start..end].trim();
    }
    &text[start..end]
}

/// Decodes RFC 2047 encoded-words in a header value.
fn decode_encoded_words(value: &str) -> String {
    let wrapped = format!("Subject: {value}\n\n");
    ENCODED_WORDS_PARSER
        .parse_headers(wrapped.as_bytes())
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_else(|| value.to_string())
}

/// Decodes bytes as UTF-8, falling back to Windows-1252 for legacy 8-bit text.
pub fn decode_lossy(bytes: &[u8]) -> String {
    // Japanese servers put raw ISO-2022-JP (7-bit, with ESC $ B / ESC ( B
    // shifts) even into fields that name no charset, such as Diagnostic-Code.
    let escaped = |shift: &[u8]| memchr::memmem::find(bytes, shift).is_some();
    if memchr::memchr(0x1b, bytes).is_some() && (escaped(b"\x1b$B") || escaped(b"\x1b$@")) {
        let (text, _, had_errors) = encoding_rs::ISO_2022_JP.decode(bytes);
        if !had_errors {
            return text.into_owned();
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn truncate_at_char(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        text.truncate(char_boundary_at_or_before(&text, limit));
    }
    text
}

/// The last character boundary of `text` at or before `at` (within it).
fn char_boundary_at_or_before(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A small, linear HTML-to-text conversion: drops tags, scripts and styles,
/// turns block ends into line breaks and decodes the common entities.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut index = 0;
    let bytes = html.as_bytes();
    while index < bytes.len() {
        if bytes[index] == b'<' {
            let rest = &bytes[index..];
            let skip_to = |closing: &[u8]| {
                find_ignore_ascii_case(rest, closing)
                    .map_or(bytes.len(), |p| index + p + closing.len())
            };
            let is_s = rest.get(1).is_some_and(|b| b.eq_ignore_ascii_case(&b's'));
            if is_s && starts_with_ignore_ascii_case(rest, b"<script") {
                index = skip_to(b"</script>");
                continue;
            }
            if is_s && starts_with_ignore_ascii_case(rest, b"<style") {
                index = skip_to(b"</style>");
                continue;
            }
            let end = memchr::memchr(b'>', rest).map_or(bytes.len(), |p| index + p + 1);
            if let Some(separator) = tag_separator(&bytes[index..end]) {
                out.push(separator);
            }
            index = end;
            continue;
        }
        let next = memchr::memchr(b'<', &bytes[index..]).map_or(html.len(), |p| index + p);
        let run = &html[index..next];
        push_decoding_entities(&mut out, run);
        index = next;
    }
    out
}

/// `text.to_ascii_lowercase().starts_with(lower_prefix)`, without the copy.
pub(crate) fn starts_with_ignore_ascii_case(text: &[u8], lower_prefix: &[u8]) -> bool {
    text.get(..lower_prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(lower_prefix))
}

/// Where `text.to_ascii_lowercase()` first contains `lower_needle`, without
/// the copy: each place where the needle's first byte stands, in either
/// case, is compared.
pub(crate) fn find_ignore_ascii_case(text: &[u8], lower_needle: &[u8]) -> Option<usize> {
    let Some(&first) = lower_needle.first() else {
        return Some(0);
    };
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), text)
        .find(|&at| starts_with_ignore_ascii_case(&text[at..], lower_needle))
}

/// What a tag leaves in the text: a line break after block elements
/// (`br`, `p`, `div`, `tr`, `li`, `h*`, `table` and the ends of most), a
/// space for table cells, else nothing.
fn tag_separator(tag: &[u8]) -> Option<char> {
    let closing = tag.get(1) == Some(&b'/');
    let name = &tag[tag.len().min(if closing { 2 } else { 1 })..];
    let is = |lower: &[u8]| starts_with_ignore_ascii_case(name, lower);
    match name.first().map(u8::to_ascii_lowercase)? {
        b'p' | b'h' => Some('\n'),
        b'd' if is(b"div") => Some('\n'),
        b't' if is(b"tr") || is(b"table") => Some('\n'),
        b'b' if !closing && is(b"br") => Some('\n'),
        b'l' if !closing && is(b"li") => Some('\n'),
        b't' if !closing && (is(b"td") || is(b"th")) => Some(' '),
        _ => None,
    }
}

/// Appends `text` with the common entities decoded, left to right (no
/// decoded character starts an entity, so this equals replacing each in turn).
fn push_decoding_entities(out: &mut String, text: &str) {
    const ENTITIES: [(&str, char); 7] = [
        ("&nbsp;", ' '),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&apos;", '\''),
        ("&amp;", '&'),
    ];
    let mut rest = text;
    while let Some(at) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let from_ampersand = &rest[at..];
        match ENTITIES
            .iter()
            .find(|(entity, _)| from_ampersand.starts_with(entity))
        {
            Some((entity, decoded)) => {
                out.push(*decoded);
                rest = &from_ampersand[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &from_ampersand[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_iso_2022_jp_in_a_field_without_charset_is_decoded() {
        let field = b"X-Notes; \x1b$B%f!<%6!<\x1b(B a@example.jp \x1b$B$O8+$D$+$j$^$;$s\x1b(B";
        assert_eq!(
            decode_lossy(field),
            "X-Notes; ユーザー a@example.jp は見つかりません"
        );
        assert_eq!(decode_lossy("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(decode_lossy(b"caf\xe9"), "caf\u{e9}");
    }

    #[test]
    fn reads_headers_parts_and_original() {
        let raw = b"From: MAILER-DAEMON@example.net\r\nSubject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI could not deliver it.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: sender@example.com\r\nSubject: =?UTF-8?B?SGVsbG8=?=\r\n--B--\r\n";
        let mail = Mail::parse(raw, &Limits::default()).expect("parses");
        assert_eq!(mail.subject(), "Undelivered Mail");
        assert!(mail.is_mime);
        assert!(mail
            .part("message/delivery-status")
            .expect("dsn part")
            .text
            .contains("Status: 5.1.1"));
        assert_eq!(mail.original_header("subject"), Some("Hello"));
        assert!(mail.body().contains("could not deliver"));
    }

    #[test]
    fn header_fields_are_unfolded_lower_cased_decoded_and_bounded() {
        let block = " stray fold\r\nX-Name: first\r\n  second \r\n\tthird\r\nSUBJECT: =?UTF-8?B?SGVsbG8=?= there\r\nNo field here\r\nTo:\r\n\r\nAfter: blank\r\n";
        let headers = parse_header_block(block);
        let fields: Vec<(&str, &str)> = headers.iter().collect();
        assert_eq!(
            fields,
            [
                ("x-name", "first second third"),
                ("subject", "Hello there"),
                ("to", "")
            ]
        );
        assert_eq!(headers.get("subject"), Some("Hello there"));
        assert_eq!(headers.get("subjec"), None);
        let limits = Limits {
            max_headers: 2,
            max_header_bytes: 8,
            ..Limits::default()
        };
        let bounded = bounded(
            parse_header_block("A: \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\r\nB: 2\r\nC: 3\r\n"),
            &limits,
        );
        let fields: Vec<(&str, &str)> = bounded.iter().collect();
        assert_eq!(fields, [("a", "\u{e9}\u{e9}\u{e9}\u{e9}"), ("b", "2")]);
    }

    #[test]
    fn html_becomes_text() {
        let text = html_to_text(
            "<p>Delivery&nbsp;failed</p><script>alert(1)</script><div>550 &lt;a@b&gt;</div>",
        );
        assert!(text.contains("Delivery failed"));
        assert!(text.contains("550 <a@b>"));
        assert!(!text.contains("alert"));
    }

    #[test]
    fn html_tags_and_entities_become_separators_and_characters() {
        assert_eq!(
            html_to_text("<P>a</TD>b<td>c<br/>d</li>e<LI>f</Table>g<Style>x</style>h"),
            "\nab c\nde\nf\ngh"
        );
        assert_eq!(
            html_to_text("&amp;lt; &&lt; &nbsp;&#39;&apos;&quot;&gt;&amp"),
            "&lt; &<  ''\">&amp"
        );
    }
}
