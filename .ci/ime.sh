#!/usr/bin/env bash
# Chinese typed through an input method, in the real window under Xvfb: fcitx5 with pinyin over
# XIM (as on a Linux desktop without IBus). The app connects to a loopback peer; in the send box,
# Ctrl+Space turns pinyin on, "nihao" then Space commits 你好 from the candidate window, and
# Ctrl+Enter sends it. The peer must get E4 BD A0 E5 A5 BD, and the log file a TX of 你好.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

apt_install_missing fcitx5 fcitx5-chinese-addons dbus x11-utils
xvfb_prepare
temp_dir work

# fcitx5's own home: pinyin in the default group, beside the US keyboard.
ime_home="$work/ime-home"
mkdir -p "$ime_home/.config/fcitx5"
cat >"$ime_home/.config/fcitx5/profile" <<'EOF'
[Groups/0]
Name=Default
Default Layout=us
DefaultIM=pinyin

[Groups/0/Items/0]
Name=keyboard-us
Layout=

[Groups/0/Items/1]
Name=pinyin
Layout=

[GroupOrder]
0=Default
EOF
# Its own session bus, ended with it; the add-ons that reach out (cloud pinyin) or need a
# desktop's tray stay off.
HOME="$ime_home" XDG_CONFIG_HOME="$ime_home/.config" XDG_DATA_HOME="$ime_home/.local/share" \
    dbus-run-session -- fcitx5 --disable=cloudpinyin,notificationitem,kimpanel \
    >"$work/fcitx5.log" 2>&1 &
BACKGROUND_PIDS+=($!)
# fcitx5 is ready once its XIM server has taken the display's input-method selection.
deadline=$((SECONDS + 30))
until xprop -root XIM_SERVERS 2>/dev/null | grep -q 'fcitx'; do
    [ $SECONDS -lt $deadline ] || { echo "FAIL: fcitx5's XIM server did not start"; cat "$work/fcitx5.log"; exit 1; }
    sleep 0.2
done
echo "PASS: fcitx5 serves XIM on $DISPLAY"

port=$(free_port)
timeout 90 python3 - "$port" "$work/peer.out" <<'PY' &
import socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen()
server.settimeout(60)
client, _ = server.accept()
client.settimeout(60)
got = b""
while len(got) < 6:
    chunk = client.recv(64)
    if not chunk:
        break
    got += chunk
open(out, "w").write(got.hex())
PY
peer=$!
BACKGROUND_PIDS+=($peer)
sleep 0.5

log="$work/ime.jsonl"
export XMODIFIERS=@im=fcitx
start_app --lang zh-CN --tcp-client "127.0.0.1:$port" --log "$log"
wid=$(app_window)
wait_file_contains "$log" 30 "127.0.0.1:$port" || { echo "FAIL: not connected"; exit 1; }
# A session that comes up gives the send box the keyboard.
sleep 1
timeout 10 xdotool windowfocus --sync "$wid"
xdotool key ctrl+space
sleep 0.5
xdotool type --delay 80 nihao
sleep 1
shot="$work/candidates.png"
import -window root "$shot"
check_not_blank "$shot" >/dev/null
xdotool key space
sleep 0.5
xdotool key ctrl+Return

wait "$peer" || true
got=$(cat "$work/peer.out" 2>/dev/null || true)
if [ "$got" != "e4bda0e5a5bd" ]; then
    echo "FAIL: the peer got '$got', not 你好 in UTF-8 (e4bda0e5a5bd)"
    cp "$shot" /tmp/sockscope-ime-candidates.png && echo "the candidate window: /tmp/sockscope-ime-candidates.png"
    tail -n 5 "$work/fcitx5.log"
    exit 1
fi
echo "PASS: 你好 typed through fcitx5 pinyin (XIM) reached the peer as E4 BD A0 E5 A5 BD"
wait_file_contains "$log" 10 '"dir":"tx"' || { echo "FAIL: no TX recorded"; exit 1; }
grep -F '"dir":"tx"' "$log" | grep -qF '"hex":"e4bda0e5a5bd","text":"你好"' \
    || { echo "FAIL: the log's TX is not 你好:"; grep -F '"dir":"tx"' "$log"; exit 1; }
echo "PASS: the log records the send as 你好"
stop_app 10
