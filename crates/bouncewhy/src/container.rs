//! Containers of many messages. The mbox splitter streams: it holds one
//! message at a time, so an mbox of any size runs in bounded memory.

use std::io::BufRead;

/// One message read from a container, or why it could not be read.
pub type Item = Result<Vec<u8>, String>;

/// Splits an mbox stream into messages at `From ` separator lines, undoing
/// `>From ` quoting. Messages over `max_bytes` are reported as errors (their
/// bytes are skipped, not kept).
pub struct MboxReader<R> {
    reader: R,
    max_bytes: usize,
    /// A line cut by the end of the reader's buffer, kept until its end comes.
    line: Vec<u8>,
    pending_separator: bool,
    done: bool,
}

impl<R: BufRead> MboxReader<R> {
    /// A splitter over `reader`.
    pub fn new(reader: R, max_bytes: usize) -> Self {
        MboxReader {
            reader,
            max_bytes,
            line: Vec::new(),
            pending_separator: false,
            done: false,
        }
    }
}

/// True for an mbox separator line (`From ` at the start of a line).
pub fn is_separator(line: &[u8]) -> bool {
    line.starts_with(b"From ")
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        // A loop, not recursion: an mbox of a million empty messages must not
        // grow the stack.
        while !self.done {
            if let Some(item) = self.read_message() {
                return Some(item);
            }
        }
        None
    }
}

/// One message being put together from its lines.
struct Message {
    bytes: Vec<u8>,
    oversized: bool,
    previous_blank: bool,
    started: bool,
}

impl Message {
    /// Adds one line (with its `\n`, or a piece of an over-long line); true
    /// when the line is the separator that starts the next message.
    fn add_line(&mut self, line: &[u8], max_bytes: usize) -> bool {
        if is_separator(line) && (self.previous_blank || !self.started) {
            if self.started && (!self.bytes.is_empty() || self.oversized) {
                return true;
            }
            self.started = true;
            return false;
        }
        self.started = true;
        let blank = line.iter().all(|b| b.is_ascii_whitespace());
        let content: &[u8] = if line.starts_with(b">From ") {
            &line[1..]
        } else {
            line
        };
        self.append(content, max_bytes);
        self.previous_blank = blank;
        false
    }

    /// Appends `content`, or drops the message's bytes once it grows over `max_bytes`.
    fn append(&mut self, content: &[u8], max_bytes: usize) {
        if !self.oversized {
            if self.bytes.len() + content.len() > max_bytes {
                self.oversized = true;
                self.bytes = Vec::new();
            } else {
                self.bytes.extend_from_slice(content);
            }
        }
    }
}

/// The length of the complete lines at the start of `window` that need no
/// look of their own: none starts with `From ` or `>From `.
fn ordinary_lines(window: &[u8]) -> usize {
    let Some(last_newline) = memchr::memrchr(b'\n', window) else {
        return 0;
    };
    let lines = &window[..=last_newline];
    for at in memchr::memmem::find_iter(lines, b"From ") {
        if at == 0 || lines[at - 1] == b'\n' {
            return at;
        }
        if lines[at - 1] == b'>' && (at == 1 || lines[at - 2] == b'\n') {
            return at - 1;
        }
    }
    lines.len()
}

impl Message {
    /// Adds complete lines of which none is a separator or quoted (see
    /// [`ordinary_lines`]): one copy for them all.
    fn add_ordinary_lines(&mut self, lines: &[u8], max_bytes: usize) {
        self.append(lines, max_bytes);
        let before_last = &lines[..lines.len() - 1];
        let last_line = &lines[memchr::memrchr(b'\n', before_last).map_or(0, |at| at + 1)..];
        self.previous_blank = last_line.iter().all(|b| b.is_ascii_whitespace());
    }
}

impl<R: BufRead> MboxReader<R> {
    /// Reads up to the next separator; `None` for a blank message (skipped).
    /// Lines are taken straight from the reader's buffer; only a line cut by
    /// the buffer's end is copied. A line longer than `max_bytes + 2` comes
    /// in pieces of that size, so memory stays bounded.
    fn read_message(&mut self) -> Option<Item> {
        let mut message = Message {
            bytes: Vec::new(),
            oversized: false,
            previous_blank: true,
            started: self.pending_separator,
        };
        let limit = self.max_bytes.saturating_add(2);
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    self.done = true;
                    return Some(Err(format!("read error: {error}")));
                }
            };
            if buffer.is_empty() {
                if !self.line.is_empty() && message.add_line(&self.line, self.max_bytes) {
                    self.line.clear();
                    self.pending_separator = true;
                    break;
                }
                self.line.clear();
                self.done = true;
                break;
            }
            let window = &buffer[..buffer.len().min(limit - self.line.len())];
            if self.line.is_empty() && message.started {
                let ordinary = ordinary_lines(window);
                if ordinary > 0 {
                    message.add_ordinary_lines(&window[..ordinary], self.max_bytes);
                    self.reader.consume(ordinary);
                    continue;
                }
            }
            let (taken, ends_next) = match memchr::memchr(b'\n', window) {
                Some(newline) if self.line.is_empty() => (
                    newline + 1,
                    message.add_line(&window[..=newline], self.max_bytes),
                ),
                Some(newline) => {
                    self.line.extend_from_slice(&window[..=newline]);
                    let ends_next = message.add_line(&self.line, self.max_bytes);
                    self.line.clear();
                    (newline + 1, ends_next)
                }
                None => {
                    self.line.extend_from_slice(window);
                    let ends_next =
                        self.line.len() == limit && message.add_line(&self.line, self.max_bytes);
                    if self.line.len() == limit {
                        self.line.clear();
                    }
                    (window.len(), ends_next)
                }
            };
            self.reader.consume(taken);
            if ends_next {
                self.pending_separator = true;
                break;
            }
        }
        if message.oversized {
            return Some(Err(format!(
                "message is over the limit of {} bytes",
                self.max_bytes
            )));
        }
        let mut message = message.bytes;
        while message.last().is_some_and(|b| *b == b'\n' || *b == b'\r')
            && message.ends_with(b"\n\n")
        {
            message.pop();
        }
        if message.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(Ok(message))
    }
}

