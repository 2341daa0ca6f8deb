"""Trends endpoints on a million generated letters: p50/p99 latency through a real uvicorn.

    .venv/bin/python benchmarks/trends.py                      # 1,000,000 letters, SQLite
    .venv/bin/python benchmarks/trends.py --letters 200000
    .venv/bin/python benchmarks/trends.py --database-url "$(bash .ci/postgres.sh)"

Letters are generated from corpus templates (their topic, letter type, department, wards and
terms, computed once with the real pipeline) with timestamps over a year (seasonal weights as in
``homthu demo seed``) and a burst of environment letters in the last week, and bulk-inserted
(no intake: a million letters through the intake would take hours). Each request is timed
``--repeat`` times, one at a time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import BenchServer  # noqa: E402


def templates(n: int, seed: int) -> list[dict]:
    from models.keywords import letter_terms
    from models.personal_data import mask
    from training.corpus import read_letters

    rng = random.Random(seed)
    corpus = read_letters(Path(__file__).resolve().parent.parent / "corpus")
    rows = rng.sample(corpus, min(n, len(corpus)))
    out = []
    for r in rows:
        masked = mask(r["text"])
        out.append(
            {
                "topic": r["topic"],
                "letter_type": r["letter_type"],
                "department": r["department"],
                "wards": r.get("wards") or [],
                "text": masked[:300],
                "terms": " ".join(letter_terms(masked, r.get("wards") or [])),
            }
        )
    return out


def generate(url: str, n: int, seed: int = 0, chunk: int = 20_000) -> dict:
    """Bulk-insert ``n`` letters (and their places) into an empty database at ``url``."""
    from homthu.demo import CHANNELS, SEASONS
    from service.storage.db import Database
    from service.storage.tables import Letter, LetterPlace

    rng = random.Random(seed)
    pool = templates(600, seed)
    wards = sorted({w for t in pool for w in t["wards"]})
    end = datetime.now(UTC).date()
    channels = sorted({c for cs in CHANNELS.values() for c in cs})
    statuses = ["resolved"] * 6 + ["in_progress"] * 2 + ["routed", "needs_review"]
    db = Database(url)
    db.migrate()
    now = datetime.now(UTC)
    started = time.perf_counter()
    letter_id = 0
    with db.engine.begin() as conn:
        for start in range(0, n, chunk):
            letters, places = [], []
            for _ in range(min(chunk, n - start)):
                t = rng.choice(pool)
                weights = SEASONS.get(t["topic"])
                while True:
                    day = end - timedelta(days=rng.randrange(365))
                    if not weights or rng.random() < weights[day.month - 1] / max(weights):
                        break
                if t["topic"] == "moi_truong" and rng.random() < 0.05:
                    day = end - timedelta(days=rng.randrange(6))  # the emerging issue
                received = datetime(day.year, day.month, day.day, rng.randrange(7, 20), rng.randrange(60), tzinfo=UTC)
                letter_id += 1
                ward = rng.choice(t["wards"]) if t["wards"] and rng.random() < 0.7 else rng.choice(wards)
                status = rng.choice(statuses)
                letters.append(
                    {
                        "id": letter_id,
                        "text": t["text"],
                        "text_plain": "",
                        "text_masked": t["text"],
                        "terms": t["terms"],
                        "received_at": received,
                        "channel": rng.choice(channels),
                        "status": status,
                        "topic": t["topic"],
                        "letter_type": t["letter_type"],
                        "department": t["department"],
                        "route_rule": "topic",
                        "needs_review": status == "needs_review",
                        "review_reasons": [],
                        "model_version": "bench",
                        "predicted_topic": t["topic"],
                        "predicted_letter_type": t["letter_type"],
                        "predicted_department": t["department"],
                        "topic_confidence": round(rng.uniform(0.3, 1.0), 3),
                        "letter_type_confidence": round(rng.uniform(0.3, 1.0), 3),
                        "topics": [],
                        "explanation": [],
                        "wards": [{"as_written": ward}],
                        "urgent": rng.random() < 0.03,
                        "urgent_terms": [],
                        "accept_due": day + timedelta(days=10),
                        "settle_due": day + timedelta(days=30),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                places.append({"letter_id": letter_id, "as_written": ward, "unit": ward, "current_unit": ward})
            conn.execute(Letter.__table__.insert(), letters)
            conn.execute(LetterPlace.__table__.insert(), places)
            print(f"  {letter_id:,} letters", file=sys.stderr, end="\r")
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval('letters_id_seq', (SELECT max(id) FROM letters))")
    from service.rollup import rebuild

    with db.session() as session:  # the daily counts the intake would have kept
        rebuild(session)
        session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("letters", "letter_places", "daily_counts", "daily_ward_counts"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()
    print(file=sys.stderr)
    return {"seconds": time.perf_counter() - started, "wards": wards}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--letters", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    args = p.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="homthu-trends-")
    url = args.database_url or f"sqlite:///{tmp.name}/trends.db"
    print(f"generating {args.letters:,} letters…", file=sys.stderr)
    made = generate(url, args.letters)
    print(f"generated in {made['seconds']:.0f} s", file=sys.stderr)
    today = date.today()
    from service.trends import midnight

    # as the dashboard asks: whole local days (the daily counts answer); one row with an
    # arbitrary time shows the fallback that scans the letters themselves
    month_ago = midnight(today - timedelta(days=30)).isoformat()
    quarter_ago = midnight(today - timedelta(days=91)).isoformat()
    odd_time = (datetime.now(UTC) - timedelta(days=30, minutes=17)).isoformat()
    ward = made["wards"][0]
    requests = [
        ("/v1/trends", {"by": "topic", "period": "month"}),
        ("/v1/trends", {"by": "topic", "period": "week", "received_from": quarter_ago}),
        ("/v1/trends", {"by": "ward", "period": "month", "received_from": quarter_ago}),
        ("/v1/trends", {"by": "department", "period": "day", "topic": "moi_truong", "received_from": month_ago}),
        ("/v1/trends", {"by": "channel", "period": "week", "ward": ward}),
        ("/v1/trends", {"by": "topic", "period": "day", "received_from": odd_time}),
        ("/v1/trends", {"by": "topic", "period": "month", "format": "xlsx"}),
        ("/v1/trends/emerging", {"by": "topic", "period": "week"}),
        ("/v1/trends/emerging", {"by": "ward", "period": "week"}),
        ("/v1/trends/emerging", {"by": "term", "period": "week"}),
        ("/v1/trends/keywords", {"topic": "moi_truong"}),
        ("/v1/trends/keywords", {"ward": ward}),
    ]
    with BenchServer(workers=1, database_url=url) as srv:
        headers = {"X-API-Key": srv.keys["analyst"]}
        rows = []
        with httpx.Client(base_url=srv.url, headers=headers, timeout=300) as client:
            for path, params in requests:
                times, status = [], set()
                for i in range(args.repeat + 1):
                    t0 = time.perf_counter()
                    r = client.get(path, params=params)
                    if i:  # the first request warms the caches
                        times.append((time.perf_counter() - t0) * 1000)
                    status.add(r.status_code)
                times.sort()
                p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
                shown = " ".join(
                    f"{k}={v}" if k != "received_from" else ("from=" + ("day" if v != odd_time else "a time"))
                    for k, v in params.items()
                )
                rows.append((path, shown, statistics.median(times), p99, ",".join(map(str, sorted(status)))))
    engine = url.split(":", 1)[0]
    print(f"\n{args.letters:,} letters, {engine}, {args.repeat} requests each, on {today} ({_machine()})\n")
    print("| endpoint | parameters | p50 ms | p99 ms | status |\n|---|---|---:|---:|---|")
    for path, shown, p50, p99, status in rows:
        print(f"| `{path}` | {shown} | {p50:.0f} | {p99:.0f} | {status} |")
    tmp.cleanup()


def _machine() -> str:
    import os
    import platform

    return f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}"


if __name__ == "__main__":
    main()
