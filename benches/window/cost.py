#!/usr/bin/python3
"""What Sockscope costs in a real window, beside Packet Sender in the same run.

Each app runs in its own fresh home under Xvfb with Mesa's software OpenGL (llvmpipe), as in a
VM or over remote desktop, and a window manager (openbox) when installed. Per UDP rate (100-byte
datagrams, SECS seconds each) and per app:

- CPU: utime + stime from /proc/PID/stat over the flood plus one second, % of one core;
- dropped: the kernel's drop count on the app's UDP socket (/proc/net/udp);
- RSS at the end;
- frames on screen a second, counted by the X server (DAMAGE extension, damage_watch.py);
- Sockscope only, from its own report (SOCKSCOPE_FRAME_REPORT): frames drawn, and how long a
  frame takes from its start until the X server has its pixels (p50/p99), and at low rates
  how long from a datagram's send until a frame showing it is on screen.

Then: an idle window (IDLE seconds), a minimized window taking a flood (nothing drawn; every
byte still saved), and a TCP flood into the TCP Server tab against an `nc -l > /dev/null` sink
in the same run, with the app's RSS after it. --check compares with the targets of issue 12.

Usage: cost.py --bin target/release/sockscope [--rates 10,100,2000,20000] [--secs 5]
               [--idle 60] [--tcp-mib 2048] [--tcp-runs 3] [--renderers glow[,wgpu]] [--check]
Needs: Xvfb, python3-xlib; packetsender (and xrandr, which it runs) for the baseline; openbox
for the minimized case; nc (netcat-openbsd) for the TCP baseline. benches/window_cost.sh
installs them.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HZ = os.sysconf("SC_CLK_TCK")
DISPLAY = ":93"
PAYLOAD = b"x" * 100


# ---- the process and its socket ------------------------------------------------------------

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def udp_ports(pid):
    out = subprocess.run(["ss", "-lunpH"], capture_output=True, text=True).stdout
    return [int(line.split()[3].rsplit(":", 1)[1]) for line in out.splitlines()
            if f"pid={pid}," in line]


def udp_drops(port):
    total = 0
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        with open(path) as f:
            next(f)
            for line in f:
                cols = line.split()
                if int(cols[1].split(":")[1], 16) == port:
                    total += int(cols[-1])
    return total


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, limit=30.0):
    deadline = time.time() + limit
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


# ---- one app in a window -------------------------------------------------------------------

class Window:
    """An app in its own home, with the X server counting its frames."""

    def __init__(self, kind, binary, args=(), renderer=None):
        self.kind = kind
        self.home = tempfile.mkdtemp(prefix=f"window-cost-{kind}-")
        self.report = os.path.join(self.home, "frames.txt")
        self.damage = os.path.join(self.home, "damage.txt")
        env = dict(os.environ, DISPLAY=DISPLAY, HOME=self.home, LANG="C.UTF-8",
                   XDG_CONFIG_HOME=f"{self.home}/.config", XDG_DATA_HOME=f"{self.home}/.local/share")
        if kind == "packetsender":
            command = ["packetsender"]
        else:
            command = [binary, *args]
            env["SOCKSCOPE_FRAME_REPORT"] = self.report
            if renderer:
                env["SOCKSCOPE_RENDERER"] = renderer
        self.env = env
        self.proc = subprocess.Popen(command, env=env, cwd=self.home, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.home, "stderr.txt"), "w"))
        self.watch = subprocess.Popen([sys.executable, os.path.join(HERE, "damage_watch.py"),
                                       str(self.proc.pid), self.damage], env=env,
                                      stderr=subprocess.DEVNULL)
        wait_for(f"{kind}'s window", lambda: os.path.exists(self.damage))

    @property
    def pid(self):
        return self.proc.pid

    def window_id(self):
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(self.pid)],
                             env=self.env, capture_output=True, text=True).stdout.split()
        return out[-1] if out else None

    def damage_times(self):
        with open(self.damage) as f:
            return [float(line) for line in f if line.strip()]

    def frames(self):
        """The frame report's lines: (start, eframe's frame time, newest arrival), seconds."""
        if not os.path.exists(self.report):
            return []
        rows = []
        with open(self.report) as f:
            for line in f:
                cols = line.split()
                if len(cols) < 4:
                    continue
                rows.append((int(cols[0]) / 1e6, None if cols[1] == "-" else int(cols[1]) / 1e6,
                             None if cols[3] == "-" else int(cols[3]) / 1e6))
        return rows

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.watch.kill()
        self.watch.wait(5)

    def remove(self):
        shutil.rmtree(self.home, ignore_errors=True)


def launch(app, args=()):
    kind, binary, renderer, *rest = app
    window = Window(kind, binary, (*args, *(rest[0] if rest else ())), renderer)
    if kind == "packetsender":
        port = wait_for("Packet Sender's UDP port", lambda: (udp_ports(window.pid) or [None])[0])
    else:
        port = args[1].rsplit(":", 1)[1] if args and args[0] == "--udp" else None
    return window, int(port) if port else None


# ---- measuring -----------------------------------------------------------------------------

def quantile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def first_at_or_after(times, t):
    for value in times:
        if value >= t:
            return value
    return None


def flood(port, rate, secs):
    """Sends 100-byte datagrams at `rate` a second for `secs`; returns their send times."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = []
    start = time.time()
    end = start + secs
    n = 0
    while True:
        now = time.time()
        if now >= end:
            break
        due = int((now - start) * rate)
        while n < due:
            s.sendto(PAYLOAD, ("127.0.0.1", port))
            sent.append(time.time())
            n += 1
        time.sleep(0.0005)
    s.close()
    return sent


