#!/usr/bin/env bash
# The big transfer check: a real client sends SIZE MiB (default 1024) of random bytes to the
# release app's TCP server under Xvfb, with --log (rotating every 256 MiB) and --save-data on.
# After SIGTERM, the received bytes rebuilt from the .jsonl parts' hex and the raw data file
# must both have the sha256 of what was sent. Usage: bash .ci/transfer.sh [SIZE_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

size_mib=${1:-1024}
xvfb_prepare
temp_dir work
port=$(free_port)
log="$work/transfer.jsonl"
data="$work/transfer.bin"

started=$SECONDS
start_app --tcp-server "127.0.0.1:$port" --hex --log "$log" --save-data "$data"
app_window >/dev/null
wait_file_contains "$log" 30 "Listening on 127.0.0.1:$port" || { echo "FAIL: not listening"; exit 1; }

# Sends the bytes and prints their sha256; the stream is seeded, so it is the same every run.
sent=$(timeout 1200 python3 - "$port" "$size_mib" <<'PY'
import hashlib, random, socket, sys, time
port, size_mib = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(20261122)
digest = hashlib.sha256()
began = time.monotonic()
with socket.create_connection(("127.0.0.1", port)) as s:
    for _ in range(size_mib):
        chunk = rng.randbytes(1 << 20)
        digest.update(chunk)
        s.sendall(chunk)
seconds = time.monotonic() - began
print(f"sent {size_mib} MiB in {seconds:.1f} s ({size_mib / seconds:.0f} MiB/s)", file=sys.stderr)
print(digest.hexdigest())
PY
) || { echo "FAIL: the sender"; exit 1; }

# The data file is written as bytes arrive: when it is whole, every byte has been read.
total=$((size_mib * 1024 * 1024))
deadline=$((SECONDS + 600))
while [ "$(stat -c %s "$data" 2>/dev/null || echo 0)" -lt "$total" ]; do
    [ $SECONDS -lt $deadline ] || { echo "FAIL: the data file stopped at $(stat -c %s "$data") of $total bytes"; exit 1; }
    sleep 0.5
done
echo "received $size_mib MiB after $((SECONDS - started)) s"
mkdir -p target
import -window root target/transfer.png
stop_app 600
[ "$APP_STATUS" -eq 0 ] || { echo "FAIL: the app exited with $APP_STATUS"; exit 1; }
echo "recording complete after $((SECONDS - started)) s"
ls -l "$work"

python3 - "$log" "$data" "$sent" <<'PY' || { echo "FAIL: the sha256 check above"; exit 1; }
import hashlib, json, os, sys
log, data, sent = sys.argv[1], sys.argv[2], sys.argv[3]
raw = hashlib.sha256()
with open(data, "rb") as f:
    while block := f.read(1 << 22):
        raw.update(block)
assert raw.hexdigest() == sent, f"data file sha256 {raw.hexdigest()} != sent {sent}"
print(f"PASS: the data file's sha256 is what was sent ({sent[:16]}…)")

stem, ext = os.path.splitext(log)
recorded, parts, part = hashlib.sha256(), 0, 1
while os.path.exists(path := log if part == 1 else f"{stem}.{part}{ext}"):
    size = os.path.getsize(path)
    assert size <= 256 << 20, f"{path} is {size} bytes, over the 256 MiB split"
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["dir"] == "rx":
                recorded.update(bytes.fromhex(record["hex"]))
    parts, part = part, part + 1
assert recorded.hexdigest() == sent, f"recording sha256 {recorded.hexdigest()} != sent {sent}"
print(f"PASS: the recording's {parts} parts rebuild what was sent, by sha256")
PY
echo "transfer: $size_mib MiB checked in $((SECONDS - started)) s"
