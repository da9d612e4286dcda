#!/usr/bin/env bash
# Issue 28: Sockscope's relay (release build, real window under Xvfb) beside socat in one run.
# 1. Throughput: SIZE MiB of seeded random bytes, sender -> contender -> sink, sha256 checked at
#    the sink; contenders direct (baseline), socat, Sockscope, Sockscope recording --log .pcapng,
#    interleaved RUNS times. Rate = bytes / (first byte sent .. last byte at the sink).
#    Targets: Sockscope >= 80% of socat, >= 60% while recording (said, never failed on).
# 2. PAIRS clients at once through the relay to an echo upstream, 16 KiB each read back exactly;
#    resident memory idle, with every pair open, and after they closed, Sockscope and socat.
# 3. Over UDP: DGRAMS datagrams of 500 bytes at 60,000 a second from one client, through
#    `socat UDP4-LISTEN:A UDP4:127.0.0.1:B` and `sockscope --relay-udp`: received and CPU.
# Fails only on correctness: a sha256 mismatch, a pair not completing, the app crashing.
# Usage: bash benches/relay.sh [--mib N] [--runs N] [--pairs N] [--short]
# --short (64 MiB, 1 run, 200 pairs, 60,000 datagrams) is for CI, well under 2 minutes. Peers:
# benches/relay_peers.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

mib=1024 runs=2 npairs=1000 ndgrams=300000
while [ $# -gt 0 ]; do
    case $1 in
        --mib) mib=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --pairs) npairs=$2; shift 2 ;;
        --short) mib=64 runs=1 npairs=200 ndgrams=60000; shift ;;
        *) echo "usage: $0 [--mib N] [--runs N] [--pairs N] [--short]" >&2; exit 2 ;;
    esac
done
began=$SECONDS
PY="python3 benches/relay_peers.py"
BIN=${SOCKSCOPE_BIN:-target/release/sockscope}

xvfb_install
apt_install_missing socat iproute2
# Built only when a source is newer than the binary (cargo would say so anyway, but slowly).
if [ -z "${SOCKSCOPE_BIN:-}" ] && { [ ! -x "$BIN" ] \
    || [ -n "$(find src Cargo.toml Cargo.lock -newer "$BIN" -print -quit)" ]; }; then
    cargo build --release --quiet
fi
xvfb_start
# Each pair holds 2 descriptors in the relay, 1 in the clients and 1 in the echo upstream.
[ "$(ulimit -n)" -ge $((4 * npairs + 256)) ] || ulimit -n "$(ulimit -Hn)"
temp_dir work
TICK=$(getconf CLK_TCK)
# bind= keeps socat off other interfaces; backlog= as Sockscope's (1024; socat's default is 5).
SOCAT_OPTS="fork,reuseaddr,bind=127.0.0.1,backlog=1024"

