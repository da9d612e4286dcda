#!/usr/bin/env python3
"""The peers of benches/relay.sh, all on 127.0.0.1. Subcommands:
  data FILE MIB                  seeded random bytes to FILE; prints their sha256
  text FILE MIB                  lines of a device's readings (ASCII, CRLF) to FILE
  sink PORT MIB READY            accepts one connection, reads to EOF; prints bytes, sha256,
                                 last-byte time, CPU seconds
  send PORT FILE                 sends FILE, waits for its send queue to drain, half-closes;
                                 prints first-byte time, CPU seconds
  echo PORT READY                echoes every connection back until it half-closes
  pairs PORT N KIB STATUS GO     N clients at once, each sends KIB KiB and reads them back; holds
                                 them open until file GO exists, then closes them
  flood PORT FILE                sends FILE, then prints seconds from its first byte until the
                                 peer took the last (send queue empty) and its CPU seconds
                                 meanwhile, and closes
  datagrams RELAY SINK N RATE    N datagrams of 500 bytes at RATE a second from one client
                                 through RELAY to a sink on SINK; prints sent, received, seconds
Times are CLOCK_MONOTONIC, so one process's first byte and another's last byte compare."""
import fcntl, hashlib, os, random, selectors, socket, struct, sys, termios, time

def cpu():
    """This process's CPU seconds, so the script can tell what else was busy."""
    t = os.times()
    return t.user + t.system

def listener(port, ready):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4096)
    open(ready, "w").write("ready\n")
    return s

def data(path, mib):
    rng, digest = random.Random(20261205), hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(mib):
            chunk = rng.randbytes(1 << 20)
            digest.update(chunk)
            f.write(chunk)
    print(digest.hexdigest())

def text(path, mib):
    rng = random.Random(20261205)
    with open(path, "wb") as f:
        written, n = 0, 0
        while written < mib << 20:
            n += 1
            line = f"{n:08d} sensor-{rng.randrange(100):02d} temp={rng.uniform(15, 30):.2f} hum={rng.randrange(100)}% ok\r\n".encode()
            f.write(line)
            written += len(line)

def sink(port, mib, ready):
    # Received into memory and hashed afterwards: hashing on the way would take a core from
    # the contender (the machine may have 2).
    buf = memoryview(bytearray((mib << 20) + (1 << 20)))
    conn, _ = listener(port, ready).accept()
    n, last = 0, 0.0
    while True:
        got = conn.recv_into(buf[n:] if n < len(buf) else bytearray(1 << 16))
        if not got:
            break
        n += got
        last = time.monotonic()
    digest = hashlib.sha256(buf[:min(n, len(buf))]).hexdigest()
    print(n, digest, f"{last:.6f}", f"{cpu():.2f}")

def wait_taken(s):
    """Until the peer took every byte sent (unsent + unacknowledged = 0)."""
    outq = bytearray(4)
    while True:
        fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, outq)
        if struct.unpack("i", outq)[0] == 0:
            return
        time.sleep(0.001)

def send(port, path):
    payload = memoryview(open(path, "rb").read())
    s = socket.create_connection(("127.0.0.1", port))
    first = time.monotonic()
    s.sendall(payload)
    # Every byte taken by the peer before the half-close.
    wait_taken(s)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(60)
    while s.recv(1 << 16):
        pass
    print(f"{first:.6f}", f"{cpu():.2f}")

