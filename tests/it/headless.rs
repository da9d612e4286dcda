//! `sockscope --headless`: the real binary with no display, against real sockets on loopback.
//! A pipeline into a TCP client, GBK shown decoded, `--format jsonl` parsed back, exit codes
//! for a refusal and bad arguments, a TCP server ended by SIGTERM with its recording whole, a
//! closed stdout (`| head -1`), no X11 or Wayland library in the process, and colour only on a
//! terminal.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common_net::DEADLINE;

const BINARY: &str = env!("CARGO_BIN_EXE_sockscope");

/// The binary in headless mode with `args`, no display, in English.
pub(super) fn headless(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .arg("--headless")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    command
}

/// Runs it with `input` on stdin to its end; kills it if it runs past the deadline.
pub(super) fn run_with_input(mut command: Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    let mut stdin = child.stdin.take().expect("its stdin");
    stdin.write_all(input).expect("write its stdin");
    drop(stdin);
    wait_output(child)
}

/// The child's output once it exits (killed, and failing the test, past the deadline).
pub(super) fn wait_output(child: Child) -> Output {
    wait_output_within(child, DEADLINE)
}

/// [`wait_output`] with a deadline of its own.
fn wait_output_within(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("its output");
            panic!(
                "sockscope --headless did not end in time; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("its output")
}

/// A one-connection server on 127.0.0.1: reads one line, answers `answer`, closes.
fn answering_server(answer: Vec<u8>) -> (SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("its address");
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("the client connects");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut line = Vec::new();
        BufReader::new(&stream)
            .read_until(b'\n', &mut line)
            .expect("a line");
        (&stream).write_all(&answer).expect("answer");
        line
    });
    (addr, server)
}

#[test]
fn a_pipeline_into_a_tcp_client_sends_stdin_and_prints_the_answer_decoded() {
    let gbk = encoding_rs::GBK.encode("你好，世界\r\n").0.into_owned();
    let (addr, got) = answering_server(gbk);
    let target = addr.to_string();
    let args = ["--tcp-client", &target, "--encoding", "gbk"];
    let output = run_with_input(headless(&args), b"PING\n");
    assert_eq!(
        got.join().expect("the server"),
        b"PING\n",
        "stdin went out as it came"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "data only on stdout: {stdout}");
    assert!(
        lines[0].contains(" TX ") && lines[0].ends_with("PING\\n"),
        "{stdout}"
    );
    assert!(
        lines[1].contains(" RX ") && lines[1].contains("你好，世界"),
        "GBK shown: {stdout}"
    );
    assert!(
        stderr.contains(&format!("Connected to {target}")),
        "INFO on stderr: {stderr}"
    );
}

#[test]
fn jsonl_on_stdout_reads_back_byte_for_byte() {
    let (addr, got) = answering_server(vec![0x00, 0x01, 0xFF, 0x0A]);
    let target = addr.to_string();
    let args = ["--tcp-client", &target, "--format", "jsonl"];
    let output = run_with_input(headless(&args), b"READ\n");
    assert_eq!(got.join().expect("the server"), b"READ\n");
    assert_eq!(output.status.code(), Some(0));
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect();
    let bytes = |dir: &str| -> String {
        let of_dir = records.iter().filter(|record| record["dir"] == dir);
        of_dir.filter_map(|record| record["hex"].as_str()).collect()
    };
    assert_eq!(bytes("tx"), "524541440a", "READ\\n as sent");
    assert_eq!(bytes("rx"), "0001ff0a", "every byte value as received");
    assert!(
        records.iter().all(|record| record["dir"] != "info"),
        "INFO on stderr only"
    );
}

#[test]
fn exit_codes_say_what_happened() {
    // A port nothing listens on.
    let gone = TcpListener::bind("127.0.0.1:0").expect("bind");
    let refused = gone.local_addr().expect("address").to_string();
    drop(gone);
    let output = run_with_input(headless(&["--tcp-client", &refused]), b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "refused: {stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");

    let output = run_with_input(headless(&["--tcp-client", "bad host:1"]), b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "a bad field: {stderr}");
    assert_eq!(
        stderr.trim(),
        "sockscope: A host name cannot contain spaces"
    );

    let output = run_with_input(headless(&[]), b"");
    assert_eq!(output.status.code(), Some(2), "no preset");
}

/// A Python server (`program`, with `args`) that prints the port it listens on first: the
/// process, the rest of its stdout, and that port.
pub(super) fn python_server(
    program: &str,
    args: &[&str],
) -> (Child, BufReader<std::process::ChildStdout>, u16) {
    let mut child = Command::new("python3")
        .args(["-c", program])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut port = String::new();
    stdout.read_line(&mut port).expect("its port");
    (child, stdout, port.trim().parse().expect("a port"))
}

