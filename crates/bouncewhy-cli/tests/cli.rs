//! The real `bouncewhy` binary on synthetic inputs: exit codes, batch
//! behaviour, containers and output order.

use flate2::write::GzEncoder;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bouncewhy(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bouncewhy"))
        .args(args)
        .env_remove("BOUNCEWHY_LANG")
        .env("LANG", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bouncewhy runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("bouncewhy finishes")
}

fn jsonl(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// A Postfix-style DSN for one recipient, written for these tests.
fn dsn(recipient: &str, status: &str, said: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n\
To: sender@example.com\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
\r\n\
--XX\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.net\r\n\
\r\n\
Final-Recipient: rfc822; {recipient}\r\n\
Action: failed\r\n\
Status: {status}\r\n\
Diagnostic-Code: smtp; {said}\r\n\
\r\n\
--XX\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: sender@example.com\r\n\
To: {recipient}\r\n\
Subject: Hello\r\n\
Message-ID: <m1@example.com>\r\n\
\r\n\
--XX--\r\n"
    )
}

#[test]
fn explain_prints_json_with_the_contract_fields() {
    let output = bouncewhy(&["explain", "--json", "550 5.1.1 <bob@Example.ORG>: Recipient address rejected: User unknown (in reply to RCPT TO command)"], b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = jsonl(&output);
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["reason"], "userunknown");
    assert_eq!(record["reply_code"], "550");
    assert_eq!(record["status"], "5.1.1");
    assert_eq!(record["smtp_command"], "RCPT");
    assert_eq!(record["hard_bounce"], true);
    assert_eq!(record["retry"], "never");
    assert!(record["evidence"]["rule"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    assert!(!record["explanation"]["summary"]
        .as_str()
        .unwrap_or("")
        .is_empty());
}

#[test]
fn explain_rejects_empty_and_binary_input_with_status_2() {
    let empty = bouncewhy(&["explain"], b"   \n");
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("empty"));
    let binary = bouncewhy(&["explain"], &[0u8, 1, 2, 3, 0xff, 0xfe, 0, 0]);
    assert_eq!(binary.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&binary.stderr).contains("binary"));
}

#[test]
fn explain_reads_a_whole_bounce_email() {
    let message = dsn(
        "carol@example.org",
        "5.2.2",
        "552 5.2.2 <carol@example.org>: Mailbox full",
    );
    let output = bouncewhy(&["explain", "--json"], message.as_bytes());
    assert!(output.status.success());
    let records = jsonl(&output);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["recipient"], "carol@example.org");
    assert_eq!(records[0]["reason"], "mailboxfull");
    assert_eq!(records[0]["message_id"], "m1@example.com");
}

#[test]
fn decode_keeps_going_after_bad_messages_and_keeps_input_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    for index in 0..40 {
        let path = dir.path().join(format!("m{index:03}.eml"));
        if index % 10 == 3 {
            std::fs::write(&path, b"").expect("write empty file");
        } else {
            let message = dsn(
                &format!("user{index}@example.org"),
                "5.1.1",
                "550 5.1.1 User unknown",
            );
            std::fs::write(&path, message).expect("write message");
        }
    }
    let path = dir.path().to_string_lossy().to_string();
    let output = bouncewhy(&["decode", "--format", "jsonl", &path], b"");
    assert_eq!(
        output.status.code(),
        Some(1),
        "some inputs failed, so the exit status is 1"
    );
    let records = jsonl(&output);
    assert_eq!(records.len(), 36);
    let expected: Vec<String> = (0..40)
        .filter(|i| i % 10 != 3)
        .map(|i| format!("user{i}@example.org"))
        .collect();
    let got: Vec<String> = records
        .iter()
        .map(|r| r["recipient"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(got, expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("m003.eml") || l.contains("m013.eml"))
            .count(),
        2
    );
    assert!(stderr.contains("4 failed"), "{stderr}");
}