def udp_run(app, rate, secs):
    window, port = launch(app, ("--udp", f"127.0.0.1:{free_port()}") if app[0] != "packetsender" else ())
    try:
        time.sleep(3)  # the window up and idle
        rss0, d0, c0 = rss_mb(window.pid), udp_drops(port), cpu_seconds(window.pid)
        t0 = time.time()
        sent = flood(port, rate, secs)
        time.sleep(1)
        t1 = time.time()
        c1, d1, rss1 = cpu_seconds(window.pid), udp_drops(port), rss_mb(window.pid)
        alive = window.proc.poll() is None
    finally:
        window.close()
    damage = [t for t in window.damage_times() if t0 <= t <= t1 + 0.5]
    row = {
        "app": label(app), "rate": rate, "sent": len(sent), "dropped": d1 - d0,
        "cpu": 100 * (c1 - c0) / (t1 - t0), "rss": rss1, "rss0": rss0, "alive": alive,
        "screen_fps": len([t for t in damage if t <= t1]) / (t1 - t0),
    }
    if app[0] != "packetsender":
        row.update(frame_figures(window.frames(), damage, sent, t0, t1, rate))
    window.remove()
    return row


def frame_figures(frames, damage, sent, t0, t1, rate):
    """Frames drawn, frame time to screen, and arrival-to-screen latency from the report."""
    drawn = [f for f in frames if t0 <= f[0] <= t1]
    to_screen = []
    for start, _, _ in drawn:
        shown = first_at_or_after(damage, start)
        if shown is not None and shown - start < 1.0:
            to_screen.append(shown - start)
    figures = {"app_fps": len(drawn) / (t1 - t0),
               "frame_p50": 1000 * quantile(to_screen, 0.5),
               "frame_p99": 1000 * quantile(to_screen, 0.99)}
    if rate <= 100:
        latencies = []
        for when in sent:
            frame = next((f for f in drawn if f[2] is not None and f[2] >= when - 0.001), None)
            shown = frame and first_at_or_after(damage, frame[0])
            if shown:
                latencies.append(shown - when)
        figures["latency_p50"] = 1000 * quantile(latencies, 0.5)
        figures["latency_p99"] = 1000 * quantile(latencies, 0.99)
    return figures


