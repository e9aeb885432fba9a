"""python_peers.py CLIENT PORT N: N sequential keep-alive GETs of /small
(100 bytes) on 127.0.0.1:PORT through one Python client, body read whole.
bench/python_peers.sh runs it under callgrind for N and 2N and prints the
instructions per request of each client (deterministic on a shared machine).

Clients: http.client, httpc, httpc.aio (asyncio), httpc.aio-uvloop,
requests (a Session), requests+httpc (the same with httpc's adapter),
urllib3 (a PoolManager), urllib3+httpc (httpc's PoolManager). The last
five need the project's venv (tests/python/venv.sh). Sessions do not read
proxy settings from the environment (trust_env False): that lookup alone
costs requests ~0.5 M instructions per request here."""

import asyncio
import sys


def main():
    client, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    url = "http://127.0.0.1:%d/small" % port
    if client in ("http.client", "httpc"):
        module = __import__(client, fromlist=["HTTPConnection"])
        conn = module.HTTPConnection("127.0.0.1", port)
        for _ in range(count):
            conn.request("GET", "/small")
            conn.getresponse().read()
    elif client.startswith("httpc.aio"):
        import httpc.aio

        async def run():
            conn = httpc.aio.AsyncHTTPConnection("127.0.0.1", port)
            for _ in range(count):
                await conn.request("GET", "/small")
                await (await conn.getresponse()).read()
        if client.endswith("uvloop"):
            import uvloop
            uvloop.run(run())
        else:
            asyncio.run(run())
    elif client.startswith("requests"):
        import requests
        session = requests.Session()
        session.trust_env = False
        if client.endswith("+httpc"):
            from httpc import requests_adapter
            requests_adapter.mount(session)
        for _ in range(count):
            session.get(url).content
    elif client.startswith("urllib3"):
        if client.endswith("+httpc"):
            from httpc.urllib3_pool import PoolManager
        else:
            from urllib3 import PoolManager
        manager = PoolManager()
        for _ in range(count):
            manager.request("GET", url).data
    else:
        sys.exit("unknown client %s" % client)


if __name__ == "__main__":
    main()
