"""Urgency flags against the corpus labels on the test split: the model's urgent head and the phrase list.

    .venv/bin/python benchmarks/urgency.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.triage import load_triage  # noqa: E402
from models.urgency import UrgencyDetector  # noqa: E402
from training.corpus import read_letters, read_splits  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    detector = UrgencyDetector.load()
    triage = load_triage()
    splits = read_splits(REPO / "corpus")
    test = [r for r in read_letters(REPO / "corpus") if splits.get(r["id"]) == "test"]
    model = [x.urgent for x in triage.run([r["text"] for r in test])]
    rule = [detector.detect(r["text"]).urgent for r in test]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row, by_model, by_rule in zip(test, model, rule, strict=True):
        want = bool(row["urgent"])
        for method, got in (("model (urgent head)", by_model), ("phrases only", by_rule)):
            for group in (method, f"{method}, style:{row['style']}"):
                c = counts[group]
                c[0] += got and want
                c[1] += got and not want
                c[2] += want and not got
    print(f"Urgency on the test split ({len(test)} letters) vs the hand labels; model {triage.version}, "
          f"threshold {triage.urgent_threshold}")
    print("| method | urgent (labelled) | flagged | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for group in sorted(counts, key=lambda g: ("," in g, g)):
        tp, fp, fn = counts[group]
        p, r, f = prf(tp, fp, fn)
        print(f"| {group} | {tp + fn} | {tp + fp} | {p:.3f} | {r:.3f} | {f:.3f} |")


if __name__ == "__main__":
    main()
