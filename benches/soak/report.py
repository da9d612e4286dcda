#!/usr/bin/env python3
"""The soak's verdict: resident memory flat after the warm-up, no panic, every byte recorded,
the window drawing throughout. Prints the figures and PASS/FAIL per check; exits 1 on a FAIL.
"""
import argparse
import csv
import json
import statistics
import sys


def memory(rows, warmup, tolerance):
    """(a) RSS within ±tolerance % of its mean after the warm-up."""
    after = [r for r in rows if r["t_s"] >= warmup]
    if len(after) < 2:
        return False, [f"only {len(after)} samples after the first {warmup:.0f} s"]
    rss = [r["rss_kib"] / 1024 for r in after]
    mean = statistics.fmean(rss)
    deviation = max(abs(x - mean) for x in rss) / mean * 100
    # Least-squares slope, MiB an hour: a slow leak shows here before it breaks the band.
    ts = [r["t_s"] for r in after]
    tm = statistics.fmean(ts)
    slope = sum((t - tm) * (x - mean) for t, x in zip(ts, rss)) / sum((t - tm) ** 2 for t in ts)
    lines = [
        f"samples: {len(rows)} every 10 s ({len(after)} after the first {warmup:.0f} s); "
        f"peak (VmHWM) {rows[-1]['hwm_kib'] / 1024:.1f} MiB",
        f"RSS at {after[0]['t_s']:.0f} s: {rss[0]:.1f} MiB; after that min {min(rss):.1f}, "
        f"max {max(rss):.1f}, mean {mean:.1f}, last {rss[-1]:.1f} MiB",
        f"max deviation from the post-warm-up mean: {deviation:.1f}% (limit ±{tolerance:g}%); "
        f"last vs first post-warm-up sample {100 * (rss[-1] - rss[0]) / rss[0]:+.1f}%; "
        f"trend {slope * 3600:+.1f} MiB/h",
    ]
    return deviation <= tolerance, lines


def panic(rows, status, log_path):
    """(b) alive at every sample, exit status 0 after SIGTERM, nothing panicked."""
    dead = [r["t_s"] for r in rows if not r["alive"]]
    text = open(log_path, errors="replace").read() if log_path else ""
    panicked = [line for line in text.splitlines() if "panicked" in line]
    lines = [f"alive at all {len(rows)} samples" if not dead else f"not running at {dead[0]:.0f} s",
             f"exit status after SIGTERM: {status}",
             "stderr: no 'panicked'" if not panicked else f"stderr: {panicked[0]}"]
    return not dead and status == 0 and not panicked, lines


def every_byte(peers, recorded):
    """(c) per flow, what the peer sent is what was recorded as received (bytes and SHA-256),
    and what the app was recorded sending is what the peer received."""
    flows = recorded["flows"]
    ok, lines, total = True, [], [0, 0]
    for peer in peers:
        mode = "udp" if peer["kind"] == "udp" else "tcp-server"
        checks = [("rx", peer["sent_bytes"], peer["sent_sha256"])]
        if peer["kind"] != "udp":
            checks.append(("tx", peer["recv_bytes"], peer["recv_sha256"]))
        for direction, size, digest in checks:
            got = flows.get(f"{mode} {direction} {peer['addr']}",
                            {"records": 0, "bytes": 0, "sha256": None})
            total[direction == "tx"] += size
            if got["bytes"] != size or got["sha256"] != digest:
                ok = False
                lines.append(f"MISMATCH {peer['name']} {peer['addr']} {direction}: the peer "
                             f"{'sent' if direction == 'rx' else 'received'} {size} bytes, "
                             f"the recording has {got['bytes']} in {got['records']} records")
                tail = bytes.fromhex(peer.get("recv_tail_hex", ""))
                missing = size - got["bytes"]
                prefix = peer.get("recv_sha256_without_last", {}).get(str(missing))
                if direction == "tx" and prefix is not None:
                    same = "equals" if prefix == got["sha256"] else "does NOT equal"
                    lines.append(f"    the recording {same} what the peer received minus its "
                                 f"last {missing} bytes (SHA-256), which were "
                                 f"{tail[-missing:]!r}")
        if peer["kind"] == "udp":
            got = flows.get(f"udp rx {peer['addr']}", {"records": 0})
            if got["records"] != peer["sent_msgs"]:
                ok = False
                lines.append(f"MISMATCH udp: {peer['sent_msgs']} datagrams sent, "
                             f"{got['records']} recorded")
        if peer.get("error"):
            ok = False
            lines.append(f"peer {peer['name']}: {peer['error']}")
    known = {f"{m} {d} {p['addr']}" for p in peers for m in ("tcp-server", "udp") for d in ("rx", "tx")}
    for key in flows:
        if key not in known:
            ok = False
            lines.append(f"recorded flow with no peer: {key} {flows[key]}")
    if recorded["bad_lines"]:
        ok = False
        lines += [f"bad record: {bad}" for bad in recorded["bad_lines"][:5]]
    if not recorded.get("final"):
        ok = False
        lines.append("the recording was not read to its end")
    udp = next(p for p in peers if p["kind"] == "udp")
    flood = next(p for p in peers if p["kind"] == "flood")
    chats = [p for p in peers if p["kind"] == "chat"]
    lines.insert(0, f"{len(peers)} flows, {total[0]:,} bytes to the app and {total[1]:,} from it, "
                    f"{recorded['records']:,} records in {recorded['parts']} parts "
                    f"({recorded['json_bytes'] / 2**20:,.0f} MiB of .jsonl)")
    lines.insert(1, f"flood {flood['sent_bytes']:,} bytes; UDP {udp['sent_msgs']:,} datagrams, "
                    f"{udp['sent_bytes']:,} bytes; chat {sum(p['sent_msgs'] for p in chats):,} "
                    f"lines, {sum(p['pongs'] for p in chats):,} auto-replies received; "
                    f"repeat + replies to the clients {total[1]:,} bytes")
    if recorded["error_count"]:
        lines.append(f"{recorded['error_count']} ERROR lines in the log, first: {recorded['errors'][0]}")
    if ok:
        lines.append("every flow: bytes and SHA-256 equal, both ways")
    return ok, lines


