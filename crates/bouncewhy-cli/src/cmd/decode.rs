//! `bouncewhy decode`: many messages in, one record per recipient out, in input
//! order. With one thread, everything runs on the calling thread; with more,
//! each worker reads, decodes and renders a chunk of messages, and whichever
//! worker completes the oldest pending chunk writes the chunks that are due.

use super::{engine, language, CliError};
use crate::args::{DecodeArgs, Format, GlobalArgs};
use crate::inputs::{self, Source};
use crate::output;
use bouncewhy::{Diagnosis, Engine, Explanation};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// Messages a worker takes from the input at a time.
const CHUNK: usize = 64;

/// Chunks taken but not yet written, at most.
const CHUNKS_AHEAD: usize = 8;

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
    let job = Job {
        engine: &engine,
        lang: lang.as_str(),
        printer: Printer { format, color },
        all: args.all,
    };
    let mut writer = Writer {
        out: std::io::BufWriter::with_capacity(1 << 16, stdout),
        format,
        first_json: true,
        counts: Counts::default(),
    };
    writer.start()?;
    if threads > 1 {
        decode_in_parallel(args, threads, &job, &mut writer)?;
    } else {
        decode_in_order(args, &job, &mut writer)?;
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
            writer.write(&source.name, outcome)?;
            if may_wait {
                writer.out.flush()?;
            }
        }
    }
    Ok(())
}

/// Decodes on `threads` workers (this thread is one of them), in input order.
/// A worker takes the next [`CHUNK`] messages from the shared input, reading
/// them itself so that it decodes bytes still in its own cache; once they are
/// decoded and rendered, it writes them if every chunk before is written, and
/// otherwise leaves them for the worker that writes the chunk before. A worker
/// takes no chunk more than [`CHUNKS_AHEAD`] chunks past the next one to
/// write, which bounds memory however long the input is.
fn decode_in_parallel<W: Write + Send>(
    args: &DecodeArgs,
    threads: usize,
    job: &Job<'_>,
    writer: &mut Writer<W>,
) -> Result<(), CliError> {
    let shared = Shared {
        input: Mutex::new(Box::new(sources(args))),
        taken: AtomicUsize::new(0),
        output: Mutex::new(Output {
            writer,
            written: 0,
            waiting: BTreeMap::new(),
            error: None,
        }),
        progress: Condvar::new(),
        stop: AtomicBool::new(false),
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| shared.work(job));
        }
        shared.work(job);
    });
    // A worker's panic goes on from the scope, so here no lock is poisoned,
    // and the workers stopped early only for a writing error.
    let output = shared
        .output
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    output.error.map_or(Ok(()), Err)
}

/// What the workers of [`decode_in_parallel`] share.
struct Shared<'a, 'w, W: Write> {
    /// The messages not yet taken.
    input: Mutex<Box<dyn Iterator<Item = Source> + Send + 'a>>,
    /// Chunks taken so far (counted under the `input` lock, so that the
    /// indexes follow the input order).
    taken: AtomicUsize,
    output: Mutex<Output<'w, W>>,
    /// Signalled whenever chunks are written or the workers must stop.
    progress: Condvar,
    /// Set when writing failed or a worker panicked: the others stop too.
    stop: AtomicBool,
}

/// Decoded chunks waiting for their turn, and the writer they go to.
struct Output<'w, W: Write> {
    writer: &'w mut Writer<W>,
    /// Chunks written so far: the next one to write has this index.
    written: usize,
    waiting: BTreeMap<usize, Vec<(String, Outcome)>>,
    error: Option<CliError>,
}

impl<W: Write> Shared<'_, '_, W> {
    /// One worker: takes, decodes and writes chunks until the input ends or
    /// the workers must stop.
    fn work(&self, job: &Job<'_>) {
        let _stop_on_panic = StopOnPanic(self);
        while let Some((index, chunk)) = self.take() {
            // The message bytes are freed here, by the thread that read them;
            // only the names wait with the records.
            let decoded: Vec<(String, Outcome)> = chunk
                .into_iter()
                .map(|source| {
                    let outcome = job.decode(&source);
                    (source.name, outcome)
                })
                .collect();
            self.put(index, decoded);
        }
    }

    /// The next chunk and its index, once it is no more than
    /// [`CHUNKS_AHEAD`] chunks ahead of the writing.
    /// No lock is held while waiting for another: a worker reading a slow
    /// input (a FIFO, say) never keeps the others from writing.
    fn take(&self) -> Option<(usize, Vec<Source>)> {
        let mut output = self.output.lock().ok()?;
        while self.taken.load(Ordering::Relaxed) >= output.written + CHUNKS_AHEAD
            && !self.stop.load(Ordering::Relaxed)
        {
            output = self.progress.wait(output).ok()?;
        }
        drop(output);
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        let mut input = self.input.lock().ok()?;
        let chunk: Vec<Source> = input.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return None;
        }
        Some((self.taken.fetch_add(1, Ordering::Relaxed), chunk))
    }

    /// Hands in a decoded chunk, and writes every chunk whose turn has come.
    fn put(&self, index: usize, decoded: Vec<(String, Outcome)>) {
        let Ok(mut output) = self.output.lock() else {
            return;
        };
        output.waiting.insert(index, decoded);
        let first = output.written;
        loop {
            let next = output.written;
            let Some(decoded) = output.waiting.remove(&next) else {
                break;
            };
            output.written += 1;
            if output.error.is_none() {
                output.error = output.write(decoded).err();
            }
        }
        if output.written > first {
            if output.error.is_none() {
                output.error = output.writer.out.flush().err().map(CliError::from);
            }
            if output.error.is_some() {
                self.stop.store(true, Ordering::Relaxed);
            }
            self.progress.notify_all();
        }
    }
}

impl<W: Write> Output<'_, W> {
    fn write(&mut self, decoded: Vec<(String, Outcome)>) -> Result<(), CliError> {
        for (name, outcome) in decoded {
            self.writer.write(&name, outcome)?;
        }
        Ok(())
    }
}

/// Stops the other workers when a worker unwinds, so that none waits for a
/// chunk that will never come.
struct StopOnPanic<'s, 'a, 'w, W: Write>(&'s Shared<'a, 'w, W>);

impl<W: Write> Drop for StopOnPanic<'_, '_, '_, W> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Under the lock, so that no worker is between its check and its wait.
            let _output = self.0.output.lock();
            self.0.stop.store(true, Ordering::Relaxed);
            self.0.progress.notify_all();
        }
    }
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

    fn write(&mut self, name: &str, outcome: Outcome) -> Result<(), CliError> {
        self.counts.messages += 1;
        match outcome {
            Outcome::Failed(error) => {
                self.counts.failed += 1;
                self.out.flush()?;
                if name.is_empty() {
                    eprintln!("bouncewhy: {error}");
                } else {
                    eprintln!("bouncewhy: {name}: {error}");
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
        summary: Arc::from(engine.knowledge().label(lang, "not_a_bounce")),
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
