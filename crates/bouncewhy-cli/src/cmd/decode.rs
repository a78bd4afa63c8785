//! `bouncewhy decode`: many messages in, one record per recipient out, in input
//! order, decoded on all cores.

use super::{engine, language, CliError};
use crate::args::{DecodeArgs, Format, GlobalArgs};
use crate::inputs::{self, Source};
use crate::output;
use bouncewhy::{Diagnosis, Engine, Explanation};
use rayon::prelude::*;
use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

/// Messages decoded together; output is written after each batch, in order.
const BATCH: usize = 256;

/// The outcome for one message.
enum Outcome {
    Decoded(Vec<Diagnosis>),
    Failed(String),
}

/// Runs `decode`.
pub fn run(global: &GlobalArgs, args: &DecodeArgs) -> Result<ExitCode, CliError> {
    let limits = bouncewhy::Limits {
        max_message_bytes: args.max_message_bytes,
        max_decompressed_bytes: args.max_decompressed_bytes,
        max_parts: args.max_parts,
        max_depth: args.max_depth,
        max_headers: args.max_headers,
        ..bouncewhy::Limits::default()
    };
    let engine = engine(global)?.with_limits(limits);
    let lang = language(global, &engine);
    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() {
        Format::Text
    } else {
        Format::Jsonl
    });
    let color =
        format == Format::Text && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::new(format!("cannot start worker threads: {e}")))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut counts = Counts::default();
    let mut printer = Printer {
        format,
        color,
        first_json: true,
    };
    printer.start(&mut out)?;

    // Three stages overlap: a reader thread splits the input into batches,
    // the pool decodes one batch while this thread writes the one before it,
    // in input order.
    let (batch_sender, batches) = std::sync::mpsc::sync_channel::<Vec<Source>>(2);
    std::thread::scope(|threads| -> Result<(), CliError> {
        threads.spawn(move || {
            let mut sources = inputs::files(&args.paths).into_iter().flat_map(
                |file| -> Box<dyn Iterator<Item = Source> + Send> {
                    match file {
                        Ok(path) => inputs::messages(
                            &path,
                            args.max_message_bytes,
                            args.max_decompressed_bytes,
                        ),
                        Err(error) => Box::new(std::iter::once(Source {
                            name: String::new(),
                            bytes: Err(error),
                        })),
                    }
                },
            );
            loop {
                let batch: Vec<Source> = sources.by_ref().take(BATCH).collect();
                if batch.is_empty() || batch_sender.send(batch).is_err() {
                    break;
                }
            }
        });
        let engine = &engine;
        let lang = lang.as_str();
        pool.in_place_scope(|decoding| -> Result<(), CliError> {
            type Decoded = (Vec<Source>, Vec<Outcome>);
            let mut in_flight: VecDeque<Receiver<Decoded>> = VecDeque::new();
            let mut write = |(batch, outcomes): Decoded| {
                write_batch(
                    &batch,
                    outcomes,
                    &mut out,
                    &mut printer,
                    &mut counts,
                    args.all,
                    engine,
                    lang,
                )
            };
            let stopped = || CliError::new("a decoding worker stopped");
            loop {
                // Wait briefly for the next batch, so that a finished one is
                // written (and flushed) even while the reader is blocked.
                match batches.recv_timeout(Duration::from_millis(20)) {
                    Ok(batch) => {
                        let (done, decoded) = std::sync::mpsc::channel();
                        decoding.spawn(move |_| {
                            let outcomes: Vec<Outcome> = batch
                                .par_iter()
                                .map(|source| decode_one(engine, source, lang))
                                .collect();
                            let _ = done.send((batch, outcomes));
                        });
                        in_flight.push_back(decoded);
                        while in_flight.len() > 1 {
                            let front = in_flight.pop_front().ok_or_else(stopped)?;
                            write(front.recv().map_err(|_| stopped())?)?;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        let ready = match in_flight.front().map(Receiver::try_recv) {
                            Some(Ok(decoded)) => Some(decoded),
                            Some(Err(TryRecvError::Disconnected)) => return Err(stopped()),
                            Some(Err(TryRecvError::Empty)) | None => None,
                        };
                        if let Some(decoded) = ready {
                            in_flight.pop_front();
                            write(decoded)?;
                        }
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            while let Some(front) = in_flight.pop_front() {
                write(front.recv().map_err(|_| stopped())?)?;
            }
            Ok(())
        })
    })?;
    printer.finish(&mut out)?;
    out.flush()?;
    eprintln!(
        "bouncewhy: {} messages: {} bounces ({} recipients), {} not bounces, {} failed",
        counts.messages, counts.bounces, counts.recipients, counts.not_bounces, counts.failed
    );
    Ok(if counts.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes one decoded batch in input order and counts it.
#[allow(clippy::too_many_arguments)]
fn write_batch(
    batch: &[Source],
    outcomes: Vec<Outcome>,
    out: &mut impl Write,
    printer: &mut Printer,
    counts: &mut Counts,
    all: bool,
    engine: &Engine,
    lang: &str,
) -> Result<(), CliError> {
    for (source, outcome) in batch.iter().zip(outcomes) {
        counts.messages += 1;
        match outcome {
            Outcome::Failed(error) => {
                counts.failed += 1;
                out.flush()?;
                if source.name.is_empty() {
                    eprintln!("bouncewhy: {error}");
                } else {
                    eprintln!("bouncewhy: {}: {error}", source.name);
                }
            }
            Outcome::Decoded(diagnoses) if diagnoses.is_empty() => {
                counts.not_bounces += 1;
                if all {
                    printer.write(
                        out,
                        &not_a_bounce(&source.name, engine, lang),
                        engine.knowledge(),
                    )?;
                }
            }
            Outcome::Decoded(diagnoses) => {
                counts.bounces += 1;
                counts.recipients += diagnoses.len();
                for diagnosis in &diagnoses {
                    printer.write(out, diagnosis, engine.knowledge())?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

#[derive(Default)]
struct Counts {
    messages: usize,
    bounces: usize,
    recipients: usize,
    not_bounces: usize,
    failed: usize,
}

fn decode_one(engine: &Engine, source: &Source, lang: &str) -> Outcome {
    let bytes = match &source.bytes {
        Ok(bytes) => bytes,
        Err(error) => return Outcome::Failed(error.clone()),
    };
    match std::panic::catch_unwind(|| engine.decode(bytes, lang)) {
        Ok(Ok(mut diagnoses)) => {
            for diagnosis in &mut diagnoses {
                diagnosis.source = Some(source.name.clone());
            }
            Outcome::Decoded(diagnoses)
        }
        Ok(Err(error)) => Outcome::Failed(error.to_string()),
        Err(_) => {
            Outcome::Failed("internal error while decoding this message (please report it)".into())
        }
    }
}

fn not_a_bounce(source: &str, engine: &Engine, lang: &str) -> Diagnosis {
    let mut diagnosis = engine.diagnose(&bouncewhy::Report::default(), lang);
    diagnosis.source = Some(source.to_string());
    diagnosis.is_bounce = false;
    diagnosis.evidence = None;
    diagnosis.explanation = Explanation {
        lang: diagnosis.explanation.lang.clone(),
        summary: engine.knowledge().label(lang, "not_a_bounce").to_string(),
        ..Explanation::default()
    };
    diagnosis
}

struct Printer {
    format: Format,
    color: bool,
    first_json: bool,
}

impl Printer {
    fn start(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        match self.format {
            Format::Json => out.write_all(b"["),
            Format::Csv => output::csv::write_header(out),
            _ => Ok(()),
        }
    }

    fn write(
        &mut self,
        out: &mut impl Write,
        d: &Diagnosis,
        knowledge: &bouncewhy::knowledge::Knowledge,
    ) -> std::io::Result<()> {
        match self.format {
            Format::Jsonl => output::json::write_line(out, d),
            Format::Json => {
                if !self.first_json {
                    out.write_all(b",")?;
                }
                self.first_json = false;
                out.write_all(b"\n")?;
                serde_json::to_writer(&mut *out, d)?;
                Ok(())
            }
            Format::Csv => output::csv::write_row(out, d),
            Format::Text => {
                if let Some(source) = &d.source {
                    writeln!(out, "== {source}")?;
                }
                output::text::write(out, d, knowledge, self.color)
            }
        }
    }

    fn finish(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        match self.format {
            Format::Json => out.write_all(b"\n]\n"),
            _ => Ok(()),
        }
    }
}
