"""Training time and peak memory as the corpus grows (1k, 5k, 20k, 50k letters).

The shipped corpus has 3,406 letters; larger corpora are grown with derived variants of them:
typed without diacritics, sentences shuffled, office abbreviations put back ("ủy ban nhân dân" →
"UBND", "không" → "ko"), and combinations of these. Each size is fitted with the default config's
model parameters (``training/configs/default.toml``: three heads, topic, letter type and urgent) in
a fresh process, so that its peak memory (``ru_maxrss``) is its own. Nothing is saved; no registry
is touched.

    .venv/bin/python benchmarks/training_scale.py [--sizes 1000 5000 20000 50000] [--repeat 3]

``features s`` is the text pipeline and the TF-IDF vocabularies (``fit_transform``), ``heads s``
the logistic-regression heads; ``total s`` is the whole ``LetterClassifier.fit``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.text import CONFIG_DIR, unaccent  # noqa: E402
from training.config import load_config  # noqa: E402
from training.corpus import read_letters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")


def _abbreviator():
    """The abbreviations table read backwards: the spelled-out form → the short one."""
    data = tomllib.loads((CONFIG_DIR / "abbreviations.toml").read_text(encoding="utf-8"))
    pairs = {**{v: k for k, v in data.get("any_case", {}).items()}, **{v: k for k, v in data["case_sensitive"].items()}}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: pairs[m.group(0)], text)


def grow(letters: list[dict], size: int, seed: int = 0) -> list[dict]:
    """``size`` letters: the originals, then variants (unaccented / abbreviated / shuffled sentences)."""
    abbreviate = _abbreviator()
    rng = random.Random(seed)
    out: list[dict] = []
    variant = 0
    while len(out) < size:
        for row in letters:
            text = row["text"]
            if variant // 4:  # from the fifth pass on: sentences in another order
                sentences = _SENTENCE.split(text)
                rng.shuffle(sentences)
                text = " ".join(sentences)
            if variant % 4 in (1, 3):
                text = abbreviate(text)
            if variant % 4 in (2, 3):
                text = unaccent(text)
            out.append({**row, "text": text})
            if len(out) == size:
                break
        variant += 1
    return out


def fit_one(size: int) -> dict:
    """Fit the default model on ``size`` letters in this process; seconds and peak memory."""
    from models.classifier import LetterClassifier
    from training.evaluate import label_value

    config = load_config()
    params = {k: v for k, v in config["model"].items() if k != "backend"}
    heads = list(config["corpus"]["label_columns"])
    rows = grow(read_letters(REPO / "corpus"), size)
    texts = [r["text"] for r in rows]
    labels = {h: [label_value(r.get(h)) for r in rows] for h in heads}
    clf = LetterClassifier(random_state=config.get("seed", 0), **params)
    start = time.perf_counter()
    clf.features_ = clf._features()
    X = clf.features_.fit_transform(texts)
    features = time.perf_counter() - start
    clf.fit_heads(X, labels)
    total = time.perf_counter() - start
    return {
        "size": size,
        "features_s": features,
        "heads_s": total - features,
        "total_s": total,
        "n_features": X.shape[1],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000, 50000])
    ap.add_argument("--repeat", type=int, default=3, help="fits per size; medians are printed")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: fit one size and print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(fit_one(args.one)))
        return
    print(f"Training cost against corpus size (default model parameters, median of {args.repeat} fits, "
          "each in a fresh process)")
    print("| letters | features | features s | heads s | total s | s per 1k letters | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True,
                                 check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"| {size:,} | {med['n_features']:,.0f} | {med['features_s']:.1f} | {med['heads_s']:.1f} | "
              f"{med['total_s']:.1f} | {med['total_s'] / size * 1000:.2f} | {med['peak_mb']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
