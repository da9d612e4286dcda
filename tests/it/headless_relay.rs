//! `--headless --relay` with stdin: lines typed into the relay go into the pair toward the
//! client, as many as stdin holds (stdin is paced by what the relay has sent, injected sends
//! counted too), between a Rust client and a Python line server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use super::headless::{headless, listening_port, wait_output};

#[test]
fn stdin_lines_go_into_the_pair_past_the_pacing_window() {
    let (mut server, upstream_port) = super::script_relay::upstream();
    let upstream = format!("127.0.0.1:{upstream_port}");
    let mut relay = headless(&[
        "--relay",
        "127.0.0.1:0",
        "--upstream",
        &upstream,
        "--stdin",
        "text",
        "--append",
        "lf",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start sockscope");
    let mut stderr = BufReader::new(relay.stderr.take().expect("its stderr"));
    let mut said = String::new();
    let port = listening_port(&mut stderr, &mut said);
    let client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    // The pair is up once the upstream is connected: then stdin has somewhere to go.
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("its stderr");
        assert!(read > 0, "it ended: {said}");
        said.push_str(&line);
        if line.contains("Upstream") {
            break;
        }
    }
    // More lines than the 64 sends stdin may have waiting.
    let lines: String = (0..200).map(|n| format!("line {n}\n")).collect();
    let mut stdin = relay.stdin.take().expect("its stdin");
    stdin.write_all(lines.as_bytes()).expect("stdin");
    drop(stdin);
    let mut got = Vec::new();
    let mut reader = BufReader::new(&client);
    for _ in 0..200 {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .expect("a line the relay put in");
        got.push(line);
    }
    assert_eq!(got.concat(), lines);
    drop(reader);
    drop(client);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &relay.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let _ = stderr.read_to_string(&mut said);
    assert_eq!(wait_output(relay).status.code(), Some(0), "{said}");
    let _ = server.kill();
    let _ = server.wait();
}
