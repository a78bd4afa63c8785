//! Criterion benches of the library's hot paths: explaining one line, and
//! decoding a standard delivery report and a plain-text bounce. The inputs are
//! synthetic (written for these benches). Run with `cargo bench -p bouncewhy`.

use bouncewhy::Engine;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// Server replies of the usual kinds: unknown user, full mailbox, blocklist,
/// policy, rate limit, and one nothing specific matches.
const LINES: &[&str] = &[
    "550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    "452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.example.com/mail/?p=422",
    "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org",
    "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy",
    "421 4.7.0 Try again later, closing connection. (EHLO) too many connections from your IP",
    "500 Something unusual happened on the remote side",
];

const DSN: &str = "Return-Path: <>\r\n\
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n\
To: sender@example.com\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
Date: Mon, 2 Jun 2025 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
This is the mail system at host mx.example.net.\r\n\
\r\n\
I'm sorry to have to inform you that your message could not\r\n\
be delivered to one or more recipients.\r\n\
\r\n\
<jane@example.org>: host mail.example.org[192.0.2.20] said: 550 5.1.1\r\n\
    <jane@example.org>: Recipient address rejected: User unknown (in reply to\r\n\
    RCPT TO command)\r\n\
\r\n\
--b1\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.net\r\n\
Arrival-Date: Mon, 2 Jun 2025 09:59:58 +0000\r\n\
\r\n\
Final-Recipient: rfc822; jane@example.org\r\n\
Original-Recipient: rfc822;jane@example.org\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Remote-MTA: dns; mail.example.org\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <jane@example.org>: Recipient address\r\n\
    rejected: User unknown\r\n\
\r\n\
--b1\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: sender@example.com\r\n\
To: jane@example.org\r\n\
Subject: Hello\r\n\
Message-ID: <1234@example.com>\r\n\
\r\n\
--b1--\r\n";

const TEXT_BOUNCE: &str = "Return-Path: <>\n\
From: MAILER-DAEMON@mail.example.net\n\
To: sender@example.com\n\
Subject: failure notice\n\
Date: Mon, 2 Jun 2025 10:00:00 +0000\n\
\n\
Hi. This is the qmail-send program at mail.example.net.\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\n\
This is a permanent error; I've given up. Sorry it didn't work out.\n\
\n\
<jane@example.org>:\n\
192.0.2.20 does not like recipient.\n\
Remote host said: 550 5.2.2 <jane@example.org>... Mailbox full\n\
Giving up on 192.0.2.20.\n\
\n\
--- Below this line is a copy of the message.\n\
\n\
Return-Path: <sender@example.com>\n\
From: sender@example.com\n\
To: jane@example.org\n\
Subject: Hello\n\
\n\
Hello Jane.\n";

fn benches(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in packs compile");

    let mut group = c.benchmark_group("explain");
    group.throughput(Throughput::Elements(LINES.len() as u64));
    group.bench_function("one line (lines/s)", |b| {
        b.iter(|| {
            for line in LINES {
                black_box(engine.explain(black_box(line), "en").expect("explains"));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("RFC 3464 delivery report (messages/s)", |b| {
        b.iter(|| {
            black_box(
                engine
                    .decode(black_box(DSN.as_bytes()), "en")
                    .expect("decodes"),
            )
        })
    });
    group.bench_function("plain-text bounce (messages/s)", |b| {
        b.iter(|| {
            black_box(
                engine
                    .decode(black_box(TEXT_BOUNCE.as_bytes()), "en")
                    .expect("decodes"),
            )
        })
    });
    group.finish();
}

criterion_group!(hot_paths, benches);
criterion_main!(hot_paths);
