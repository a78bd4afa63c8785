//! Expands command-line paths into a stream of messages: single files,
//! directories (recursively; Maildir `cur/` and `new/` included), mbox files,
//! gzip-compressed files and standard input. Reading stays lazy and bounded.

use bouncewhy::container::{looks_like_mbox, Item, MboxReader};
use flate2::read::MultiGzDecoder;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Files up to this size are read in one call; bigger ones are streamed.
const WHOLE_FILE_BYTES: usize = 1 << 20;

/// One message to decode: where it came from and its bytes (or why they could not be read).
pub struct Source {
    /// `path`, `path#N` for the Nth message of an mbox, or `-` for stdin.
    pub name: String,
    /// The raw message, or an error message.
    pub bytes: Item,
}

/// One file to read messages from.
pub struct InputFile {
    /// The path (`-` for standard input).
    pub path: PathBuf,
    /// A regular file: reading it never waits for a writer (a pipe, a FIFO or
    /// a terminal may).
    pub regular: bool,
}

/// Lists the files behind `paths`, in a deterministic order: directories are
/// walked recursively in name order; symlink loops are visited once.
pub fn files(paths: &[PathBuf]) -> Vec<Result<InputFile, String>> {
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    for path in paths {
        walk(path, &mut visited, &mut out);
    }
    out
}

fn walk(path: &Path, visited: &mut HashSet<PathBuf>, out: &mut Vec<Result<InputFile, String>>) {
    if path == Path::new("-") {
        out.push(Ok(InputFile {
            path: path.to_path_buf(),
            regular: false,
        }));
        return;
    }
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => {
            out.push(Err(format!("{}: {error}", path.display())));
            return;
        }
    };
    if !metadata.is_dir() {
        out.push(Ok(InputFile {
            path: path.to_path_buf(),
            regular: metadata.is_file(),
        }));
        return;
    }
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if !visited.insert(canonical) {
        return;
    }
    let mut entries: Vec<(std::ffi::OsString, PathBuf, bool)> = match std::fs::read_dir(path) {
        Ok(entries) => entries
            .filter_map(|e| {
                let e = e.ok()?;
                let is_file = e.file_type().is_ok_and(|t| t.is_file());
                Some((e.file_name(), e.path(), is_file))
            })
            .collect(),
        Err(error) => {
            out.push(Err(format!("{}: {error}", path.display())));
            return;
        }
    };
    // Entries share their parent: ordering by name is ordering by path, and
    // each name is taken once from its entry, not parsed back out of the path
    // at every comparison.
    entries.sort_unstable_by(|(a, _, _), (b, _, _)| a.cmp(b));
    for (name, entry, is_file) in entries {
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        // A plain file needs no second look; directories and links are walked.
        if is_file {
            out.push(Ok(InputFile {
                path: entry,
                regular: true,
            }));
        } else {
            walk(&entry, visited, out);
        }
    }
}

/// Opens one file (or stdin) and yields its messages; a gzip file is
/// decompressed up to `max_decompressed` bytes.
pub fn messages(
    path: &Path,
    max_message: usize,
    max_decompressed: u64,
) -> Box<dyn Iterator<Item = Source> + Send> {
    let name = path.display().to_string();
    let reader: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(error) => return single(name, Err(error.to_string())),
        };
        // The common case, one message per file, is read whole in one go;
        // bigger files (mbox, gzip) stream through a buffer.
        let size = file.metadata().map_or(u64::MAX, |m| m.len());
        if size > WHOLE_FILE_BYTES.min(max_message) as u64 {
            Box::new(file)
        } else {
            let mut bytes = Vec::with_capacity(size as usize + 1);
            // A regular file is read up to the size it had when opened, with no
            // further read to see its end (one system call less per message);
            // a size of 0 may be a special file, which is read to its end.
            let read = if size > 0 {
                (&mut file).take(size).read_to_end(&mut bytes)
            } else {
                file.read_to_end(&mut bytes)
            };
            if let Err(error) = read {
                return single(name, Err(error.to_string()));
            }
            if bytes.len() <= max_message
                && !bytes.starts_with(&[0x1f, 0x8b])
                && !looks_like_mbox(&bytes)
            {
                return single(name, Ok(bytes));
            }
            Box::new(std::io::Cursor::new(bytes))
        }
    };
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    let is_gzip = buffered
        .fill_buf()
        .map(|b| b.starts_with(&[0x1f, 0x8b]))
        .unwrap_or(false);
    let mut buffered: Box<dyn BufRead + Send> = if is_gzip {
        Box::new(BufReader::new(LimitedRead {
            inner: MultiGzDecoder::new(buffered),
            left: max_decompressed,
            limit: max_decompressed,
        }))
    } else {
        Box::new(buffered)
    };
    let is_mbox = match buffered.fill_buf() {
        Ok(start) => looks_like_mbox(start),
        Err(error) => return single(name, Err(error.to_string())),
    };
    if is_mbox {
        return Box::new(MboxReader::new(buffered, max_message).enumerate().map(
            move |(index, bytes)| Source {
                name: format!("{name}#{}", index + 1),
                bytes,
            },
        ));
    }
    let mut bytes = Vec::new();
    let result = buffered
        .take(max_message as u64 + 1)
        .read_to_end(&mut bytes);
    let bytes = match result {
        Err(error) => Err(error.to_string()),
        Ok(_) if bytes.len() > max_message => {
            Err(format!("message is over the limit of {max_message} bytes"))
        }
        Ok(_) => Ok(bytes),
    };
    single(name, bytes)
}

fn single(name: String, bytes: Item) -> Box<dyn Iterator<Item = Source> + Send> {
    Box::new(std::iter::once(Source { name, bytes }))
}

/// A reader that fails once more than `limit` bytes come out: stops gzip bombs.
struct LimitedRead<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for LimitedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        if read as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "decompressed data is over the limit of {} bytes",
                self.limit
            )));
        }
        self.left -= read as u64;
        Ok(read)
    }
}
