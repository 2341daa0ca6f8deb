"""Scores of a classifier on labelled letters: per head, per label, unaccented subset, routing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from models.classifier import LetterClassifier
from models.routing import RouteTable
from models.text import has_diacritics


def label_value(value) -> str:
    """Labels as the heads see them: booleans as "true"/"false", everything else as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def head_scores(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict:
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0)), 4),
        "weighted_f1": round(
            float(f1_score(y_true, y_pred, labels=list(labels), average="weighted", zero_division=0)), 4
        ),
        "per_label": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        "confusion": {"labels": list(labels), "matrix": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist()},
    }


def confused_pairs(y_true: Sequence[str], y_pred: Sequence[str], k: int = 5) -> list[tuple[str, str, int]]:
    """The most frequent (true, predicted) mistakes."""
    counts = Counter((t, p) for t, p in zip(y_true, y_pred, strict=True) if t != p)
    return [(t, p, n) for (t, p), n in counts.most_common(k)]


def evaluate(
    classifier: LetterClassifier,
    rows: Sequence[dict] | object,
    text_column: str = "text",
    label_columns: Sequence[str] | None = None,
    routes: RouteTable | None = None,
) -> dict:
    """Score ``classifier`` on ``rows`` (a list of dicts or a ``datasets.Dataset``).

    Returns per-head accuracy, macro-F1, weighted-F1, per-label scores and confusion matrix;
    the same on letters written without diacritics; and department accuracy when the rows carry
    a ``department`` and a route table is given.
    """
    rows = list(rows)
    texts = [r[text_column] for r in rows]
    heads = [h for h in (label_columns or classifier.head_names) if h in classifier.head_names]
    probas = classifier.predict_proba(texts)
    predictions = {h: [classifier.classes(h)[i] for i in probas[h].argmax(axis=1)] for h in heads}
    result: dict = {"n": len(rows), "heads": {}, "unaccented": {}, "predictions": predictions}
    plain = np.array([not has_diacritics(t) for t in texts])
    for h in heads:
        truth = [label_value(r[h]) for r in rows]
        labels = sorted(set(classifier.classes(h)) | set(truth))
        result["heads"][h] = head_scores(truth, predictions[h], labels)
        result["heads"][h]["confused_pairs"] = confused_pairs(truth, predictions[h])
        if plain.any():
            idx = np.flatnonzero(plain)
            sub_t, sub_p = [truth[i] for i in idx], [predictions[h][i] for i in idx]
            result["unaccented"][h] = {
                "n": len(idx),
                "accuracy": round(float(accuracy_score(sub_t, sub_p)), 4),
                "macro_f1": round(
                    float(f1_score(sub_t, sub_p, labels=sorted(set(sub_t)), average="macro", zero_division=0)), 4
                ),
            }
    if routes is not None and "department" in rows[0] and {"topic", "letter_type"} <= set(predictions):
        routed = [
            routes.department_for(t, lt, text)[0]
            for t, lt, text in zip(predictions["topic"], predictions["letter_type"], texts, strict=True)
        ]
        truth = [r["department"] for r in rows]
        result["department_accuracy"] = round(float(accuracy_score(truth, routed)), 4)
    return result


def summary(metrics: dict) -> dict:
    """The headline figures of an :func:`evaluate` result (what a manifest and a table need)."""
    out = {"n": metrics["n"]}
    for h, s in metrics["heads"].items():
        out[f"{h}_accuracy"] = s["accuracy"]
        out[f"{h}_macro_f1"] = s["macro_f1"]
        out[f"{h}_weighted_f1"] = s["weighted_f1"]
    for h, s in metrics.get("unaccented", {}).items():
        out[f"{h}_unaccented_accuracy"] = s["accuracy"]
        out[f"{h}_unaccented_macro_f1"] = s["macro_f1"]
        out["unaccented_n"] = s["n"]
    if "department_accuracy" in metrics:
        out["department_accuracy"] = metrics["department_accuracy"]
    return out
