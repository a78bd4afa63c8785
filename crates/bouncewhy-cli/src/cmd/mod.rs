//! One module per command.

pub mod decode;
pub mod explain;
pub mod pack;
pub mod serve;

use crate::args::GlobalArgs;
use bouncewhy::Engine;
use std::fmt;

/// A failure that ends the command, with what it was doing.
#[derive(Debug)]
pub struct CliError {
    message: String,
    broken_pipe: bool,
}

impl CliError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// True when the reader of our output went away (`| head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError {
            broken_pipe: error.kind() == std::io::ErrorKind::BrokenPipe,
            message: error.to_string(),
        }
    }
}

impl From<bouncewhy::Error> for CliError {
    fn from(error: bouncewhy::Error) -> Self {
        CliError::new(error.to_string())
    }
}

/// Builds the engine with the user's packs.
pub fn engine(global: &GlobalArgs) -> Result<Engine, CliError> {
    let mut builder = Engine::builder();
    for path in &global.packs {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::new(format!("cannot read pack {}: {e}", path.display())))?;
        builder = builder.pack(path.display().to_string(), text);
    }
    Ok(builder.build()?)
}

/// The explanation language: `--lang`/`BOUNCEWHY_LANG`, else the locale
/// (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English, resolved to a language the
/// engine has texts for. An explicit tag without texts is reported on stderr.
pub fn language(global: &GlobalArgs, engine: &Engine) -> String {
    let knowledge = engine.knowledge();
    if let Some(tag) = global.lang.as_deref().filter(|t| !t.trim().is_empty()) {
        return match knowledge.resolve_language(tag) {
            Some(lang) => lang.to_string(),
            None => {
                eprintln!("bouncewhy: no texts for language {tag:?}; using English");
                "en".to_string()
            }
        };
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|value| !value.is_empty())
        .and_then(|locale| knowledge.resolve_language(&locale).map(str::to_string))
        .unwrap_or_else(|| "en".to_string())
}
