"""Drift: do recent letters still look like the letters the model was trained on?

Three signals, as Evidently does for text: (1) a domain classifier — TF-IDF + logistic regression
trained to tell training letters from recent ones, scored by cross-validated ROC AUC (0.5: they look
alike; near 1: recent letters differ) with the words that most mark recent letters; (2) the share of
recent letters sent to review; (3) the topic mix, recent predictions vs the training labels
(population stability index).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from models.text import clean, syllable_view


def domain_auc(reference: list[str], recent: list[str], seed: int = 0) -> tuple[float, list[str]]:
    texts = [syllable_view(clean(t)) for t in reference + recent]
    y = np.array([0] * len(reference) + [1] * len(recent))
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X = vec.fit_transform(texts)
    clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed)
    folds = min(5, int(min(len(reference), len(recent))))
    p = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
    clf.fit(X, y)
    names = vec.get_feature_names_out()
    marking = [names[i] for i in np.argsort(-clf.coef_[0])[:12]]
    return float(roc_auc_score(y, p)), marking


def psi(expected: Counter, actual: Counter) -> float:
    labels = set(expected) | set(actual)
    e_total, a_total = sum(expected.values()) or 1, sum(actual.values()) or 1
    out = 0.0
    for label in labels:
        e = max(expected.get(label, 0) / e_total, 1e-4)
        a = max(actual.get(label, 0) / a_total, 1e-4)
        out += (a - e) * np.log(a / e)
    return float(out)


def drift_report(reference: list[dict], recent: list[dict], seed: int = 0) -> str:
    """A report data staff can read. ``reference``: training letters (text, topic);
    ``recent``: stored letters (text, topic as predicted, needs_review)."""
    if len(recent) < 10:
        return f"Only {len(recent)} recent letters: too few to judge drift (need at least 10)."
    auc, words = domain_auc([r["text"] for r in reference], [r["text"] for r in recent], seed)
    review = sum(1 for r in recent if r.get("needs_review")) / len(recent)
    ref_mix, new_mix = Counter(r["topic"] for r in reference), Counter(r["topic"] for r in recent)
    shift = psi(ref_mix, new_mix)
    verdict = (
        "recent letters differ clearly from the training letters: retrain with recent corrections"
        if auc > 0.8 or shift > 0.25
        else "some drift: watch it"
        if auc > 0.65 or shift > 0.1
        else "no sign of drift"
    )
    lines = [
        "# Drift report",
        "",
        f"Recent letters: {len(recent)}; training letters: {len(reference)}.",
        "",
        f"- **Domain classifier ROC AUC: {auc:.2f}** (0.5 = indistinguishable, 1.0 = entirely different). "
        f"Words that mark recent letters: {', '.join(words)}.",
        f"- **Share sent to review: {review:.1%}**.",
        f"- **Topic mix shift (PSI): {shift:.3f}** (under 0.1 stable, over 0.25 large).",
        "",
        f"Verdict: {verdict}.",
        "",
        "| topic | training share | recent share |",
        "|---|---:|---:|",
    ]
    for topic in sorted(set(ref_mix) | set(new_mix)):
        lines.append(f"| {topic} | {ref_mix[topic] / len(reference):.1%} | {new_mix[topic] / len(recent):.1%} |")
    return "\n".join(lines)
