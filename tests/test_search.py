"""Hyperparameter search by cross-validation on the train split."""

from tests.conftest import small_sample
from training.search import grid, search


def test_grid_lists_every_combination():
    assert grid({"C": [1, 10], "word_ngram_max": [1, 2]}) == [
        {"C": 1, "word_ngram_max": 1}, {"C": 1, "word_ngram_max": 2},
        {"C": 10, "word_ngram_max": 1}, {"C": 10, "word_ngram_max": 2},
    ]


def test_search_scores_every_trial_and_returns_the_best():
    rows = small_sample(per_topic=10)
    labels = {"topic": [r["topic"] for r in rows]}
    best, trials = search([r["text"] for r in rows], labels, {"segment_words": False, "char_max_features": 5000},
                          {"C": [0.01, 10.0]}, folds=2, seed=1)
    assert [t["params"] for t in trials] == [{"C": 0.01}, {"C": 10.0}]
    assert best == max(trials, key=lambda t: t["cv_macro_f1"])["params"]
    assert all(0.0 <= t["cv_macro_f1"] <= 1.0 for t in trials)
