"""report.py RAW EXTRAS OUT_MD OUT_DAT RATIOS ROUNDS LOADAVG NPROC QUICK SCENARIOS

Turns tools/bench.sh's raw runs into the Markdown report (medians, spreads,
ratios, extras) and the ratio table gnuplot draws."""
import collections
import statistics
import sys

raw_path, extras_path, md_path, dat_path, ratio_spec, rounds, loadavg, nproc, quick = sys.argv[1:10]
scenarios = [line.split("|") for line in sys.argv[10].splitlines() if line]
ratios = [pair.split("/") for pair in ratio_spec.split()]
WIDE_SPREAD = 15.0  # percent: above this, re-run

values = collections.defaultdict(list)  # (scenario, client) -> rates
clients = []
for line in open(raw_path):
    scenario, client, _round, requests, body_bytes, seconds, _conns = line.split("\t")
    seconds = float(seconds)
    unit = next(s[5] for s in scenarios if s[0] == scenario)
    rate = int(requests) / seconds if unit == "req/s" else int(body_bytes) / seconds / 1e6
    values[(scenario, client)].append(rate)
    if client not in clients:
        clients.append(client)

median = {key: statistics.median(v) for key, v in values.items()}
spread = {key: 100.0 * (max(v) - min(v)) / statistics.median(v) for key, v in values.items()}
ran = [s for s in scenarios if any((s[0], c) in values for c in clients)]


