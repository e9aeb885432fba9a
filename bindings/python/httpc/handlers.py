"""urllib.request handlers that open their connections with httpc.

    import urllib.request, httpc
    opener = urllib.request.build_opener(httpc.HTTPHandler(),
                                         httpc.HTTPSHandler())
    urllib.request.install_opener(opener)   # urlopen() now runs on httpc

They are the standard library's handlers with the connection class swapped,
so redirects, HTTPError bodies, cookies, authentication, proxies (CONNECT
through set_tunnel for https) and timeouts go through urllib's own code.
HTTPSHandler takes an httpc TLSContext or an ssl.SSLContext.
"""

import urllib.request

from .client import HTTPConnection, HTTPSConnection


class HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(HTTPConnection, req)


class HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(HTTPSConnection, req, context=self._context,
                            check_hostname=self._check_hostname)
