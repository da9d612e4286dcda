//! The real binary: clap's errors for bad arguments, and a preset recording its session.
//!
//! `preset_with_log_records_jsonl` opens a window, so it is ignored by plain `cargo test`;
//! `.ci/run` runs it under Xvfb with `cargo test --test cli -- --ignored`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_sockscope");

fn run_with(args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run sockscope")
}

#[test]
fn bad_arguments_exit_with_code_2_and_say_why() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--udp", "0.0.0.0:1", "--tcp-server", "0.0.0.0:2"],
            "cannot be used with",
        ),
        (&["--tcp-client", "nohostport"], "is not HOST:PORT"),
        (&["--to", "127.0.0.1:1"], "--udp"),
        (&["--encoding", "latin1"], "expected utf-8 or gbk"),
        (&["--log", "out.bin"], ".jsonl, .csv or .txt"),
    ];
    for (args, message) in cases {
        let output = run_with(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(message),
            "{args:?} should mention {message:?}: {stderr}"
        );
    }
}

#[test]
fn help_lists_the_presets() {
    let output = run_with(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--tcp-client",
        "--tcp-server",
        "--udp",
        "--to",
        "--encoding",
        "--hex",
        "--log",
    ] {
        assert!(help.contains(option), "--help lists {option}");
    }
}

/// Polls `path` until `done` holds for its lines, or fails at the deadline.
fn wait_for_lines(
    path: &std::path::Path,
    what: &str,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        if done(&lines) {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; file has {lines:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "opens a window: .ci/run runs it under Xvfb"]
fn preset_with_log_records_jsonl() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut sent = Vec::new();
    sent.extend([0xC4, 0xE3, 0xBA, 0xC3]); // 你好 in GBK
    sent.extend(0..=255u8);

    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("session.jsonl");
    let home = dir.path().join("home");
    let mut app = Command::new(BINARY)
        .args([
            "--tcp-client",
            &format!("127.0.0.1:{port}"),
            "--encoding",
            "gbk",
            "--log",
        ])
        .arg(&log)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sockscope");

    listener.set_nonblocking(false).expect("blocking");
    let (mut peer, _) = listener.accept().expect("the preset connects at launch");
    peer.write_all(&sent).expect("send");
    drop(peer);

    let peer_text = format!("127.0.0.1:{port}");
    let lines = wait_for_lines(&log, "the rx data and the close", |lines| {
        let rx: usize = lines
            .iter()
            .filter(|l| l["dir"] == "rx")
            .filter_map(|l| l["len"].as_u64())
            .sum::<u64>() as usize;
        rx == sent.len()
            && lines.iter().any(|l| {
                l["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Disconnected"))
            })
    });
    Command::new("kill")
        .args(["-TERM", &app.id().to_string()])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "the app exits on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }

    let time =
        |line: &serde_json::Value| line["time"].as_str().map(str::to_owned).unwrap_or_default();
    let received: Vec<u8> = lines
        .iter()
        .filter(|l| l["dir"] == "rx")
        .flat_map(|l| decode_hex(l["hex"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(received, sent, "the rx lines hold the exact bytes");
    for line in &lines {
        assert_eq!(line["mode"], "tcp-client");
        let stamp = time(line);
        let (date, rest) = stamp.split_once('T').expect("RFC 3339 date and time");
        assert_eq!(date.len(), 10, "{stamp}");
        assert_eq!(&rest[8..9], ".", "milliseconds: {stamp}");
        assert!(
            rest[12..].starts_with('+') || rest[12..].starts_with('-'),
            "offset: {stamp}"
        );
    }
    let first_rx = lines.iter().find(|l| l["dir"] == "rx").expect("rx");
    assert_eq!(first_rx["peer"], peer_text.as_str());
    assert!(
        first_rx["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("你好")),
        "decoded as GBK"
    );
    assert!(lines.iter().any(|l| {
        l["dir"] == "info"
            && l["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Connecting to"))
    }));
    let mut rest = String::new();
    let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut rest));
    assert!(rest.ends_with('\n'), "the file ends with a complete line");
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}
