#!/usr/bin/env bash
# The installable app, and the window in both languages:
# - `cargo deb` builds a package, `dpkg -i` installs it, its desktop entry validates (so the
#   application menu lists it) with its icon, and the installed binary opens its window;
# - started with LANG=zh_CN.UTF-8 the window's labels are Chinese and with LANG=C.UTF-8
#   English, read back from screenshots by OCR (tesseract).
# Needs root for apt-get and dpkg (CI runs as root); installs cargo-deb the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/xvfb-lib.sh

xvfb_install
apt_install_missing desktop-file-utils tesseract-ocr tesseract-ocr-chi-sim
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet

echo "-- cargo deb"
cargo deb >/tmp/sockscope-deb.log 2>&1 || { cat /tmp/sockscope-deb.log; echo "FAIL: cargo deb"; exit 1; }
deb=$(ls -t target/debian/sockscope_*.deb | head -n 1)
echo "built $deb ($(du -h "$deb" | cut -f1))"
dpkg -i "$deb" >/dev/null
trap 'dpkg -r sockscope >/dev/null 2>&1 || true; cleanup_background' EXIT
desktop-file-validate /usr/share/applications/sockscope.desktop
test -s /usr/share/icons/hicolor/256x256/apps/sockscope.png
grep -qx "Exec=sockscope" /usr/share/applications/sockscope.desktop
/usr/bin/sockscope --version
echo "PASS: installed: /usr/bin/sockscope, its desktop entry and icon"

xvfb_start
# Starts the installed binary in locale $1 with a fresh settings folder, screenshots it to
# $2 and prints what OCR reads there.
shot_in_locale() {
    local home
    temp_dir home
    env -u LC_ALL -u LC_MESSAGES HOME="$home" XDG_CONFIG_HOME="$home/.config" \
        XDG_DATA_HOME="$home/.local/share" LANG="$1" /usr/bin/sockscope >"$home/app.log" 2>&1 &
    APP_PID=$!
    APP_LOG="$home/app.log"
    BACKGROUND_PIDS+=($APP_PID)
    app_window 60 >/dev/null
    sleep 2
    import -window root "$2"
    check_not_blank "$2" >/dev/null
    stop_app 10
    tesseract "$2" - -l chi_sim+eng 2>/dev/null | tr -d ' '
}

chinese=$(shot_in_locale zh_CN.UTF-8 /tmp/sockscope-zh.png)
for label in 主机 端口 连接 编码 发送; do
    grep -q "$label" <<<"$chinese" || { echo "FAIL: OCR of the Chinese window lacks $label"; echo "$chinese"; exit 1; }
done
echo "PASS: LANG=zh_CN.UTF-8 shows Chinese labels (OCR found 主机 端口 连接 编码 发送)"
english=$(shot_in_locale C.UTF-8 /tmp/sockscope-en.png)
for label in Connect Port Send; do
    grep -q "$label" <<<"$english" || { echo "FAIL: OCR of the English window lacks $label"; echo "$english"; exit 1; }
done
echo "PASS: LANG=C.UTF-8 shows English labels (OCR found Connect Port Send)"
