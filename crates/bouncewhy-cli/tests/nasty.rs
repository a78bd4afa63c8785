//! Hostile and broken input through the real `bouncewhy` binary, generated
//! here (no committed blobs). Every case must end with a clear per-message
//! error or a best-effort answer, never a crash, within a time bound and under
//! a hard memory cap (`ulimit -v`); the peak resident memory is measured too.
//!
//! What is an error and what is a best-effort answer:
//! - errors (exit 1, one stderr line naming the source): unreadable or empty
//!   input, input that does not start with a header field (not an email), and
//!   anything over a limit (message size, header fields, MIME parts, nesting,
//!   dangling boundaries, decompressed size);
//! - best effort (answer, exit 0): invalid UTF-8, NUL bytes, bad base64, lying
//!   or unknown Content-Types and charsets, long lines and long headers (cut).

use flate2::write::GzEncoder;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generous: CI runs on a loaded two-core machine.
const TIME_BOUND: Duration = Duration::from_secs(20);
/// Hard address-space cap for the child, in KiB.
const ADDRESS_SPACE_KIB: u64 = 3 << 20;
/// Bound on the measured peak resident memory, in KiB.
const PEAK_RSS_KIB: u64 = 512 << 10;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: u64,
}

/// Runs the binary under the memory cap, feeding `stdin`, and measures it.
fn run(name: &str, args: &[&str], stdin: Vec<u8>) -> Run {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_bouncewhy"))
        .args(args)
        .env_remove("BOUNCEWHY_LANG")
        .env("LANG", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bouncewhy runs");
    let mut input = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        // The binary may stop reading early (over a limit): a broken pipe is fine.
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        text
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_rss_kib = peak_rss_kib.max(kib);
            }
        }
        if started.elapsed() > TIME_BOUND * 3 {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    writer.join().expect("writer");
    let stdout = String::from_utf8_lossy(&out_reader.join().expect("stdout")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr")).into_owned();
    println!(
        "nasty: {name}: {:.2} s, {} MiB peak RSS, exit {:?}",
        elapsed.as_secs_f64(),
        peak_rss_kib / 1024,
        status.code()
    );
    let run = Run {
        code: status.code(),
        stdout,
        stderr,
        elapsed,
        peak_rss_kib,
    };
    assert!(
        run.code.is_some(),
        "{name}: killed by a signal (crash or memory cap); stderr:\n{}",
        tail(&run.stderr)
    );
    assert!(
        run.elapsed < TIME_BOUND,
        "{name}: took {:?}, over {TIME_BOUND:?}",
        run.elapsed
    );
    assert!(
        run.peak_rss_kib < PEAK_RSS_KIB,
        "{name}: peak RSS {} KiB",
        run.peak_rss_kib
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("internal error"),
        "{name}: a panic:\n{}",
        tail(&run.stderr)
    );
    run
}

fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(2000);
    let mut start = start;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

fn decode(name: &str, path: &Path) -> Run {
    run(
        name,
        &[
            "decode",
            "--format",
            "jsonl",
            "--threads",
            "2",
            path.to_str().expect("utf-8 path"),
        ],
        Vec::new(),
    )
}

/// Asserts one per-message error naming the file and saying why.
fn assert_error(run: &Run, path: &Path, why: &str) {
    assert_eq!(run.code, Some(1), "stderr:\n{}", tail(&run.stderr));
    assert!(run.stdout.is_empty(), "no answer expected: {}", run.stdout);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains(&*path.to_string_lossy()))
        .unwrap_or_else(|| panic!("no error line names {}:\n{}", path.display(), run.stderr));
    assert!(line.contains(why), "{line:?} does not say {why:?}");
    assert!(run.stderr.contains("1 failed"), "{}", run.stderr);
}

/// Asserts a best-effort answer for `recipient` with `status` and exit status 0.
fn assert_answer(run: &Run, recipient: &str, status: &str) {
    assert_eq!(run.code, Some(0), "stderr:\n{}", tail(&run.stderr));
    assert_record(run, recipient, status);
}

/// Asserts a record for `recipient` with `status` in the output.
fn assert_record(run: &Run, recipient: &str, status: &str) {
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(
        records
            .iter()
            .any(|r| r["recipient"] == recipient && r["status"] == status),
        "no record for {recipient} with {status}: {}",
        &run.stdout[..run.stdout.len().min(2000)]
    );
}

const HEAD: &str = "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n";

/// A DSN with `extra` headers on top and `readable` as its human-readable part.
fn dsn(extra: &[u8], readable: &[u8], recipient: &str, status: &str) -> Vec<u8> {
    let mut raw = HEAD.as_bytes().to_vec();
    raw.extend_from_slice(extra);
    raw.extend_from_slice(
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\n",
    );
    raw.extend_from_slice(readable);
    raw.extend_from_slice(
        format!(
            "\r\n--XX\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\nDiagnostic-Code: smtp; 550 {status} no such user\r\n\r\n--XX--\r\n"
        )
        .as_bytes(),
    );
    raw
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the case");
    path
}

