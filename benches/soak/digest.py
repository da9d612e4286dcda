#!/usr/bin/env python3
"""Follows a rotating .jsonl recording while the app writes it (FILE, FILE.2.jsonl, …) and
sums it per flow: records, bytes and a SHA-256 of the payloads in order, per (mode, direction,
peer). A part is finished once the next exists (the recorder flushes a part before it opens
the next); with --delete, a finished part is removed once read, so a long soak needs little
disk.

While it runs it writes PROGRESS (JSON) about once a second. Once the file STOP exists (the app
has exited) it reads what is left, checks the last record is complete, writes PROGRESS a last
time with "final": true, and exits.
"""
import argparse
import hashlib
import json
import os
import sys
import time


def part_path(base, number):
    if number <= 1:
        return base
    stem, ext = os.path.splitext(base)
    return f"{stem}.{number}{ext}"


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path)


class Totals:
    def __init__(self):
        self.flows = {}
        self.records = 0
        self.bad = []
        self.infos = []
        self.info_count = 0
        self.errors = []
        self.error_count = 0
        self.parts = 0
        self.json_bytes = 0

    def line(self, raw, where):
        self.json_bytes += len(raw)
        try:
            record = json.loads(raw)
            payload = bytes.fromhex(record["hex"])
            if record["len"] != len(payload):
                raise ValueError(f"len {record['len']} but {len(payload)} bytes of hex")
        except (ValueError, KeyError, TypeError) as error:
            if len(self.bad) < 20:
                self.bad.append(f"{where}: {error}: {raw[:200]!r}")
            return
        self.records += 1
        direction = record["dir"]
        if direction in ("rx", "tx"):
            key = f"{record['mode']} {direction} {record['peer']}"
            flow = self.flows.get(key)
            if flow is None:
                flow = self.flows[key] = [0, 0, hashlib.sha256()]
            flow[0] += 1
            flow[1] += len(payload)
            flow[2].update(payload)
        elif direction == "error":
            self.error_count += 1
            if len(self.errors) < 50:
                self.errors.append(f"{record['time']} {record['mode']}: {record['text']}")
        else:
            self.info_count += 1
            if len(self.infos) < 200:
                self.infos.append(f"{record['mode']}: {record['text']}")

    def summary(self, final):
        return {
            "final": final,
            "parts": self.parts,
            "records": self.records,
            "json_bytes": self.json_bytes,
            "flows": {
                key: {"records": n, "bytes": size, "sha256": digest.hexdigest()}
                for key, (n, size, digest) in sorted(self.flows.items())
            },
            "info_count": self.info_count,
            "infos": self.infos,
            "error_count": self.error_count,
            "errors": self.errors,
            "bad_lines": self.bad,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="the recording's first file")
    parser.add_argument("progress", help="where to write the sums (JSON)")
    parser.add_argument("stop", help="a file whose existence says the app has exited")
    parser.add_argument("--delete", action="store_true", help="remove parts once read")
    args = parser.parse_args()

    totals = Totals()
    number, handle, rest = 1, None, b""
    last_write = 0.0
    while True:
        now = time.monotonic()
        if now - last_write >= 1.0:
            write_json(args.progress, totals.summary(False))
            last_write = now
        stopping = os.path.exists(args.stop)
        path = part_path(args.log, number)
        if handle is None:
            if not os.path.exists(path):
                if stopping:
                    break
                time.sleep(0.2)
                continue
            handle = open(path, "rb")
            totals.parts += 1
        # Whether the next part exists is looked at before reading, so this part is complete
        # when this read ends.
        finished = stopping or os.path.exists(part_path(args.log, number + 1))
        block = handle.read(1 << 22)
        if block:
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for raw in lines:
                totals.line(raw, f"{os.path.basename(path)}")
            continue
        if finished:
            if rest:
                totals.bad.append(f"{os.path.basename(path)}: ends in a partial record "
                                  f"({len(rest)} bytes): {rest[:200]!r}")
                rest = b""
            handle.close()
            handle = None
            # Parts still there when the app has exited stay, for a look at how it ended.
            if args.delete and not stopping:
                os.remove(path)
            number += 1
            continue
        time.sleep(0.2)
    write_json(args.progress, totals.summary(True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
