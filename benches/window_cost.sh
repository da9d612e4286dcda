#!/usr/bin/env bash
# What Sockscope costs in a real window (Xvfb + Mesa llvmpipe, release build), beside Packet
# Sender in the same run: UDP floods at several rates, an idle window, a minimized one, and a
# TCP flood against an `nc` sink. See benches/window/cost.py for what is measured.
# Usage: bash benches/window_cost.sh [cost.py options, e.g. --check --idle 60]
# Needs root for apt-get the first time (CI runs as root). Takes about 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

xvfb_install
# The baseline (Packet Sender runs xrandr at start), the frame counter (python3-xlib), a window
# manager to minimize with, and the TCP sink.
apt_install_missing packetsender x11-xserver-utils python3-xlib openbox netcat-openbsd iproute2
cargo build --release --quiet
exec /usr/bin/python3 benches/window/cost.py --bin target/release/sockscope "$@"
