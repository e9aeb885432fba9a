"""urllib.request on httpc: install an opener with httpc's handlers, and
every urlopen() of the program runs on httpc (redirects, cookies, auth and
proxies stay urllib's own code).

    python3 urllib_on_httpc.py URL [CAFILE]
"""

import ssl
import sys
import urllib.request

import httpc


def main(url, cafile=None):
    context = ssl.create_default_context(cafile=cafile)  # an ssl.SSLContext works
    opener = urllib.request.build_opener(httpc.HTTPHandler(),
                                         httpc.HTTPSHandler(context=context))
    urllib.request.install_opener(opener)
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
        print(response.status, response.reason, response.geturl())
        print("Content-Type:", response.headers.get("Content-Type"))
        print(len(body), "bytes via", type(response).__module__)


if __name__ == "__main__":
    main(*sys.argv[1:3])
