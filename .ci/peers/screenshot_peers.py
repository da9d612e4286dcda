#!/usr/bin/env python3
"""Loopback peers that make real traffic for the README screenshots. Each stops by itself."""
import socket, sys, threading, time

def gbk(text):
    return text.encode("gbk")

def tcp_device(port):
    """A TCP server playing a device: greets in GBK, acknowledges each message in GBK."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    server.settimeout(60)
    conn, _ = server.accept()
    conn.settimeout(60)
    conn.sendall(gbk("欢迎！设备 A-01 已就绪\r\n"))
    time.sleep(0.3)
    conn.sendall(gbk("温度=23.5℃ 湿度=61%\r\n"))
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            time.sleep(0.1)
            conn.sendall(gbk("收到 ") + str(len(data)).encode() + gbk(" 字节：") + data + b"\r\n")
    except OSError:
        pass

def tcp_clients(port):
    """Three clients of a TCP server: two speak GBK, one sends a binary frame."""
    messages = [gbk("你好，我是一号传感器"), gbk("设备 #2 上线，固件 v1.4"), bytes([0xAA, 0x55, 0x03, 0x10, 0x27, 0x00, 0xFF, 0x0D, 0x0A])]
    sockets = []
    for message in messages:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        sockets.append(s)
        time.sleep(0.25)
        s.sendall(message)
    time.sleep(0.5)
    sockets[0].sendall(gbk("报警：门已打开"))
    deadline = time.time() + 60
    for s in sockets:
        s.settimeout(max(1, deadline - time.time()))
        try:
            s.recv(4096)
        except OSError:
            pass
    time.sleep(30)

def udp_peer(bind_port, app_port):
    """A UDP peer: sends GBK and UTF-8 datagrams to the app and answers what it gets."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", bind_port))
    s.settimeout(60)
    s.sendto(gbk("你好 UDP！来自 127.0.0.1"), ("127.0.0.1", app_port))
    time.sleep(0.3)
    s.sendto(bytes([0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD]), ("127.0.0.1", app_port))
    try:
        while True:
            data, addr = s.recvfrom(65535)
            s.sendto(gbk("回复：") + data, addr)
    except OSError:
        pass

def cloud_server(port):
    """A device's server (the relay's upstream): answers each line of a device in GBK."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(4)
    server.settimeout(60)

    def serve(conn):
        conn.settimeout(60)
        try:
            buffered = b""
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buffered += data
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    time.sleep(0.05)
                    if line.startswith(b"LOGIN"):
                        conn.sendall(gbk("登录成功，会话 7F3A\r\n"))
                    else:
                        conn.sendall(gbk("已记录：") + line.strip() + b"\r\n")
        except OSError:
            pass

    try:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    except OSError:
        pass

def field_device(relay_port):
    """A device pointed at the relay: logs in, then reports readings in GBK."""
    s = socket.create_connection(("127.0.0.1", relay_port), timeout=60)
    s.sendall(b"LOGIN A-01 key=3f9c\r\n")
    time.sleep(0.4)
    for reading in ["温度=23.5℃", "湿度=61%", "门=关闭"]:
        s.sendall(gbk("上报 " + reading) + b"\r\n")
        time.sleep(0.4)
    time.sleep(60)

if __name__ == "__main__":
    kind = sys.argv[1]
    ports = [int(p) for p in sys.argv[2:]]
    {"tcp-device": tcp_device, "tcp-clients": tcp_clients, "udp-peer": udp_peer,
     "cloud-server": cloud_server, "field-device": field_device}[kind](*ports)
