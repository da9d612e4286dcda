#!/usr/bin/env python3
"""The soak's loopback peers, against the app's TCP Server tab and UDP tab.

- CHAT clients (default 10): each sends a line of mixed ASCII and UTF-8 text or a bare
  "PING\\r\\n" (which the app's auto-reply rule answers) every 50 to 150 ms, and reads
  everything the app sends it (the auto-replies and the repeated send).
- One FLOOD client: sends seeded pseudo-random bytes (mostly printable text, some of every byte
  value) at a steady rate, and reads the repeated send too.
- One UDP sender: RATE datagrams a second (default 1,000) of 16 to 1,008 bytes each, every
  one numbered.

Every flow counts what it sent and received, with a SHA-256 of each stream, so the recording
can be checked byte for byte. Sending stops after SECONDS; then each TCP client shuts down
its sending side (the app sees it close) and reads on until the app closes the connection.

Files in OUT: ready.json (every flow up: the app can start its repeat), sent.json (sending
over: what each flow sent), peers.json (at the end: sent and received per flow).
"""
import argparse
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time


def write_json(path, value):
    """Writes atomically: a reader never sees half a file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path)


class Flow:
    """One connection's or socket's counts, both ways."""

    def __init__(self, kind, name):
        self.kind, self.name = kind, name
        self.addr = None
        self.sent_bytes = self.sent_msgs = 0
        self.sent_hash = hashlib.sha256()
        self.recv_bytes = 0
        self.recv_hash = hashlib.sha256()
        self.recv_tail = b""
        # The hash of everything received but the tail: with the tail, the hash of every
        # prefix missing up to 256 bytes, should the recording lack the last few.
        self.recv_before_tail = hashlib.sha256()
        self.pongs = 0
        self.error = None
        self.send_done = threading.Event()
        self.recv_done = threading.Event()

    def sent(self, data):
        self.sent_bytes += len(data)
        self.sent_msgs += 1
        self.sent_hash.update(data)

    def without_last(self):
        """SHA-256 of what was received minus its last k bytes, for k = 1 to the tail's size."""
        hashes = {}
        for k in range(1, len(self.recv_tail) + 1):
            digest = self.recv_before_tail.copy()
            digest.update(self.recv_tail[:-k])
            hashes[k] = digest.hexdigest()
        return hashes

    def summary(self):
        return {
            "kind": self.kind,
            "name": self.name,
            "addr": self.addr,
            "sent_bytes": self.sent_bytes,
            "sent_msgs": self.sent_msgs,
            "sent_sha256": self.sent_hash.hexdigest(),
            "recv_bytes": self.recv_bytes,
            "recv_sha256": self.recv_hash.hexdigest(),
            "recv_tail_hex": self.recv_tail.hex(),
            "recv_sha256_without_last": self.without_last(),
            "pongs": self.pongs,
            "error": self.error,
        }


CHAT_WORDS = [
    "hello", "status", "temperature=23.5", "humidity=61%", "ok", "READ 40001", "ack",
    "你好", "设备在线", "温度正常", "報告", "データ", "ß∂ƒ©", "→ ✓", "naïve café",
]


def reader(flow, sock):
    """Reads until the app closes the connection (or fails); counts and hashes."""
    last = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            flow.recv_bytes += len(data)
            flow.recv_hash.update(data)
            tail = flow.recv_tail + data
            flow.recv_before_tail.update(tail[:-256])
            flow.recv_tail = tail[-256:]
            both = last + data
            flow.pongs += both.count(b"PONG")
            last = both[-3:]
    except OSError as error:
        flow.error = flow.error or f"recv: {error}"
    finally:
        flow.recv_done.set()


def connect(port, flow):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.settimeout(None)
    flow.addr = "%s:%d" % sock.getsockname()[:2]
    return sock


class Run:
    """What the flows share: the barrier they meet at once up, the start, the deadline."""

    def __init__(self, flows):
        self.up = threading.Barrier(flows + 1, timeout=60)
        self.started = threading.Event()
        self.stop_at = float("inf")


def tcp_flow(port, flow, run, send):
    """Connects, reads in a thread of its own, waits for the start, sends with `send`
    until the deadline, then shuts down its sending side."""
    try:
        sock = connect(port, flow)
    except OSError as error:
        flow.error = f"connect: {error}"
        flow.send_done.set()
        flow.recv_done.set()
        run.up.wait()
        return
    threading.Thread(target=reader, args=(flow, sock), daemon=True).start()
    run.up.wait()
    run.started.wait()
    try:
        send(sock, run.stop_at)
        sock.shutdown(socket.SHUT_WR)
    except OSError as error:
        flow.error = f"send: {error}"
    finally:
        flow.send_done.set()


