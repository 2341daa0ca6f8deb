"""Ingest N letters through the HTTP API of a running uvicorn, then retry them all.

Prints letters/second, p50/p99 latency and errors; then re-sends every letter with the same
external_id and checks that the database holds exactly N letters.

    .venv/bin/python benchmarks/ingest.py --letters 10000 --concurrency 16 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._server import BenchServer  # noqa: E402
from training.corpus import read_letters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


async def send_all(url: str, key: str, letters: list[dict], concurrency: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue = asyncio.Queue()
    for x in letters:
        queue.put_nowait(x)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            start = time.perf_counter()
            try:
                r = await client.post("/v1/letters", json=body)
                ok = r.status_code in (200, 201)
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=60, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, errors, wall


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--letters", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args()

    corpus = [r["text"] for r in read_letters(REPO / "corpus")]
    letters = [{"text": corpus[i % len(corpus)], "external_id": f"bench-{i:06d}", "channel": "portal"}
               for i in range(args.letters)]
    with BenchServer(workers=args.workers, database_url=args.database_url) as srv:
        rows = []
        for run in ("first", "retry"):
            lat, errors, wall = asyncio.run(send_all(srv.url, srv.keys["clerk"], letters, args.concurrency))
            rows.append((run, len(lat) / wall, pct(lat, 50), pct(lat, 99), errors, wall))
        with srv.db.session() as s:
            from sqlalchemy import func, select

            from service.storage.tables import Letter

            stored = s.scalar(select(func.count()).select_from(Letter))
    print(f"ingest benchmark: {args.letters} letters, concurrency {args.concurrency}, {args.workers} uvicorn "
          f"worker(s), {'PostgreSQL' if args.database_url else 'SQLite'}")
    print("| run | letters/s | p50 ms | p99 ms | errors | seconds |")
    print("|---|---:|---:|---:|---:|---:|")
    for run, rate, p50, p99, errors, wall in rows:
        print(f"| {run} | {rate:.0f} | {p50:.0f} | {p99:.0f} | {errors} | {wall:.0f} |")
    print(f"letters in the database after the retry: {stored} (expected {args.letters}) -> "
          f"{'OK' if stored == args.letters else 'MISMATCH'}")
    print(json.dumps({"stored": stored, "expected": args.letters}))


if __name__ == "__main__":
    main()
