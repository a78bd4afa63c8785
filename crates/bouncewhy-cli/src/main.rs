//! The `bouncewhy` command: parse arguments, resolve them, run, exit.
//!
//! Exit status: 0 success; 1 some input could not be read or decoded (the rest
//! was processed); 2 usage error, invalid pack, or no usable input.

mod args;
mod cmd;
mod inputs;
mod output;

use args::{Cli, Command, PackCommand};
use clap::Parser;
use std::process::ExitCode;

/// mimalloc: decoding allocates many small, short-lived strings, where it
/// is markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Explain(args) => cmd::explain::run(&cli.global, args),
        Command::Decode(args) => cmd::decode::run(&cli.global, args),
        Command::Serve(args) => cmd::serve::run(&cli.global, args),
        Command::Pack {
            command: PackCommand::Check { files },
        } => cmd::pack::check(files),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            if error.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            eprintln!("bouncewhy: {error}");
            ExitCode::from(2)
        }
    }
}
