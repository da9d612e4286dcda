//! Devices played by `sockscope --headless`: auto-reply rules from a file (as the window's
//! Export writes them) answering a Python client, and rules that cannot be used refused before
//! anything starts. [`Served`] runs a headless TCP server or relay for these tests and others.

use std::io::{BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

use super::headless::{headless, listening_port, run_with_input, wait_output};

/// A headless TCP server or relay on 127.0.0.1, its port, and a thread keeping its stderr
/// (the log's INFO and ERROR lines).
pub(super) struct Served {
    child: Child,
    pub(super) port: u16,
    stderr: JoinHandle<String>,
}

impl Served {
    /// A TCP server with more `args`.
    pub(super) fn tcp_server(args: &[&str]) -> Self {
        let mut all = vec!["--tcp-server", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Self::start(&all, Stdio::null())
    }

    /// The preset and options in `args` (listening on 127.0.0.1), with `stdin`.
    pub(super) fn start(args: &[&str], stdin: Stdio) -> Self {
        let mut child = headless(args)
            .stdin(stdin)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sockscope");
        let mut stderr = BufReader::new(child.stderr.take().expect("its stderr"));
        // What it says before it listens (the script starts first) is kept too.
        let mut before = String::new();
        let port = listening_port(&mut stderr, &mut before);
        let stderr = std::thread::spawn(move || {
            let _ = stderr.read_to_string(&mut before);
            before
        });
        Self {
            child,
            port,
            stderr,
        }
    }

    /// Its stdin, when it was started with a pipe there.
    pub(super) fn stdin(&mut self) -> Option<std::process::ChildStdin> {
        self.child.stdin.take()
    }

    /// Ends it (SIGTERM) and returns what it said on stderr.
    pub(super) fn end(self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let output = wait_output(self.child);
        let stderr = self.stderr.join().expect("its stderr");
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        stderr
    }
}

impl Served {
    /// Runs a Python client with `args`; returns its stdout lines, and what Sockscope said
    /// once ended (failing the test with both if the client failed).
    pub(super) fn python(self, program: &str, args: &[&str]) -> (Vec<String>, String) {
        let output = Command::new("python3")
            .arg("-c")
            .arg(program)
            .args(args)
            .output()
            .expect("python3 runs");
        let said = self.end();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "the Python client failed: {stderr}\nSockscope said:\n{said}"
        );
        let lines = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        (lines, said)
    }
}

/// It asks in pieces; with `--framing line` the rules see whole lines.
const RULES_CLIENT: &str = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
def ask(data, size):
    s.sendall(data)
    got = b""
    while len(got) < size:
        got += s.recv(size - len(got))
    return got
s.sendall(b"REA")  # in two reads: --framing line makes them one line
time.sleep(0.1)
print(ask(b"D 42\r\n", 10))
start = time.monotonic()
print(ask(b"PING\r\n", 6), time.monotonic() - start >= 0.2)
print(ask(bytes.fromhex("01 03 00 00 00 01 84 0A"), 7).hex())
"#;

/// The device `examples/auto_reply/device.json` plays (rules as the window's Export writes
/// them, here short, by hand): a Python client's requests, text and hex, each get their answer.
#[test]
fn auto_reply_rules_from_a_file_play_a_device_for_a_python_client() {
    let rules: std::path::PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "examples",
        "auto_reply",
        "device.json",
    ]
    .iter()
    .collect();
    let rules = rules.to_string_lossy().into_owned();
    let device = Served::tcp_server(&["--auto-reply", &rules, "--framing", "line"]);
    let port = device.port.to_string();
    let (lines, said) = device.python(RULES_CLIENT, &[&port]);
    let expected = [r"b'VALUE 42\r\n'", r"b'PONG\r\n' True", "010302002a385b"];
    assert_eq!(lines, expected, "{said}");
    assert!(said.contains("Listening on"), "{said}");
}

#[test]
fn rules_that_cannot_be_used_are_refused_before_anything_starts() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("bad.json");
    let bad = r#"{"sockscope_auto_replies": 1, "rules": [
        {"pattern": "OK", "reply": "fine"},
        {"pattern": "01 0G", "pattern_format": "Hex", "reply": "x"}]}"#;
    std::fs::write(&path, bad).expect("write");
    let path = path.to_string_lossy().into_owned();
    let output = run_with_input(
        headless(&["--tcp-server", "127.0.0.1:0", "--auto-reply", &path]),
        b"",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.json, rule 2:"), "{stderr}");
    assert!(!stderr.contains("rule 1"), "{stderr}");
    assert!(!stderr.contains("Listening"), "nothing started: {stderr}");

    std::fs::write(dir.path().join("bad.json"), "[1, 2]").expect("write");
    let output = run_with_input(
        headless(&["--tcp-server", "127.0.0.1:0", "--auto-reply", &path]),
        b"",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not a Sockscope auto-reply file"),
        "{stderr}"
    );
}