def drawing(frames_path, begin_us, end_us, min_fps):
    """(d) the window drew throughout the traffic, showing entries that had just arrived."""
    windows = {}
    lags = []
    with open(frames_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            start = int(parts[0])
            if not begin_us <= start < end_us:
                continue
            windows[(start - begin_us) // 10_000_000] = windows.get((start - begin_us) // 10_000_000, 0) + 1
            if parts[3] != "-":
                lags.append((start - int(parts[3])) / 1000)
    count = max(1, (end_us - begin_us) // 10_000_000)
    per_window = [windows.get(i, 0) for i in range(count)]
    fewest = min(per_window)
    lags.sort()
    median_lag = lags[len(lags) // 2] if lags else float("inf")
    p99_lag = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else float("inf")
    lines = [f"{sum(per_window):,} frames in {count * 10} s of traffic "
             f"({sum(per_window) / (count * 10):.1f}/s); fewest in a 10 s window: {fewest}",
             f"age of the newest entry in view when a frame began: median {median_lag:.0f} ms, "
             f"p99 {p99_lag:.0f} ms"]
    return fewest >= min_fps * 10 and median_lag < 1000, lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rss", required=True)
    parser.add_argument("--peers", required=True)
    parser.add_argument("--recorded", required=True)
    parser.add_argument("--frames", required=True)
    parser.add_argument("--traffic-us", required=True, help="BEGIN,END of the traffic, Unix µs")
    parser.add_argument("--status", type=int, required=True)
    parser.add_argument("--app-log", required=True)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--tolerance", type=float, default=10)
    parser.add_argument("--min-fps", type=float, default=1)
    args = parser.parse_args()

    with open(args.rss) as f:
        rows = [{k: (int(v) if k in ("rss_kib", "hwm_kib", "alive") else float(v))
                 for k, v in row.items() if k in ("t_s", "rss_kib", "hwm_kib", "alive")}
                for row in csv.DictReader(f)]
    peers = json.load(open(args.peers))
    recorded = json.load(open(args.recorded))
    begin, end = (int(x) for x in args.traffic_us.split(","))

    results = [
        ("(a) memory flat", *memory(rows, args.warmup, args.tolerance)),
        ("(b) no panic", *panic(rows, args.status, args.app_log)),
        ("(c) every byte recorded", *every_byte(peers, recorded)),
        ("(d) the window drew", *drawing(args.frames, begin, end, args.min_fps)),
    ]
    for name, ok, lines in results:
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
        for line in lines:
            print(f"      {line}")
    failed = [name for name, ok, _ in results if not ok]
    print("soak: " + ("PASS" if not failed else "FAIL: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
