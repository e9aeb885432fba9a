#!/usr/bin/env python3
"""Scripted loopback HTTP server for one conformance vector.

Usage: vector_server.py VECTOR_FILE [--capture PATH] [--connections N]
                        [--max-seconds S]

Binds the vector's server-address (default 127.0.0.1) on port 0, prints the
port on stdout (one line, flushed), then accepts up to N connections
(default 1). For each it reads one request (head, then a body by
Content-Length or chunked with trailers, capped), appends the raw request
bytes to PATH (written and closed BEFORE replying), then sends the reply
with the vector's reply-delay / reply-drip / reply-reset / reply-close.
It always exits by itself: after N connections, or after --max-seconds
(default 20, hard bound via SIGALRM) whatever happens.
"""

import argparse
import os
import re
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vectors import parse_vector  # noqa: E402

HEAD_CAP = 1 << 20       # bytes of request head we read at most
BODY_CAP = 16 << 20      # bytes of request body we read at most
IDLE = 2.0               # seconds without data before we give up on a request


def _hard_exit(signum, frame):
    os._exit(3)


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.raw = bytearray()
        self.eof = False

    def _fill(self):
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, OSError):
            self.eof = True
            return False
        if not data:
            self.eof = True
            return False
        self.buf += data
        self.raw += data
        return True

    def until(self, marker, cap):
        while marker not in self.buf:
            if len(self.buf) > cap or not self._fill():
                out, self.buf = self.buf, b""
                return out
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            if not self._fill():
                break
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def read_request(sock):
    """Read one request; return its raw bytes (whatever arrived)."""
    sock.settimeout(IDLE)
    r = Reader(sock)
    head = r.until(b"\r\n\r\n", HEAD_CAP)
    if not head.endswith(b"\r\n\r\n"):
        return bytes(r.raw)
    lines = head.split(b"\r\n")
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip()
        if name == b"content-length" and re.fullmatch(rb"\d+", value):
            length = int(value)
        elif name == b"transfer-encoding" and \
                value.lower().split(b",")[-1].strip() == b"chunked":
            chunked = True
    if chunked:
        total = 0
        while total < BODY_CAP:
            size_line = r.until(b"\r\n", 4096)
            if not size_line.endswith(b"\r\n"):
                break
            m = re.match(rb"\s*([0-9A-Fa-f]+)", size_line)
            if not m:
                break
            size = int(m.group(1), 16)
            if size == 0:
                # trailers up to the empty line
                while True:
                    t = r.until(b"\r\n", 65536)
                    if t in (b"\r\n", b"") or not t.endswith(b"\r\n"):
                        break
                break
            got = r.exactly(size + 2)
            total += len(got)
            if len(got) < size + 2:
                break
    elif length:
        r.exactly(min(length, BODY_CAP))
    # Pick up anything else already sent (e.g. a body after the head of a
    # request whose framing we did not understand), without waiting long.
    sock.settimeout(0.05)
    while r._fill():
        pass
    return bytes(r.raw)


def send_reply(conn, v):
    reply = v["reply"]
    delay = v.get("reply-delay")
    if delay:
        time.sleep(delay)
    try:
        drip = v.get("reply-drip")
        if drip:
            for i in range(len(reply)):
                conn.sendall(reply[i:i + 1])
                time.sleep(drip)
        elif reply:
            conn.sendall(reply)
    except OSError:
        return
    if v["reply-reset"]:
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        conn.close()
        return
    if v["reply-close"]:
        try:
            conn.shutdown(socket.SHUT_WR)
            # Drain briefly so close() does not turn into an RST because
            # of unread request bytes.
            conn.settimeout(0.2)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()
        return
    # Keep the connection open until the client closes it (or the hard
    # bound fires).
    conn.settimeout(None)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vector")
    ap.add_argument("--capture")
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    args = ap.parse_args(argv)

    signal.signal(signal.SIGALRM, _hard_exit)
    signal.setitimer(signal.ITIMER_REAL, min(args.max_seconds, 20.0))

    v = parse_vector(args.vector)
    family = socket.AF_INET6 if ":" in v["server-address"] else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((v["server-address"], 0))
    ls.listen(8)
    print(ls.getsockname()[1], flush=True)

    if args.capture:
        open(args.capture, "wb").close()
    for _ in range(args.connections):
        conn, _addr = ls.accept()
        raw = read_request(conn)
        if args.capture:
            with open(args.capture, "ab") as f:
                f.write(raw)
        send_reply(conn, v)
    ls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
