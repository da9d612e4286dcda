#!/usr/bin/env bash
# Real-window smoke test: the release binary under Xvfb with a TCP server preset and --log,
# a real loopback client exchanging GBK text, a screenshot that must not be blank, SIGTERM, and
# a check of every recorded .jsonl line. Then the CLI test that needs a display, and a display
# without OpenGL.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

xvfb_prepare
temp_dir work
port=$(free_port)
log="$work/smoke.jsonl"

start_app --tcp-server "127.0.0.1:$port" --encoding gbk --log "$log"
wid=$(app_window)
echo "PASS: window $wid is up"
wait_file_contains "$log" 30 "Listening on 127.0.0.1:$port" || { echo "FAIL: not listening"; exit 1; }

# The client sends GBK text plus raw bytes, then waits for the reply typed into the app.
timeout 60 python3 - "$port" "$work/client.out" <<'PY' &
import socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=50)
s.sendall("你好，世界".encode("gbk") + bytes([0, 1, 2, 0xFF]))
open(out + ".addr", "w").write("%s:%d" % s.getsockname())
want, got = b"smoke reply", b""
while len(got) < len(want):
    chunk = s.recv(64)
    if not chunk:
        break
    got += chunk
# Anything more than what was typed would show up within this time.
s.settimeout(0.5)
try:
    got += s.recv(64)
except socket.timeout:
    pass
open(out, "wb").write(got)
PY
client=$!
wait_file_contains "$log" 30 '"dir":"rx"' || { echo "FAIL: nothing received"; exit 1; }
type_and_send "$wid" "smoke reply"
wait "$client" || { echo "FAIL: the client did not finish"; exit 1; }
[ "$(cat "$work/client.out")" = "smoke reply" ] || { echo "FAIL: client got '$(cat "$work/client.out")'"; exit 1; }
echo "PASS: the client received what was typed into the window"

wait_file_contains "$log" 10 '"dir":"tx"' || { echo "FAIL: TX not recorded"; exit 1; }
mkdir -p target
import -window root target/smoke.png
check_not_blank target/smoke.png
stop_app 15
[ "$APP_STATUS" -eq 0 ] || { echo "FAIL: on SIGTERM the app exited with $APP_STATUS, not 0"; exit 1; }
echo "PASS: the app closed its window and exited 0 on SIGTERM"

python3 - "$log" "$port" "$(cat "$work/client.out.addr")" <<'PY' || { echo "FAIL: the .jsonl check above"; exit 1; }
import json, re, sys
path, port, client = sys.argv[1], sys.argv[2], sys.argv[3]
raw = open(path, encoding="utf-8").read()
assert raw.endswith("\n"), "the last record is complete"
lines = [json.loads(line) for line in raw.splitlines()]
keys = {"time", "mode", "dir", "peer", "len", "hex", "text"}
for line in lines:
    # Bytes that crossed the wire also name this end: the server's address.
    data = line["dir"] in ("rx", "tx")
    assert set(line) == keys | ({"local"} if data else set()), line
    if data:
        assert line["local"] == "127.0.0.1:%s" % port, line
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", line["time"]), line
    assert line["mode"] == "tcp-server", line
    assert line["len"] == len(bytes.fromhex(line["hex"])), line
rx = b"".join(bytes.fromhex(l["hex"]) for l in lines if l["dir"] == "rx")
assert rx == "你好，世界".encode("gbk") + bytes([0, 1, 2, 0xFF]), rx
assert any(l["dir"] == "rx" and l["text"].startswith("你好，世界") for l in lines)
assert all(l["peer"] == client for l in lines if l["dir"] in ("rx", "tx")), client
assert any(l["dir"] == "tx" and l["text"] == "smoke reply" and l["hex"] == b"smoke reply".hex() for l in lines)
assert any(l["dir"] == "info" and l["peer"] is None and "Listening on 127.0.0.1:" + port in l["text"] for l in lines)
print(f"PASS: {len(lines)} .jsonl records, rx bytes exact")
PY

# The CLI test that needs a display: a preset plus --log, checked line by line.
timeout 900 cargo test --quiet --test it -- --ignored cli:: || { echo "FAIL: cargo test --test it -- --ignored cli::"; exit 1; }
# A display without OpenGL (no GLX, no EGL driver): the app says why in one line and exits 2.
n=$((200 + RANDOM % 50))
Xvfb ":$n" -screen 0 800x600x24 -nolisten tcp -extension GLX >/dev/null 2>&1 &
BACKGROUND_PIDS+=($!)
for _ in $(seq 100); do
    DISPLAY=":$n" xdotool getdisplaygeometry >/dev/null 2>&1 && break
    sleep 0.2
done
set +e
said=$(HOME="$work" DISPLAY=":$n" __EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent.json \
    timeout 30 "${SOCKSCOPE_BIN:-target/release/sockscope}" --lang en 2>&1)
status=$?
set -e
if [ $status -ne 2 ] || [ "$(printf '%s\n' "$said" | wc -l)" -ne 1 ] \
    || [[ $said != "Sockscope cannot draw its window: it needs OpenGL 2.0 or newer"* ]]; then
    echo "FAIL: without OpenGL the app exited $status saying: $said"
    exit 1
fi
echo "PASS: without OpenGL the app says so in one line and exits 2: $said"
echo "smoke: 2 passed, 0 failed"
