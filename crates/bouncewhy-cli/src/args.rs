//! Command-line arguments exactly as typed; no I/O here.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Why did my email bounce? Explains SMTP errors and bounce emails.
#[derive(Debug, Parser)]
#[command(name = "bouncewhy", version, about, long_about = None)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by all commands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Load a pack of your own rules and texts (repeatable); it wins over the built-in packs.
    #[arg(long = "pack", value_name = "FILE", global = true)]
    pub packs: Vec<PathBuf>,
    /// Language of the explanations (BCP 47 tag, e.g. en, da, nb).
    #[arg(long, value_name = "LANG", global = true, env = "BOUNCEWHY_LANG")]
    pub lang: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain one SMTP error, log line or bounce text.
    Explain(ExplainArgs),
    /// Work with knowledge packs.
    Pack {
        /// What to do with packs.
        #[command(subcommand)]
        command: PackCommand,
    },
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The text to explain; `-` or nothing reads standard input.
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,
    /// Print one JSON Diagnosis per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Explain every input line on its own (for log files).
    #[arg(long)]
    pub each_line: bool,
}

/// Pack subcommands.
#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Validate pack files and run every rule's examples through the engine.
    Check {
        /// The pack files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}
