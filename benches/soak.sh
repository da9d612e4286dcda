#!/usr/bin/env bash
# The soak: the release app in a real window (Xvfb) under mixed loopback traffic for N minutes,
# its resident memory sampled every 10 s.
#   - TCP Server tab (in view, the log flowing): 10 clients chatting (lines, and PING that an
#     auto-reply rule answers with PONG), 1 client flooding (--flood-kib, default 1024 KiB/s),
#     and a repeated send to every client every 10 ms;
#   - UDP tab: 1,000 datagrams a second of 16 to 1,008 bytes;
#   - --log recording every tab to .jsonl, rotated every 64 MiB and checked as it is written.
# Passes when (a) RSS stays within ±10% of its mean after the first minute (--warmup), (b) the
# app never panicked and exited 0 on SIGTERM, (c) the recording holds every byte each way, per
# flow, by count and SHA-256, (d) the window drew throughout. Figures, samples, screenshots and
# the recording's last part go to target/soak/.
#
# Usage: bash benches/soak.sh [--minutes N (30)] [--flood-kib K (1024)] [--keep-mib M (16)]
#                             [--udp-rate R (1000)] [--out DIR (target/soak)]
#                             [--warmup SECS (60)] [--stop-repeat-first]
# --stop-repeat-first clicks Stop repeat before SIGTERM (by default the repeat runs until the
# app is told to quit, as a user would leave it).
# Needs root for apt-get (Xvfb, Mesa, xdotool, ImageMagick) the first time. Disk: about two
# 64 MiB parts of the recording at a time (parts are read and removed as they are finished).
{
# The whole script is one group, read before it runs: editing the file during a run is safe.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

minutes=30
flood_kib=1024
keep_mib=16
udp_rate=1000
out=target/soak
stop_repeat_first=0
warmup=60
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes=$2; shift 2 ;;
        --flood-kib) flood_kib=$2; shift 2 ;;
        --keep-mib) keep_mib=$2; shift 2 ;;
        --udp-rate) udp_rate=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --stop-repeat-first) stop_repeat_first=1; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
        *) echo "soak: unknown argument $1 (see --help)"; exit 2 ;;
    esac
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
if [ "$seconds" -lt $((warmup + 10)) ]; then
    echo "soak: --minutes must leave samples after the warm-up"
    exit 2
fi

