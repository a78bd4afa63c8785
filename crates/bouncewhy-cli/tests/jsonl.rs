//! `--format jsonl` is written by hand (see src/output/json.rs); every record
//! it writes must be, byte for byte, what serde_json makes of the same
//! Diagnosis. Checked on the repository's fixtures in several languages, and on
//! the sisimai corpus when `../shared` is present.

use bouncewhy::Diagnosis;
use std::path::{Path, PathBuf};
use std::process::Command;

fn assert_records_are_serde_json(inputs: &[PathBuf], lang: &str) -> usize {
    let output = Command::new(env!("CARGO_BIN_EXE_bouncewhy"))
        .args([
            "decode",
            "--format",
            "jsonl",
            "--all",
            "--threads",
            "2",
            "--lang",
            lang,
        ])
        .args(inputs)
        .output()
        .expect("bouncewhy runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let mut records = 0;
    for line in stdout.lines() {
        let diagnosis: Diagnosis = serde_json::from_str(line).expect("a Diagnosis");
        assert_eq!(
            serde_json::to_string(&diagnosis).expect("serde_json"),
            line,
            "({lang})"
        );
        records += 1;
    }
    records
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bouncewhy/tests/fixtures")
}

#[test]
fn fixture_records_are_serde_json_records() {
    for lang in ["en", "ja", "pl", "ru"] {
        let records = assert_records_are_serde_json(&[fixtures()], lang);
        assert!(records > 50, "{records} records");
    }
}

#[test]
fn corpus_records_are_serde_json_records() {
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sisimai/emails");
    if !corpus.is_dir() {
        println!("skipped: ../shared/corpus/sisimai/emails not found");
        return;
    }
    for lang in ["en", "de"] {
        let records = assert_records_are_serde_json(std::slice::from_ref(&corpus), lang);
        assert!(records > 300, "{records} records");
    }
}