def idle_run(app, secs):
    window, _ = launch(app, ("--udp", f"127.0.0.1:{free_port()}") if app[0] != "packetsender" else ())
    try:
        time.sleep(3)
        c0, t0 = cpu_seconds(window.pid), time.time()
        time.sleep(secs)
        c1, t1 = cpu_seconds(window.pid), time.time()
    finally:
        window.close()
    frames = len([t for t in window.damage_times() if t0 <= t <= t1])
    window.remove()
    return {"app": label(app), "cpu": 100 * (c1 - c0) / (t1 - t0), "screen_frames": frames,
            "secs": t1 - t0}


def minimized_run(app, rate, secs):
    """A minimized window takes a flood: nothing drawn, every byte saved, drawn on restore."""
    saved = tempfile.mktemp(prefix="window-cost-saved-")
    port = free_port()
    window, _ = launch(app, ("--udp", f"127.0.0.1:{port}", "--save-data", saved))
    try:
        time.sleep(3)
        wid = wait_for("the window id", window.window_id)
        subprocess.run(["xdotool", "windowminimize", "--sync", wid], env=window.env, timeout=10)
        time.sleep(1)
        t0, c0 = time.time(), cpu_seconds(window.pid)
        sent = flood(port, rate, secs)
        time.sleep(1)
        t1, c1 = time.time(), cpu_seconds(window.pid)
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=window.env, timeout=10)
        time.sleep(2)
        drawn_after = [f for f in window.frames() if f[0] > t1]
        newest_after = max((f[2] or 0 for f in drawn_after), default=0)
    finally:
        window.close()
    frames_hidden = len([f for f in window.frames() if t0 <= f[0] <= t1])
    saved_bytes = os.path.getsize(saved) if os.path.exists(saved) else 0
    window.remove()
    if os.path.exists(saved):
        os.remove(saved)
    return {"app": label(app), "rate": rate, "sent": len(sent), "frames_hidden": frames_hidden,
            "cpu": 100 * (c1 - c0) / (t1 - t0), "saved": saved_bytes, "expected": len(sent) * len(PAYLOAD),
            "restored_shows_last": bool(sent) and newest_after >= sent[-1] - 0.001}


def send_mib(port, mib):
    """Sends `mib` MiB as fast as the peer takes them; returns seconds."""
    chunk = b"\x5a" * (1 << 20)
    s = wait_for("the listener", lambda: try_connect(port))
    start = time.time()
    for _ in range(mib):
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    elapsed = time.time() - start
    s.close()
    return elapsed


def try_connect(port):
    try:
        return socket.create_connection(("127.0.0.1", port))
    except OSError:
        return None


def tcp_run(app, mib, runs):
    """`runs` rounds, each an `nc` sink then the app; the sink's rate swings by half from one
    run to the next on a shared machine, so the medians are compared."""
    sink_rates, app_rates, rss, frame_p99 = [], [], [], []
    for _ in range(runs):
        port = free_port(socket.SOCK_STREAM)
        sink = subprocess.Popen(["nc", "-l", "127.0.0.1", str(port)], stdout=subprocess.DEVNULL)
        sink_rates.append(mib / send_mib(port, mib))
        sink.wait(30)
        port = free_port(socket.SOCK_STREAM)
        window, _ = launch(app, ("--tcp-server", f"127.0.0.1:{port}"))
        try:
            time.sleep(3)
            t0 = time.time()
            app_rates.append(mib / send_mib(port, mib))
            t1 = time.time()
            time.sleep(2)
            rss.append(rss_mb(window.pid))
        finally:
            window.close()
        damage = [t for t in window.damage_times() if t0 <= t <= t1]
        drawn = [f for f in window.frames() if t0 <= f[0] <= t1]
        to_screen = [s - f[0] for f in drawn if (s := first_at_or_after(damage, f[0])) and s - f[0] < 1]
        frame_p99.append(1000 * quantile(to_screen, 0.99))
        window.remove()
    return {"app": label(app), "mib": mib, "sink_rate": quantile(sink_rates, 0.5),
            "app_rate": quantile(app_rates, 0.5), "rss": max(rss), "frame_p99": max(frame_p99),
            "sink_rates": sink_rates, "app_rates": app_rates}


