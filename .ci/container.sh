#!/usr/bin/env bash
# Issue 30's container, as far as this machine goes (no container engine runs here): the
# release binary in an empty root that holds only it, the libraries `ldd` names (glibc's) and
# an example script, which is less than `FROM debian:bookworm-slim` gives. Run there by chroot
# with no display and an empty environment, it must serve a Modbus master (pymodbus) that
# runs outside the root, and end cleanly on SIGTERM. Needs root (chroot); CI is root.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

BIN=${SOCKSCOPE_BIN:-target/release/sockscope}
[ -x "$BIN" ] || cargo build --release --quiet
python3 -c "import pymodbus" 2>/dev/null || python3 -m pip install -q pymodbus
temp_dir root
temp_dir said
mkdir -p "$root/usr/local/bin" "$root/srv"
cp "$BIN" "$root/usr/local/bin/sockscope"
cp examples/scripts/modbus_slave.rhai "$root/srv/"
# The libraries it links, at the paths the loader looks in.
libraries=$(ldd "$BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
for lib in $libraries; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
echo "container root: $(du -sh "$root" | cut -f1), libraries:" $libraries
if echo "$libraries" | grep -Eq 'X11|xcb|wayland|GL'; then
    echo "FAIL: the binary links a display library"; exit 1
fi
port=$(free_port)
env -i "$(command -v chroot)" "$root" /usr/local/bin/sockscope --headless --tcp-server "127.0.0.1:$port" \
    --script /srv/modbus_slave.rhai >"$said/out" 2>"$said/err" &
pid=$!
BACKGROUND_PIDS+=($pid)
for _ in $(seq 100); do grep -q "Listening on" "$said/err" && break; sleep 0.05; done
grep -q "Listening on" "$said/err" || { cat "$said/err"; echo "FAIL: it did not listen"; exit 1; }
timeout 30 python3 - "$port" <<'PY'
import sys
from pymodbus.client import ModbusTcpClient
client = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=5, retries=0)
assert client.connect(), "no connection"
assert not client.write_registers(0, [215, 1013, 64]).isError()
values = client.read_holding_registers(0, count=3).registers
assert values == [215, 1013, 64], values
client.close()
print("pymodbus read back", values)
PY
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
cat "$said/err"
[ "$code" = 0 ] || { echo "FAIL: it ended with $code on SIGTERM"; exit 1; }
grep -q " AUTO " "$said/out" || { echo "FAIL: no answer on stdout"; exit 1; }
echo "PASS: the headless binary served pymodbus from a root holding only it and glibc"
