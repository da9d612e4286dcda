//! `--headless --relay` with stdin: lines typed into the relay go into the pair toward the
//! client, as many as stdin holds (stdin is paced by what the relay has sent, injected sends
//! counted too), between a Rust client and a Python line server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use super::headless_device::Served;

#[test]
fn stdin_lines_go_into_the_pair_past_the_pacing_window() {
    let (mut server, upstream_port) = super::script_relay::upstream();
    let upstream = format!("127.0.0.1:{upstream_port}");
    let args = ["--relay", "127.0.0.1:0", "--upstream", &upstream];
    let mut relay = Served::start(
        &[&args[..], &["--stdin", "text", "--append", "lf"]].concat(),
        Stdio::piped(),
    );
    let mut client = TcpStream::connect(("127.0.0.1", relay.port)).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    // The pair is up once the server's answer comes back: then stdin has somewhere to go.
    client.write_all(b"hello\n").expect("send");
    let mut reader = BufReader::new(client.try_clone().expect("a clone"));
    let mut answer = String::new();
    reader.read_line(&mut answer).expect("the answer");
    assert_eq!(answer, "OK hello\r\n");
    // More lines than the 64 sends stdin may have waiting.
    let lines: String = (0..200).map(|n| format!("line {n}\n")).collect();
    let mut stdin = relay.stdin().expect("its stdin");
    stdin.write_all(lines.as_bytes()).expect("stdin");
    drop(stdin);
    let mut got = Vec::new();
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
    relay.end();
    let _ = server.kill();
    let _ = server.wait();
}