#[test]
fn deep_multipart_nesting_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
    for level in 1..100_000 {
        raw.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n",
            level - 1
        ));
    }
    raw.push_str("--b99999\r\nContent-Type: text/plain\r\n\r\n550 5.1.1 user unknown\r\n");
    let path = write(dir.path(), "deep-multipart.eml", raw.as_bytes());
    assert_error(&decode("100,000 nested multiparts", &path), &path, "limit");
}

#[test]
fn deep_message_nesting_is_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (levels, name) in [(200_000, "deep-rfc822.eml"), (900, "rfc822-900.eml")] {
        let mut raw = format!("{HEAD}Content-Type: message/rfc822\r\n\r\n");
        raw.push_str(&"From: x@example.org\r\nContent-Type: message/rfc822\r\n\r\n".repeat(levels));
        raw.push_str("Subject: innermost\r\n\r\nbody\r\n");
        let path = write(dir.path(), name, raw.as_bytes());
        let run = decode(&format!("{levels} nested messages"), &path);
        assert_error(&run, &path, "limit");
    }
}

#[test]
fn nesting_hidden_in_base64_and_quoted_printable_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chain = format!(
        "{}Subject: innermost\r\n\r\nbody\r\n",
        "From: x@example.org\r\nContent-Type: message/rfc822\r\n\r\n".repeat(200_000)
    );
    let raw = format!(
        "{HEAD}Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        base64_lines(chain.as_bytes())
    );
    let path = write(dir.path(), "base64-chain.eml", raw.as_bytes());
    assert_error(
        &decode("200,000 nested messages in base64", &path),
        &path,
        "limit",
    );

    let raw = format!(
        "{HEAD}Content-Type: multipart/digest; boundary=\"D\"\r\n\r\n--D\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--D--\r\n",
        base64_lines(chain.as_bytes())
    );
    let path = write(dir.path(), "digest-chain.eml", raw.as_bytes());
    assert_error(
        &decode("200,000 nested messages in a digest part", &path),
        &path,
        "limit",
    );

    let disguised = format!(
        "{HEAD}{}Subject: innermost\r\n\r\nbody\r\n",
        "Content-Type: Message\t(a comment) / (another) rfc822\r\n\r\nFrom: x@example.org\r\n"
            .repeat(200_000)
    );
    let path = write(dir.path(), "disguised-chain.eml", disguised.as_bytes());
    assert_error(
        &decode("200,000 nested messages, type disguised", &path),
        &path,
        "limit",
    );

    let parts = format!(
        "Content-Type: multipart/mixed; boundary=3D\"B\"\r\n\r\n{}--B--\r\n",
        "--B=\r\n\r\n\r\nx\r\n".repeat(500_000)
    );
    let raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"T\"\r\n\r\n--T\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{parts}\r\n--T--\r\n"
    );
    let path = write(dir.path(), "qp-parts.eml", raw.as_bytes());
    assert_error(
        &decode("500,000 parts in quoted-printable", &path),
        &path,
        "MIME parts",
    );
}

fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 38);
    for line in bytes.chunks(57) {
        for group in line.chunks(3) {
            let mut buffer = [0u8; 3];
            buffer[..group.len()].copy_from_slice(group);
            let value = u32::from_be_bytes([0, buffer[0], buffer[1], buffer[2]]);
            for index in 0..4 {
                out.push(if index <= group.len() {
                    ALPHABET[(value >> (18 - 6 * index) & 63) as usize] as char
                } else {
                    '='
                });
            }
        }
        out.push_str("\r\n");
    }
    out
}

#[test]
fn a_million_tiny_parts_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw =
        format!("{HEAD}Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n").into_bytes();
    for _ in 0..1_000_000 {
        raw.extend_from_slice(b"--B\r\n\r\nx\r\n");
    }
    raw.extend_from_slice(b"--B--\r\n");
    let path = write(dir.path(), "million-parts.eml", &raw);
    assert_error(&decode("a million tiny parts", &path), &path, "MIME parts");
}

#[test]
fn boundaries_that_never_come_are_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n");
    for index in 0..900 {
        raw.push_str(&format!(
            "--B\r\nContent-Type: multipart/mixed; boundary=\"never{index}\"\r\n\r\n{}\r\n",
            "x".repeat(30_000)
        ));
    }
    raw.push_str("--B--\r\n");
    let path = write(dir.path(), "dangling.eml", raw.as_bytes());
    assert_error(
        &decode("900 dangling boundaries", &path),
        &path,
        "never follows",
    );
}

