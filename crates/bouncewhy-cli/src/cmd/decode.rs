//! `bouncewhy decode`: many messages in, one record per recipient out, in input
//! order. With one thread, everything runs on the calling thread; with more,
//! a reader thread, the worker pool and the writer overlap.

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

/// The outcome for one message, its records already rendered in the output
/// format (so that the workers, not the writer, pay for formatting).
enum Outcome {
    /// A bounce: one rendered record per recipient.
    Bounce(Vec<Vec<u8>>),
    /// Not a bounce; the rendered `is_bounce: false` record when `--all` asks for it.
    NotBounce(Option<Vec<u8>>),
    /// The message could not be read or decoded.
    Failed(String),
}

/// What every message is decoded and rendered with.
struct Job<'a> {
    engine: &'a Engine,
    lang: &'a str,
    printer: Printer,
    all: bool,
}

/// Runs `decode`.
pub fn run(global: &GlobalArgs, args: &DecodeArgs) -> Result<ExitCode, CliError> {
    let threads = match args.threads {
        Some(threads) if threads > 0 => threads,
        _ => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
    };
    std::thread::scope(|scope| {
        // With several threads the reader starts first: it lists and reads
        // the first batches while the engine is being built.
        let batches = (threads > 1).then(|| {
            let (sender, batches) = std::sync::mpsc::sync_channel::<Vec<Source>>(2);
            scope.spawn(move || read_batches(args, &sender));
            batches
        });
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
        let color = format == Format::Text
            && stdout.is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        let job = Job {
            engine: &engine,
            lang: lang.as_str(),
            printer: Printer { format, color },
            all: args.all,
        };
        let mut writer = Writer {
            out: std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
            format,
            first_json: true,
            counts: Counts::default(),
        };
        writer.start()?;
        match batches {
            None => decode_in_order(args, &job, &mut writer)?,
            Some(batches) => decode_in_parallel(&batches, threads, &job, &mut writer)?,
        }
        writer.finish()?;
        let counts = &writer.counts;
        eprintln!(
            "bouncewhy: {} messages: {} bounces ({} recipients), {} not bounces, {} failed",
            counts.messages, counts.bounces, counts.recipients, counts.not_bounces, counts.failed
        );
        Ok(if counts.failed > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}

/// Reads the input in batches of [`BATCH`] messages, until the input ends or
/// the receiving side is gone.
fn read_batches(args: &DecodeArgs, sender: &std::sync::mpsc::SyncSender<Vec<Source>>) {
    let mut sources = sources(args);
    loop {
        let batch: Vec<Source> = sources.by_ref().take(BATCH).collect();
        if batch.is_empty() || sender.send(batch).is_err() {
            break;
        }
    }
}

/// Every message behind the command line's paths, in input order, read lazily.
fn sources(args: &DecodeArgs) -> impl Iterator<Item = Source> + Send + '_ {
    inputs::files(&args.paths)
        .into_iter()
        .flat_map(|file| file_sources(args, file))
}

/// The messages of one listed file (or the error that listing it gave).
fn file_sources(
    args: &DecodeArgs,
    file: Result<inputs::InputFile, String>,
) -> Box<dyn Iterator<Item = Source> + Send> {
    match file {
        Ok(file) => inputs::messages(
            &file.path,
            args.max_message_bytes,
            args.max_decompressed_bytes,
        ),
        Err(error) => Box::new(std::iter::once(Source {
            name: String::new(),
            bytes: Err(error),
        })),
    }
}

/// Decodes on this thread alone, one message after another. Before a file
/// that may wait for its writer (a FIFO, a pipe, standard input) the output
/// so far is flushed, and from such a file each record goes out as it is made.
fn decode_in_order(
    args: &DecodeArgs,
    job: &Job<'_>,
    writer: &mut Writer<impl Write>,
) -> Result<(), CliError> {
    for file in inputs::files(&args.paths) {
        let may_wait = file.as_ref().is_ok_and(|file| !file.regular);
        if may_wait {
            writer.out.flush()?;
        }
        for source in file_sources(args, file) {
            let outcome = job.decode(&source);
            writer.write(&source, outcome)?;
            if may_wait {
                writer.out.flush()?;
            }
        }
    }
    Ok(())
}

/// Decodes the reader's batches on `threads` workers: the pool decodes and
/// renders one batch while this thread writes the one before it, in input order.
fn decode_in_parallel(
    batches: &Receiver<Vec<Source>>,
    threads: usize,
    job: &Job<'_>,
    writer: &mut Writer<impl Write>,
) -> Result<(), CliError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::new(format!("cannot start worker threads: {e}")))?;
    pool.in_place_scope(|decoding| -> Result<(), CliError> {
        type Decoded = (Vec<Source>, Vec<Outcome>);
        let mut in_flight: VecDeque<Receiver<Decoded>> = VecDeque::new();
        let mut write = |(batch, outcomes): Decoded| -> Result<(), CliError> {
            for (source, outcome) in batch.iter().zip(outcomes) {
                writer.write(source, outcome)?;
            }
            writer.out.flush()?;
            Ok(())
        };
        let stopped = || CliError::new("a decoding worker stopped");
        loop {
            // Wait briefly for the next batch, so that a finished one is
            // written (and flushed) even while the reader is blocked.
            match batches.recv_timeout(Duration::from_millis(20)) {
                Ok(batch) => {
                    let (done, decoded) = std::sync::mpsc::channel();
                    decoding.spawn(move |_| {
                        let outcomes: Vec<Outcome> =
                            batch.par_iter().map(|source| job.decode(source)).collect();
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
}

impl Job<'_> {
    /// Decodes one message and renders its records; a panic becomes a failure
    /// of this message alone.
    fn decode(&self, source: &Source) -> Outcome {
        let bytes = match &source.bytes {
            Ok(bytes) => bytes,
            Err(error) => return Outcome::Failed(error.clone()),
        };
        let rendered = std::panic::catch_unwind(|| -> Result<Outcome, String> {
            let mut diagnoses = self
                .engine
                .decode(bytes, self.lang)
                .map_err(|error| error.to_string())?;
            if diagnoses.is_empty() {
                if !self.all {
                    return Ok(Outcome::NotBounce(None));
                }
                let record = not_a_bounce(&source.name, self.engine, self.lang);
                return self.render(&record).map(|r| Outcome::NotBounce(Some(r)));
            }
            let mut records = Vec::with_capacity(diagnoses.len());
            for diagnosis in &mut diagnoses {
                diagnosis.source = Some(source.name.clone());
                records.push(self.render(diagnosis)?);
            }
            Ok(Outcome::Bounce(records))
        });
        match rendered {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(error)) => Outcome::Failed(error),
            Err(_) => Outcome::Failed(
                "internal error while decoding this message (please report it)".into(),
            ),
        }
    }

    fn render(&self, diagnosis: &Diagnosis) -> Result<Vec<u8>, String> {
        let mut record = Vec::with_capacity(2048);
        self.printer
            .write(&mut record, diagnosis, self.engine.knowledge())
            .map_err(|error| format!("cannot render the result: {error}"))?;
        Ok(record)
    }
}

/// Writes rendered records in input order and counts the outcomes.
struct Writer<W: Write> {
    out: W,
    format: Format,
    first_json: bool,
    counts: Counts,
}

impl<W: Write> Writer<W> {
    fn start(&mut self) -> std::io::Result<()> {
        match self.format {
            Format::Json => self.out.write_all(b"["),
            Format::Csv => output::csv::write_header(&mut self.out),
            _ => Ok(()),
        }
    }

    fn write(&mut self, source: &Source, outcome: Outcome) -> Result<(), CliError> {
        self.counts.messages += 1;
        match outcome {
            Outcome::Failed(error) => {
                self.counts.failed += 1;
                self.out.flush()?;
                if source.name.is_empty() {
                    eprintln!("bouncewhy: {error}");
                } else {
                    eprintln!("bouncewhy: {}: {error}", source.name);
                }
            }
            Outcome::NotBounce(record) => {
                self.counts.not_bounces += 1;
                if let Some(record) = record {
                    self.record(&record)?;
                }
            }
            Outcome::Bounce(records) => {
                self.counts.bounces += 1;
                self.counts.recipients += records.len();
                for record in &records {
                    self.record(record)?;
                }
            }
        }
        Ok(())
    }

    fn record(&mut self, record: &[u8]) -> std::io::Result<()> {
        if self.format == Format::Json {
            if !self.first_json {
                self.out.write_all(b",")?;
            }
            self.first_json = false;
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(record)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }
}

#[derive(Default)]
struct Counts {
    messages: usize,
    bounces: usize,
    recipients: usize,
    not_bounces: usize,
    failed: usize,
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

/// Renders one record in the output format.
struct Printer {
    format: Format,
    color: bool,
}

impl Printer {
    fn write(
        &self,
        out: &mut impl Write,
        d: &Diagnosis,
        knowledge: &bouncewhy::knowledge::Knowledge,
    ) -> std::io::Result<()> {
        match self.format {
            Format::Jsonl => output::json::write_line(out, d),
            Format::Json => Ok(serde_json::to_writer(&mut *out, d)?),
            Format::Csv => output::csv::write_row(out, d),
            Format::Text => {
                if let Some(source) = &d.source {
                    writeln!(out, "== {source}")?;
                }
                output::text::write(out, d, knowledge, self.color)
            }
        }
    }
}