def label(app):
    kind, _, renderer, *rest = app
    name = f"{kind} ({renderer})" if renderer else kind
    return f"{name} {' '.join(rest[0])}" if rest else name


# ---- the run -------------------------------------------------------------------------------

def start_display(use_wm):
    # -noreset: a server resetting as its last client leaves refuses the next one meanwhile.
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for("Xvfb", lambda: os.path.exists(f"/tmp/.X11-unix/X{DISPLAY[1:]}"))
    wm = None
    if use_wm and shutil.which("openbox"):
        wm = subprocess.Popen(["openbox"], env=dict(os.environ, DISPLAY=DISPLAY),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
    return xvfb, wm


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rates", default="10,100,2000,20000")
    ap.add_argument("--secs", type=float, default=5)
    ap.add_argument("--idle", type=float, default=60)
    ap.add_argument("--tcp-mib", type=int, default=2048)
    ap.add_argument("--tcp-runs", type=int, default=3)
    ap.add_argument("--renderers", default="", help="e.g. glow,wgpu (wgpu needs --features wgpu)")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--chart", action="store_true",
                    help="also run Sockscope with the throughput chart open (--chart)")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    ours = [("sockscope", binary, r or None) for r in (a.renderers.split(",") if a.renderers else [""])]
    if a.chart:
        ours += [("sockscope", binary, None, ("--chart",))]
    baseline = [("packetsender", None, None)] if shutil.which("packetsender") else []
    if not baseline:
        print("Packet Sender is not installed: no baseline in this run")
    xvfb, wm = start_display(use_wm=True)
    results = {"udp": [], "idle": [], "minimized": [], "tcp": []}
    try:
        for rate in [int(r) for r in a.rates.split(",") if r]:
            for app in ours + baseline:
                row = udp_run(app, rate, a.secs)
                results["udp"].append(row)
                print_udp(row)
        if a.idle > 0:
            for app in ours + baseline:
                row = idle_run(app, a.idle)
                results["idle"].append(row)
                print(f"idle {row['secs']:.0f} s   {row['app']:22s} cpu {row['cpu']:5.2f}%  "
                      f"frames on screen {row['screen_frames']}", flush=True)
        plain = [app for app in ours if len(app) == 3]
        if wm:
            for app in plain:
                row = minimized_run(app, 2000, a.secs)
                results["minimized"].append(row)
                print(f"minimized {row['app']:18s} {row['sent']} datagrams: frames drawn {row['frames_hidden']}, "
                      f"cpu {row['cpu']:.1f}%, saved {row['saved']}/{row['expected']} B, "
                      f"restored window shows the last: {row['restored_shows_last']}", flush=True)
        else:
            print("openbox is not installed: no minimized case")
        if a.tcp_mib > 0 and shutil.which("nc"):
            for app in plain:
                row = tcp_run(app, a.tcp_mib, a.tcp_runs)
                results["tcp"].append(row)
                runs = ", ".join(f"{s:.0f}/{r:.0f}" for s, r in zip(row["sink_rates"], row["app_rates"]))
                print(f"tcp {row['mib']} MiB {row['app']:18s} median {row['app_rate']:6.0f} MiB/s vs nc sink "
                      f"{row['sink_rate']:6.0f} MiB/s ({100 * row['app_rate'] / row['sink_rate']:.0f}%; runs "
                      f"sink/app {runs}), rss after {row['rss']:.0f} MB, frame p99 {row['frame_p99']:.0f} ms",
                      flush=True)
    finally:
        for proc in (wm, xvfb):
            if proc:
                proc.terminate()
                proc.wait(5)
    print_table(results)
    if a.check:
        misses = check(results)
        print("targets: " + ("all met" if not misses else "NOT MET: " + "; ".join(misses)))
        return 1 if misses else 0
    return 0


