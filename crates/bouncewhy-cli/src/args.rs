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
    /// Decode bounce emails: files, directories, Maildirs, mbox files, .gz files or `-` for stdin.
    Decode(DecodeArgs),
    /// Serve the web page and the JSON API over HTTP.
    Serve(ServeArgs),
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

/// Output formats of `decode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text, grouped per message.
    Text,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// Arguments of `decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Files, directories, mbox or .gz files; `-` reads one message or mbox from standard input.
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<PathBuf>,
    /// Output format (default: text on a terminal, jsonl when piped).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Threads to decode on (default: all cores); with 1, reading, decoding
    /// and writing all run on one thread.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also report messages that are not bounces (`is_bounce: false`).
    #[arg(long)]
    pub all: bool,
    /// Largest message accepted, in bytes.
    #[arg(long, default_value_t = bouncewhy::Limits::default().max_message_bytes)]
    pub max_message_bytes: usize,
    /// Largest decompressed size of one .gz input, in bytes.
    #[arg(long, default_value_t = bouncewhy::Limits::default().max_decompressed_bytes)]
    pub max_decompressed_bytes: u64,
    /// Most MIME parts in one message.
    #[arg(long, default_value_t = bouncewhy::Limits::default().max_parts)]
    pub max_parts: usize,
    /// Deepest MIME nesting in one message.
    #[arg(long, default_value_t = bouncewhy::Limits::default().max_depth)]
    pub max_depth: usize,
    /// Most header fields in one message's header section.
    #[arg(long, default_value_t = bouncewhy::Limits::default().max_headers)]
    pub max_headers: usize,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (loopback by default; use 0.0.0.0:PORT to accept others).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Largest request body accepted, in bytes (larger requests get 413).
    #[arg(long, default_value_t = 10 << 20)]
    pub max_body_bytes: usize,
    /// Longest time one request may take, in seconds (then 408).
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// Longest time a client may take to send a request's headers, in seconds (then the connection is closed).
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Most requests the engine works on at once (reading bodies does not count); others wait.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
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
