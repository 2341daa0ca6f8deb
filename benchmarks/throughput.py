"""Pipeline throughput against underthesea's word_tokenize alone, on the same letters, in one run.

Short messages (one-liners and chat posts) and long formal letters, one process and all cores.
The ratio column is pipeline / tokenizer: 1.0 means the whole triage costs no more than
segmenting the words (the default model reads syllables, so it can be faster than segmentation).

    .venv/bin/python benchmarks/throughput.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.corpus import read_letters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
_TRIAGE = None


def _tokenize(texts: list[str]) -> int:
    from underthesea import word_tokenize

    for t in texts:
        word_tokenize(t)
    return len(texts)


def _triage_init() -> None:
    global _TRIAGE
    from models.triage import load_triage

    _TRIAGE = load_triage()
    _TRIAGE.run(["khởi động"])


def _pipeline(texts: list[str]) -> int:
    for start in range(0, len(texts), 64):
        _TRIAGE.run(texts[start : start + 64])
    return len(texts)


def rate(fn, texts: list[str], workers: int, init=None) -> float:
    if workers == 1:
        if init:
            init()
        start = time.perf_counter()
        fn(texts)
        return len(texts) / (time.perf_counter() - start)
    chunks = [texts[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, initializer=init) as pool:
        list(pool.map(fn, [["khởi động"]] * workers))  # warm every worker
        start = time.perf_counter()
        list(pool.map(fn, chunks))
        return len(texts) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell; the median is printed")
    args = ap.parse_args()
    letters = read_letters(REPO / "corpus")
    groups = {
        "short messages": [r["text"] for r in letters if r["style"] in ("one_liner", "chat_group")],
        "formal letters": [r["text"] for r in letters if r["style"] == "formal_letter"],
    }
    cores = os.cpu_count() or 1
    print(f"Throughput in letters/s, median of {args.repeat} runs ({cores} cores)")
    print("| letters | n | words/letter | processes | word_tokenize alone | homthu pipeline | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, texts in groups.items():
        words = statistics.mean(len(t.split()) for t in texts)
        for workers in sorted({1, cores}):
            tok = statistics.median(rate(_tokenize, texts, workers) for _ in range(args.repeat))
            pipe = statistics.median(rate(_pipeline, texts, workers, _triage_init) for _ in range(args.repeat))
            print(f"| {name} | {len(texts)} | {words:.0f} | {workers} | {tok:,.0f} | {pipe:,.0f} | {pipe / tok:.2f} |")


if __name__ == "__main__":
    main()