#[test]
fn decode_reads_mbox_and_gzip_with_numbered_sources() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut mbox = String::new();
    for index in 1..=3 {
        mbox.push_str("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n");
        mbox.push_str(
            &dsn(
                &format!("u{index}@example.org"),
                "5.1.1",
                "550 5.1.1 User unknown",
            )
            .replace("\r\n", "\n"),
        );
        mbox.push('\n');
    }
    let path = dir.path().join("bounces.mbox.gz");
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(mbox.as_bytes()).expect("compress");
    std::fs::write(&path, gz.finish().expect("finish gzip")).expect("write gz");
    let path = path.to_string_lossy().to_string();
    let output = bouncewhy(&["decode", "--format", "jsonl", &path], b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = jsonl(&output);
    let sources: Vec<&str> = records
        .iter()
        .map(|r| r["source"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        sources,
        [
            format!("{path}#1"),
            format!("{path}#2"),
            format!("{path}#3")
        ]
    );
}

#[test]
fn decode_reports_ordinary_mail_only_with_all() {
    let message = b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: Lunch?\r\n\r\nShall we meet at noon?\r\n";
    let quiet = bouncewhy(&["decode", "--format", "jsonl", "-"], message);
    assert!(quiet.status.success());
    assert!(jsonl(&quiet).is_empty());
    let all = bouncewhy(&["decode", "--format", "jsonl", "--all", "-"], message);
    let records = jsonl(&all);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["is_bounce"], false);
    assert_eq!(records[0]["recipient"], serde_json::Value::Null);
}

#[test]
fn decode_csv_has_a_header_and_quotes_fields() {
    let message = dsn(
        "dave@example.org",
        "5.1.1",
        "550 5.1.1 \"dave\", user unknown",
    );
    let output = bouncewhy(&["decode", "--format", "csv", "-"], message.as_bytes());
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("source,recipient,reason"));
    let row = lines.next().expect("one row");
    assert!(
        row.starts_with("-,dave@example.org,userunknown,true,true"),
        "{row}"
    );
    assert!(
        row.contains("\"550 5.1.1 \"\"dave\"\", user unknown\""),
        "{row}"
    );
}

#[test]
fn pack_check_names_the_file_and_the_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[pack]\nname = \"acme\"\nkind = \"provider\"\nprovider = \"acme\"\n\n[[rule]]\nid = \"acme.quota\"\npatterns = [\"ACME-Q42 storage exhausted\"]\nreason = \"mailboxfull\"\nexamples = [\"452 4.2.2 ACME-Q42 storage exhausted for user\"]\n").expect("write");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[pack]\nname = \"acme2\"\nkind = \"provider\"\n\n[[rule]]\nid = \"acme2.never-matches\"\npatterns = [\"zzz no such words\"]\nreason = \"blocked\"\nexamples = [\"550 5.7.1 something else entirely\"]\n").expect("write");
    let ok = bouncewhy(&["pack", "check", &good.to_string_lossy()], b"");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let failed = bouncewhy(&["pack", "check", &bad.to_string_lossy()], b"");
    assert_eq!(failed.status.code(), Some(2));
    let report = String::from_utf8_lossy(&failed.stdout);
    assert!(
        report.contains("bad.toml") && report.contains("acme2.never-matches"),
        "{report}"
    );
}

#[test]
fn pack_check_hints_at_unicode_word_boundaries_without_failing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = |boundary: &str| {
        format!("[pack]\nname = \"acme\"\nkind = \"provider\"\n\n[[rule]]\nid = \"acme.q43\"\nregex = ['{boundary}ACME-Q43{boundary}']\nreason = \"mailboxfull\"\nexamples = [\"452 4.2.2 ACME-Q43 storage exhausted\"]\n")
    };
    let unicode = dir.path().join("unicode.toml");
    std::fs::write(&unicode, pack(r"\b")).expect("write");
    let ascii = dir.path().join("ascii.toml");
    std::fs::write(&ascii, pack(r"(?-u:\b)")).expect("write");

    let hinted = bouncewhy(&["pack", "check", &unicode.to_string_lossy()], b"");
    let report = String::from_utf8_lossy(&hinted.stdout);
    assert!(hinted.status.success(), "{report}");
    assert!(
        report.contains("every example matches")
            && report.contains("acme.q43: hint:")
            && report.contains(r"(?-u:\b)"),
        "{report}"
    );
    let quiet = bouncewhy(&["pack", "check", &ascii.to_string_lossy()], b"");
    let report = String::from_utf8_lossy(&quiet.stdout);
    assert!(
        quiet.status.success() && !report.contains("hint"),
        "{report}"
    );
}
