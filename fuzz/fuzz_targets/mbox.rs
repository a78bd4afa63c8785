//! Any bytes through the mbox splitter, with a small message limit so the
//! oversize path is reached too: every item is bounded by the limit, and the
//! splitter never yields more messages than the input has lines.
#![no_main]

use bouncewhy::container::MboxReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limit = 1 << 12;
    let lines = data.split(|b| *b == b'\n').count();
    let mut count = 0;
    for item in MboxReader::new(data, limit) {
        count += 1;
        assert!(count <= lines, "more messages than input lines");
        if let Ok(message) = item {
            assert!(message.len() <= limit, "a message over the limit came out");
        }
    }
});
