//! The shipped example scripts, each run by the real binary (`--headless --script`) as a real
//! peer for a client that is not ours: pymodbus reads and writes the Modbus slave's registers,
//! Python sockets run the AT dialogue and the login, and read the sensor's sentences.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::headless_device::Served;

/// A shipped example's path.
fn example(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "examples", "scripts", name]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

/// Whether Python has pymodbus; CI installs it (and requires this test to run).
pub(super) fn pymodbus_here() -> bool {
    let here = Command::new("python3")
        .args(["-c", "import pymodbus"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !here {
        let required = std::env::var_os("SOCKSCOPE_REQUIRE_PYMODBUS").is_some();
        assert!(!required, "pymodbus is missing");
        eprintln!("skipped: no pymodbus here (pip install pymodbus)");
    }
    here
}

/// A Modbus TCP master (pymodbus) writes and reads registers.
const MODBUS_MASTER: &str = r#"
import sys
from pymodbus.client import ModbusTcpClient
client = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=5, retries=0)
assert client.connect()
print("write one", client.write_register(5, 1234).isError())
print("write many", client.write_registers(10, [1, 2, 65535]).isError())
print("read", client.read_holding_registers(4, count=9).registers)
print("input", client.read_input_registers(5, count=1).registers)
answer = client.read_holding_registers(98, count=5)
print("past the end", answer.isError(), getattr(answer, "exception_code", None))
client.close()
"#;

#[test]
fn pymodbus_reads_and_writes_the_modbus_examples_registers() {
    if !pymodbus_here() {
        return;
    }
    let slave = Served::tcp_server(&["--script", &example("modbus_slave.rhai")]);
    let port = slave.port.to_string();
    let (lines, stderr) = slave.python(MODBUS_MASTER, &[&port]);
    assert_eq!(
        lines,
        [
            "write one False",
            "write many False",
            "read [0, 1234, 0, 0, 0, 0, 1, 2, 65535]",
            "input [1234]",
            "past the end True 2",
        ],
        "{stderr}"
    );
    assert!(stderr.contains("Script: Modbus slave"), "{stderr}");
    assert!(!stderr.contains("ERROR"), "{stderr}");
}

/// A client for line protocols: sends each argument (escapes read), prints what came back
/// until the next argument's text was awaited.
const DIALOGUE: &str = r#"
import socket, sys, time
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
got = b""
def until(text):
    global got
    while text.encode() not in got:
        more = sock.recv(4096)
        if not more:
            raise SystemExit(f"closed before {text!r}: {got!r}")
        got += more
    at = got.index(text.encode()) + len(text)
    answer, got = got[:at], got[at:]
    return answer
for step in sys.argv[2:]:
    send, wait = step.split("=>")
    if send:
        sock.sendall(send.encode().decode("unicode_escape").encode("latin-1"))
    print(repr(until(wait.encode().decode("unicode_escape")).decode()))
print("closed" if sock.recv(1) == b"" else "open")
"#;

#[test]
fn a_python_client_runs_the_at_dialogue() {
    let modem = Served::tcp_server(&["--script", &example("at_modem.rhai")]);
    let port = modem.port.to_string();
    let steps = [
        r"AT\r=>OK\r\n",
        // The command comes back first (echo), as modems do, then the answer.
        r"ATI\r=>OK\r\n",
        r"ATE0\r=>OK\r\n",
        r"AT+CPIN?\r=>OK\r\n",
        // In two pieces, and two commands in one read.
        r"AT+C=>",
        r"SQ\rAT+CGMI\r=>+CSQ",
        r"=>OK\r\n",
        r"=>OK\r\n",
        r"ATD5551234\r=>CONNECT 9600\r\n",
        r"FOO\r=>ERROR\r\n",
    ];
    let mut args = vec![port.as_str()];
    args.extend(steps);
    // The last step leaves the connection open: close it from our side by ending python.
    let program = DIALOGUE.replace("print(\"closed\"", "0 and print(\"closed\"");
    let (lines, stderr) = modem.python(&program, &args);
    assert_eq!(lines[0], r"'AT\r\r\nOK\r\n'", "{stderr}");
    assert_eq!(lines[1], r"'ATI\r\r\nSockscope modem 1.0\r\n\r\nOK\r\n'");
    assert_eq!(
        lines[2], r"'ATE0\r\r\nOK\r\n'",
        "the echo goes off after it"
    );
    assert_eq!(lines[3], r"'\r\n+CPIN: READY\r\n\r\nOK\r\n'");
    assert_eq!(lines[4], "''");
    assert_eq!(lines[5], r"'\r\n+CSQ'");
    assert!(lines[6].starts_with("': ") && lines[6].ends_with(r",0\r\n\r\nOK\r\n'"));
    assert_eq!(lines[7], r"'\r\nSockscope\r\n\r\nOK\r\n'");
    assert_eq!(lines[8], r"'\r\nCONNECT 9600\r\n'");
    assert_eq!(lines[9], r"'\r\nERROR\r\n'");
    assert!(!stderr.contains("ERROR"), "{stderr}");
}

#[test]
fn a_python_client_must_log_in_before_data() {
    let device = Served::tcp_server(&["--script", &example("login.rhai")]);
    let port = device.port.to_string();
    let args = [
        port.as_str(),
        r"READ\n=>\r\n",
        r"LOGIN admin wrong\r\n=>\r\n",
        r"LOGIN admin 1234\n=>\r\n",
        r"READ\n=>\r\n",
        r"LOGOUT\n=>\r\n",
    ];
    let (lines, stderr) = device.python(DIALOGUE, &args);
    assert_eq!(lines[0], r"'LOGIN FIRST\r\n'", "{stderr}");
    assert_eq!(lines[1], r"'DENIED\r\n'");
    assert_eq!(lines[2], r"'OK\r\n'");
    assert!(lines[3].starts_with("'VALUE "), "{}", lines[3]);
    assert_eq!(lines[4], r"'BYE\r\n'");
    assert_eq!(lines[5], "closed", "LOGOUT closes the connection");
    assert!(stderr.contains("logged in as admin"), "{stderr}");
}

/// Reads `argv[2]` lines from the sensor: each line's checksum checked, its sequence and
/// arrival time printed.
const NMEA_READER: &str = r#"
import socket, sys, time
from functools import reduce
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
lines = sock.makefile("rb")
start = None
for _ in range(int(sys.argv[2])):
    line = lines.readline()
    now = time.monotonic()
    start = start or now
    assert line.endswith(b"\r\n"), line
    body, checksum = line[1:-2].split(b"*")
    valid = reduce(lambda a, b: a ^ b, body, 0) == int(checksum, 16)
    fields = body.split(b",")
    print(fields[0].decode(), fields[1].decode(), valid, round((now - start) * 1000))
"#;

#[test]
fn the_sensors_sentences_arrive_each_second_with_valid_checksums() {
    let sensor = Served::tcp_server(&["--script", &example("nmea_sensor.rhai")]);
    let port = sensor.port.to_string();
    let (lines, stderr) = sensor.python(NMEA_READER, &[&port, "3"]);
    let mut last_ms = None;
    for (index, line) in lines.iter().enumerate() {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(
            fields[..3],
            ["PSSCP", &(index + 1).to_string(), "True"],
            "{stderr}"
        );
        let ms: u64 = fields[3].parse().expect("milliseconds");
        if let Some(last) = last_ms {
            // A second apart: never early (a generous bound the other way: a busy CI machine).
            assert!((900..=3000).contains(&(ms - last)), "{lines:?}");
        }
        last_ms = Some(ms);
    }
    assert_eq!(lines.len(), 3);
}

#[test]
fn the_delayed_echo_answers_each_line_later() {
    let echo = Served::tcp_server(&["--script", &example("delayed_echo.rhai")]);
    let port = echo.port.to_string();
    let program = r#"
import socket, sys, time
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
start = time.monotonic()
sock.sendall(b"hello\n")
got = b""
while not got.endswith(b"\n"):
    got += sock.recv(100)
print(got, (time.monotonic() - start) >= 0.2)
"#;
    let (lines, stderr) = echo.python(program, &[&port]);
    assert_eq!(lines, ["b'hello\\n' True"], "{stderr}");
}
