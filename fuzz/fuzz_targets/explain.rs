//! Any text through `Engine::explain_any` (a reply, a log line or a whole
//! email) and line by line through `Engine::explain`: must never panic or hang.
#![no_main]

use bouncewhy::Engine;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in packs compile"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = engine().explain_any(&text, "en");
    for line in text.lines().take(64) {
        let _ = engine().explain(line, "en");
    }
});
