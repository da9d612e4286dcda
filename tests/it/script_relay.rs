//! A script in the relay (`--headless --relay … --script`), between a Python client and a
//! Python server on loopback: it drops, replaces and answers reads passing through, and when
//! it fails, the gate opens and everything goes on as it comes.

use std::process::{Child, Command, Stdio};

use super::headless::{python_server, wait_output};
use super::headless_device::Served;

/// A line server on 127.0.0.1 (Python's): prints its port, answers each line with `OK <line>`, and once
/// the client has gone prints every line it got, one per line after `GOT:`.
pub(super) const UPSTREAM: &str = r#"
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
server.settimeout(20)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
conn.settimeout(20)
got, pending = [], b""
while True:
    data = conn.recv(4096)
    if not data:
        break
    pending += data
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        got.append(line.strip().decode())
        conn.sendall(b"OK " + line.strip() + b"\r\n")
for line in got:
    print("GOT:" + line)
"#;

/// Sends each argument after the port as a line; prints what came back within 0.5 s of each
/// (`-` for nothing).
const CLIENT: &str = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.settimeout(0.5)
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\r\n")
    try:
        print(s.recv(4096).decode().strip())
    except socket.timeout:
        print("-")
s.close()
"#;

pub(super) fn upstream() -> (Child, u16) {
    let (mut child, stdout, port) = python_server(UPSTREAM, &[]);
    // It says nothing more until its client has gone: nothing is left in the reader.
    child.stdout = Some(stdout.into_inner());
    (child, port)
}

/// Runs the relay toward `upstream_port` with `script`; the client sends `lines`. Returns
/// what the client got, what the server got, and what Sockscope said on stderr.
fn through_relay(script: &str, lines: &[&str]) -> (Vec<String>, Vec<String>, String) {
    let (server, upstream_port) = upstream();
    let upstream = format!("127.0.0.1:{upstream_port}");
    let args = [
        "--relay",
        "127.0.0.1:0",
        "--upstream",
        &upstream,
        "--script",
        script,
    ];
    let relay = Served::start(&args, Stdio::null());
    let port = relay.port.to_string();
    let mut args = vec!["-c", CLIENT, &port];
    args.extend_from_slice(lines);
    let client = Command::new("python3")
        .args(&args)
        .output()
        .expect("python3 runs");
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let served = wait_output(server);
    let said = relay.end();
    let got = String::from_utf8_lossy(&client.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let served = String::from_utf8_lossy(&served.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("GOT:").map(str::to_owned))
        .collect();
    (got, served, said)
}

fn example(name: &str) -> String {
    let path: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "examples", "scripts", name]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_relay_example_drops_replaces_and_answers_what_passes() {
    let lines = ["TEMP 21.5", "TEMP 21.7", "TEMP 21.9", "REBOOT", "TEMP 22.0"];
    let (got, served, said) = through_relay(&example("relay_tamper.rhai"), &lines);
    assert_eq!(
        got,
        [
            "ERROR 42 TEMP 21.5",
            "ERROR 42 TEMP 21.7",
            "-",
            "DENIED by the relay",
            "ERROR 42 TEMP 22.0",
        ],
        "{said}"
    );
    assert_eq!(served, ["TEMP 21.5", "TEMP 21.7", "TEMP 22.0"], "{said}");
    assert!(said.contains("Script: dropped reading 3"), "{said}");
    assert!(
        said.contains("The script dropped a read toward the upstream"),
        "{said}"
    );
}

#[test]
fn a_failed_relay_script_opens_the_gate_and_everything_goes_on() {
    let dir = tempfile::tempdir().expect("a directory");
    let script = dir.path().join("fails.rhai");
    let source = "fn on_message(peer, data) {\n    if text(data).contains(\"BOOM\") { throw \"boom\"; }\n    \"X\\r\\n\"\n}\n";
    std::fs::write(&script, source).expect("write");
    let lines = ["A", "BOOM", "C"];
    let (got, served, said) = through_relay(&script.to_string_lossy(), &lines);
    // Before: every read replaced by X, both ways. The one it failed on goes on as it is.
    assert_eq!(got, ["X", "OK BOOM", "OK C"], "{said}");
    assert_eq!(served, ["X", "BOOM", "C"], "{said}");
    assert!(said.contains("boom"), "{said}");
}