def echo(port, ready):
    sel, srv = selectors.DefaultSelector(), listener(port, ready)
    srv.setblocking(False)
    sel.register(srv, selectors.EVENT_READ, None)
    pending = {}  # connection -> [bytes to write back, peer half-closed]
    while True:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    while True:
                        c, _ = srv.accept()
                        c.setblocking(False)
                        pending[c] = [bytearray(), False]
                        sel.register(c, selectors.EVENT_READ, 1)
                except BlockingIOError:
                    continue
            c = key.fileobj
            out, eof = pending[c]
            try:
                while not eof and len(out) < (1 << 20):
                    got = c.recv(1 << 16)
                    if not got:
                        eof = pending[c][1] = True
                    out += got
            except BlockingIOError:
                pass
            except OSError:
                eof, out[:] = True, b""
            try:
                while out:
                    del out[:c.send(out)]
            except BlockingIOError:
                pass
            except OSError:
                out[:] = b""
            if eof and not out:
                sel.unregister(c); del pending[c]; c.close()
            else:
                reading = selectors.EVENT_READ if not eof and len(out) < (1 << 20) else 0
                sel.modify(c, reading | (selectors.EVENT_WRITE if out else 0), 1)

def pairs(port, n, kib, status, go):
    sel, deadline = selectors.DefaultSelector(), time.monotonic() + 180
    state = {}  # socket -> [index, bytes still to send, bytes read back, bytes sent]
    for i in range(n):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        mine = random.Random(i).randbytes(kib << 10)  # distinct per client
        state[c] = [i, mine, bytearray(), mine]
        sel.register(c, selectors.EVENT_WRITE)
    done, failed = 0, []
    while done + len(failed) < n and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            c = key.fileobj
            i, want, back, mine = state[c]
            try:
                if ev & selectors.EVENT_WRITE:
                    state[c][1] = want = want[c.send(want):]
                    if not want:
                        sel.modify(c, selectors.EVENT_READ)
                    continue
                got = c.recv(1 << 16)
                if not got:
                    raise ConnectionError("closed early")
                back += got
                if len(back) == kib << 10:
                    sel.unregister(c)
                    if back == mine:
                        done += 1
                    else:
                        failed.append((i, "bytes differ"))
            except BlockingIOError:
                pass
            except OSError as error:
                sel.unregister(c)
                failed.append((i, str(error)))
    open(status, "w").write(f"open {done} of {n}, failed {len(failed)} {failed[:3]}\n")
    wait_until = time.monotonic() + 120
    while not os.path.exists(go) and time.monotonic() < wait_until:
        time.sleep(0.05)
    for c in state:
        c.close()
    sys.exit(0 if done == n else 1)

def flood(port, path):
    payload = memoryview(open(path, "rb").read())
    s = socket.create_connection(("127.0.0.1", port))
    first, cpu_before = time.monotonic(), cpu()
    s.sendall(payload)
    wait_taken(s)
    print(f"{time.monotonic() - first:.3f} {cpu() - cpu_before:.2f}")
    s.close()

def datagrams(relay, sink_port, count, rate):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sink.bind(("127.0.0.1", sink_port))
    sink.settimeout(2)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # The first datagram opens the client's pair (a socket of its own toward the sink).
    tx.sendto(b"open", ("127.0.0.1", relay))
    sink.recvfrom(2048)
    got = 0
    def receive():
        nonlocal got
        while True:
            try:
                sink.recvfrom(2048)
                got += 1
            except socket.timeout:
                return
    import threading
    receiver = threading.Thread(target=receive)
    receiver.start()
    payload, start = b"x" * 500, time.monotonic()
    for sent in range(1, count + 1):
        tx.sendto(payload, ("127.0.0.1", relay))
        if sent % 100 == 0:
            ahead = start + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    took = time.monotonic() - start
    receiver.join()
    print(count, got, f"{took:.1f}")

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "data": data(args[0], int(args[1]))
    elif cmd == "text": text(args[0], int(args[1]))
    elif cmd == "sink": sink(int(args[0]), int(args[1]), args[2])
    elif cmd == "send": send(int(args[0]), args[1])
    elif cmd == "echo": echo(int(args[0]), args[1])
    elif cmd == "pairs": pairs(int(args[0]), int(args[1]), int(args[2]), args[3], args[4])
    elif cmd == "flood": flood(int(args[0]), args[1])
    elif cmd == "datagrams": datagrams(int(args[0]), int(args[1]), int(args[2]), int(args[3]))
    else: sys.exit(f"unknown subcommand {cmd}")
