#!/usr/bin/env bash
# What the intake thread does, measured in a real window (Xvfb + Mesa llvmpipe, release build),
# where frames are rasterized and take real time, unlike the headless `cargo bench`:
#   1. auto-reply latency: a client sends PING to the TCP Server tab, whose rule answers PONG;
#      timed from the write to the reply's arrival (two loopback hops), back to back and spaced;
#   2. a flood recorded (`--log .jsonl`) into a FIFO read at 25 MB/s: the app's peak resident
#      memory, how far the sender got ahead, and the recording checked by sha256.
# Usage: bash benches/window_intake.sh [ROUNDS=300] [FLOOD_MIB=64]. Needs root for apt-get
# (Xvfb, Mesa) the first time. SOCKSCOPE_BIN runs another build (an older one, side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh
rounds=${1:-300}
flood_mib=${2:-64}

xvfb_prepare

# The app with settings of its own: an auto-reply rule PING → PONG in the TCP Server tab.
start_with_rule() {
    local home
    temp_dir home
    write_settings "$home" "(active:TcpServer,tcp_server:(auto_replies:[$PING_PONG_RULE]))"
    HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
        "${SOCKSCOPE_BIN:-target/release/sockscope}" "$@" >"$home/app.log" 2>&1 &
    APP_PID=$!
    APP_LOG="$home/app.log"
    BACKGROUND_PIDS+=($APP_PID)
}

echo "== auto-reply latency in the real window ($rounds rounds each)"
port=$(free_port)
start_with_rule --tcp-server "127.0.0.1:$port"
app_window >/dev/null
timeout 120 python3 - "$port" "$rounds" <<'PY'
import socket, statistics, sys, time
sys.path.insert(0, "benches/window")
from cost import try_connect, wait_for
port, rounds = int(sys.argv[1]), int(sys.argv[2])
s = wait_for("the app's port", lambda: try_connect(port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(10)
def once():
    t = time.perf_counter(); s.sendall(b"PING"); got = b""
    while len(got) < 4: got += s.recv(4 - len(got))
    assert got == b"PONG", got
    return (time.perf_counter() - t) * 1000
for _ in range(20): once()   # warm up; the app also sees the client
def report(name, times):
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(len(times) * p))]
    print(f"  {name}: median {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, max {times[-1]:.1f} ms")
report("back to back", [once() for _ in range(rounds)])
spaced = []
for _ in range(rounds // 3):
    time.sleep(0.05); spaced.append(once())
report("one every 50 ms", spaced)
PY
kill "$APP_PID" 2>/dev/null || true

echo "== $flood_mib MiB recorded into a FIFO read at 25 MB/s, in the real window"
temp_dir fifo_dir
fifo="$fifo_dir/recording.jsonl"
mkfifo "$fifo"
port=$(free_port)
# The reader opens the FIFO first; the app's recorder then opens it for writing at start.
verdict="$fifo_dir/verdict"
timeout 900 python3 - "$fifo" "$port" "$flood_mib" >"$verdict" <<'PY' &
import hashlib, json, os, socket, sys, threading, time
sys.path.insert(0, "benches/window")
from cost import try_connect, wait_for
fifo, port, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mib * 1024 * 1024
rate = 25e6
state = {"sent": 0, "recorded": 0, "lead": 0}
def pattern(n, seed):
    return hashlib.sha256(seed.to_bytes(8, "little")).digest() * (n // 32)
def send(sent_hash):
    s = wait_for("the app's port", lambda: try_connect(port))
    block = 0; t = time.time()
    while state["sent"] < total:
        data = pattern(65536, block); block += 1
        s.sendall(data); sent_hash.update(data); state["sent"] += len(data)
    state["sender_s"] = time.time() - t
    s.close()
sent_hash = hashlib.sha256()
reader = open(fifo, "rb")
sender = threading.Thread(target=send, args=(sent_hash,)); sender.start()
recorded_hash = hashlib.sha256(); taken = 0; t = time.time(); buffer = b""
while state["recorded"] < total:
    wait = taken / rate - (time.time() - t)
    if wait > 0: time.sleep(wait)
    chunk = reader.read1(65536)
    if not chunk: break
    taken += len(chunk); buffer += chunk
    *lines, buffer = buffer.split(b"\n")
    for line in lines:
        record = json.loads(line)
        if record["dir"] == "rx":
            data = bytes.fromhex(record["hex"]); recorded_hash.update(data)
            state["recorded"] += len(data)
    state["lead"] = max(state["lead"], state["sent"] - state["recorded"])
sender.join()
print(f"  sender done in {state['sender_s']:.1f} s, at most {state['lead'] / 1e6:.0f} MB ahead of "
      f"the recording, recorded in {time.time() - t:.1f} s; sha256 "
      + ("equal" if sent_hash.digest() == recorded_hash.digest() else "DIFFERS"))
sys.stdout.flush()
# Keep draining, so the app's last records still find a reader.
while reader.read1(65536): pass
PY
reader_pid=$!
BACKGROUND_PIDS+=($reader_pid)
start_app --tcp-server "127.0.0.1:$port" --log "$fifo" --split-mib 1000000 --hex
app_window >/dev/null
# Until the reader has every byte (its verdict is its first line), the app's peak memory.
peak=0
deadline=$((SECONDS + 600))
until [ -s "$verdict" ]; do
    [ $SECONDS -lt $deadline ] || { echo "FAIL: the recording was not complete in 600 s"; exit 1; }
    kill -0 "$reader_pid" 2>/dev/null || { echo "FAIL: the reader stopped"; exit 1; }
    sleep 0.5
done
peak=$(awk '/VmHWM/ {print int($2 * 1.024 / 1000)}' "/proc/$APP_PID/status")
cat "$verdict"
echo "  app peak resident memory: $peak MB (VmHWM)"
stop_app 30