# utime+stime (+ reaped children's, for socat's forks) of $1, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 + $14 + $15 }'; }
# "tid name ticks" for each thread of $1.
thread_ticks() {
    local t
    for t in /proc/"$1"/task/*; do
        printf '%s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" "$(sed 's/.*) //' "$t/stat" | awk '{ print $12 + $13 }')"
    done 2>/dev/null
}
# Busy ticks of every CPU (user nice system irq softirq steal).
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# "RSS PSS" in KiB, summed over $1 and its children (socat forks one per connection).
mem_kb() {
    local pid rss=0 pss=0 r p
    for pid in "$1" $(pgrep -P "$1" || true); do
        r=$(status_kb "$pid" VmRSS 2>/dev/null) || continue
        p=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || p=0
        rss=$((rss + ${r:-0})) pss=$((pss + ${p:-0}))
    done
    echo "$rss $pss"
}
wait_listen() {
    local deadline=$((SECONDS + 30))
    until ss -Hltn "sport = :$1" | grep -q .; do
        [ $SECONDS -lt $deadline ] || { echo "FAIL: nothing listens on $1"; exit 1; }
        sleep 0.1
    done
}
crash_check() {
    kill -0 "$APP_PID" 2>/dev/null && return 0
    echo "FAIL: the app ended during $1"; cat "$APP_LOG"; exit 1
}
# Starts contender $1 listening on port A, relaying to port $2; its pid in CPID.
start_contender() {
    A=$(free_port)
    case $1 in
        socat) socat "TCP-LISTEN:$A,$SOCAT_OPTS" "TCP:127.0.0.1:$2" & CPID=$!; BACKGROUND_PIDS+=($CPID) ;;
        sockscope) start_app --relay "127.0.0.1:$A" --upstream "127.0.0.1:$2" ;;&
        sockscope+pcapng) start_app --relay "127.0.0.1:$A" --upstream "127.0.0.1:$2" --log "$work/relay.pcapng" ;;&
        sockscope*) app_window >/dev/null; CPID=$APP_PID ;;
    esac
    wait_listen "$A"
}
stop_contender() {
    case $1 in
        socat) kill "$CPID"; wait "$CPID" 2>/dev/null || true ;;
        sockscope*)
            crash_check "$2"
            stop_app 120 || exit 1
            [ "$APP_STATUS" -eq 0 ] || { echo "FAIL: the app exited with $APP_STATUS"; cat "$APP_LOG"; exit 1; } ;;
    esac
}

echo "relay bench: $mib MiB x $runs runs, $npairs pairs; $(nproc) CPUs, load $(cut -d" " -f1-3 /proc/loadavg); $($BIN --version 2>/dev/null || echo "$BIN")"
expected=$($PY data "$work/data" "$mib")
total=$((mib << 20))
results="$work/results"
: >"$results"
# CPU seconds during the run: the contender's; Xvfb's (drawing the window); all else's (the
# script, the rest of the machine: noise), not counting sender and sink.
printf '%-17s %3s %9s %8s %9s %6s %6s  %s\n' contender run "MiB/s" "CPU s" "peak MiB" "Xvfb" "other" "busiest threads (CPU s) / notes"

transfer() {
    local who=$1 run=$2 B ready="$work/sink.ready" out="$work/sink.out" sink first bytes sha last
    local cpu0=0 cpu1=0 threads0="" rate cpu="-" peak="-" notes="" busy0 sent_cpu sink_cpu other xvfb0 xvfb
    B=$(free_port)
    rm -f "$ready" "$work"/relay*.pcapng
    timeout 900 $PY sink "$B" "$mib" "$ready" >"$out" & sink=$!; BACKGROUND_PIDS+=($sink)
    wait_file_contains "$ready" 20 ready || { echo "FAIL: the sink did not start"; exit 1; }
    if [ "$who" = direct ]; then A=$B CPID=""; else start_contender "$who" "$B"; fi
    if [ -n "$CPID" ]; then cpu0=$(cpu_ticks "$CPID"); threads0=$(thread_ticks "$CPID"); fi
    busy0=$(busy_ticks) xvfb0=$(cpu_ticks "$XVFB_PID")
    read -r first sent_cpu < <(timeout 900 $PY send "$A" "$work/data") || { echo "FAIL: $who run $run: the sender"; exit 1; }
    wait "$sink" || { echo "FAIL: $who run $run: the sink ($(cat "$out"))"; exit 1; }
    read -r bytes sha last sink_cpu <"$out"
    if [ "$bytes" != "$total" ] || [ "$sha" != "$expected" ]; then
        echo "FAIL: $who run $run: the sink got $bytes bytes, sha256 $sha; sent $total, $expected"
        exit 1
    fi
    rate=$(awk -v b="$bytes" -v f="$first" -v l="$last" 'BEGIN { printf "%.0f", b / 1048576 / (l - f) }')
    if [ -n "$CPID" ]; then
        sleep 0.2 # socat's parent reaps its fork, and takes in its CPU time
        cpu1=$(cpu_ticks "$CPID")
        cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$TICK" 'BEGIN { printf "%.2f", (b - a) / t }')
    fi
    xvfb=$(awk -v a="$xvfb0" -v b="$(cpu_ticks "$XVFB_PID")" -v t="$TICK" 'BEGIN { printf "%.2f", (b - a) / t }')
    other=$(awk -v a="$busy0" -v b="$(busy_ticks)" -v t="$TICK" -v c="${cpu/-/0}" -v s="$sent_cpu" -v k="$sink_cpu" -v x="$xvfb" \
        'BEGIN { o = (b - a) / t - c - s - k - x; printf "%.2f", o < 0 ? 0 : o }')
    case $who in sockscope*)
        peak=$(( $(status_kb "$CPID" VmHWM) / 1024 ))
        # Which thread did the work: the UI, the session host, the relay worker.
        notes=$(thread_ticks "$CPID" | awk -v t="$TICK" -v before="$threads0" \
            'BEGIN { n = split(before, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, " "); was[f[1]] = f[3] } }
             { d = ($3 - was[$1]) / t; if (d >= 0.05) printf "%s %.2f\n", $2, d }' | sort -k2 -rn | head -n 4 | paste -sd, -) ;;
    esac
    stop_contender "$who" "run $run"
    if [ "$who" = sockscope+pcapng ]; then
        notes="$notes; pcapng $(cat "$work"/relay*.pcapng | wc -c | awk '{ printf "%.0f", $1 / 1048576 }') MiB in $(ls "$work"/relay*.pcapng | wc -l) files"
        rm -f "$work"/relay*.pcapng
    fi
    printf '%-17s %3s %9s %8s %9s %6s %6s  %s\n' "$who" "$run" "$rate" "$cpu" "$peak" "$xvfb" "$other" "$notes"
    echo "$who $rate" >>"$results"
}

for run in $(seq "$runs"); do
    for who in direct socat sockscope sockscope+pcapng; do transfer "$who" "$run"; done
done
rm -f "$work/data"
transfer_done=$SECONDS

median() { awk -v w="$1" '$1 == w { print $2 }' "$results" | sort -n \
    | awk '{ v[NR] = $1 } END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
socat_rate=$(median socat)
echo
echo "throughput, $mib MiB, median of $runs (sha256 equal at the sink in every run):"
printf '%-17s %9s %9s  %s\n' contender "MiB/s" "vs socat" target
for who in direct socat sockscope sockscope+pcapng; do
    m=$(median "$who")
    ratio=$(awk -v m="$m" -v s="$socat_rate" 'BEGIN { printf "%.2f", m / s }')
    case $who in
        sockscope) goal=0.80 ;;
        sockscope+pcapng) goal=0.60 ;;
        *) goal="" ;;
    esac
    verdict=""
    [ -z "$goal" ] || verdict=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r >= g ? "target met" : "below target") " (>= " g ")" }')
    printf '%-17s %9s %9s  %s\n' "$who" "$m" "$ratio" "$verdict"
done

# Pairs: an echo upstream, then each contender in turn.
echo
B=$(free_port)
timeout 1200 $PY echo "$B" "$work/echo.ready" >/dev/null & BACKGROUND_PIDS+=($!)
wait_file_contains "$work/echo.ready" 20 ready || { echo "FAIL: the echo upstream did not start"; exit 1; }
echo "$npairs pairs at once, 16 KiB echoed each (MiB; socat: summed over its processes, RSS counting shared pages in each, PSS sharing them out):"
printf '%-10s %7s %9s %9s %9s %7s %11s  %s\n' contender seconds "idle" "open" "after" "HWM" "KiB/pair" "notes"
for who in sockscope socat; do
    start_contender "$who" "$B"
    sleep 1 # the window settles
    read -r idle idle_pss < <(mem_kb "$CPID")
    rm -f "$work/pairs.status" "$work/pairs.go"
    t0=$(date +%s.%N)
    $PY pairs "$A" "$npairs" 16 "$work/pairs.status" "$work/pairs.go" & pairs=$!
    wait_file_contains "$work/pairs.status" 240 open || { echo "FAIL: $who: the pairs did not report"; exit 1; }
    took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    read -r open open_pss < <(mem_kb "$CPID")
    procs=$(( $(pgrep -cP "$CPID" || true) + 1 ))
    hwm=-; [ "$who" = socat ] || hwm=$(( $(status_kb "$CPID" VmHWM) / 1024 ))
    touch "$work/pairs.go"
    wait "$pairs" || { echo "FAIL: $who: not every pair completed: $(cat "$work/pairs.status")"; exit 1; }
    deadline=$((SECONDS + 60))
    while [ "$(ss -Htn state established "( sport = :$A )" | wc -l)" -gt 0 ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    sleep 1
    read -r after after_pss < <(mem_kb "$CPID")
    notes=$(cut -d, -f1 "$work/pairs.status")
    [ "$who" = socat ] && notes="$notes, $procs processes; PSS idle/open/after $((idle_pss / 1024))/$((open_pss / 1024))/$((after_pss / 1024)) MiB, $(((open_pss - idle_pss) / npairs)) KiB/pair"
    printf '%-10s %7s %9s %9s %9s %7s %11s  %s\n' "$who" "$took" $((idle / 1024)) $((open / 1024)) \
        $((after / 1024)) "$hwm" $(((open - idle) / npairs)) "$notes"
    stop_contender "$who" "the pairs"
done
pairs_done=$SECONDS

# Datagrams: one client at 60,000 a second; UDP drops what a full buffer cannot take, so the
# received count is the figure, with the contender's CPU (Sockscope's logs every datagram).
echo
echo "UDP, $ndgrams datagrams of 500 B at 60,000/s from one client:"
printf '%-10s %9s %9s %8s %8s\n' contender received lost seconds "CPU s"
for who in socat sockscope; do
    A=$(free_port) B=$(free_port)
    case $who in
        socat) socat -b 65536 "UDP4-LISTEN:$A,bind=127.0.0.1" "UDP4:127.0.0.1:$B" & CPID=$!; BACKGROUND_PIDS+=($CPID) ;;
        sockscope) start_app --relay-udp "127.0.0.1:$A" --upstream "127.0.0.1:$B"; app_window >/dev/null; CPID=$APP_PID ;;
    esac
    sleep 1
    before=$(cpu_ticks "$CPID")
    read -r sent got took < <($PY datagrams "$A" "$B" "$ndgrams" 60000)
    cpu=$(awk -v t=$(( $(cpu_ticks "$CPID") - before )) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
    printf '%-10s %9s %9s %8s %8s\n' "$who" "$got" $((sent - got)) "$took" "$cpu"
    stop_contender "$who" "the datagrams"
done
echo
echo "relay bench done: throughput $((transfer_done - began)) s, pairs $((pairs_done - transfer_done)) s, datagrams $((SECONDS - pairs_done)) s, total $((SECONDS - began)) s"
