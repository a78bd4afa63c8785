//! Slow or stalled clients are cut off within the configured timeouts while
//! everybody else keeps being served.

mod common;

use bouncewhy_server::{Config, RunningServer};
use common::{post, read_response};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// A small concurrency limit, so that stalled clients would exhaust it if they held slots.
const ENGINE_SLOTS: usize = 2;
/// Scheduling slack on a busy machine.
const SLACK: Duration = Duration::from_millis(2500);

fn server() -> &'static RunningServer {
    static SERVER: OnceLock<RunningServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        common::server(Config {
            header_timeout: HEADER_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            concurrency: ENGINE_SLOTS,
            ..Config::default()
        })
    })
}

const REQUEST_HEAD: &str = "POST /api/v1/explain HTTP/1.1\r\nHost: test\r\n\
     Content-Type: text/plain\r\nContent-Length: 64\r\n\r\n";

/// Sends the request head one byte at a time, `pause` apart, until the server
/// closes the connection; returns how long the connection lived.
fn dribble_headers(addr: SocketAddr, pause: Duration) -> Duration {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let started = Instant::now();
    for byte in REQUEST_HEAD.bytes().cycle() {
        if stream.write_all(&[byte]).is_err() {
            return started.elapsed();
        }
        thread::sleep(pause);
        if started.elapsed() > HEADER_TIMEOUT + SLACK * 4 {
            break;
        }
        if closed_by_server(&mut stream) {
            return started.elapsed();
        }
    }
    started.elapsed()
}

/// True when the server has closed (or reset) the connection.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut buffer = [0u8; 1024];
    let closed = match stream.read(&mut buffer) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => true,
    };
    stream.set_nonblocking(false).expect("blocking");
    closed
}

/// A normal request; returns how long it took and its status.
fn normal_request(addr: SocketAddr) -> (Duration, u16) {
    let started = Instant::now();
    let response = post(
        addr,
        "/api/v1/explain",
        "text/plain",
        b"452 4.2.2 Mailbox full: user is over quota",
    );
    (started.elapsed(), response.status)
}

#[test]
fn a_client_sending_headers_byte_by_byte_is_cut_off_while_others_are_served() {
    let addr = server().addr();
    let slow: Vec<_> = (0..8)
        .map(|_| thread::spawn(move || dribble_headers(addr, Duration::from_millis(200))))
        .collect();
    thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        let (took, status) = normal_request(addr);
        assert_eq!(status, 200);
        assert!(
            took < SLACK,
            "a normal request took {took:?} next to slow clients"
        );
    }
    for handle in slow {
        let lived = handle.join().expect("slow client thread");
        assert!(
            lived < HEADER_TIMEOUT + SLACK,
            "a slow client kept its connection for {lived:?}"
        );
    }
}

#[test]
fn a_client_that_connects_and_sends_nothing_is_cut_off() {
    let mut stream = TcpStream::connect(server().addr()).expect("connect");
    stream
        .set_read_timeout(Some(HEADER_TIMEOUT + SLACK * 2))
        .expect("timeout");
    let started = Instant::now();
    let mut buffer = [0u8; 256];
    let outcome = stream.read(&mut buffer);
    let lived = started.elapsed();
    assert!(
        matches!(outcome, Ok(0))
            || outcome
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
        "expected the server to close the idle connection, got {outcome:?} after {lived:?}"
    );
    assert!(
        lived < HEADER_TIMEOUT + SLACK,
        "idle connection lived {lived:?}"
    );
}

#[test]
fn a_body_that_never_finishes_gets_408_and_the_connection_closes() {
    let addr = server().addr();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(REQUEST_TIMEOUT + SLACK * 2))
        .expect("timeout");
    let started = Instant::now();
    stream
        .write_all(REQUEST_HEAD.as_bytes())
        .expect("write head");
    stream
        .write_all(b"550 5.1.1 user unk")
        .expect("write part of the body");
    let (took, status) = normal_request(addr);
    assert_eq!(status, 200);
    assert!(
        took < SLACK,
        "a normal request took {took:?} next to a stalled body"
    );
    let response = read_response(&mut stream);
    let lived = started.elapsed();
    assert_eq!(response.status, 408, "{}", response.text());
    assert!(
        lived < REQUEST_TIMEOUT + SLACK,
        "the stalled request lasted {lived:?}"
    );
}

#[test]
fn stalled_bodies_beyond_the_concurrency_limit_do_not_block_others() {
    let addr = server().addr();
    let stalled: Vec<TcpStream> = (0..ENGINE_SLOTS * 3)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).expect("connect");
            stream
                .write_all(REQUEST_HEAD.as_bytes())
                .expect("write head");
            stream
                .write_all(b"550 5.1.1")
                .expect("write part of the body");
            stream
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    for _ in 0..3 {
        let (took, status) = normal_request(addr);
        assert_eq!(status, 200);
        assert!(
            took < REQUEST_TIMEOUT,
            "a normal request waited {took:?} behind {} stalled bodies",
            stalled.len()
        );
    }
}
