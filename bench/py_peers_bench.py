"""py_peers_bench.py CLIENT HOST PORT PATH N TLS MODE: the Python clients of
PyPI beside httpc's, for tools/bench.sh: N GETs, each body read whole, after
BENCH_WARMUP untimed ones made the same way on the same connections.

MODE keepalive: one connection, one request after another. MODE
concurrentC: C tasks on one asyncio loop, each with its own keep-alive
connection, take the next of the N requests until none is left (the
asynchronous clients only). Exits 3 (not applicable) for TLS, the other
modes, or when a client's package cannot be imported.

Clients:
  httpc-aio       httpc.aio.AsyncHTTPConnection (one per task)
  httpc-aio-pool  httpc.aio.Pool.request (one-shot calls, pooled)
  aiohttp         aiohttp.ClientSession (its connector's pool, limit C)
  httpx-async     httpx.AsyncClient (max_connections C)
  httpx           httpx.Client (sync)
  requests        requests.Session
  requests-httpc  the same Session with httpc's adapter mounted
  urllib3         urllib3.PoolManager
  urllib3-httpc   httpc.urllib3_pool.PoolManager
A name ending in -multi is the same client (tools/bench.sh runs *-multi
clients in the concurrent scenario only). Sessions ignore proxy settings
from the environment (requests' trust_env, httpx's trust_env), which only
cost time here. BENCH_PY_LOOP=uvloop runs the asyncio clients on uvloop."""
import asyncio
import os
import sys
import time

for entry in reversed(os.environ.get("BENCH_HTTPC_PYTHONPATH", "").split(os.pathsep)):
    if entry:
        sys.path.insert(0, entry)


def skip(why):
    print(f"py_peers_bench: {why}", file=sys.stderr)
    sys.exit(3)


def need(module):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as error:
        skip(f"{module} not importable: {error}")


ASYNC = ("httpc-aio", "httpc-aio-pool", "aiohttp", "httpx-async")
SYNC = ("httpx", "requests", "requests-httpc", "urllib3", "urllib3-httpc")


def sync_getter(client, url):
    """A function making one GET of url and returning the body's length."""
    if client == "httpx":
        httpx = need("httpx")
        session = httpx.Client(trust_env=False)
        return lambda: len(session.get(url).content)
    if client.startswith("requests"):
        requests = need("requests")
        session = requests.Session()
        session.trust_env = False
        if client.endswith("-httpc"):
            need("httpc.requests_adapter").mount(session)
        return lambda: len(session.get(url).content)
    if client.startswith("urllib3"):
        module = need("httpc.urllib3_pool" if client.endswith("-httpc") else "urllib3")
        manager = module.PoolManager()
        return lambda: len(manager.request("GET", url).data)
    skip(f"unknown client {client}")


async def async_run(client, host, port, path, tasks, warmup, count):
    """(bytes, seconds) of `count` timed requests after `warmup` untimed
    ones, both spread over `tasks` tasks and their connections."""
    url = f"http://{host}:{port}{path}"
    closers = []
    if client == "httpc-aio":
        aio = need("httpc.aio")

        def make_get():
            conn = aio.AsyncHTTPConnection(host, port, timeout=30)
            closers.append(conn.close)

            async def get():
                await conn.request("GET", path)
                r = await conn.getresponse()
                if r.status != 200:
                    sys.exit(f"status {r.status}")
                return len(await r.read())
            return get
    elif client == "httpc-aio-pool":
        aio = need("httpc.aio")
        pool = aio.Pool(limit_per_origin=tasks, timeout=30)
        closers.append(pool.close)

        async def get():
            return len((await pool.request("GET", url)).body)

        def make_get():
            return get
    elif client == "aiohttp":
        aiohttp = need("aiohttp")
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=tasks), trust_env=False)

        async def get():
            async with session.get(url) as r:
                if r.status != 200:
                    sys.exit(f"status {r.status}")
                return len(await r.read())

        def make_get():
            return get
    elif client == "httpx-async":
        httpx = need("httpx")
        session = httpx.AsyncClient(
            trust_env=False, limits=httpx.Limits(max_connections=tasks,
                                                 max_keepalive_connections=tasks))

        async def get():
            r = await session.get(url)
            if r.status_code != 200:
                sys.exit(f"status {r.status_code}")
            return len(r.content)

        def make_get():
            return get
    else:
        skip(f"unknown client {client}")

    getters = [make_get() for _ in range(tasks)]

    async def spread(total):
        left = [total]
        done = [0]

        async def worker(get):
            while left[0] > 0:
                left[0] -= 1
                got = await get()  # not `done[0] += await get()`: that reads
                done[0] += got     # done[0] before the await, losing others' counts
        await asyncio.gather(*(worker(get) for get in getters))
        return done[0]

    await spread(warmup)
    start = time.perf_counter()
    total = await spread(count)
    seconds = time.perf_counter() - start
    if client == "aiohttp":
        await session.close()
    elif client == "httpx-async":
        await session.aclose()
    for close in closers:
        close()
    return total, seconds


def main():
    client, host, port, path, count, tls, mode = sys.argv[1:8]
    port, count = int(port), int(count)
    if client.endswith("-multi"):
        client = client[: -len("-multi")]
    if client not in ASYNC + SYNC:
        skip(f"unknown client {client}")
    if tls == "1":
        skip("TLS is not measured here")
    if "large" in path:
        skip("large bodies are not measured here (each body is read whole)")
    warmup = int(os.environ.get("BENCH_WARMUP", "0"))
    if mode == "keepalive":
        tasks = 1
    elif mode.startswith("concurrent") and client in ASYNC:
        tasks = int(mode[len("concurrent"):])
    else:
        skip(f"mode {mode} is not measured for {client}")
    if client in ASYNC:
        coroutine = async_run(client, host, port, path, tasks, warmup, count)
        if os.environ.get("BENCH_PY_LOOP") == "uvloop":
            total, seconds = need("uvloop").run(coroutine)
        else:
            total, seconds = asyncio.run(coroutine)
    else:
        get = sync_getter(client, f"http://{host}:{port}{path}")
        for _ in range(warmup):
            get()
        total = 0
        start = time.perf_counter()
        for _ in range(count):
            total += get()
        seconds = time.perf_counter() - start
    print(f"requests={count} bytes={total} seconds={seconds:.6f} conns={tasks}")


if __name__ == "__main__":
    main()
