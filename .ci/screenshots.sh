#!/usr/bin/env bash
# Makes screenshots/*.png: each tab of the release app under Xvfb with real loopback traffic.
# In English and 简体中文 (*.zh-CN.png). Clicks use window coordinates of the default 1100x720
# layout; look at the results.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

xvfb_prepare
mkdir -p screenshots
peers=.ci/peers/screenshot_peers.py

click() { xdotool mousemove --window "$1" "$2" "$3" click 1; sleep 0.3; }
# The pointer goes to the empty part of the tab bar first: a tooltip would cover what it
# rests on (the send box's explains the variables).
shoot() {
    xdotool mousemove --window "$1" 600 16
    sleep 1
    import -window "$1" "screenshots/$2.png"
    check_not_blank "screenshots/$2.png"
}
type_in() { timeout 10 xdotool windowfocus --sync "$1"; xdotool type --delay 20 "$2"; sleep 0.4; }
# Positions in the default window (see the screenshots): the send box's row and box, the
# settings panel's Receive and Send sections (TCP Client), and the windows the send box opens.
INPUT_ROW_Y=605
SEND_BOX="600 640"
COMMANDS_X=808
AUTO_REPLY_X=908
temp_dir files

# The hex input radio, by language: the labels' widths differ.
hex_input_x() { if [ "$1" = zh-CN ]; then echo 420; else echo 470; fi; }

# TCP Client: a device greets in GBK; we send text, then a hex frame.
client_scene() {
    local lang=$1 suffix=$2 port wid
    port=$(free_port)
    timeout 90 python3 "$peers" tcp-device "$port" &
    BACKGROUND_PIDS+=($!)
    sleep 0.5
    start_app --lang "$lang" --tcp-client "127.0.0.1:$port" --encoding gbk
    wid=$(app_window)
    sleep 2
    type_and_send "$wid" "READ STATUS"
    sleep 1
    click "$wid" "$(hex_input_x "$lang")" $INPUT_ROW_Y
    xdotool key ctrl+a BackSpace
    xdotool type --delay 20 "AA 55 01 02 FF"
    xdotool key ctrl+Return
    shoot "$wid" "tcp-client$suffix"
    [ "$lang" = en ] || { stop_app 15; return; }
    # The same history as a hex dump with the GBK text beside it, invalid bytes marked.
    click "$wid" 144 287
    shoot "$wid" both
    # The send side: a Modbus frame with its CRC, sent and kept as a quick command; a reply rule.
    click "$wid" 46 287
    click "$wid" $SEND_BOX
    xdotool key ctrl+a BackSpace
    type_in "$wid" "01 03 00 00 00 0A"
    click "$wid" 140 448
    click "$wid" 140 544
    sleep 0.5
    click "$wid" 1047 640
    click "$wid" $COMMANDS_X $INPUT_ROW_Y
    click "$wid" 797 308
    type_in "$wid" "Read registers"
    click "$wid" 947 308
    click "$wid" $AUTO_REPLY_X $INPUT_ROW_Y
    click "$wid" 59 413
    click "$wid" 280 404
    type_in "$wid" "STATUS?"
    click "$wid" 582 404
    type_in "$wid" 'OK\r\n'
    shoot "$wid" send
    stop_app 15
}

# TCP Server: three clients, GBK text and a binary frame; a reply to all of them; their bytes
# saved to a file.
server_scene() {
    local lang=$1 suffix=$2 port wid
    port=$(free_port)
    start_app --lang "$lang" --tcp-server "127.0.0.1:$port" --encoding gbk \
        --save-data "$files/received$suffix.bin"
    wid=$(app_window)
    sleep 1
    click "$wid" $SEND_BOX
    timeout 90 python3 "$peers" tcp-clients "$port" &
    BACKGROUND_PIDS+=($!)
    sleep 2.5
    type_and_send "$wid" "ACK all"
    shoot "$wid" "tcp-server$suffix"
    stop_app 15
    [ -s "$files/received$suffix.bin" ] || { echo "FAIL: Save data saved nothing"; exit 1; }
}

# UDP: a peer sends GBK and a binary datagram and answers; we reply in hex.
udp_scene() {
    local lang=$1 suffix=$2 port peer_port wid
    port=$(free_port)
    peer_port=$(free_port)
    start_app --lang "$lang" --udp "127.0.0.1:$port" --to "127.0.0.1:$peer_port" --encoding gbk
    wid=$(app_window)
    sleep 1
    timeout 90 python3 "$peers" udp-peer "$peer_port" "$port" &
    BACKGROUND_PIDS+=($!)
    sleep 1.5
    type_and_send "$wid" "PING"
    sleep 0.5
    click "$wid" "$(hex_input_x "$lang")" $INPUT_ROW_Y
    xdotool key ctrl+a BackSpace
    xdotool type --delay 20 "01 03 00 00 00 0A"
    xdotool key ctrl+Return
    shoot "$wid" "udp$suffix"
    stop_app 15
}