def print_udp(row):
    extra = ""
    if "app_fps" in row:
        extra = (f" drawn {row['app_fps']:5.1f}/s frame→screen p50 {row['frame_p50']:5.1f} "
                 f"p99 {row['frame_p99']:5.1f} ms")
        if "latency_p99" in row:
            extra += f" arrival→screen p50 {row['latency_p50']:5.1f} p99 {row['latency_p99']:5.1f} ms"
    print(f"udp {row['rate']:>6}/s {row['app']:22s} sent {row['sent']:>6} dropped {row['dropped']:>6} "
          f"cpu {row['cpu']:5.1f}% rss {row['rss']:4.0f} MB on screen {row['screen_fps']:5.1f}/s{extra}",
          flush=True)


def print_table(results):
    print("\n| datagrams/s | app | CPU (one core = 100%) | dropped | RSS MB | frames on screen/s |"
          " frame → screen p99 | arrival → screen p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for row in results["udp"]:
        print(f"| {row['rate']:,} | {row['app']} | {row['cpu']:.1f}% | {row['dropped']} | {row['rss']:.0f} | "
              f"{row['screen_fps']:.1f} | {fmt_ms(row.get('frame_p99'))} | {fmt_ms(row.get('latency_p99'))} |")


def fmt_ms(value):
    return "—" if value is None or value != value else f"{value:.0f} ms"


def check(results):
    misses = []
    by = {}
    for row in results["udp"]:
        if "--chart" in row["app"]:
            continue  # measured beside, not held to the targets
        by.setdefault(row["rate"], {})[row["app"].split(" ")[0]] = row
    for rate, apps in sorted(by.items()):
        ours, theirs = apps.get("sockscope"), apps.get("packetsender")
        if not ours:
            continue
        if not ours["alive"]:
            misses.append(f"{rate}/s: Sockscope died")
        if rate >= 20000 and ours["dropped"]:
            misses.append(f"{rate}/s: {ours['dropped']} dropped")
        if rate >= 20000 and ours.get("frame_p99", 0) > 33:
            misses.append(f"{rate}/s: frame p99 {ours['frame_p99']:.0f} ms > 33")
        if theirs:
            share = 0.5 if rate <= 100 else 1.0
            if ours["cpu"] > share * theirs["cpu"]:
                misses.append(f"{rate}/s: CPU {ours['cpu']:.1f}% > {share:g} × Packet Sender's "
                              f"{theirs['cpu']:.1f}%")
        if ours.get("latency_p99", 0) > 50:
            misses.append(f"{rate}/s: arrival→screen p99 {ours['latency_p99']:.0f} ms > 50")
    for row in results["idle"]:
        if row["app"].startswith("sockscope") and row["cpu"] > 0.5:
            misses.append(f"idle: {row['cpu']:.2f}% > 0.5%")
    for row in results["minimized"]:
        if row["frames_hidden"] or row["saved"] != row["expected"] or not row["restored_shows_last"]:
            misses.append(f"minimized: {row['frames_hidden']} frames, saved {row['saved']}/{row['expected']}")
    for row in results["tcp"]:
        if row["app_rate"] < 0.6 * row["sink_rate"]:
            misses.append(f"tcp: {100 * row['app_rate'] / row['sink_rate']:.0f}% of the sink < 60%")
        if row["rss"] > 300:
            misses.append(f"tcp: RSS {row['rss']:.0f} MB > 300")
    return misses


if __name__ == "__main__":
    sys.exit(main())
