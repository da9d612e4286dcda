#!/usr/bin/env bash
# Makes screenshots/*.png: each tab of the release app under Xvfb with real loopback traffic.
# Clicks use window coordinates of the default 1100x720 layout; look at the results.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

xvfb_prepare
mkdir -p screenshots
peers=.ci/peers/screenshot_peers.py

click() { xdotool mousemove --window "$1" "$2" "$3" click 1; sleep 0.3; }
shoot() { sleep 1; import -window "$1" "screenshots/$2.png"; check_not_blank "screenshots/$2.png"; }
# Positions in the default window (see the screenshots).
HEX_INPUT_X=190
INPUT_ROW_Y=564
BOTH_X=120
DISPLAY_ROW_Y=109
RECORD_ROW_Y=178
SEND_BOX_Y=648
RECORD_PATH_X=290
temp_dir files

# TCP Client: a device greets in GBK; we send text, then a hex frame.
port=$(free_port)
timeout 90 python3 "$peers" tcp-device "$port" &
BACKGROUND_PIDS+=($!)
sleep 0.5
start_app --tcp-client "127.0.0.1:$port" --encoding gbk
wid=$(app_window)
sleep 2
type_and_send "$wid" "READ STATUS"
sleep 1
click "$wid" $HEX_INPUT_X $INPUT_ROW_Y
xdotool key ctrl+a BackSpace
xdotool type --delay 20 "AA 55 01 02 FF"
xdotool key ctrl+Return
shoot "$wid" tcp-client
# The same history as a hex dump with the GBK text beside it, invalid bytes marked.
click "$wid" $BOTH_X $DISPLAY_ROW_Y
shoot "$wid" both
# The send side: a Modbus frame with its CRC, sent and kept as a quick command; a reply rule.
click "$wid" 28 $DISPLAY_ROW_Y
type_in() { timeout 10 xdotool windowfocus --sync "$wid"; xdotool type --delay 20 "$1"; sleep 0.4; }
click "$wid" 500 $SEND_BOX_Y
xdotool key ctrl+a BackSpace
type_in "01 03 00 00 00 0A"
click "$wid" 233 587
click "$wid" 250 515
sleep 0.5
click "$wid" 1047 $SEND_BOX_Y
click "$wid" 857 $INPUT_ROW_Y
click "$wid" 857 321
type_in "Read registers"
click "$wid" 1008 321
click "$wid" 957 $INPUT_ROW_Y
click "$wid" 59 413
click "$wid" 280 404
type_in "STATUS?"
click "$wid" 582 404
type_in 'OK\r\n'
shoot "$wid" send
stop_app 15

# TCP Server: three clients, GBK text and a binary frame; a reply to all of them.
port=$(free_port)
start_app --tcp-server "127.0.0.1:$port" --encoding gbk --save-data "$files/received.bin"
wid=$(app_window)
sleep 1
# Record, turned on in the window: type the file, tick the box.
click "$wid" $RECORD_PATH_X $RECORD_ROW_Y
timeout 10 xdotool windowfocus --sync "$wid"
xdotool type --delay 20 "$files/server.jsonl"
sleep 0.5
click "$wid" 110 $RECORD_ROW_Y
click "$wid" 500 $SEND_BOX_Y
timeout 90 python3 "$peers" tcp-clients "$port" &
BACKGROUND_PIDS+=($!)
sleep 2.5
type_and_send "$wid" "ACK all"
shoot "$wid" tcp-server
stop_app 15
grep -q '"text":"ACK all"' "$files/server.jsonl" || { echo "FAIL: Record did not record the reply"; exit 1; }
[ -s "$files/received.bin" ] || { echo "FAIL: Save data saved nothing"; exit 1; }

# UDP: a peer sends GBK and a binary datagram and answers; we reply in hex.
port=$(free_port)
peer_port=$(free_port)
start_app --udp "127.0.0.1:$port" --to "127.0.0.1:$peer_port" --encoding gbk
wid=$(app_window)
sleep 1
timeout 90 python3 "$peers" udp-peer "$peer_port" "$port" &
BACKGROUND_PIDS+=($!)
sleep 1.5
type_and_send "$wid" "PING"
sleep 0.5
# UDP's send panel has one more row (the file datagram size), so its input row sits higher.
click "$wid" $HEX_INPUT_X $((INPUT_ROW_Y - 23))
xdotool key ctrl+a BackSpace
xdotool type --delay 20 "01 03 00 00 00 0A"
xdotool key ctrl+Return
shoot "$wid" udp
stop_app 15
echo "screenshots: written to screenshots/"
