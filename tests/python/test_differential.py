"""Differential test: the same vectors and scenarios through CPython's
http.client and through httpc, against the same scripted server; outcome
(status, reason, version, headers, body, exception class, partial/expected,
will_close) and the request bytes must be equal. Vectors marked
`deviation:` are httpc's documented stricter behaviours (docs/vectors.md,
README deviations table) and are left out here; test_vectors checks them."""

import http.client
import io
import os
import tempfile
import unittest
import warnings

import httpc
import vector_harness as H

REPLY = "reply: HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok\n"


class DifferentialVectors(unittest.TestCase):
    def test_vectors_same_as_cpython(self):
        files = [p for p in H.vector_files()
                 if "deviation" not in H.V.parse_vector(p)]
        ours = dict(H.run_all(H.HTTPC, files))
        theirs = dict(H.run_all(H.CPYTHON, files))
        for path in files:
            with self.subTest(vector=os.path.basename(path)):
                _, o1, r1, p1 = theirs[path]
                _, o2, r2, p2 = ours[path]
                self.assertEqual(H.normalized(o1, r1, p1), H.normalized(o2, r2, p2))


class _Scenario:
    """A vector file written on the fly, driven by a custom client function."""

    def __init__(self, body):
        self.tmp = tempfile.NamedTemporaryFile("w", suffix=".vec", delete=False)
        self.tmp.write(body)
        self.tmp.close()

    def run(self, module, drive):
        driver = type("D", (), {})()

        def run_client(v, port):
            out = {"error": None}
            try:
                out.update(drive(module, port))
            except Exception as e:  # noqa: BLE001
                out["error"] = H.CPYTHON.error_name(e)
            return out

        driver.run_client = run_client
        _, out, request, port = H.run(driver, self.tmp.name)
        return H.normalized(out, request, port)


def _get(module, conn):
    r = conn.getresponse()
    return {"status": r.status, "headers": r.getheaders(), "body": r.read()}


def file_body(m, port):
    c = m.HTTPConnection("127.0.0.1", port, blocksize=3)
    c.request("PUT", "/f", body=io.BytesIO(b"hello world"))
    return _get(m, c)


def text_file_body(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/t", body=io.StringIO("caf\xe9"), headers={"Content-Length": "4"})
    return _get(m, c)


def iterable_with_empty_item(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/i", body=[b"ab", b"", bytearray(b"cd")])
    return _get(m, c)


def generator_body_encode_chunked(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/g", body=(x for x in (b"12345678901234567", b"x")),
              headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
    return _get(m, c)


def put_steps(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.putrequest("POST", "/steps", skip_accept_encoding=True)
    c.putheader("X-Multi", "a", b"b", 3)
    c.putheader(b"Content-Length", 5)
    c.endheaders()
    c.send(b"he")
    c.send([b"l", b"lo"])
    return _get(m, c)


def endheaders_with_body(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.putrequest("PUT", "/e")
    c.putheader("Content-Length", "3")
    c.endheaders(memoryview(b"xyz"))
    return _get(m, c)


def str_body_not_latin1(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/u", body="\u20ac")
    return _get(m, c)


def non_ascii_url(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/caf\xe9")
    return _get(m, c)


def header_value_int_and_bytes(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/h", headers={"X-Int": 42, "X-Bytes": b"\xff", "X-Str": "\xe9"})
    return _get(m, c)


def header_name_not_ascii(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/h", headers={"X-\xe9": "1"})
    return _get(m, c)


def get_twice_keepalive(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/1")
    r = c.getresponse()
    try:
        c.request("GET", "/2")  # response not read: http.client still sends
    except Exception as e:  # noqa: BLE001
        return {"status": r.status, "error": type(e).__name__}
    return {"status": r.status, "body": r.read()}


def response_api(m, port):
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/r")
    r = c.getresponse()
    out = {"status": r.status, "reason": r.reason, "version": r.version}
    out["headers"] = [r.getheader("content-length"), r.getheader("nope", "dflt"),
                      r.msg.get_all("Content-Length"), r.headers["content-length"],
                      r.closed, r.isclosed()]
    out["body"] = r.read(1) + r.read1(5) + r.read()
    out["will_close"] = (r.isclosed(), r.closed, r.read(), r.length)
    r.close()
    out["partial"] = r.closed
    return out


def getheader_cases(m, port):
    """getheader() on repeated, empty, folded and absent fields, with every
    kind of default, before and after the message is changed."""
    c = m.HTTPConnection("127.0.0.1", port)
    c.request("GET", "/h")
    r = c.getresponse()
    names = ["X-Rep", "x-rep", "X-EMPTY", "X-Fold", "Content-Length", "absent",
             "N\u00e4me", b"X-Rep", ""]
    out = [r.getheader(n) for n in names]
    out += [r.getheader("absent", d) for d in ("s", ["a", "b"], ("t",), 7, None, "")]
    del r.msg["X-Rep"]
    out += [r.getheader("X-Rep", "gone"), r.getheader("X-Empty")]
    r.read()
    return {"status": r.status, "headers": out}


GETHEADER_REPLY = ("reply: HTTP/1.1 200 OK\\r\\nX-Rep: one\\r\\nx-rep: two\\r\\n"
                   "X-Empty:\\r\\nX-Fold: a\\r\\n b\\r\\nContent-Length: 2\\r\\n\\r\\nok\n")

SCENARIOS = [
    (file_body, REPLY), (text_file_body, REPLY), (iterable_with_empty_item, REPLY),
    (generator_body_encode_chunked, REPLY), (put_steps, REPLY),
    (endheaders_with_body, REPLY), (str_body_not_latin1, REPLY),
    (non_ascii_url, REPLY), (header_value_int_and_bytes, REPLY),
    (header_name_not_ascii, REPLY), (response_api, REPLY),
    (get_twice_keepalive, REPLY + "reply-close: no\n"),
    (getheader_cases, GETHEADER_REPLY),
]


class DifferentialScenarios(unittest.TestCase):
    def test_scenarios_same_as_cpython(self):
        warnings.simplefilter("ignore", ResourceWarning)
        for drive, vec in SCENARIOS:
            with self.subTest(scenario=drive.__name__):
                s = _Scenario(vec)
                try:
                    a = s.run(http.client, drive)
                    b = s.run(httpc, drive)
                finally:
                    os.unlink(s.tmp.name)
                self.assertEqual(a, b)


if __name__ == "__main__":
    unittest.main()