# Xvfb on a display number it picks itself (-displayfd: the lowest free one, taken atomically,
# so runs beside the other real-window scripts and one right after another cannot collide).
soak_xvfb_start() {
    local n
    # Not `local`: temp_dir's own local would hide it.
    temp_dir xvfb_dir
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$xvfb_dir/display" >/dev/null 2>&1 &
    BACKGROUND_PIDS+=($!)
    local deadline=$((SECONDS + 20))
    until n=$(cat "$xvfb_dir/display" 2>/dev/null) && [ -n "$n" ]; do
        [ $SECONDS -lt $deadline ] || { echo "FAIL: Xvfb did not start"; return 1; }
        sleep 0.2
    done
    export DISPLAY=":$n"
    until xdotool getdisplaygeometry >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { echo "FAIL: Xvfb on :$n does not answer"; return 1; }
        sleep 0.2
    done
}
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
click() { xdotool mousemove --window "$1" "$2" "$3" click 1; sleep 0.5; }
shoot() { import -window "$wid" "$out/$1.png"; check_not_blank "$out/$1.png"; }
udp_free_port() {
    python3 -c 'import socket; s = socket.socket(type=socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
setup_failed() {
    shoot setup-failed || true
    echo "FAIL: $1 (see $out/setup-failed.png)"
    exit 1
}
# Waits up to $1 s for file $2 to exist.
wait_exists() {
    local deadline=$((SECONDS + $1))
    until [ -e "$2" ]; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

xvfb_install
cargo build --release --quiet
soak_xvfb_start
mkdir -p "$out"
rm -f "$out"/*.png "$out"/rss.csv "$out"/frames.txt "$out"/*.json "$out"/*.jsonl "$out"/app.log
temp_dir work
tcp_port=$(free_port)
udp_port=$(udp_free_port)
record="$work/soak.jsonl"

# Settings of its own, as a user would have left them: the UDP tab on 127.0.0.1:UDP_PORT;
# in the TCP Server tab a line to repeat every 10 ms and the rule PING → PONG.
temp_dir home
mkdir -p "$home/.local/share/sockscope"
python3 - "$home/.local/share/sockscope/app.ron" "$udp_port" <<'PY'
import json, sys
path, udp_port = sys.argv[1], sys.argv[2]
rule = '(enabled:true,when:Equals,pattern:"PING\\\\r\\\\n",reply:"PONG\\\\r\\\\n")'
server = ('(send_text:"TICK 0123456789 abcdefghijklmnopqrstuvwxyz\\r\\n",'
          'cycle:(interval_ms:"10",count:""),auto_replies:[%s])' % rule)
udp = '(host:"127.0.0.1",port:"%s",remote_host:"",remote_port:"")' % udp_port
persisted = "(active:TcpServer,tcp_server:%s,udp:%s)" % (server, udp)
open(path, "w").write('{"app":%s}' % json.dumps(persisted))
PY

echo "== soak: $minutes min; TCP server 127.0.0.1:$tcp_port (10 chatting, 1 flooding at" \
    "$flood_kib KiB/s, a repeat every 10 ms), UDP 127.0.0.1:$udp_port at $udp_rate datagrams/s," \
    "--keep-mib $keep_mib, recording to .jsonl; display $DISPLAY"
export SOCKSCOPE_FRAME_REPORT="$out/frames.txt"
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
    target/release/sockscope --lang en --tcp-server "127.0.0.1:$tcp_port" --log "$record" \
    --split-mib 64 --keep-mib "$keep_mib" >"$out/app.log" 2>&1 &
APP_PID=$!
APP_LOG="$out/app.log"
BACKGROUND_PIDS+=($APP_PID)
unset SOCKSCOPE_FRAME_REPORT
wid=$(app_window 60)
wait_file_contains "$record" 30 "Listening on 127.0.0.1:$tcp_port" \
    || { echo "FAIL: not listening"; exit 1; }

timeout $((seconds + 3600)) python3 benches/soak/digest.py --delete "$record" \
    "$work/recorded.json" "$work/app-exited" &
digest_pid=$!
BACKGROUND_PIDS+=($digest_pid)

# Clicks in the default 1100x720 window, English: the tab bar, UDP's Open, Start repeat.
click "$wid" 283 16
click "$wid" 150 207
wait_file_contains "$record" 20 "Opened UDP socket on 127.0.0.1:$udp_port" \
    || setup_failed "the UDP tab did not open"
click "$wid" 215 16

timeout $((seconds + 900)) python3 benches/soak/peers.py --tcp-port "$tcp_port" \
    --udp-port "$udp_port" --seconds "$seconds" --out "$work" --flood-kib "$flood_kib" \
    --udp-rate "$udp_rate" --start-file "$work/go" &
peers_pid=$!
BACKGROUND_PIDS+=($peers_pid)
wait_exists 60 "$work/ready.json" || { echo "FAIL: the peers did not connect"; exit 1; }
click "$wid" 68 454
wait_file_contains "$record" 10 '"dir":"tx"' \
    || setup_failed "the repeat did not start"
touch "$work/go"
begin_us=$(now_us)
echo "== traffic started: sampling every 10 s into $out/rss.csv"

# One sample: seconds since the traffic began, resident and peak memory, threads, open
# descriptors, CPU seconds, frames drawn so far, records read from the recording so far.
echo "t_s,alive,rss_kib,hwm_kib,threads,fds,cpu_s,frames,records" >"$out/rss.csv"
ticks=$(getconf CLK_TCK)
sample() {
    local t=$1 rss=0 hwm=0 threads=0 fds=0 cpu=0 alive=0 frames records
    if [ -r "/proc/$APP_PID/status" ]; then
        alive=1
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$APP_PID/status")
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$APP_PID/status")
        threads=$(awk '/^Threads:/ { print $2 }' "/proc/$APP_PID/status")
        fds=$(find "/proc/$APP_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
        # utime and stime, fields 14 and 15 of stat: 12 and 13 after "PID (NAME) ".
        cpu=$(awk -v hz="$ticks" '{ sub(/.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' \
            "/proc/$APP_PID/stat")
    fi
    frames=$(wc -l <"$out/frames.txt" 2>/dev/null || echo 0)
    records=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' \
        "$work/recorded.json" 2>/dev/null || echo 0)
    echo "$t,$alive,$rss,$hwm,$threads,$fds,$cpu,$frames,$records" >>"$out/rss.csv"
    [ $((t % 60)) -ne 0 ] || printf '   %5d s  RSS %6.1f MiB  CPU %7.1f s  %s records\n' \
        "$t" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$cpu" "$records"
    [ "$alive" -eq 1 ]
}
middle_shot=$((seconds / 2 / 10 * 10))
app_gone=0
k=0
while :; do
    t=$((k * 10))
    if ! sample "$t"; then echo "FAIL: the app is gone at $t s"; app_gone=1; break; fi
    [ "$t" -ne 20 ] || shoot start
    [ "$t" -ne "$middle_shot" ] || shoot middle
    [ ! -e "$work/sent.json" ] || break
    [ "$t" -lt $((seconds + 60)) ] || { echo "FAIL: the peers did not finish sending"; break; }
    k=$((k + 1))
    # Sleep to the next tick of a fixed schedule, so samples do not drift.
    due_us=$((begin_us + k * 10000000))
    wait_us=$((due_us - $(now_us)))
    [ "$wait_us" -le 0 ] || sleep "$(awk -v u="$wait_us" 'BEGIN { printf "%.3f", u / 1e6 }')"
done
end_us=$(now_us)

if [ $app_gone -eq 0 ]; then
    # Everything sent has been read once the recording holds it all (bounded: the app may be
    # behind); then SIGTERM, which closes every connection after the last byte is recorded.
    drain_start=$SECONDS
    timeout 300 python3 - "$work/sent.json" "$work/recorded.json" <<'PY' \
        || echo "!! not everything sent showed up in the recording within 300 s; stopping anyway"
import json, sys, time
sent = json.load(open(sys.argv[1]))
while True:
    try:
        flows = json.load(open(sys.argv[2]))["flows"]
    except (OSError, ValueError):
        flows = {}
    behind = [p for p in sent
              if flows.get(("udp" if p["kind"] == "udp" else "tcp-server") + " rx " + p["addr"],
                           {"bytes": 0})["bytes"] < p["sent_bytes"]]
    if not behind:
        break
    time.sleep(0.5)
PY
    echo "== drained in $((SECONDS - drain_start)) s; stopping the app"
    shoot end
    if [ $stop_repeat_first -eq 1 ]; then
        click "$wid" 68 454
        sleep 1
    fi
    [ "$(identify -format '%#' "$out/start.png")" != "$(identify -format '%#' "$out/end.png")" ] \
        || echo "!! the first and last screenshots are the same"
    stop_started=$SECONDS
    stop_app 600 || true
    echo "== the app exited with ${APP_STATUS:-none} after $((SECONDS - stop_started)) s"
else
    APP_STATUS=0
    wait "$APP_PID" 2>/dev/null || APP_STATUS=$?
    echo "== the app had exited with $APP_STATUS"
fi
touch "$work/app-exited"
peers_status=0
wait "$peers_pid" || peers_status=$?
[ "$peers_status" -eq 0 ] || echo "!! the peers exited with $peers_status"
wait "$digest_pid" || { echo "FAIL: the recording reader failed"; exit 1; }
cp "$work/recorded.json" "$out/"
# The recording's last part (or parts), read after the app exited: how the session ended.
mv "$work"/soak*.jsonl "$out/" 2>/dev/null || true
# What the peers counted at the end; if they never finished, what they had sent.
for name in peers sent ready; do
    if [ -e "$work/$name.json" ]; then cp "$work/$name.json" "$out/peers.json"; break; fi
done

python3 benches/soak/report.py --rss "$out/rss.csv" --peers "$out/peers.json" \
    --recorded "$out/recorded.json" --frames "$out/frames.txt" --traffic-us "$begin_us,$end_us" \
    --status "${APP_STATUS:-255}" --app-log "$out/app.log" --warmup "$warmup" \
    | tee "$out/report.txt"
exit
}
