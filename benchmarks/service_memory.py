"""Service memory: resident set size (psutil) of each uvicorn process after start and after N requests.

Starts uvicorn with ``--workers`` workers on a fresh SQLite database, reads the RSS of the master
and of every worker once all answer, sends ``--requests`` requests (corpus letters, closed loop at
``--concurrency``; by default nine in ten ``POST /v1/classify`` and one in ten ``POST /v1/letters``,
which stores the letter), then reads the RSS again.

    .venv/bin/python benchmarks/service_memory.py [--requests 100000] [--workers 2] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._load import run_load  # noqa: E402
from benchmarks._server import BenchServer  # noqa: E402
from benchmarks.api_load import classify_requests, corpus_texts, letter_requests  # noqa: E402


def rss(srv: BenchServer) -> dict[str, float]:
    master = psutil.Process(srv.proc.pid)
    out = {"master": master.memory_info().rss / 2**20}
    for i, child in enumerate(sorted(master.children(recursive=True), key=lambda p: p.pid), 1):
        out[f"worker {i}"] = child.memory_info().rss / 2**20
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--store-every", type=int, default=10, help="one request in N is POST /v1/letters (0: none)")
    args = ap.parse_args()

    texts = corpus_texts()
    with BenchServer(workers=args.workers) as srv:
        time.sleep(2)
        before = rss(srv)
        classify = classify_requests(texts)
        store = letter_requests(texts, srv.keys["clerk"], "memory")

        def make(host: str, n: int) -> bytes:
            if args.store_every and n % args.store_every == 0:
                return store(host, n)
            return classify(host, n)

        sent, errors, started = 0, 0, time.perf_counter()
        while sent < args.requests:  # in slices of ~30 s, so that progress shows
            result = run_load(srv.url, make, args.concurrency, seconds=30, warmup=0)
            sent += result.requests
            errors += result.errors
            print(f"  {sent:,} requests, {errors} errors, {sent / (time.perf_counter() - started):,.0f}/s",
                  file=sys.stderr, flush=True)
        after = rss(srv)
    print(f"Service memory (RSS, MB): {args.workers} uvicorn worker(s), SQLite, {sent:,} requests "
          f"({'1 in ' + str(args.store_every) + ' stored' if args.store_every else 'classify only'}), "
          f"{errors} errors")
    print("| process | after start | after requests | growth |")
    print("|---|---:|---:|---:|")
    for name in before:
        print(f"| {name} | {before[name]:,.0f} | {after.get(name, float('nan')):,.0f} | "
              f"{after.get(name, float('nan')) - before[name]:+,.0f} |")


if __name__ == "__main__":
    main()
