# Shared helpers for running the real app under Xvfb. Source it; every wait is bounded.

# What every real-window script starts with: the packages, the release build (none when
# SOCKSCOPE_BIN names a build already made), a display.
xvfb_prepare() {
    xvfb_install
    [ -n "${SOCKSCOPE_BIN:-}" ] || cargo build --release --quiet
    xvfb_start
}

XVFB_PACKAGES="xvfb xauth libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxcursor1 libxi6 imagemagick xdotool python3"

# Installs Xvfb, Mesa, ImageMagick and xdotool when any is missing (CI runs as root).
xvfb_install() {
    local missing=0 tool
    for tool in Xvfb xdotool import identify python3; do
        command -v "$tool" >/dev/null || missing=1
    done
    dpkg -s libgl1-mesa-dri >/dev/null 2>&1 || missing=1
    [ $missing -eq 1 ] || return 0
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $XVFB_PACKAGES >/dev/null
}

# Installs the Debian packages named that are not installed yet (CI runs as root).
apt_install_missing() {
    local missing="" package
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
    done
    [ -n "$missing" ] || return 0
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
}

BACKGROUND_PIDS=()
TEMP_DIRS=()
# On exit: SIGTERM everything started here (Xvfb last), SIGKILL what is still up after 2 s,
# and remove the temporary folders. Keeps the script's exit status.
cleanup_background() {
    local status=$? pid i
    for ((i = ${#BACKGROUND_PIDS[@]} - 1; i >= 0; i--)); do
        kill "${BACKGROUND_PIDS[i]}" 2>/dev/null || true
    done
    for pid in "${BACKGROUND_PIDS[@]}"; do
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    [ ${#TEMP_DIRS[@]} -eq 0 ] || rm -rf "${TEMP_DIRS[@]}"
    return $status
}
trap cleanup_background EXIT

# `temp_dir NAME` sets variable NAME to a new temporary folder, removed on exit. (Not
# `$(...)`: a subshell could not register the folder for removal.)
temp_dir() {
    local dir
    dir=$(mktemp -d)
    TEMP_DIRS+=("$dir")
    printf -v "$1" '%s' "$dir"
}

# Starts Xvfb on a free display from :100 to :199 (cost.py keeps :93) and exports DISPLAY;
# its output goes to XVFB_LOG. A display counts only when this Xvfb is still running once it answers: a server
# still ending on the same number (the previous script's) answers too, then goes, and the
# app's window with it (seen as the app failing to open the display).
XVFB_PID=""
XVFB_LOG=""
xvfb_start() {
    local n logs deadline
    temp_dir logs
    # From a random number on, not the lowest free one: a number the previous script's Xvfb
    # has just given up may still be going away (its sockets) when a new server takes it.
    local first=$((100 + RANDOM % 100))
    for n in $(seq "$first" 199) $(seq 100 "$((first - 1))"); do
        if [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; then
            continue
        fi
        XVFB_LOG="$logs/xvfb-$n.log"
        # -noreset: an X server resets when its last client leaves, and a client connecting
        # meanwhile fails. The script's xdotool calls come and go, so an app started just
        # after one could not open a display that was running (XOpenDisplayFailed), while
        # xdotool connected a moment later (seen in CI and here).
        Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp -noreset >"$XVFB_LOG" 2>&1 &
        XVFB_PID=$!
        BACKGROUND_PIDS+=($XVFB_PID)
        export DISPLAY=":$n"
        deadline=$((SECONDS + 20))
        until xdotool getdisplaygeometry >/dev/null 2>&1; do
            kill -0 "$XVFB_PID" 2>/dev/null || break
            [ $SECONDS -lt $deadline ] || { echo "FAIL: Xvfb did not start"; return 1; }
            sleep 0.2
        done
        sleep 0.3
        kill -0 "$XVFB_PID" 2>/dev/null && return 0
        echo "WARN: Xvfb :$n did not stay up: $(tail -n 2 "$XVFB_LOG" | tr '\n' ' ')" >&2
    done
    echo "FAIL: Xvfb did not start on any display from :100 to :199"
    return 1
}

# Whether the Xvfb this script started (if any) is still running.
xvfb_alive() {
    [ -z "$XVFB_PID" ] || kill -0 "$XVFB_PID" 2>/dev/null
}

# Prints the id of the first window named $1, waiting up to $2 seconds.
wait_window() {
    local deadline=$((SECONDS + $2)) wid
    while :; do
        wid=$(xdotool search --name "^$1\$" 2>/dev/null | head -n 1 || true)
        [ -n "$wid" ] && { echo "$wid"; return 0; }
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

# Waits up to $2 seconds until file $1 contains the fixed string $3.
wait_file_contains() {
    local deadline=$((SECONDS + $2))
    until [ -f "$1" ] && grep -qF -- "$3" "$1"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# A free TCP/UDP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Writes the app's remembered settings in home folder $1: $2 is the app's RON (eframe keeps it
# in app.ron as a JSON string under "app"), e.g. '(active:TcpServer,tcp_server:(...))'.
write_settings() {
    mkdir -p "$1/.local/share/sockscope"
    python3 -c 'import json, sys; open(sys.argv[1], "w").write(json.dumps({"app": sys.argv[2]}))' \
        "$1/.local/share/sockscope/app.ron" "$2"
}

# The settings of an auto-reply rule PING → PONG in the TCP Server tab, for write_settings.
PING_PONG_RULE='(enabled:true,when:Equals,pattern:"PING",reply:"PONG")'

# Starts the release app (or $SOCKSCOPE_BIN) with its own settings folder (so runs do not
# depend on each other),
# records its pid in APP_PID. Arguments go to sockscope.
start_app() {
    local home
    if ! xvfb_alive; then
        echo "WARN: Xvfb $DISPLAY had stopped ($(tail -n 2 "$XVFB_LOG" | tr '\n' ' ')); starting another" >&2
        xvfb_start
    fi
    home=$(mktemp -d)
    TEMP_DIRS+=("$home")
    HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
        "${SOCKSCOPE_BIN:-target/release/sockscope}" "$@" >"$home/app.log" 2>&1 &
    APP_PID=$!
    APP_LOG="$home/app.log"
    BACKGROUND_PIDS+=($APP_PID)
    # Until its window shows or it ends. CI saw the app fail to open a display that Xvfb
    # still served (XOpenDisplayFailed, right after another script's Xvfb went): it gets one
    # more try on a new display, and what the display looked like is said.
    local deadline=$((SECONDS + 30))
    while kill -0 "$APP_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
        xdotool search --name '^Sockscope$' >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    # The app says so in one line, in English or Chinese (src/app/no_window.rs).
    if ! kill -0 "$APP_PID" 2>/dev/null \
        && grep -q -e XOpenDisplayFailed -e "refused the connection" -e "拒绝了连接" "$APP_LOG" \
        && [ -z "${APP_RETRIED:-}" ]; then
        echo "WARN: the app could not open $DISPLAY (Xvfb $(xvfb_alive && echo running || echo stopped));" \
            "X servers: $(pgrep -a Xvfb | tr '\n' ';') sockets: $(ls /tmp/.X11-unix | tr '\n' ' ');" \
            "xdotool $(xdotool getdisplaygeometry >/dev/null 2>&1 && echo connects || echo "cannot connect");" \
            "open descriptors here: $(ls /proc/$$/fd | wc -l) of $(ulimit -n);" \
            "trying once more on a new display" >&2
        APP_RETRIED=1
        xvfb_start
        start_app "$@"
        APP_RETRIED=""
    fi
}

# Asks the app to quit with SIGTERM and waits up to $1 seconds for it; its exit code goes to
# APP_STATUS (0 when the window closed normally, so the recording is complete).
stop_app() {
    kill -TERM "$APP_PID" 2>/dev/null || true
    local deadline=$((SECONDS + $1))
    while kill -0 "$APP_PID" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || { echo "FAIL: the app did not exit on SIGTERM"; return 1; }
        sleep 0.1
    done
    APP_STATUS=0
    wait "$APP_PID" 2>/dev/null || APP_STATUS=$?
}

# The app's window id, or a failure that says what the app printed.
app_window() {
    local wid
    if wid=$(wait_window Sockscope "${1:-60}"); then
        echo "$wid"
        return 0
    fi
    echo "FAIL: no Sockscope window (app $(kill -0 "$APP_PID" 2>/dev/null && echo running || echo exited))" >&2
    cat "$APP_LOG" >&2
    # Said, so that a display lost under the app explains itself next time.
    echo "Xvfb $DISPLAY: $(xvfb_alive && echo running || echo stopped); its log:" >&2
    [ -z "$XVFB_LOG" ] || tail -n 5 "$XVFB_LOG" >&2
    return 1
}

# Types ASCII text into the focused widget of window $1 and sends it with Ctrl+Enter.
# Bounded: `windowfocus --sync` would wait forever for a window that never takes focus.
type_and_send() {
    timeout 10 xdotool windowfocus --sync "$1"
    timeout 30 xdotool type --delay 20 "$2"
    timeout 10 xdotool key ctrl+Return
}

# Fails unless PNG $1 has real content: many colours and non-zero contrast.
check_not_blank() {
    local colours deviation
    colours=$(identify -format '%k' "$1")
    deviation=$(identify -format '%[fx:standard_deviation]' "$1")
    if [ "$colours" -lt 20 ] || ! awk -v d="$deviation" 'BEGIN { exit !(d > 0.01) }'; then
        echo "FAIL: screenshot $1 looks blank ($colours colours, standard deviation $deviation)"
        return 1
    fi
    echo "PASS: screenshot $1 has $colours colours, standard deviation $deviation"
}
