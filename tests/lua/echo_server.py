#!/usr/bin/env python3
"""Loopback HTTP server for the Lua one-shot and cqueues tests.

Usage: echo_server.py [--max-seconds S]

Binds 127.0.0.1 on port 0, prints the port (one line, flushed) and serves
every connection on its own thread, keep-alive included, until --max-seconds
(default 300) have passed or the reader of its standard output has closed it: it always stops by
itself. Paths:

  /redirect/CODE?to=LOC  CODE with Location: LOC (percent-decoded; without
                         to, the request's own target: a loop), body "moved\n"
  /slow?ms=N&tag=T       waits N ms (default 200), then "slow\n"
  /stats?tag=T           "max=M count=C": the most /slow requests tagged T
                         in progress at once, and how many there were
  /endless               200, chunked, an endless body sent as fast as the
                         client takes it ("x" * 65536 chunks)
  /endless?length=1      the same with Content-Length: 10^12
  /close                 "bye\n" with Connection: close
  anything else          200, the raw request (head and body bytes as
                         received) as the body: tests read what was sent
A request carrying "Connection: close" gets its answer, then the server
closes the connection.
"""

import argparse
import os
import re
import select
import signal
import socket
import socketserver
import threading
import time
import urllib.parse

HEAD_CAP = 1 << 20
BODY_CAP = 64 << 20
IDLE = 30.0

stats_lock = threading.Lock()
stats = {}  # tag -> {"in_progress", "max", "count"}


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.raw = bytearray()

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except OSError:
            return False
        if not data:
            return False
        self.buf += data
        self.raw += data
        return True

    def until(self, marker, cap):
        while marker not in self.buf:
            if len(self.buf) > cap or not self._fill():
                return None
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exactly(self, n):
        while len(self.buf) < n:
            if not self._fill():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def take_raw(self):
        """The raw bytes of the request just read (not those of the next)."""
        used = len(self.raw) - len(self.buf)
        out = bytes(self.raw[:used])
        del self.raw[:used]
        return out


def read_request(r):
    """Reads one request; returns (method, target, headers dict, raw) or None."""
    head = r.until(b"\r\n\r\n", HEAD_CAP)
    if head is None:
        return None
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        return None
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(b":")
        key = name.strip().lower().decode("latin-1")
        headers[key] = (headers[key] + ", " if key in headers else "") + \
            value.strip().decode("latin-1")
    if headers.get("transfer-encoding", "").lower().endswith("chunked"):
        while True:
            size_line = r.until(b"\r\n", 4096)
            if size_line is None:
                return None
            m = re.match(rb"\s*([0-9A-Fa-f]+)", size_line)
            if not m:
                return None
            size = int(m.group(1), 16)
            if size == 0:
                while True:
                    t = r.until(b"\r\n", 65536)
                    if t is None or t == b"\r\n":
                        break
                break
            if r.exactly(size + 2) is None:
                return None
    elif re.fullmatch(r"\d+", headers.get("content-length", "")):
        if r.exactly(min(int(headers["content-length"]), BODY_CAP)) is None:
            return None
    return parts[0].decode(), parts[1].decode(), headers, r.take_raw()


def reply(sock, code, body, extra=b"", close=False):
    reason = {200: b"OK", 301: b"Moved Permanently", 302: b"Found", 303: b"See Other",
              307: b"Temporary Redirect", 308: b"Permanent Redirect"}.get(code, b"Other")
    head = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n%s%s\r\n" % (
        code, reason, len(body), extra, b"Connection: close\r\n" if close else b"")
    sock.sendall(head + body)


def endless(sock, with_length):
    piece = b"x" * 65536
    if with_length:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n")
        frame = piece
    else:
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        frame = b"10000\r\n" + piece + b"\r\n"
    try:
        while True:
            sock.sendall(frame)
    except OSError:
        pass


def slow(sock, ms, tag, close):
    with stats_lock:
        s = stats.setdefault(tag, {"in_progress": 0, "max": 0, "count": 0})
        s["in_progress"] += 1
        s["count"] += 1
        s["max"] = max(s["max"], s["in_progress"])
    try:
        time.sleep(ms / 1000.0)
    finally:
        with stats_lock:
            s["in_progress"] -= 1
    reply(sock, 200, b"slow\n", close=close)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(IDLE)
        r = Reader(sock)
        while True:
            req = read_request(r)
            if req is None:
                return
            method, target, headers, raw = req
            url = urllib.parse.urlsplit(target)
            query = urllib.parse.parse_qs(url.query)
            close = "close" in headers.get("connection", "").lower()
            m = re.fullmatch(r"/redirect/(\d+)", url.path)
            if m:
                location = query.get("to", [target])[0].encode("latin-1")
                reply(sock, int(m.group(1)), b"moved\n", b"Location: " + location + b"\r\n", close)
            elif url.path == "/slow":
                slow(sock, int(query.get("ms", ["200"])[0]), query.get("tag", [""])[0], close)
            elif url.path == "/stats":
                with stats_lock:
                    s = stats.get(query.get("tag", [""])[0], {"max": 0, "count": 0})
                    body = b"max=%d count=%d" % (s["max"], s["count"])
                reply(sock, 200, body, close=close)
            elif url.path == "/endless":
                endless(sock, "length" in query)
                return
            elif url.path == "/close":
                reply(sock, 200, b"bye\n", close=True)
                return
            else:
                reply(sock, 200, raw, close=close)
            if close:
                return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-seconds", type=float, default=300.0)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.setitimer(signal.ITIMER_REAL, args.max_seconds)

    def watch_reader():
        # The test reads our port from a pipe and closes it when it is done
        # (or dies): the write end then reports POLLERR, and we stop.
        p = select.poll()
        p.register(1, select.POLLERR)
        while not p.poll():
            pass
        os._exit(0)

    threading.Thread(target=watch_reader, daemon=True).start()
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
