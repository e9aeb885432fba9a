"""python_peers.py CLIENT PORT N: N sequential keep-alive GETs of /small
(100 bytes) on 127.0.0.1:PORT through one Python client, body read whole.
bench/python_peers.sh runs it under callgrind for N and 2N and prints the
instructions per request of each client (deterministic on a shared machine).

Clients: http.client, httpc, httpc.aio (asyncio), httpc.aio-uvloop,
requests (a Session), requests+httpc (the same with httpc's adapter),
urllib3 (a PoolManager), urllib3+httpc (httpc's PoolManager), aiohttp (a
ClientSession), httpx (a Client), httpx.async (an AsyncClient), and with
100 connections at once on one loop (py_peers_bench.py's concurrent mode,
N requests in all): httpc.aio*100, aiohttp*100, httpx.async*100. All but
http.client and httpc need the project's venv (tests/python/venv.sh). Sessions do not read
proxy settings from the environment (trust_env False): that lookup alone
costs requests ~0.5 M instructions per request here."""

import asyncio
import os
import sys


def main():
    client, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    url = "http://127.0.0.1:%d/small" % port
    if client.endswith("*100"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import py_peers_bench
        name = {"httpc.aio": "httpc-aio", "httpx.async": "httpx-async"}.get(
            client[:-4], client[:-4])
        asyncio.run(py_peers_bench.async_run(name, "127.0.0.1", port, "/small", 100, 0,
                                             count))
    elif client in ("aiohttp", "httpx.async"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import py_peers_bench
        name = {"httpx.async": "httpx-async"}.get(client, client)
        asyncio.run(py_peers_bench.async_run(name, "127.0.0.1", port, "/small", 1, 0, count))
    elif client == "httpx":
        import httpx
        session = httpx.Client(trust_env=False)
        for _ in range(count):
            session.get(url).content
    elif client in ("http.client", "httpc"):
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