def fmt(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


out = []
out.append("# httpc benchmark results\n")
out.append(
    f"Loopback nginx (1 worker, TLS 1.3), {rounds} interleaved rounds per scenario"
    f"{' (BENCH_QUICK)' if quick == '1' else ''}; load average at start {loadavg} on {nproc} CPUs"
    " (other work on the machine adds noise: spreads above"
    f" {WIDE_SPREAD:.0f}% are marked with !). Rates are medians; (±x%) is (max-min)/median."
    " MB = 10^6 bytes of body (wrk counts heads too).\n")
warmups = collections.defaultdict(list)  # warm-up requests -> scenarios
for s in ran:
    warmups[int(s[6])].append(s[0])
out.append(
    "Warm-up: before its timed requests, every client made the same untimed requests"
    " the same way (on the connection it then timed; a new connection each in the"
    " newconn modes; spread over its connections in the concurrent one), C clients included: "
    + "; ".join(f"{count:,} in {', '.join(names)}" for count, names in warmups.items())
    + ". wrk, which cannot keep a connection across runs, ran 1 s untimed first."
    " The C and Python allocation and instruction counts below need none (runs of N and 2N).\n")
out.append("## Medians\n")
out.append("| scenario | unit | " + " | ".join(clients) + " |")
out.append("|---|---|" + "---|" * len(clients))
for s in ran:
    cells = []
    for c in clients:
        key = (s[0], c)
        if key in median:
            mark = " !" if spread[key] > WIDE_SPREAD else ""
            cells.append(f"{fmt(median[key])} (±{spread[key]:.0f}%{mark})")
        else:
            cells.append("–")
    out.append(f"| {s[0]} | {s[5]} | " + " | ".join(cells) + " |")

out.append("\n## Ratios (subject ÷ peer, >1: subject faster)\n")
names = [f"{a}÷{b}" for a, b in ratios]
out.append("| scenario | " + " | ".join(names) + " |")
out.append("|---|" + "---|" * len(names))
dat = ["scenario " + " ".join(f"{a}/{b}" for a, b in ratios)]
for s in ran:
    cells, dat_cells = [], []
    for a, b in ratios:
        if (s[0], a) in median and (s[0], b) in median:
            ratio = median[(s[0], a)] / median[(s[0], b)]
            cells.append(f"{ratio:.2f}")
            dat_cells.append(f"{ratio:.3f}")
        else:
            cells.append("–")
            dat_cells.append("-")
    out.append(f"| {s[0]} | " + " | ".join(cells) + " |")
    dat.append(s[0] + " " + " ".join(dat_cells))

extras = collections.defaultdict(dict)  # metric -> client -> value
for line in open(extras_path):
    metric, client, value = line.rstrip("\n").split("\t")
    extras[metric][client] = value
if any(not metric.startswith("crypto_") for metric in extras):
    labels = {
        "rss_large_kib": "peak RSS, 2 × 64 MiB body (MiB)",
        "mallocs_per_request": "heap allocations / small request",
        "mallocs_per_request_https": "heap allocations / HTTPS small request",
        "instructions_per_request": "instructions / small request (callgrind)",
        "instructions_per_request_https": "instructions / HTTPS small request (callgrind)",
        "instructions_per_request_https_full": "instructions / HTTPS request, new connection, full handshake (callgrind)",
        "instructions_per_request_concurrent": "instructions / small request, 100 connections at once (callgrind)",
    }
    extra_clients = [c for c in clients if any(c in v for v in extras.values())]
    for metric, by_client in extras.items():  # clients measured only here
        if not metric.startswith("crypto_"):
            extra_clients += [c for c in by_client if c not in extra_clients]
    out.append("\n## Memory and instructions (client process only)\n")
    out.append("| metric | " + " | ".join(extra_clients) + " |")
    out.append("|---|" + "---|" * len(extra_clients))
    for metric, label in labels.items():
        if metric not in extras:
            continue
        cells = []
        for c in extra_clients:
            value = extras[metric].get(c)
            if value is None:
                cells.append("–")
            elif metric == "rss_large_kib":
                cells.append(f"{int(value) / 1024:.1f}")
            elif metric.startswith("instructions"):
                cells.append(f"{int(value):,}")
            else:
                cells.append(value)
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("\nAllocations and instructions: runs of N and 2N small keep-alive requests,"
               " difference ÷ N (steady state, start-up excluded).")
    out.append("\nThe Lua and Node clients and the concurrent figures: runs of N and 2N after"
               " the same untimed warm-up as the timed scenarios, pinned as they are,"
               " Node with --single-threaded (no background compiler or GC"
               " threads); a collection or tier-up landing in one run only moves a figure, by"
               " about 10% for most clients and up to half for the Node event-loop"
               " clients, whose collections are large beside their requests.")
    for metric in ("instructions_per_request", "instructions_per_request_https",
                   "instructions_per_request_concurrent"):
        for theirs_name, ours_name in (("libcurl-multi", "httpc-multi"),
                                       ("lua-http-multi", "httpc-luajit-multi"),
                                       ("undici-multi", "httpc-node-multi"),
                                       ("undici-multi", "httpc-node-conn-multi"),("http.client", "httpc-py"), ("libcurl", "httpc"),
                                       ("luasocket", "httpc-lua"), ("lua-http", "httpc-luajit"),
                                       ("undici", "httpc-node"), ("undici", "httpc-node-conn"),
                                       ("undici", "httpc-node-sync"), ("node", "httpc-node-sync")):
            theirs, ours = (extras.get(metric, {}).get(c) for c in (theirs_name, ours_name))
            if theirs and ours and int(ours) > 0:
                out.append(f"\n{labels[metric]}: {theirs_name} ÷ {ours_name} ="
                           f" {int(theirs) / int(ours):.1f}× fewer.")

crypto = [m for m in extras if m.startswith("crypto_")]
if crypto:
    variants = [v for v in ("httpc-wolfssl", "httpc-wolfssl-no-aesni", "debian-libwolfssl")
                if any(v in extras[m] for m in crypto)]
    out.append("\n## wolfCrypt AEAD, in-process, 16 KiB records (MB/s)\n")
    out.append("| cipher | " + " | ".join(variants) + " |")
    out.append("|---|" + "---|" * len(variants))
    for metric in crypto:
        cipher = metric[len("crypto_"):-len("_mbps")]
        out.append(f"| {cipher} | " + " | ".join(extras[metric].get(v, "–") for v in variants) + " |")

out.append("\n![ratios](ratios.png)\n")
open(md_path, "w").write("\n".join(out) + "\n")
# gnuplot draws nothing ("x range is invalid") when a column has no value at
# all, as in a run of a few clients: only the columns with one are kept.
rows = [line.split(" ") for line in dat]
kept = [i for i in range(len(rows[0]))
        if i == 0 or any(row[i] != "-" for row in rows[1:])]
if len(kept) == 1:
    rows = rows[:1]  # no ratio at all: the header alone (tools/bench.sh then draws nothing)
open(dat_path, "w").write("\n".join(" ".join(row[i] for i in kept) for row in rows) + "\n")