def chat(port, flow, run, seed):
    rng = random.Random(seed)

    def send(sock, stop_at):
        while time.monotonic() < stop_at:
            if rng.random() < 0.3:
                line = b"PING\r\n"
            else:
                words = " ".join(rng.choices(CHAT_WORDS, k=rng.randint(1, 12)))
                line = f"{flow.name} #{flow.sent_msgs} {words}\r\n".encode()
            sock.sendall(line)
            flow.sent(line)
            time.sleep(rng.uniform(0.05, 0.15))

    tcp_flow(port, flow, run, send)


def flood(port, flow, run, seed, kib_per_s):
    rng = random.Random(seed)
    # Mostly printable text and line ends; besides, one byte in 64 is left as any value.
    table = bytes((bytearray(range(32, 127)) * 3)[:248] + b"\n" * 4 + bytes([0, 0xFF, 0xC3, 0xE4]))
    chunk_bytes = 16 * 1024
    interval = chunk_bytes / (kib_per_s * 1024.0)

    def send(sock, stop_at):
        begin, n = time.monotonic(), 0
        while time.monotonic() < stop_at:
            raw = rng.randbytes(chunk_bytes)
            data = bytearray(raw.translate(table))
            for at in range(rng.randrange(64), chunk_bytes, 64):
                data[at] = raw[at]
            data = bytes(data)
            sock.sendall(data)
            flow.sent(data)
            n += 1
            pause = begin + n * interval - time.monotonic()
            if pause > 0:
                time.sleep(min(pause, max(0.0, stop_at - time.monotonic())))

    tcp_flow(port, flow, run, send)


def udp(port, flow, run, seed, rate):
    rng = random.Random(seed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    flow.addr = "%s:%d" % sock.getsockname()[:2]
    flow.recv_done.set()  # the app's UDP tab sends nothing back
    run.up.wait()
    run.started.wait()
    interval = 1.0 / rate
    try:
        begin, n = time.monotonic(), 0
        while (now := time.monotonic()) < run.stop_at:
            # Every datagram due by now, on a fixed schedule (late ones catch up at once).
            while begin + n * interval <= now:
                data = b"%08d " % n + rng.randbytes(rng.randint(16, 1008) - 9)
                sock.sendto(data, ("127.0.0.1", port))
                flow.sent(data)
                n += 1
            time.sleep(max(0.0, min(0.005, begin + n * interval - time.monotonic())))
    except OSError as error:
        flow.error = f"sendto: {error}"
    finally:
        flow.send_done.set()
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tcp-port", type=int, required=True)
    parser.add_argument("--udp-port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True, help="how long to send")
    parser.add_argument("--out", required=True, help="folder for the .json files")
    parser.add_argument("--chat", type=int, default=10, help="chatting TCP clients")
    parser.add_argument("--flood-kib", type=float, default=1024, help="flood rate, KiB/s")
    parser.add_argument("--udp-rate", type=float, default=1000, help="datagrams a second")
    parser.add_argument("--start-file", help="wait for this file before sending")
    parser.add_argument("--eof-timeout", type=float, default=300,
                        help="longest wait for the app to close the connections at the end")
    args = parser.parse_args()

    flows = [Flow("chat", f"chat{i + 1:02d}") for i in range(args.chat)]
    flows += [Flow("flood", "flood"), Flow("udp", "udp")]
    run = Run(len(flows))
    starts = [(chat, flow, 1000 + i) for i, flow in enumerate(flows[: args.chat])]
    starts += [(flood, flows[-2], 2000, args.flood_kib), (udp, flows[-1], 3000, args.udp_rate)]
    for target, flow, *rest in starts:
        port = args.udp_port if target is udp else args.tcp_port
        threading.Thread(target=target, args=(port, flow, run, *rest), daemon=True).start()
    run.up.wait()

    def summaries():
        return [flow.summary() for flow in flows]

    write_json(os.path.join(args.out, "ready.json"), summaries())
    print(f"peers: {len(flows)} flows up: " + ", ".join(f"{f.name} {f.addr}" for f in flows),
          flush=True)

    if args.start_file:
        while not os.path.exists(args.start_file):
            time.sleep(0.05)
    run.stop_at = time.monotonic() + args.seconds
    run.started.set()
    began = time.monotonic()
    for flow in flows:
        flow.send_done.wait()
    took = time.monotonic() - began
    write_json(os.path.join(args.out, "sent.json"), summaries())
    total = sum(f.sent_bytes for f in flows)
    print(f"peers: sending done after {took:.1f} s: {total} bytes; flood "
          f"{flows[-2].sent_bytes / took / 1024:.0f} KiB/s, UDP {flows[-1].sent_msgs / took:.0f} datagrams/s",
          flush=True)

    # The app closes each connection once it is stopped (or when it closes its side).
    deadline = time.monotonic() + args.eof_timeout
    for flow in flows:
        if not flow.recv_done.wait(max(0.0, deadline - time.monotonic())):
            flow.error = flow.error or "the app never closed the connection"
    write_json(os.path.join(args.out, "peers.json"), summaries())
    errors = [f"{f.name}: {f.error}" for f in flows if f.error]
    print("peers: done" + ("; errors: " + "; ".join(errors) if errors else ""), flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
