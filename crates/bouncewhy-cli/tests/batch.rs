//! Batch guarantees through the real binary: a broken message never stops the
//! batch or loses a good result, output is streamed (flushed as it goes), a
//! summary counts the failures, and the exit status reflects them.
//!
//! "Broken" here means a message that must give an error (see tests/nasty.rs
//! for the full list): empty, not an email, over the size limit, over the MIME
//! part limit, or unreadable.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const MAX_MESSAGE: usize = 64 << 10;

fn bouncewhy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bouncewhy"));
    command.env_remove("BOUNCEWHY_LANG").env("LANG", "C");
    command
}

/// A DSN for one recipient, written for these tests.
fn dsn(recipient: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@example.com\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\r\n\r\n\
         --XX\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n\
         --XX\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.example.net\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown\r\n\r\n\
         --XX--\r\n"
    )
}

/// The four kinds of broken message that fit in a file or an mbox, by index.
fn broken(kind: usize) -> Vec<u8> {
    match kind % 4 {
        0 => b"\x00\x01\x02 this is binary junk, not an email \xff\xfe".to_vec(),
        1 => dsn("over-the-limit@example.org")
            .replace("Your message", &"padding ".repeat(MAX_MESSAGE / 8 + 1))
            .into_bytes(),
        2 => {
            let mut raw = dsn("too-many-parts@example.org");
            raw.push_str(&"--XX\r\n\r\nx\r\n".repeat(1_500));
            raw.into_bytes()
        }
        _ => b"just a line of text with no header at all\n".to_vec(),
    }
}

fn good_recipient(index: usize) -> String {
    format!("user{index:04}@example.org")
}

fn decode(paths: &[&Path]) -> Output {
    bouncewhy()
        .args(["decode", "--format", "jsonl", "--threads", "2"])
        .args(["--max-message-bytes", &MAX_MESSAGE.to_string()])
        .args(paths)
        .stdin(Stdio::null())
        .output()
        .expect("bouncewhy runs")
}

fn recipients(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            record["recipient"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn assert_900_good_and_100_failed(output: &Output, expected: &[String]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        recipients(output),
        expected,
        "all good results, in input order"
    );
    let errors = stderr
        .lines()
        .filter(|l| l.starts_with("bouncewhy: ") && !l.contains(" messages: "))
        .count();
    assert_eq!(errors, 100, "{stderr}");
    assert!(
        stderr.contains("1000 messages: 900 bounces (900 recipients), 0 not bounces, 100 failed"),
        "{stderr}"
    );
}

#[test]
fn a_directory_of_1000_messages_with_100_broken_gives_900_results_and_100_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut expected = Vec::new();
    for index in 0..1000 {
        let path = dir.path().join(format!("{index:04}.eml"));
        if index % 10 == 9 {
            let kind = index / 10;
            if kind % 5 == 4 {
                std::os::unix::fs::symlink(dir.path().join("missing"), &path).expect("symlink");
            } else {
                std::fs::write(&path, broken(kind)).expect("write");
            }
        } else {
            std::fs::write(&path, dsn(&good_recipient(index))).expect("write");
            expected.push(good_recipient(index));
        }
    }
    let output = decode(&[dir.path()]);
    assert_900_good_and_100_failed(&output, &expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (broken_name, why) in [
        ("0009.eml", "not an email"),
        ("0019.eml", "over the limit"),
        ("0029.eml", "MIME parts"),
        ("0049.eml", "No such file"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(broken_name) && l.contains(why)),
            "{broken_name} is reported with {why:?}:\n{stderr}"
        );
    }
}

