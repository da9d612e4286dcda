#!/usr/bin/env bash
# A real file dialog held open while traffic flows. Under Xvfb with a private D-Bus session
# running xdg-desktop-portal and its GTK backend, rfd shows GTK's file chooser and it blocks,
# as on a desktop. With the TCP Server tab recording (--log) and an auto-reply rule, Save log…
# is clicked (found on screen by OCR); while its dialog is up, a client floods 8 MiB and another
# asks PING 20 times: every byte must reach the recording and every PONG must come back before
# the dialog is closed with Escape. Then the tab must still answer.
# Usage: bash .ci/dialog.sh (root installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

if [ -z "${SOCKSCOPE_IN_PORTAL:-}" ]; then
    xvfb_install
    apt_install_missing dbus xdg-desktop-portal xdg-desktop-portal-gtk tesseract-ocr
    cargo build --release --quiet
    xvfb_start
    # The rest runs inside a D-Bus session of its own; Xvfb stays with this shell.
    SOCKSCOPE_IN_PORTAL=1 dbus-run-session -- bash "$0"
    exit 0
fi

# The portal and its GTK backend, started by D-Bus on demand, draw on this display.
dbus-update-activation-environment DISPLAY="$DISPLAY" XDG_CURRENT_DESKTOP=GNOME >/dev/null 2>&1
export XDG_CURRENT_DESKTOP=GNOME

# Clicks the first word $2 (followed on its line by word $3, if given) that OCR reads in
# window $1. Fails if no such word shows within 20 s.
click_word() {
    local wid=$1 first=$2 second=${3:-} deadline=$((SECONDS + 20)) at
    while :; do
        import -window "$wid" "$work/ocr.png"
        tesseract "$work/ocr.png" - tsv 2>/dev/null >"$work/ocr.tsv" || true
        at=$(python3 - "$work/ocr.tsv" "$first" "$second" <<'PY'
import csv, sys
path, first, second = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [r for r in csv.DictReader(open(path), delimiter="\t", quoting=csv.QUOTE_NONE) if r["text"]]
for i, r in enumerate(rows):
    nxt = rows[i + 1] if i + 1 < len(rows) else None
    line = lambda r: (r["block_num"], r["par_num"], r["line_num"])
    if r["text"] == first and (not second or (nxt and line(nxt) == line(r) and nxt["text"].startswith(second))):
        print(int(r["left"]) + int(r["width"]) // 2, int(r["top"]) + int(r["height"]) // 2)
        break
PY
)
        if [ -n "$at" ]; then
            # The pointer rests before the press: egui may miss a press that comes with the move.
            # shellcheck disable=SC2086
            xdotool mousemove --window "$wid" $at
            sleep 0.3
            xdotool click 1
            return 0
        fi
        [ $SECONDS -lt $deadline ] || { echo "FAIL: no '$first $second' on screen"; return 1; }
        sleep 0.5
    done
}

temp_dir work
port=$(free_port)
log="$work/all.jsonl"
home="$work/home"
write_settings "$home" "(active:TcpServer,settings_open:true,tcp_server:(auto_replies:[$PING_PONG_RULE]))"
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
    target/release/sockscope --tcp-server "127.0.0.1:$port" --log "$log" --lang en \
    >"$work/app.log" 2>&1 &
APP_PID=$!
APP_LOG="$work/app.log"
BACKGROUND_PIDS+=($APP_PID)
wid=$(app_window)
wait_file_contains "$log" 30 "Listening on 127.0.0.1:$port" || { echo "FAIL: not listening"; exit 1; }

click_word "$wid" Files
click_word "$wid" Save log
dialog=$(wait_window "Save log" 30) || { echo "FAIL: no Save log dialog opened"; cat "$APP_LOG"; exit 1; }
echo "PASS: GTK's Save log dialog is up (window $dialog)"

# While it is up: 8 MiB on one connection, then 20 questions on another, each answered by
# the rule.
timeout 120 python3 - "$port" "$log" <<'PY' || { echo "FAIL: the traffic above, with the dialog up"; exit 1; }
import json, socket, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
flood = 8 * 1024 * 1024
flooder = socket.create_connection(("127.0.0.1", port), timeout=60)
flooder.sendall(b"x" * flood)
# Questions on a connection of their own: on the flood's, PING would join the x's in a read.
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
started = time.time()
for _ in range(20):
    s.sendall(b"PING")
    got = b""
    while len(got) < 4:
        got += s.recv(4 - len(got))
    assert got == b"PONG", got
    time.sleep(0.05)
print(f"PASS: 20 PONGs with the dialog up, in {time.time() - started:.2f} s")
deadline = time.time() + 60
recorded = 0
while time.time() < deadline:
    recorded = 0
    for line in open(log, encoding="utf-8"):
        if line.endswith("\n") and '"dir":"rx"' in line:
            recorded += json.loads(line)["len"]
    if recorded == flood + 20 * 4:
        break
    time.sleep(0.2)
assert recorded == flood + 20 * 4, f"recorded {recorded} bytes"
print(f"PASS: all {recorded} received bytes recorded with the dialog up")
PY

mkdir -p target
import -window root target/dialog.png
xdotool search --name "^Save log\$" >/dev/null || { echo "FAIL: the dialog closed early"; exit 1; }
echo "PASS: the dialog was up all along (screenshot target/dialog.png)"
timeout 10 xdotool windowactivate --sync "$dialog" key Escape || xdotool key --window "$dialog" Escape
deadline=$((SECONDS + 20))
while xdotool search --name "^Save log\$" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "FAIL: Escape did not close the dialog"; exit 1; }
    sleep 0.2
done
echo "PASS: Escape closed the dialog"
# The app took the dialog's answer (a cancel): the session still answers, and the window
# does not say a dialog is open.
timeout 30 python3 - "$port" <<'PY' || { echo "FAIL: no PONG after the dialog closed"; exit 1; }
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"PING")
got = b""
while len(got) < 4:
    got += s.recv(4 - len(got))
assert got == b"PONG", got
PY
import -window "$wid" "$work/after.png"
if tesseract "$work/after.png" - 2>/dev/null | grep -q "open already"; then
    echo "FAIL: the window still says a file dialog is open"
    exit 1
fi
echo "PASS: after the dialog the tab answers, and no dialog is said to be open"
stop_app 15
[ "$APP_STATUS" -eq 0 ] || { echo "FAIL: the app exited with $APP_STATUS"; exit 1; }
echo "PASS: the app quit cleanly"
