//! `bouncewhy serve` as a process: it listens, answers, and on SIGTERM finishes the
//! request in flight, refuses new connections and exits with status 0.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The server process this test started; killed if the test fails early.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bouncewhy serve` on a free port and reads the address from its log.
fn start() -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bouncewhy"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bouncewhy serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (found, address) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line
                .split_whitespace()
                .find_map(|word| word.strip_prefix("address="))
                .and_then(|a| a.parse::<SocketAddr>().ok())
            {
                let _ = found.send(addr);
            }
        }
    });
    let server = Server(child);
    let addr = address
        .recv_timeout(Duration::from_secs(30))
        .expect("the server logs the address it listens on");
    (server, addr)
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let (mut server, addr) = start();
    let body = b"550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown";
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "POST /api/v1/explain HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream
        .write_all(&body[..10])
        .expect("first part of the body");
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));

    stream.write_all(&body[10..]).expect("rest of the body");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"reason\":\"userunknown\""),
        "{response}"
    );

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "still accepting after exit"
    );
}