# Relay: a device logs in and reports readings in GBK to its server, through the relay; both
# sides in one log, the pair beside it.
relay_scene() {
    local lang=$1 suffix=$2 port upstream wid
    port=$(free_port)
    upstream=$(free_port)
    timeout 90 python3 "$peers" cloud-server "$upstream" &
    BACKGROUND_PIDS+=($!)
    sleep 0.5
    start_app --lang "$lang" --relay "127.0.0.1:$port" --upstream "127.0.0.1:$upstream" --encoding gbk
    wid=$(app_window)
    sleep 1
    timeout 90 python3 "$peers" field-device "$port" &
    BACKGROUND_PIDS+=($!)
    sleep 3
    shoot "$wid" "relay$suffix"
    stop_app 15
}

# TLS: the TCP client, pinned to a device's self-signed certificate (openssl s_server), shows
# the handshake and the certificate; the TLS section is unfolded.
tls_scene() {
    local lang=$1 suffix=$2 port wid fingerprint
    port=$(free_port)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
        -subj "/CN=device.test/O=Example Devices" -keyout "$files/tls-key.pem" \
        -out "$files/tls-cert.pem" 2>/dev/null
    fingerprint=$(openssl x509 -in "$files/tls-cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
    (sleep 4; echo "STATUS OK 23.5C"; sleep 80) | timeout 90 openssl s_server -quiet \
        -accept "127.0.0.1:$port" -cert "$files/tls-cert.pem" -key "$files/tls-key.pem" >/dev/null &
    BACKGROUND_PIDS+=($!)
    sleep 0.5
    start_app --lang "$lang" --tcp-client "127.0.0.1:$port" --tls-pin "$fingerprint"
    wid=$(app_window)
    sleep 1
    click "$wid" $TLS_SECTION
    sleep 3
    click "$wid" $SEND_BOX
    type_and_send "$wid" "READ STATUS"
    shoot "$wid" "tls$suffix"
    stop_app 15
}
# The chart: a device acknowledges each request after 100 ms; a repeat sends a counted
# request every 200 ms with the reply time shown; the chart and the reply times under the log.
chart_scene() {
    local lang=$1 suffix=$2 port wid
    port=$(free_port)
    timeout 90 python3 "$peers" tcp-device "$port" &
    BACKGROUND_PIDS+=($!)
    sleep 0.5
    start_app --lang "$lang" --tcp-client "127.0.0.1:$port" --encoding gbk --chart
    wid=$(app_window)
    sleep 1.5
    # shellcheck disable=SC2046 # the positions are two words
    click "$wid" $(chart_at "$lang" reply_time)
    click "$wid" $SEND_BOX
    xdotool key ctrl+a BackSpace
    type_in "$wid" 'READ {{counter width=3}}\r\n'
    # shellcheck disable=SC2046
    click "$wid" $(chart_at "$lang" escapes)
    # shellcheck disable=SC2046
    click "$wid" $(chart_at "$lang" repeat_every)
    xdotool key ctrl+a BackSpace
    type_in "$wid" "200"
    # shellcheck disable=SC2046
    click "$wid" $(chart_at "$lang" start_repeat)
    sleep 12
    shoot "$wid" "chart$suffix"
    stop_app 15
}
# Where the chart scene clicks (TCP Client, default layout), by language: Reply time in
# Receive settings, Escapes over the send box, Repeat every and Start repeat in Send settings.
chart_at() {
    case "$1 $2" in
        "en reply_time") echo 200 356 ;;
        "en escapes") echo 532 605 ;;
        "en repeat_every") echo 133 513 ;;
        "en start_repeat") echo 68 536 ;;
        "zh-CN reply_time") echo 148 356 ;;
        "zh-CN escapes") echo 503 605 ;;
        "zh-CN repeat_every") echo 147 497 ;;
        "zh-CN start_repeat") echo 60 520 ;;
    esac
}

# Scripts: the Modbus example serving pymodbus, the Script window open beside the log (hex),
# the settings panel hidden.
script_x() { if [ "$1" = zh-CN ]; then echo 935; else echo 1014; fi; }
script_scene() {
    local lang=$1 suffix=$2 port wid
    port=$(free_port)
    start_app --lang "$lang" --tcp-server "127.0.0.1:$port" --hex \
        --script examples/scripts/modbus_slave.rhai
    wid=$(app_window)
    sleep 2
    click "$wid" "$(script_x "$lang")" $INPUT_ROW_Y
    click "$wid" 38 16
    timeout 30 python3 - "$port" <<'PY'
import sys
from pymodbus.client import ModbusTcpClient
client = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=5, retries=0)
client.connect()
client.write_registers(0, [215, 1013, 64])
client.write_register(10, 1)
client.read_holding_registers(0, count=4)
client.read_holding_registers(120, count=2)
client.close()
PY
    sleep 1
    shoot "$wid" "script$suffix"
    stop_app 15
}

# The TLS section's title in the settings panel (TCP Client, Connect options folded).
TLS_SECTION="36 241"

# SCENES picks some (e.g. SCENES=chart); all by default.
for lang in en zh-CN; do
    suffix=""
    [ "$lang" = en ] || suffix=".$lang"
    for scene in ${SCENES:-client server udp relay tls chart script}; do
        "${scene}_scene" "$lang" "$suffix"
    done
done
echo "screenshots: written to screenshots/"
