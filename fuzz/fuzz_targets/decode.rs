//! Any bytes through `Engine::decode`: must return, never panic or hang.
#![no_main]

use bouncewhy::Engine;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("the built-in packs compile"))
}

fuzz_target!(|data: &[u8]| {
    let _ = engine().decode(data, "en");
});
