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

    fn read_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        let limit = self.max_bytes as u64 + 2;
        let read =
            std::io::Read::take(&mut self.reader, limit).read_until(b'\n', &mut self.line)?;
        Ok(read > 0)
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

impl<R: BufRead> MboxReader<R> {
    /// Reads up to the next separator; `None` for a blank message (skipped).
    fn read_message(&mut self) -> Option<Item> {
        let mut message = Vec::new();
        let mut oversized = false;
        let mut previous_blank = true;
        let mut started = self.pending_separator;
        loop {
            match self.read_line() {
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Ok(true) => {}
                Err(error) => {
                    self.done = true;
                    return Some(Err(format!("read error: {error}")));
                }
            }
            if is_separator(&self.line) && (previous_blank || !started) {
                if started && (!message.is_empty() || oversized) {
                    self.pending_separator = true;
                    break;
                }
                started = true;
                continue;
            }
            started = true;
            let blank = self.line.iter().all(|b| b.is_ascii_whitespace());
            let content: &[u8] = if self.line.starts_with(b">From ") {
                &self.line[1..]
            } else {
                &self.line
            };
            if !oversized {
                if message.len() + content.len() > self.max_bytes {
                    oversized = true;
                    message = Vec::new();
                } else {
                    message.extend_from_slice(content);
                }
            }
            previous_blank = blank;
        }
        if oversized {
            return Some(Err(format!(
                "message is over the limit of {} bytes",
                self.max_bytes
            )));
        }
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