/// True when the bytes start like an mbox (a `From ` separator line).
pub fn looks_like_mbox(start: &[u8]) -> bool {
    is_separator(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        MboxReader::new(text.as_bytes(), 1 << 20)
            .map(|m| String::from_utf8(m.expect("reads")).expect("utf8"))
            .collect()
    }

    #[test]
    fn splits_and_unquotes() {
        let mbox = "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From the start\n\nFrom b@c Mon Jan  1 00:00:00 2024\nSubject: two\n\nbody\n";
        let messages = split(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], "Subject: one\n\nFrom the start\n");
        assert_eq!(messages[1], "Subject: two\n\nbody\n");
    }

    #[test]
    fn a_million_empty_messages_do_not_grow_the_stack() {
        let mbox =
            "From a@b Thu Jan  1 00:00:00 2026\n\n".repeat(1_000_000) + "From c\nSubject: last\n";
        let items: Vec<Item> = MboxReader::new(mbox.as_bytes(), 1 << 20).collect();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].as_deref().expect("reads"), b"Subject: last\n");
    }

    /// The straightforward splitter the buffered one must equal: one
    /// `read_until` per line, each line at most `max_bytes + 2` bytes.
    fn split_line_by_line(mbox: &[u8], max_bytes: usize) -> Vec<Item> {
        let mut reader = mbox;
        let mut items = Vec::new();
        let mut pending_separator = false;
        let mut done = false;
        let mut line = Vec::new();
        while !done {
            let mut message = Vec::new();
            let (mut oversized, mut previous_blank) = (false, true);
            let mut started = pending_separator;
            loop {
                line.clear();
                let limit = max_bytes as u64 + 2;
                let read = std::io::Read::take(&mut reader, limit)
                    .read_until(b'\n', &mut line)
                    .expect("reads from memory");
                if read == 0 {
                    done = true;
                    break;
                }
                if is_separator(&line) && (previous_blank || !started) {
                    if started && (!message.is_empty() || oversized) {
                        pending_separator = true;
                        break;
                    }
                    started = true;
                    continue;
                }
                started = true;
                let blank = line.iter().all(|b| b.is_ascii_whitespace());
                let content: &[u8] = line
                    .strip_prefix(b">")
                    .filter(|rest| rest.starts_with(b"From "))
                    .unwrap_or(&line);
                if !oversized {
                    if message.len() + content.len() > max_bytes {
                        oversized = true;
                        message = Vec::new();
                    } else {
                        message.extend_from_slice(content);
                    }
                }
                previous_blank = blank;
            }
            if oversized {
                items.push(Err(format!(
                    "message is over the limit of {max_bytes} bytes"
                )));
                continue;
            }
            while message.last().is_some_and(|b| *b == b'\n' || *b == b'\r')
                && message.ends_with(b"\n\n")
            {
                message.pop();
            }
            if !message.iter().all(u8::is_ascii_whitespace) {
                items.push(Ok(message));
            }
        }
        items
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn buffered_splitting_equals_line_by_line(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "From a@b Mon Jan  1 00:00:00 2024\n", "From ", ">From x\n", ">>From y\n",
                    "\n", "\r\n", " \t\n", "Subject: s\n", "body line\n", "From", ">",
                    "x", "long line of text without an end ", "\n\n",
                ]),
                0..60,
            ),
            capacity in 1usize..64,
            max_bytes in 1usize..200,
        ) {
            let mbox: Vec<u8> = pieces.concat().into_bytes();
            let buffered: Vec<Item> =
                MboxReader::new(std::io::BufReader::with_capacity(capacity, &mbox[..]), max_bytes)
                    .collect();
            proptest::prop_assert_eq!(buffered, split_line_by_line(&mbox, max_bytes));
        }
    }

    #[test]
    fn oversized_messages_are_errors_and_the_rest_goes_on() {
        let big = "x".repeat(100);
        let mbox = format!("From a\nSubject: big\n\n{big}\n\nFrom b\nSubject: small\n\nok\n");
        let items: Vec<Item> = MboxReader::new(mbox.as_bytes(), 50).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_err());
        assert_eq!(
            items[1].as_deref().expect("second is fine"),
            b"Subject: small\n\nok\n"
        );
    }
}
