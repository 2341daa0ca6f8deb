"""``homthu train --search``: choose model parameters by cross-validation on the train split only."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from models.classifier import LetterClassifier


def grid(space: dict[str, list]) -> list[dict]:
    keys = sorted(space)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(space[k] for k in keys))]


def search(
    texts: list[str],
    labels: dict[str, list[str]],
    base: dict,
    space: dict[str, list],
    folds: int = 3,
    seed: int = 0,
    log: Callable[[str], None] = lambda m: None,
) -> tuple[dict, list[dict]]:
    """Try every combination of ``space`` on ``folds`` stratified folds (by the first label column);
    score = mean of each head's macro-F1. Returns the best parameters and every trial's score."""
    first = next(iter(labels))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    texts_arr = np.array(texts, dtype=object)
    trials = []
    for combo in grid(space):
        scores = []
        for train_idx, test_idx in cv.split(texts_arr, labels[first]):
            clf = LetterClassifier(**{**base, **combo})
            clf.fit(list(texts_arr[train_idx]), {h: [y[i] for i in train_idx] for h, y in labels.items()})
            pred = clf.predict(list(texts_arr[test_idx]))
            per_head = [f1_score([labels[h][i] for i in test_idx], pred[h], average="macro") for h in labels]
            scores.append(float(np.mean(per_head)))
            acc = accuracy_score([labels[first][i] for i in test_idx], pred[first])
        trials.append(
            {
                "params": combo,
                "cv_macro_f1": round(float(np.mean(scores)), 4),
                "cv_std": round(float(np.std(scores)), 4),
                "last_fold_accuracy": round(float(acc), 4),
            }
        )
        log(f"search {combo}: macro-F1 {np.mean(scores):.4f} ± {np.std(scores):.4f}")
    best = max(trials, key=lambda t: t["cv_macro_f1"])
    return best["params"], trials