/// The port a headless TCP server (or relay) says it listens on, from its stderr; what it
/// said until then goes into `said`.
pub(super) fn listening_port(stderr: &mut impl BufRead, said: &mut String) -> u16 {
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("its stderr");
        assert!(read > 0, "it ended before listening: {said}");
        said.push_str(&line);
        if let Some(rest) = line.split("Listening on 127.0.0.1:").nth(1) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return digits.parse().expect("a port");
        }
    }
}

#[test]
fn sigterm_ends_a_tcp_server_with_its_recording_whole_and_no_display_library_loaded() {
    let dir = tempfile::tempdir().expect("a directory");
    let log = dir.path().join("server.jsonl");
    let log_arg = log.to_string_lossy().into_owned();
    let mut command = headless(&["--tcp-server", "127.0.0.1:0", "--log", &log_arg]);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    let mut stderr = BufReader::new(child.stderr.take().expect("its stderr"));
    let port = listening_port(&mut stderr, &mut String::new());
    let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    client.write_all(b"hello\n").expect("send");
    let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the line printed");
    assert!(
        line.contains(" RX ") && line.trim_end().ends_with("hello\\n"),
        "{line}"
    );

    let maps = std::fs::read_to_string(format!("/proc/{}/maps", child.id())).expect("its maps");
    for library in ["libX11", "libxcb", "libwayland", "libGL", "libEGL"] {
        assert!(!maps.contains(library), "{library} is loaded");
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    let output = wait_output(child);
    assert_eq!(
        output.status.code(),
        Some(0),
        "SIGTERM ends it normally: {rest}"
    );
    let recorded = std::fs::read_to_string(&log).expect("the recording");
    let received = recorded
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a whole record"))
        .filter(|record| record["dir"] == "rx")
        .filter_map(|record| record["hex"].as_str().map(str::to_owned))
        .collect::<String>();
    assert_eq!(received, "68656c6c6f0a", "the recording has what arrived");
}

#[test]
fn a_closed_stdout_ends_it_quietly() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let target = listener.local_addr().expect("address").to_string();
    let mut child = headless(&["--tcp-client", &target])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    let (server, _) = listener.accept().expect("it connects");
    // As `| head -1`: one line read, then the pipe closed.
    (&server).write_all(b"first\n").expect("send");
    let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the first line");
    assert!(line.contains("first"), "{line}");
    drop(stdout);
    (&server).write_all(b"second\n").expect("send");
    let output = wait_output(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn send_and_count_answer_a_udp_peer_and_end_once_the_answer_came() {
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind the peer");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let to = peer.local_addr().expect("its address").to_string();
    let answering = std::thread::spawn(move || {
        let mut buffer = [0; 64];
        let (len, from) = peer.recv_from(&mut buffer).expect("the PING");
        peer.send_to(b"PONG\r\n", from).expect("answer");
        buffer[..len].to_vec()
    });
    let args = [
        "--udp",
        "127.0.0.1:0",
        "--to",
        &to,
        "--send",
        "PING\\r\\n",
        "--count",
        "1",
        "--timeout",
        "10",
    ];
    let output = run_with_input(headless(&args), b"");
    assert_eq!(
        answering.join().expect("the peer"),
        b"PING\r\n",
        "escapes read"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.contains(" RX ") && line.ends_with("PONG\\r\\n")),
        "{stdout}"
    );
}

#[test]
fn a_count_not_reached_by_the_timeout_exits_4() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let target = listener.local_addr().expect("address").to_string();
    // Accepts and says nothing.
    let silent = std::thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let args = ["--tcp-client", &target, "--count", "1", "--timeout", "0.5"];
    let started = Instant::now();
    let mut command = headless(&args);
    command.stdin(Stdio::piped());
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    let output = wait_output(child);
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop(silent.join());
}

#[test]
fn repeat_sends_count_times_at_its_interval() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let target = listener.local_addr().expect("address").to_string();
    let reading = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("it connects");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut got = vec![0; 15];
        stream.read_exact(&mut got).expect("three ticks");
        got
    });
    let args = [
        "--tcp-client",
        &target,
        "--send",
        "TICK\\n",
        "--repeat",
        "20,3",
    ];
    let mut command = headless(&args);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    assert_eq!(reading.join().expect("the server"), b"TICK\nTICK\nTICK\n");
    // The server closed: the session ends, and with it the run.
    let output = wait_output(child);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(" TX "))
        .count();
    assert_eq!(sent, 3, "three sends logged");
}

/// A one-connection server on 127.0.0.1 that reads `len` bytes, then closes.
fn reading_server(len: usize) -> (SocketAddr, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("its address");
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("the client connects");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut got = vec![0; len];
        stream.read_exact(&mut got).expect("what was sent");
        got
    });
    (addr, server)
}