#[test]
fn a_200_mb_single_line_is_an_error_and_a_30_mb_line_is_answered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = format!("{HEAD}\r\n550 5.1.1 ").into_bytes();
    raw.resize(200 << 20, b'a');
    let path = write(dir.path(), "line-200mb.eml", &raw);
    assert_error(
        &decode("200 MB single line (decode)", &path),
        &path,
        "over the limit",
    );
    let explain = run("200 MB single line (explain)", &["explain", "-"], raw);
    assert_eq!(explain.code, Some(2));
    assert!(
        explain.stderr.contains("over the limit"),
        "{}",
        explain.stderr
    );

    let mut readable = b"<a@example.org>: host mx.example.org said: 550 5.1.1 ".to_vec();
    readable.resize(30 << 20, b'w');
    let raw = dsn(b"", &readable, "a@example.org", "5.1.1");
    let path = write(dir.path(), "line-30mb.eml", &raw);
    assert_answer(
        &decode("30 MB single line", &path),
        "a@example.org",
        "5.1.1",
    );
}

#[test]
fn huge_headers_are_cut_or_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let long_subject = format!("Subject: {}\r\n", "s".repeat(20 << 20));
    let raw = dsn(
        long_subject.as_bytes(),
        b"Delivery failed.",
        "a@example.org",
        "5.1.1",
    );
    let path = write(dir.path(), "long-header.eml", &raw);
    let run = decode("20 MB header", &path);
    assert_answer(&run, "a@example.org", "5.1.1");
    assert!(
        run.stdout.len() < 1 << 20,
        "the long header is cut in the output"
    );

    let received =
        "Received: from relay.example.net by mx.example.net; Thu, 1 Jan 2026 00:00:00 +0000\r\n";
    let raw = dsn(
        received.repeat(300_000).as_bytes(),
        b"x",
        "a@example.org",
        "5.1.1",
    );
    let path = write(dir.path(), "many-headers.eml", &raw);
    assert_error(
        &decode("300,000 Received headers", &path),
        &path,
        "header fields",
    );

    let mut raw =
        format!("{HEAD}Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n").into_bytes();
    raw.extend_from_slice(&b"a:b\r\n".repeat(6_000_000));
    raw.extend_from_slice(b"\r\nbody\r\n--B--\r\n");
    let path = write(dir.path(), "part-headers.eml", &raw);
    assert_error(
        &decode("6,000,000 header fields in a part", &path),
        &path,
        "header fields",
    );

    let raw = dsn(
        received.repeat(5_000).as_bytes(),
        b"x",
        "a@example.org",
        "5.1.1",
    );
    let path = write(dir.path(), "mail-loop.eml", &raw);
    assert_answer(
        &decode("5,000 Received headers (a mail loop)", &path),
        "a@example.org",
        "5.1.1",
    );
}

#[test]
fn invalid_utf8_and_nul_bytes_get_a_best_effort_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut readable =
        b"Delivery to <a@example.org> failed \xff\xfe\xc3\x28 \x00\x00\x01 ".to_vec();
    readable.extend((0..=255u8).cycle().take(100_000));
    let raw = dsn(
        b"X-Junk: \xff\x00\xfe\r\n",
        &readable,
        "a@example.org",
        "5.1.1",
    );
    let path = write(dir.path(), "bad-bytes.eml", &raw);
    assert_answer(
        &decode("invalid UTF-8 and NUL bytes", &path),
        "a@example.org",
        "5.1.1",
    );

    let garbage: Vec<u8> = lcg_bytes(7).take(1 << 20).collect();
    let path = write(dir.path(), "garbage.bin", &garbage);
    assert_error(
        &decode("1 MiB of random bytes", &path),
        &path,
        "not an email",
    );
}

#[test]
fn base64_garbage_and_content_type_lies_get_a_best_effort_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = format!(
        "{HEAD}Content-Type: multipart/report; boundary=\"XX\"\r\n\r\n\
         --XX\r\nContent-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         !!!!****=====not base64 at all ÿ\r\n{}\r\n\
         --XX\r\nContent-Type: image/png\r\n\r\n550 5.1.1 <b@example.org> this is not an image\r\n\
         --XX\r\nContent-Type: multipart/alternative\r\n\r\nno boundary was given\r\n\
         --XX\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         Reporting-MTA: dns; mx.example.net=\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n=ZZ=\r\n",
        "QUJD!@#$".repeat(10_000)
    );
    raw.push_str("--XX\r\nContent-Type: text/html\r\n\r\n<p>550 5.1.1 <script>alert(1)</script></p><<<<>>>>\r\n--XX--\r\n");
    let path = write(dir.path(), "lies.eml", raw.as_bytes());
    assert_answer(
        &decode("base64 garbage and Content-Type lies", &path),
        "a@example.org",
        "5.1.1",
    );
}

