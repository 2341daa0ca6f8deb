"""Which stored letters would teach the model most if clerks labelled them first (active learning)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.classifier import LetterClassifier
from models.text import unaccent


@dataclass
class Suggestion:
    letter_id: int
    score: float
    topic: str
    confidence: float
    margin: float
    views_disagree: bool
    text: str


def suggest(classifier: LetterClassifier, letters: list[tuple[int, str]], n: int = 50) -> list[Suggestion]:
    """Rank letters by uncertainty: low top-topic probability, small margin to the runner-up, and
    disagreement between the letter as written and its unaccented view (the model reads both ways)."""
    if not letters:
        return []
    texts = [t for _, t in letters]
    proba = classifier.predict_proba(texts)["topic"]
    plain = classifier.predict_proba([unaccent(t) for t in texts])["topic"]
    classes = classifier.classes("topic")
    order = np.sort(proba, axis=1)
    top, second = order[:, -1], order[:, -2]
    disagree = proba.argmax(axis=1) != plain.argmax(axis=1)
    score = (1 - top) + (1 - (top - second)) + 0.5 * disagree
    out = [
        Suggestion(
            letters[i][0],
            round(float(score[i]), 4),
            classes[int(proba[i].argmax())],
            round(float(top[i]), 4),
            round(float(top[i] - second[i]), 4),
            bool(disagree[i]),
            texts[i],
        )
        for i in range(len(letters))
    ]
    return sorted(out, key=lambda s: -s.score)[:n]
