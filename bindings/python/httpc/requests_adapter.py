"""A requests transport adapter that sends through httpc.

    import requests
    from httpc.requests_adapter import HTTPAdapter
    session = requests.Session()
    session.mount("http://", HTTPAdapter())
    session.mount("https://", HTTPAdapter())

It is requests' own HTTPAdapter with urllib3's pools opening httpc
connections (httpc.urllib3_pool), so requests' semantics stay as they are:
redirects, cookies, auth, stream=True and iter_content, (connect, read)
timeouts, verify and cert, proxies (CONNECT tunnels for https://), chunked
uploads from generators, max_retries, a pool of pool_maxsize connections
per host, and the errors requests raises (ConnectionError, ConnectTimeout,
ReadTimeout, SSLError, ProxyError, ChunkedEncodingError).

Not supported: SOCKS and https:// proxies (ValueError when used).
"""

import requests.adapters

from . import urllib3_pool

__all__ = ["HTTPAdapter", "mount"]


class HTTPAdapter(requests.adapters.HTTPAdapter):
    """requests.adapters.HTTPAdapter on httpc connections; takes the same
    arguments (pool_connections, pool_maxsize, max_retries, pool_block)."""

    def init_poolmanager(self, connections, maxsize,
                         block=requests.adapters.DEFAULT_POOLBLOCK,
                         **pool_kwargs):
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = urllib3_pool.PoolManager(
            num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        if proxy in self.proxy_manager:
            return self.proxy_manager[proxy]
        if proxy.lower().startswith("socks"):
            raise ValueError("httpc does not speak SOCKS: mount requests' own "
                             "HTTPAdapter for SOCKS proxies")
        manager = self.proxy_manager[proxy] = urllib3_pool.proxy_from_url(
            proxy, proxy_headers=self.proxy_headers(proxy),
            num_pools=self._pool_connections, maxsize=self._pool_maxsize,
            block=self._pool_block, **proxy_kwargs)
        return manager


def mount(session, **adapter_kwargs):
    """Mounts one httpc HTTPAdapter for http:// and https:// on a
    requests.Session; returns the session."""
    adapter = HTTPAdapter(**adapter_kwargs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
