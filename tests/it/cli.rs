//! The real binary: clap's errors for bad arguments, and a preset recording its session.
//!
//! `preset_with_log_records_jsonl` opens a window, so it is ignored by plain `cargo test`.
//! `.ci/smoke.sh` (called by `.ci/run`) runs it under Xvfb, with DISPLAY set to its server:
//! `cargo test --test it -- --ignored cli::`. By hand: `DISPLAY=:99 cargo test --test it --
//! --include-ignored cli::` with `Xvfb :99 -screen 0 1280x800x24 -nolisten tcp &` running.
//! Without a display the app exits at once and the test fails with its stderr; it never hangs.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_sockscope");

/// Runs the binary without a display, in an English locale unless `lang` names another.
fn run_in(lang: &str, args: &[&str]) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .expect("run sockscope")
}

fn run_with(args: &[&str]) -> std::process::Output {
    run_in("C.UTF-8", args)
}

#[test]
fn bad_arguments_exit_with_code_2_and_say_why() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--udp", "0.0.0.0:1", "--tcp-server", "0.0.0.0:2"],
            "cannot be used with",
        ),
        (&["--tcp-client", "nohostport"], "is not HOST:PORT"),
        (&["--to", "127.0.0.1:1"], "--udp"),
        (
            &["--encoding", "iso-2022-jp"],
            "expected an encoding such as utf-8, gbk, big5",
        ),
        (&["--log", "out.bin"], ".jsonl, .csv, .txt or .pcapng"),
        (&["--max-fps", "0"], "1..=120"),
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
fn a_window_that_cannot_open_says_why_in_one_line_in_the_users_language() {
    let cases = [
        (
            "C.UTF-8",
            None,
            "Sockscope cannot open its window: no display is set",
        ),
        ("zh_CN.UTF-8", None, "Sockscope 无法打开窗口：没有设置显示"),
        (
            "C.UTF-8",
            // No X server answers there (a loopback socket at most).
            Some(":9876"),
            "Sockscope cannot open its window: the display :9876 refused the connection",
        ),
    ];
    for (lang, display, said) in cases {
        let mut command = Command::new(BINARY);
        command
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", lang);
        if let Some(display) = display {
            command.env("DISPLAY", display);
        }
        let output = command.output().expect("run sockscope");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{lang} {display:?}: {stderr}"
        );
        assert!(stderr.starts_with(said), "{lang} {display:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
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
        "--max-fps",
    ] {
        assert!(help.contains(option), "--help lists {option}");
    }
}

#[test]
fn help_speaks_the_system_language_or_the_one_asked_for() {
    let help =
        |lang, args: &[&str]| String::from_utf8_lossy(&run_in(lang, args).stdout).into_owned();
    let chinese = help("zh_CN.UTF-8", &["--help"]);
    assert!(chinese.contains("网络调试助手"), "{chinese}");
    assert!(chinese.contains("启动时以 TCP 客户端连接"), "{chinese}");
    let asked = help("C.UTF-8", &["--lang", "zh-CN", "--help"]);
    assert!(asked.contains("启动时以 TCP 客户端连接"), "{asked}");
    let english = help("zh_CN.UTF-8", &["--lang=en", "--help"]);
    assert!(english.contains("Connect a TCP client"), "{english}");
}

/// Polls `path` until `done` holds for its lines, or fails at the deadline.
fn wait_for_lines(
    path: &Path,
    what: &str,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            // The last line may still be half written.
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
    let stderr_path = dir.path().join("stderr.txt");
    let child = Command::new(BINARY)
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
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("start sockscope");
    let mut app = KillOnDrop(child);

    let mut peer = accept_from(&listener, &mut app.0, &stderr_path);
    peer.write_all(&sent).expect("send");
    drop(peer);

    let peer_text = format!("127.0.0.1:{port}");
    wait_for_lines(&log, "the rx data and the close", |lines| {
        let rx: usize = lines
            .iter()
            .filter(|l| l["dir"] == "rx")
            .filter_map(|l| l["len"].as_u64())
            .sum::<u64>() as usize;
        rx == sent.len()
            && lines.iter().any(|l| {
                l["dir"] == "info"
                    && l["text"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("Disconnected"))
            })
    });
    let status = Command::new("kill")
        .args(["-TERM", &app.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {}", app.0.id());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = app.0.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "the app exits on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        exit.success(),
        "SIGTERM closes the window and exits cleanly: {exit}; stderr: {}",
        read_lossy(&stderr_path)
    );
    // Read again after the exit: the recording must be complete, not just flushed.
    let lines = parse_lines(&log);

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
    for rx in lines.iter().filter(|l| l["dir"] == "rx") {
        assert_eq!(rx["peer"], peer_text.as_str(), "{rx}");
    }
    let first_rx = lines.iter().find(|l| l["dir"] == "rx").expect("rx");
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
                .is_some_and(|t| t.starts_with(&format!("Connecting to {peer_text}")))
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

/// Every line of a finished `.jsonl` file; each must be a JSON object with the record's keys.
fn parse_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("read the log");
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
            for key in ["time", "mode", "dir", "peer", "len", "hex", "text"] {
                assert!(value.get(key).is_some(), "no {key:?} in {line}");
            }
            value
        })
        .collect()
}

/// Waits (bounded) for the app's preset to connect, failing early if the app exits first.
fn accept_from(listener: &TcpListener, app: &mut Child, stderr: &Path) -> TcpStream {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking");
                return stream;
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            Err(error) => panic!("accept: {error}"),
        }
        if let Some(exit) = app.try_wait().expect("wait") {
            panic!(
                "sockscope exited ({exit}) before connecting; is there a display? stderr: {}",
                read_lossy(stderr)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the preset did not connect within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// Kills the app if the test fails before stopping it, so no window outlives the test.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
