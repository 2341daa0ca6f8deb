"""Duplicate detection: precision and recall on generated re-sent letters, and lookup latency.

1. Quality. Every corpus letter is indexed; for a sample of them a "re-sent" copy is generated
   (another date, another address line, a greeting added, a few words changed) and looked up: linked
   to its source = hit, linked to another letter = false link, not linked = miss. Fresh letters
   (the other half of the corpus, looked up against an index of the first half) measure false links
   on letters that are not duplicates.
2. Speed. The real lookup (`service.letters.find_duplicate`: the band-key query on the indexed
   `letter_bands` table, then the candidates' signatures) against a SQLite database holding 100,000
   and 1,000,000 letters (filler letters carry random signatures: unrelated letters).

    .venv/bin/python benchmarks/duplicates.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models import duplicates  # noqa: E402
from service.letters import find_duplicate  # noqa: E402
from service.storage.db import Database  # noqa: E402
from service.storage.tables import Letter, LetterBand  # noqa: E402
from training.corpus import read_letters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ADDRESSES = ["Kính gửi: UBND phường", "Kính gửi: Công an phường\n- Thanh tra quận", "Đồng kính gửi: Báo Hà Nội Mới"]


def resend(text: str, rng: random.Random) -> str:
    """A plausible re-sending: new date, new addressee, a greeting, a few words changed."""
    words = text.split(" ")
    for _ in range(min(3, max(1, len(words) // 25))):
        i = rng.randrange(len(words))
        words[i] = rng.choice(["rất", "đã", "vẫn", "nay", "lại", "cũng"])
    body = " ".join(words)
    day = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2026"
    return f"Hà Nội, ngày {day}\n{rng.choice(ADDRESSES)}\n{body}\nTôi xin gửi lại đơn lần thứ {rng.randint(2, 5)}."


def quality(sample: int, seed: int) -> dict:
    rng = random.Random(seed)
    letters = [r["text"] for r in read_letters(REPO / "corpus")]
    sigs = [duplicates.signature(t) for t in letters]
    index: dict[tuple[int, int], list[int]] = {}
    for i, s in enumerate(sigs):
        for b, k in enumerate(duplicates.band_keys(s)):
            index.setdefault((b, k), []).append(i)

    def lookup(sig, exclude=None, allowed=None):
        cands = {j for b, k in enumerate(duplicates.band_keys(sig)) for j in index.get((b, k), [])}
        cands.discard(exclude)
        if allowed is not None:
            cands &= allowed
        m = duplicates.best_match(sig, {j: duplicates.to_bytes(sigs[j]) for j in cands})
        return None if m is None else m.letter_id

    picked = rng.sample(range(len(letters)), sample)
    hits = misses = false_links = 0
    for i in picked:
        got = lookup(duplicates.signature(resend(letters[i], rng)))
        if got == i:
            hits += 1
        elif got is None:
            misses += 1
        else:
            false_links += 1
    half = set(range(0, len(letters), 2))
    fresh_links = sum(lookup(sigs[i], allowed=half) is not None for i in range(1, len(letters), 2))
    fresh = len(letters) // 2
    precision = hits / (hits + false_links + fresh_links) if hits else 0.0
    return {"resent": sample, "hits": hits, "misses": misses, "false_links": false_links,
            "fresh": fresh, "fresh_links": fresh_links, "recall": hits / sample, "precision": precision}


def filler_rows(start: int, n: int, rng: np.random.Generator):
    now = datetime.now(UTC)
    today = date.today()
    sigs = rng.integers(0, 2**32, size=(n, duplicates.NUM_PERM), dtype=np.uint64).astype(np.uint32)
    letters, bands = [], []
    for j in range(n):
        lid = start + j
        sig = sigs[j]
        letters.append({
            "id": lid, "text": "x", "text_plain": "x", "text_masked": "x", "received_at": now, "channel": "portal",
            "status": "routed", "topic": "khac", "letter_type": "gop_y", "department": "van_phong_ubnd",
            "route_rule": "topic", "needs_review": False, "review_reasons": [], "model_version": "filler",
            "predicted_topic": "khac", "predicted_letter_type": "gop_y", "predicted_department": "van_phong_ubnd",
            "topic_confidence": 0.9, "letter_type_confidence": 0.9, "topics": [], "explanation": [], "wards": [],
            "urgent": False, "urgent_terms": [], "signature": duplicates.to_bytes(sig), "accept_due": today,
            "settle_due": today, "created_at": now, "updated_at": now,
        })
        bands += [{"band": b, "key": k, "letter_id": lid} for b, k in enumerate(duplicates.band_keys(sig))]
    return letters, bands


def lookup_latency(sizes: list[int], queries: int, seed: int) -> list[tuple[int, float, float, float]]:
    rng = np.random.default_rng(seed)
    texts = [r["text"] for r in read_letters(REPO / "corpus")]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/dups.db")
        db.migrate()
        stored = 0
        for size in sorted(sizes):
            with db.engine.begin() as conn:
                while stored < size:
                    n = min(50_000, size - stored)
                    letters, bands = filler_rows(stored + 1, n, rng)
                    conn.execute(insert(Letter), letters)
                    conn.execute(insert(LetterBand), bands)
                    stored += n
            times = []
            with db.session() as session:
                for q in range(queries):
                    sig = duplicates.signature(texts[q])
                    start = time.perf_counter()
                    find_duplicate(session, sig)
                    times.append(time.perf_counter() - start)
            qs = statistics.quantiles(times, n=100)
            out.append((size, statistics.median(times) * 1000, qs[94] * 1000, qs[98] * 1000))
        db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=1000, help="re-sent letters generated")
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20251128)
    args = ap.parse_args()

    q = quality(args.sample, args.seed)
    print(f"Duplicate detection on the corpus (MinHash {duplicates.NUM_PERM} perms, {duplicates.BANDS} bands, "
          f"link at estimated Jaccard >= {duplicates.THRESHOLD})")
    print("| re-sent letters | linked to source | missed | linked elsewhere | fresh letters | fresh linked "
          "| precision | recall |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {q['resent']} | {q['hits']} | {q['misses']} | {q['false_links']} | {q['fresh']} | {q['fresh_links']} "
          f"| {q['precision']:.3f} | {q['recall']:.3f} |")
    if args.sizes:
        print("\nLookup latency (find_duplicate on SQLite: band query + candidate signatures), "
              f"{args.queries} lookups each")
        print("| stored letters | median ms | p95 ms | p99 ms |")
        print("|---:|---:|---:|---:|")
        for size, p50, p95, p99 in lookup_latency(args.sizes, args.queries, args.seed):
            print(f"| {size:,} | {p50:.2f} | {p95:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
