#!/usr/bin/env python3
"""The example sessions of the http.client documentation (the seeds), run
with httpc against a local server, as doctests.

Usage: seeds_demo.py URL        e.g. http://127.0.0.1:8080/ (the nginx of
                                tests/support/with-servers.sh)
Inside the sessions `http.client` is httpc; www.python.org and friends are
replaced by the local server. Exits non-zero if any example fails.
"""

import doctest
import sys
import types
import urllib.parse

import httpc

SESSIONS = r'''
Creating connections (host, host:port, port, timeout):

>>> h1 = http.client.HTTPConnection(HOST)
>>> h2 = http.client.HTTPConnection(f"{HOST}:{PORT}")
>>> h3 = http.client.HTTPConnection(HOST, PORT)
>>> h4 = http.client.HTTPConnection(HOST, PORT, timeout=10)
>>> (h2.host, h2.port) == (h3.host, h3.port) == (HOST, PORT)
True

A GET, reading in chunks, and an invalid request:

>>> conn = http.client.HTTPConnection(HOST, PORT)
>>> conn.request("GET", "/index.html")
>>> r1 = conn.getresponse()
>>> print(r1.status, r1.reason)
200 OK
>>> data1 = r1.read()  # This will return entire content.
>>> # The following example demonstrates reading data in chunks.
>>> conn.request("GET", "/index.html")
>>> r1 = conn.getresponse()
>>> chunks = []
>>> while not r1.closed:
...     chunks.append(r1.read(200))  # 200 bytes
...     if not chunks[-1]: r1.close()
>>> b"".join(chunks) == data1
True
>>> # Example of an invalid request
>>> conn.request("GET", "/parrot.spam")
>>> r2 = conn.getresponse()
>>> print(r2.status, r2.reason)
404 Not Found
>>> data2 = r2.read()
>>> conn.close()

HEAD never returns a body:

>>> conn = http.client.HTTPConnection(HOST, PORT)
>>> conn.request("HEAD", "/index.html")
>>> res = conn.getresponse()
>>> print(res.status, res.reason)
200 OK
>>> data = res.read()
>>> print(len(data))
0
>>> data == b''
True

A POST of a form:

>>> params = urllib.parse.urlencode({'@number': 12524, '@type': 'issue', '@action': 'show'})
>>> headers = {"Content-type": "application/x-www-form-urlencoded",
...            "Accept": "text/plain"}
>>> conn = http.client.HTTPConnection(HOST, PORT)
>>> conn.request("POST", "/post", params, headers)
>>> response = conn.getresponse()
>>> print(response.status, response.reason)
200 OK
>>> data = response.read()
>>> data
b'ok\n'
>>> conn.close()

A PUT creating a resource, then reading it back:

>>> BODY = "***filecontents***"
>>> conn = http.client.HTTPConnection(HOST, PORT)
>>> conn.request("PUT", "/upload/file", BODY)
>>> response = conn.getresponse()
>>> print(response.status in (200, 201, 204), response.reason in ("OK", "Created", "No Content"))
True True
>>> _ = response.read()
>>> conn.request("GET", "/upload/file")
>>> conn.getresponse().read()
b'***filecontents***'

Exceptions are http.client's own:

>>> import http.client as real
>>> try:
...     http.client.HTTPConnection(f"{HOST}:nonnumeric")
... except real.InvalidURL as e:
...     print("InvalidURL:", e)
InvalidURL: nonnumeric port: 'nonnumeric'
>>> http.client.responses[http.client.NOT_FOUND]
'Not Found'
'''


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    url = urllib.parse.urlsplit(argv[1])
    env = {"http": types.SimpleNamespace(client=httpc), "urllib": urllib,
           "HOST": url.hostname, "PORT": url.port or 80}
    test = doctest.DocTestParser().get_doctest(SESSIONS, env, "seeds", None, 0)
    runner = doctest.DocTestRunner(verbose="-v" in argv)
    runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    print(f"seeds demo (Python, httpc {httpc.__version__}): "
          f"{attempted - failed}/{attempted} examples passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