#[test]
fn an_mbox_of_1000_messages_with_100_broken_gives_900_results_and_100_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut mbox = Vec::new();
    let mut expected = Vec::new();
    for index in 0..1000 {
        mbox.extend_from_slice(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n");
        if index % 10 == 9 {
            mbox.extend_from_slice(&broken(index / 10));
        } else {
            mbox.extend_from_slice(dsn(&good_recipient(index)).as_bytes());
            expected.push(good_recipient(index));
        }
        mbox.extend_from_slice(b"\n\n");
    }
    let path = dir.path().join("bounces.mbox");
    std::fs::write(&path, &mbox).expect("write");
    let output = decode(&[&path]);
    assert_900_good_and_100_failed(&output, &expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bounces.mbox#10: "), "{stderr}");
    assert!(stderr.contains("bounces.mbox#1000: "), "{stderr}");
}

/// The workers decode chunks in any order, but stdout and the error lines
/// come out as one thread writes them.
#[test]
fn any_number_of_threads_writes_what_one_thread_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut mbox = Vec::new();
    for index in 0..700 {
        mbox.extend_from_slice(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n");
        if index % 7 == 3 {
            mbox.extend_from_slice(&broken(index));
        } else {
            mbox.extend_from_slice(dsn(&good_recipient(index)).as_bytes());
        }
        mbox.extend_from_slice(b"\n\n");
    }
    let path = dir.path().join("mixed.mbox");
    std::fs::write(&path, &mbox).expect("write");
    let run = |threads: &str| {
        bouncewhy()
            .args(["decode", "--format", "jsonl", "--threads", threads])
            .args(["--max-message-bytes", &MAX_MESSAGE.to_string()])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("bouncewhy runs")
    };
    let one = run("1");
    assert_eq!(recipients(&one).len(), 600);
    for threads in ["2", "5"] {
        let many = run(threads);
        assert!(many.stdout == one.stdout, "stdout with {threads} threads");
        assert_eq!(
            String::from_utf8_lossy(&many.stderr),
            String::from_utf8_lossy(&one.stderr),
            "stderr with {threads} threads"
        );
        assert_eq!(many.status.code(), Some(1));
    }
}

#[test]
fn results_are_flushed_while_a_later_input_is_still_blocked() {
    flushed_while_blocked("2");
}

/// With three workers, one blocked on the FIFO must not keep the other two
/// from writing what they decoded.
#[test]
fn three_threads_write_while_one_waits_on_a_fifo() {
    flushed_while_blocked("3");
}

#[test]
fn one_thread_flushes_its_results_before_waiting_on_a_fifo() {
    flushed_while_blocked("1");
}

/// 300 files and then a FIFO with no writer yet: the first 256 records are
/// out while the FIFO blocks, and the rest follow once it is written.
fn flushed_while_blocked(threads: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths: Vec<PathBuf> = (0..300)
        .map(|index| {
            let path = dir.path().join(format!("{index:04}.eml"));
            std::fs::write(&path, dsn(&good_recipient(index))).expect("write");
            path
        })
        .collect();
    let fifo = dir.path().join("later.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        println!("skipped: mkfifo is not available");
        return;
    }
    paths.push(fifo.clone());
    let mut child = bouncewhy()
        .args(["decode", "--format", "jsonl", "--threads", threads])
        .args(&paths)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bouncewhy runs");
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines_tx.send(line.expect("a line")).is_err() {
                break;
            }
        }
    });
    let mut early = 0;
    while let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(30)) {
        assert!(line.contains("\"recipient\""), "{line}");
        early += 1;
        if early == 256 {
            break;
        }
    }
    assert_eq!(
        early, 256,
        "the first batch is out while the FIFO has no writer"
    );
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open the FIFO");
    writer
        .write_all(dsn("late@example.org").as_bytes())
        .expect("write the FIFO");
    drop(writer);
    let status = child.wait().expect("bouncewhy finishes");
    reader.join().expect("reader");
    let rest: Vec<String> = lines_rx.try_iter().collect();
    assert!(status.success());
    assert_eq!(early + rest.len(), 301);
    assert!(rest.last().is_some_and(|l| l.contains("late@example.org")));
}
