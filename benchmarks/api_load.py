"""End-to-end API load: requests/second, p50/p95/p99 latency and errors against a running uvicorn.

``POST /v1/classify`` (one letter a request, nothing stored) and ``POST /v1/letters`` (one new letter
a request: classified, masked, dated, stored with its duplicate index) at concurrency 1, 16 and 64,
on uvicorn with ``--workers`` worker processes and a fresh SQLite database (or ``--database-url``).
Letters are the corpus letters (corpus/letters/*.jsonl) in a fixed shuffled order; every
``/v1/letters`` request has a new ``external_id``. The load generator (benchmarks/_load.py, a
closed-loop asyncio client) runs on the same machine and shares its cores.

    .venv/bin/python benchmarks/api_load.py [--workers 2] [--seconds 10] [--repeat 3] [--concurrency 1 16 64]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._load import request_bytes, run_load  # noqa: E402
from benchmarks._server import BenchServer  # noqa: E402
from training.corpus import read_letters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def corpus_texts(seed: int = 0) -> list[str]:
    texts = [r["text"] for r in read_letters(REPO / "corpus")]
    random.Random(seed).shuffle(texts)
    return texts


def classify_requests(texts: list[str]):
    cache: dict[tuple[str, int], bytes] = {}

    def make(host: str, n: int) -> bytes:
        i = n % len(texts)
        if (host, i) not in cache:
            cache[host, i] = request_bytes(host, "/v1/classify", {"text": texts[i]})
        return cache[host, i]

    return make


def letter_requests(texts: list[str], key: str, run: str):
    def make(host: str, n: int) -> bytes:
        body = {"text": texts[n % len(texts)], "external_id": f"load-{run}-{n}", "channel": "portal"}
        return request_bytes(host, "/v1/letters", body, {"X-API-Key": key})

    return make


def _median(runs: list, value) -> float:
    return statistics.median(value(x) for x in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run (after 1 s warm-up)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell; medians are printed")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--endpoint", choices=["classify", "letters"], nargs="+", default=["classify", "letters"])
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args()

    texts = corpus_texts()
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"API load: {args.workers} uvicorn worker(s), {'PostgreSQL' if args.database_url else 'SQLite'}, "
          f"{len(texts)} corpus letters ({words:.0f} words on average), {args.seconds:.0f} s per run, "
          f"median of {args.repeat} runs")
    print("| endpoint | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors | requests |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with BenchServer(workers=args.workers, database_url=args.database_url) as srv:
        for endpoint in args.endpoint:
            for concurrency in args.concurrency:
                runs = []
                for r in range(args.repeat):
                    if endpoint == "classify":
                        make = classify_requests(texts)
                    else:
                        make = letter_requests(texts, srv.keys["clerk"], f"c{concurrency}r{r}")
                    runs.append(run_load(srv.url, make, concurrency, args.seconds))
                errors = sum(x.errors for x in runs)
                statuses = sorted({s for x in runs for s in x.statuses if s not in (200, 201)})
                print(f"| `POST /v1/{endpoint}` | {concurrency} | {_median(runs, lambda x: x.rate):,.0f} | "
                      + " | ".join(f"{_median(runs, lambda x, q=q: x.percentile_ms(q)):.1f}" for q in (50, 95, 99))
                      + f" | {errors}{f' {statuses}' if errors else ''} | {sum(x.requests for x in runs):,} |",
                      flush=True)


if __name__ == "__main__":
    main()
