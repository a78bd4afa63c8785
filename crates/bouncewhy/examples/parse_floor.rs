//! The parse-only floor for `bench/run.sh`: reads every message of the given
//! files, directories or mbox files and MIME-parses it with `mail-parser`
//! (the crate `bouncewhy` decodes with), on one thread, without classifying
//! anything. Prints the number of messages and parts to standard error.

use bouncewhy::container::{looks_like_mbox, MboxReader};
use mail_parser::MessageParser;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The same allocator as the `bouncewhy` binary, so that the floor and the
/// decoder are compared like for like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_floor PATH...");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for path in &paths {
        if let Err(error) = collect_files(path, &mut files) {
            eprintln!("parse_floor: {}: {error}", path.display());
            return ExitCode::from(1);
        }
    }
    let parser = MessageParser::default();
    let (mut messages, mut parts) = (0usize, 0usize);
    let mut parse = |raw: &[u8]| {
        messages += 1;
        parts += parser.parse(raw).map_or(0, |message| message.parts.len());
    };
    for file in &files {
        let result = (|| -> std::io::Result<()> {
            let mut start = [0u8; 5];
            let read = std::io::Read::read(&mut std::fs::File::open(file)?, &mut start)?;
            if looks_like_mbox(&start[..read]) {
                let reader = BufReader::with_capacity(1 << 16, std::fs::File::open(file)?);
                for message in MboxReader::new(reader, usize::MAX / 4).flatten() {
                    parse(&message);
                }
            } else {
                parse(&std::fs::read(file)?);
            }
            Ok(())
        })();
        if let Err(error) = result {
            eprintln!("parse_floor: {}: {error}", file.display());
            return ExitCode::from(1);
        }
    }
    eprintln!("parse_floor: {messages} messages, {parts} parts");
    ExitCode::SUCCESS
}

/// The files under `path`, directories walked recursively in name order.
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        collect_files(&entry, out)?;
    }
    Ok(())
}
