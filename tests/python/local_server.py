"""A tiny threaded HTTP/1.1 server on 127.0.0.1 for tests that need no real
server: GET /slow sleeps `delay` seconds before answering. It stops by itself
after `lifetime` seconds."""

import socket
import threading
import time


class SlowServer:
    def __init__(self, delay=0.0, lifetime=60.0, body=b"hello"):
        self.delay, self.body = delay, body
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.deadline = time.monotonic() + lifetime
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped and time.monotonic() < self.deadline:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(c,), daemon=True).start()
        self.sock.close()

    def _handle(self, c):
        c.settimeout(10)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                _, buf = buf.split(b"\r\n\r\n", 1)
                if self.delay:
                    time.sleep(self.delay)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                          % (len(self.body), self.body))
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        self.stopped = True
