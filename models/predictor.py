"""The fast prediction path of a fitted :class:`~models.classifier.LetterClassifier`.

A fitted model is a scikit-learn ``Pipeline`` (text views → ``ColumnTransformer`` of two
``TfidfVectorizer`` → one ``LogisticRegression`` per head). Called one letter at a time, as the
HTTP service does, that stack spends most of its time validating its input (``check_array``,
dataframe detection), not computing: about 8 ms of overhead per call on this machine for 2 ms of
work. :class:`Predictor` reads the fitted vocabularies, IDF weights and coefficients once and
computes the same numbers directly:

- word uni/bigrams looked up in the fitted vocabulary, as ``TfidfVectorizer`` does;
- character n-grams of each distinct word computed once and cached (``char_wb`` n-grams never
  cross a space, so a letter's counts are the sum of its words' counts);
- sublinear TF, IDF and L2 normalisation in the same order on the same ``float32`` data;
- all heads scored by one sparse × dense product (softmax for multi-class heads, the logistic
  function for binary ones, as ``LogisticRegression.predict_proba``).

The result equals the ``Pipeline``'s to float rounding (``tests/test_predictor.py`` checks it
feature by feature and prediction by prediction). A model this module does not recognise (other
vectorizer settings, another head type) is served by the ``Pipeline`` itself.

>>> predictor = Predictor(classifier)                          # doctest: +SKIP
>>> X = predictor.transform(["Đề nghị sửa đèn đường ngõ 12"])  # doctest: +SKIP
>>> predictor.predict_proba(X)["topic"].argmax(axis=1)       # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from models.text import TextViews

# Distinct words whose character n-grams are kept (a letter has a few hundred; Vietnamese has
# about 7,000 syllables, so the cache is mostly hits). Cleared, not evicted, when full.
CHAR_CACHE_WORDS = 200_000


class _Vectorizer:
    """One fitted ``TfidfVectorizer`` (word n-grams over ``token_pattern`` or ``char_wb``)."""

    def __init__(self, vec: TfidfVectorizer, offset: int):
        self.vocabulary = vec.vocabulary_
        self.idf = np.asarray(vec.idf_, dtype=vec.dtype) if vec.use_idf else None
        self.sublinear = vec.sublinear_tf
        self.dtype = vec.dtype
        self.offset = offset
        self.size = len(vec.vocabulary_)
        self.min_n, self.max_n = vec.ngram_range
        self.char = vec.analyzer == "char_wb"
        self.token_re = None if self.char else re.compile(vec.token_pattern)
        self._cache: dict[str, tuple[tuple[int, int], ...]] = {}

    @staticmethod
    def supports(vec: object) -> bool:
        if not isinstance(vec, TfidfVectorizer) or not hasattr(vec, "vocabulary_"):
            return False
        p = vec.get_params()
        plain = (
            p["input"] == "content"
            and not p["lowercase"]
            and p["strip_accents"] is None
            and p["preprocessor"] is None
            and p["tokenizer"] is None
            and p["stop_words"] is None
            and not p["binary"]
            and p["norm"] == "l2"
            and p["vocabulary"] is None
        )
        word = p["analyzer"] == "word" and p["token_pattern"] is not None
        return plain and (word or p["analyzer"] == "char_wb")

    def _word_ngrams(self, text: str) -> list[str]:
        # TfidfVectorizer's word analyzer with lowercase=False, no stop words (_word_ngrams)
        tokens = self.token_re.findall(text)
        if self.max_n == 1:
            return tokens
        out = list(tokens) if self.min_n == 1 else []
        n_tokens = len(tokens)
        for n in range(max(self.min_n, 2), min(self.max_n, n_tokens) + 1):
            out += [" ".join(tokens[i : i + n]) for i in range(n_tokens - n + 1)]
        return out

    def _word_char_counts(self, word: str) -> tuple[tuple[int, int], ...]:
        # TfidfVectorizer._char_wb_ngrams for one word, counted and looked up in the vocabulary
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        w = " " + word + " "
        w_len = len(w)
        counts: dict[int, int] = {}
        vocab = self.vocabulary
        for n in range(self.min_n, self.max_n + 1):
            offset = 0
            grams = [w[0:n]]
            while offset + n < w_len:
                offset += 1
                grams.append(w[offset : offset + n])
            for g in grams:
                idx = vocab.get(g)
                if idx is not None:
                    counts[idx] = counts.get(idx, 0) + 1
            if offset == 0:  # a word shorter than n is counted once
                break
        result = tuple(counts.items())
        if len(self._cache) >= CHAR_CACHE_WORDS:
            self._cache.clear()
        self._cache[word] = result
        return result

    def counts(self, text: str) -> dict[int, int]:
        counter: dict[int, int] = {}
        if self.char:
            for word, times in Counter(text.split()).items():
                for idx, c in self._word_char_counts(word):
                    counter[idx] = counter.get(idx, 0) + c * times
        else:
            vocab = self.vocabulary
            for gram in self._word_ngrams(text):
                idx = vocab.get(gram)
                if idx is not None:
                    counter[idx] = counter.get(idx, 0) + 1
        return counter

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        indices: list[int] = []
        values: list[int] = []
        indptr = [0]
        for text in texts:
            counter = self.counts(text)
            indices.extend(counter.keys())
            values.extend(counter.values())
            indptr.append(len(indices))
        X = sp.csr_matrix(
            (np.asarray(values, dtype=np.intc), np.asarray(indices, dtype=np.int32), np.asarray(indptr, np.int32)),
            shape=(len(texts), self.size),
            dtype=self.dtype,
        )
        X.sort_indices()
        # TfidfTransformer.transform, step by step on the same float32 data
        if self.sublinear:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.idf is not None:
            X.data *= self.idf[X.indices]
        inplace_csr_row_normalize_l2(X)
        return X


class Predictor:
    """Features and head probabilities of a fitted ``LetterClassifier``, without the per-call
    overhead of scikit-learn; falls back to the classifier itself for a model it does not know."""

    def __init__(self, classifier):
        self.classifier = classifier
        self.vectorizers: list[_Vectorizer] | None = None
        self.views: TextViews | None = None
        try:
            views, vectors = (step for _, step in classifier.features_.steps)
        except (AttributeError, ValueError):
            return
        if not isinstance(views, TextViews) or not isinstance(vectors, ColumnTransformer):
            return
        transformers = [t for t in vectors.transformers_ if t[0] != "remainder" or t[1] != "drop"]
        if [col for _, _, col in transformers] != list(range(len(transformers))):
            return
        if not all(_Vectorizer.supports(vec) for _, vec, _ in transformers):
            return
        if not all(type(h) is LogisticRegression and h.coef_.ndim == 2 for h in classifier.heads_.values()):
            return
        if getattr(vectors, "sparse_output_", True) is False:
            return
        vecs, offset = [], 0
        for _, vec, _ in transformers:
            vecs.append(_Vectorizer(vec, offset))
            offset += vecs[-1].size
        if any(h.coef_.shape[1] != offset for h in classifier.heads_.values()):
            return
        self.views = views
        self.vectorizers = vecs
        self.n_features = offset
        # all heads' coefficients side by side: one sparse × dense product scores every head
        self._coef = np.ascontiguousarray(np.vstack([h.coef_ for h in classifier.heads_.values()]).T)
        self._intercept = np.concatenate([h.intercept_ for h in classifier.heads_.values()])
        self._slices = {}
        start = 0
        for name, head in classifier.heads_.items():
            self._slices[name] = slice(start, start + head.coef_.shape[0])
            start += head.coef_.shape[0]

    @property
    def fast(self) -> bool:
        """Whether this model runs on the fast path (else on the scikit-learn pipeline)."""
        return self.vectorizers is not None

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The feature matrix of ``texts``, equal to ``classifier.transform(texts)``."""
        if not self.fast:
            return self.classifier.transform(texts)
        views = self.views.transform(list(texts))
        blocks = [vec.transform(views[:, i]) for i, vec in enumerate(self.vectorizers)]
        return sp.hstack(blocks, format="csr")

    def predict_proba(self, X) -> dict[str, np.ndarray]:
        """Probabilities per head for features from :meth:`transform`, as ``classifier.predict_proba``."""
        if not self.fast:
            return self.classifier.predict_proba([], X=X)
        scores = np.asarray(X @ self._coef) + self._intercept
        out = {}
        for name, sl in self._slices.items():
            s = scores[:, sl]
            if s.shape[1] == 1:  # binary head: the logistic function of the one score
                p = expit(s[:, 0])
                out[name] = np.stack([1 - p, p], axis=1)
            else:  # multinomial head: softmax
                e = np.exp(s - s.max(axis=1, keepdims=True))
                out[name] = e / e.sum(axis=1, keepdims=True)
        return out
