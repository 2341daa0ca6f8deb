"""Keywords: the distinctive words of a topic or a ward, and terms that are suddenly frequent.

A letter's *terms* are its segmented words (underthesea), lower-cased, from the text with
personal data masked (so a writer's name never becomes a keyword), without stop words,
numbers, punctuation or the places it names. Scores are class-based TF-IDF (c-TF-IDF, as in
BERTopic): the letters of each class (a topic, a ward, a period) are one document,

    score(t, c) = tf(t, c) / |c| * log(1 + A / f(t))

where ``tf(t, c)`` counts the letters of class ``c`` that use ``t``, ``|c|`` is the number of
term uses in ``c``, ``A`` the average number of term uses per class and ``f(t)`` the letters
of all classes that use ``t``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import underthesea
from scipy.stats import poisson

from models.taxonomy import DEFAULT_CONFIG_DIR, config_dir
from models.text import clean, segment

_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=4)
def stop_words(path: str | None = None) -> frozenset[str]:
    """underthesea's Vietnamese stop words plus our own editable list (``config/stopwords.txt``)."""
    library = Path(underthesea.__file__).parent / "datasets" / "stopwords" / "stopwords.txt"
    ours = Path(path) if path else config_dir() / "stopwords.txt"
    if not ours.exists():
        ours = DEFAULT_CONFIG_DIR / "stopwords.txt"
    words = set()
    for file in (library, ours):
        if file.exists():
            for line in file.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip().lower()
                if line:
                    words.add(line.replace(" ", "_"))
    return frozenset(words)


def letter_terms(masked_text: str, places: Iterable[str] = ()) -> list[str]:
    """The distinct terms of a letter, in order of first use.

    >>> letter_terms("Kính gửi UBND phường Xuân La. Rác thải ùn ứ, bốc mùi hôi thối.", ["phường Xuân La"])
    ['rác_thải', 'ùn', 'bốc', 'mùi', 'hôi_thối']
    """
    text = _PLACEHOLDER.sub(" , ", clean(masked_text))
    skip = stop_words()
    place_syllables = {s for p in places for s in clean(p).lower().split()}
    out: dict[str, None] = {}
    for word in segment(text):
        w = word.lower()
        if len(w) < 2 or not _HAS_LETTER.search(w) or w in skip:
            continue
        if place_syllables and set(w.split("_")) <= place_syllables:
            continue
        if w[0].isdigit():
            continue
        out[w] = None
    return list(out)


@dataclass(frozen=True)
class Keyword:
    term: str
    score: float
    letters: int


def class_tfidf(classes: Mapping[str, Iterable[Iterable[str]]], *, top: int = 15, min_letters: int = 2) -> dict:
    """``{class: [Keyword, ...]}``, best first, from each class's letters (lists of terms).

    A term both classes use (``mùi``) scores below the terms only one class uses:

    >>> ks = class_tfidf({"rác": [["rác_thải", "bốc", "mùi"], ["rác_thải", "mùi"]],
    ...                   "đèn": [["đèn", "hỏng", "mùi"], ["đèn", "hỏng"]]})
    >>> [k.term for k in ks["rác"]], [k.term for k in ks["đèn"]]
    (['rác_thải', 'mùi'], ['hỏng', 'đèn'])
    """
    tf: dict[str, Counter] = {
        c: Counter(t for letter in letters for t in set(letter)) for c, letters in classes.items()
    }
    total = Counter()
    for counts in tf.values():
        total.update(counts)
    sizes = {c: sum(v.values()) for c, v in tf.items()}
    average = sum(sizes.values()) / max(len(sizes), 1)
    out = {}
    for c, counts in tf.items():
        scored = [
            Keyword(t, round(n / sizes[c] * math.log(1 + average / total[t]), 6), n)
            for t, n in counts.items()
            if n >= min_letters
        ]
        scored.sort(key=lambda k: (-k.score, k.term))
        out[c] = scored[:top]
    return out


@dataclass(frozen=True)
class EmergingTerm:
    term: str
    count: int
    expected: float
    ratio: float
    p_value: float


def emerging_terms(
    latest: list[list[str]],
    baseline: list[list[str]],
    *,
    min_count: int = 5,
    alpha: float = 0.01,
    top: int = 20,
) -> list[EmergingTerm]:
    """Terms used by more of the ``latest`` letters than the baseline rate predicts.

    ``expected = n_latest * (letters of the baseline using t + 0.5) / n_baseline``; a term is
    emerging when at least ``min_count`` latest letters use it and Poisson
    ``P(X >= count | expected) < alpha``.
    """
    if not latest:
        return []
    now = Counter(t for letter in latest for t in set(letter))
    before = Counter(t for letter in baseline for t in set(letter))
    n_now, n_before = len(latest), max(len(baseline), 1)
    out = []
    for term, count in now.items():
        if count < min_count:
            continue
        expected = n_now * (before.get(term, 0) + 0.5) / n_before
        p = float(poisson.sf(count - 1, expected))
        if p < alpha:
            out.append(EmergingTerm(term, count, round(expected, 2), round(count / expected, 2), p))
    out.sort(key=lambda e: (e.p_value, -e.count))
    return out[:top]
