"""Inter-annotator agreement of the blind second labelling (Cohen's kappa per field)."""

from __future__ import annotations

from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from training.corpus import iter_jsonl

FIELDS = ("topic", "letter_type", "department", "urgent")


def read_labels(path: Path) -> dict[str, dict]:
    return {row["id"]: row for _, row in iter_jsonl(path)}


def agreement(folder: Path) -> dict[str, dict]:
    """Kappa and raw agreement per field between ``first_labels.jsonl`` and ``second_labels.jsonl``,
    and how the adjudication (``adjudicated.jsonl``) settled the disagreements."""
    first, second = read_labels(folder / "first_labels.jsonl"), read_labels(folder / "second_labels.jsonl")
    ids = sorted(set(first) & set(second))
    adjudicated = read_labels(folder / "adjudicated.jsonl") if (folder / "adjudicated.jsonl").exists() else {}
    out = {}
    for f in FIELDS:
        a, b = [str(first[i][f]) for i in ids], [str(second[i][f]) for i in ids]
        disagree = [i for i in ids if first[i][f] != second[i][f]]
        out[f] = {
            "n": len(ids),
            "kappa": round(float(cohen_kappa_score(a, b)), 3),
            "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(ids), 3),
            "disagreements": len(disagree),
            "first_upheld": sum(1 for i in disagree if i in adjudicated and adjudicated[i][f] == first[i][f]),
            "second_upheld": sum(1 for i in disagree if i in adjudicated and adjudicated[i][f] == second[i][f]),
            "unresolved": sum(1 for i in disagree if i not in adjudicated),
        }
    return out