#[test]
fn stdin_lines_go_as_the_send_box_sends_them_with_append_and_checksum() {
    // Hex lines with the Modbus CRC: a read request, then a blank line (nothing sent).
    let (addr, got) = reading_server(8);
    let target = addr.to_string();
    let args = [
        "--tcp-client",
        &target,
        "--stdin",
        "hex",
        "--checksum",
        "crc16-modbus",
    ];
    let output = run_with_input(headless(&args), b"01 03 00 00 00 0A\n\n");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        got.join().expect("the server"),
        [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD],
        "the CRC low byte first, as Modbus RTU puts it"
    );
    // Text lines with escapes read and CR LF appended: an empty line sends CR LF alone; the
    // last line needs no line end.
    let (addr, got) = reading_server(14);
    let target = addr.to_string();
    let args = [
        "--tcp-client",
        &target,
        "--stdin",
        "text",
        "--append",
        "crlf",
    ];
    let output = run_with_input(headless(&args), b"GET \\x2F\r\n\nBYE");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(got.join().expect("the server"), b"GET /\r\n\r\nBYE\r\n");
    // A line that is not hex is said on stderr, and nothing is sent.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let target = listener.local_addr().expect("its address").to_string();
    let args = ["--tcp-client", &target, "--stdin", "hex", "--timeout", "1"];
    let output = run_with_input(headless(&args), b"01 0G\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid hex digit 'G'"), "{stderr}");
    let (mut client, _) = listener.accept().expect("it connected");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).expect("its end");
    assert!(rest.is_empty(), "nothing was sent: {rest:?}");
}

/// Runs `sockscope --headless --tcp-server` with its stdout on a terminal (a pty Python opens),
/// sends it `hi`, and prints what the terminal showed (as Python's `repr` of the bytes).
const ON_A_TERMINAL: &str = r#"
import os, pty, re, select, socket, subprocess, sys, time
binary, no_colour = sys.argv[1], sys.argv[2]
env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "NO_COLOR")}
env.update(LANG="C.UTF-8", TERM="xterm")
if no_colour:
    env["NO_COLOR"] = "1"
master, slave = pty.openpty()
child = subprocess.Popen([binary, "--headless", "--tcp-server", "127.0.0.1:0"], env=env,
                         stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
for line in child.stderr:
    found = re.search(rb"Listening on 127.0.0.1:(\d+)", line)
    if found:
        break
client = socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=10)
client.sendall(b"hi\n")
shown, deadline = b"", time.monotonic() + 10
while b"hi" not in shown and time.monotonic() < deadline:
    if select.select([master], [], [], 0.1)[0]:
        shown += os.read(master, 4096)
child.terminate()
child.wait(10)
print(repr(shown))
"#;

#[test]
fn colour_only_on_a_terminal_and_not_with_no_color() {
    let shown = |no_colour: &str| {
        let output = Command::new("python3")
            .args(["-c", ON_A_TERMINAL, BINARY, no_colour])
            .output()
            .expect("python3 runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let coloured = shown("");
    assert!(coloured.contains(r"\x1b[32mRX\x1b[0m"), "{coloured}");
    assert!(coloured.contains(r"\x1b[2m20"), "the time dim: {coloured}");
    assert!(coloured.contains(r"hi\\n"), "{coloured}");
    let plain = shown("1");
    assert!(
        plain.contains(" RX ") && !plain.contains(r"\x1b"),
        "{plain}"
    );
}

/// A Python server that waits `secs` before reading `len` bytes, then prints how many came and
/// their sha256, and closes.
const SLOW_READER: &str = r#"
import hashlib, socket, sys, time
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
time.sleep(float(sys.argv[2]))
want, got, digest = int(sys.argv[1]), 0, hashlib.sha256()
while got < want:
    data = conn.recv(1 << 20)
    if not data:
        break
    got += len(data)
    digest.update(data)
print(got, digest.hexdigest(), flush=True)
conn.close()
"#;

#[test]
fn stdin_waits_for_a_peer_that_reads_slowly_and_nothing_is_lost() {
    use sha2::Digest;
    // More than the worker would queue (64 MiB) while the peer does not read.
    let len = 80 * 1024 * 1024;
    let input: Vec<u8> = (0..len)
        .map(|n| b"abcdefghijklmnopqrstuvwxyz\n"[n % 27])
        .collect();
    let digest = sha2::Sha256::digest(&input);
    let digest: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    let expected = format!("{len} {digest}");
    let (mut server, mut said, port) = python_server(SLOW_READER, &[&len.to_string(), "2"]);
    let target = format!("127.0.0.1:{port}");
    // Its log (80 MiB of TX lines) goes nowhere: a reader here would have to keep up.
    let mut client = headless(&["--tcp-client", &target])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    let mut stdin = client.stdin.take().expect("its stdin");
    // Written from a thread: it blocks while sockscope waits for the peer, as it should.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    // A debug build logs 80 MiB of sends on its way: seconds, more on a busy machine.
    let output = wait_output_within(client, DEADLINE * 12);
    writer
        .join()
        .expect("the writer")
        .expect("stdin taken whole");
    let mut got = String::new();
    said.read_line(&mut got).expect("what it got");
    let _ = server.wait();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(got.trim(), expected, "{stderr}");
    assert!(!stderr.contains("ailed"), "no send failed: {stderr}");
}