#[test]
fn an_mbox_with_broken_from_lines_and_quoted_from_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = String::from_utf8(dsn(
        b"",
        b"From the desk of the postmaster:\r\n>From here on it failed.",
        "a@example.org",
        "5.1.1",
    ))
    .expect("utf-8");
    let second = String::from_utf8(dsn(b"", b"second", "b@example.org", "5.2.2")).expect("utf-8");
    let quoted = first.replace("\r\nFrom the desk", "\r\n>From the desk");
    let mbox = format!(
        "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n{quoted}\nFrom \nFrom broken-separator-without-a-date\n\n{second}\n"
    );
    let path = write(dir.path(), "broken.mbox", mbox.as_bytes());
    let run = decode("mbox with broken From lines", &path);
    assert_answer(&run, "a@example.org", "5.1.1");
    assert_answer(&run, "b@example.org", "5.2.2");
}

#[test]
fn an_mbox_of_a_million_empty_messages_ends_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mbox = "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n\n".repeat(1_000_000);
    let path = write(dir.path(), "empty-messages.mbox", mbox.as_bytes());
    let run = decode("mbox of a million empty messages", &path);
    assert_eq!(run.code, Some(0), "{}", tail(&run.stderr));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("0 messages"), "{}", run.stderr);
}

#[test]
fn an_empty_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "empty.eml", b"");
    assert_error(&decode("empty file", &path), &path, "empty");
    let explain = run("empty stdin (explain)", &["explain", "-"], Vec::new());
    assert_eq!(explain.code, Some(2));
    assert!(explain.stderr.contains("empty"), "{}", explain.stderr);
}

#[test]
fn unreadable_files_and_symlink_loops_in_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("inbox");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    write(&root, "good.eml", &dsn(b"", b"x", "a@example.org", "5.1.1"));
    std::os::unix::fs::symlink(&root, root.join("sub/loop-to-root")).expect("symlink");
    std::os::unix::fs::symlink(root.join("self-a"), root.join("self-b")).expect("symlink");
    std::os::unix::fs::symlink(root.join("self-b"), root.join("self-a")).expect("symlink");
    std::os::unix::fs::symlink(root.join("nowhere"), root.join("dangling.eml")).expect("symlink");
    let locked = write(
        &root,
        "locked.eml",
        &dsn(b"", b"x", "c@example.org", "5.1.1"),
    );
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000))
        .expect("chmod");
    let locked_is_unreadable = std::fs::read(&locked).is_err();
    let run = decode("directory with symlink loops and unreadable files", &root);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let good = records
        .iter()
        .filter(|r| r["recipient"] == "a@example.org")
        .count();
    assert_eq!(good, 1, "the good file is decoded once, loops or not");
    for name in ["self-a", "self-b", "dangling.eml"] {
        assert!(
            run.stderr.contains(name),
            "{name} is reported:\n{}",
            run.stderr
        );
    }
    if locked_is_unreadable {
        assert!(run.stderr.contains("locked.eml"), "{}", run.stderr);
    } else {
        println!(
            "nasty: running as root, so the chmod 000 file is readable; checked the symlinks only"
        );
    }
}

#[test]
fn a_gzip_bomb_stops_at_the_decompressed_limit_and_keeps_what_came_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = String::from_utf8(dsn(b"", b"x", "a@example.org", "5.1.1")).expect("utf-8");
    let mut first = GzEncoder::new(Vec::new(), flate2::Compression::best());
    first
        .write_all(
            format!("From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n{good}\nFrom bomb\n").as_bytes(),
        )
        .expect("gzip");
    let mut bytes = first.finish().expect("gzip");
    let mut block = GzEncoder::new(Vec::new(), flate2::Compression::best());
    let line = [b"a".repeat((1 << 20) - 1), b"\n".to_vec()].concat();
    for _ in 0..16 {
        block.write_all(&line).expect("gzip");
    }
    let block = block.finish().expect("gzip");
    // 80 gzip members of 16 MiB each: 1.25 GiB once decompressed, from ~1 MB.
    for _ in 0..80 {
        bytes.extend_from_slice(&block);
    }
    let path = write(dir.path(), "bomb.mbox.gz", &bytes);
    let run = decode("gzip bomb (1.25 GiB from a small file)", &path);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("bomb.mbox.gz#2"), "{}", run.stderr);
    assert!(run.stderr.contains("decompressed"), "{}", run.stderr);
    assert_record(&run, "a@example.org", "5.1.1");
}

/// Deterministic pseudo-random bytes.
fn lcg_bytes(seed: u64) -> impl Iterator<Item = u8> {
    let mut state = seed;
    std::iter::repeat_with(move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u8
    })
}
