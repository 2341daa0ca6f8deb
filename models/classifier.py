"""The letter classifier: one scikit-learn estimator, several label heads (topic, letter type…).

The model is a ``Pipeline`` that starts from raw text (:class:`models.text.TextViews`), builds
TF-IDF features over segmented words and over unaccented character n-grams, and feeds them to one
linear head per label column. Heads share the costly text processing, so a letter is segmented
once however many labels are predicted. The label columns are not fixed: ``fit`` trains a head for
every column it is given, so the same code trains on any labelled text.

Saved with skops (no code runs on load) beside a ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skops.io as sio
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from skops.io.exceptions import UntrustedTypesFoundException
from threadpoolctl import threadpool_limits

from models.text import TextViews

MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"


class ModelLoadError(RuntimeError):
    """A model folder is missing, corrupted or not a homthu model; the message says which."""


class LetterClassifier(BaseEstimator):
    """Predict one label per head (e.g. ``topic`` and ``letter_type``) for raw letter texts.

    >>> clf = LetterClassifier().fit(texts, {"topic": topics, "letter_type": types})  # doctest: +SKIP
    >>> clf.predict(["Đề nghị sửa đèn đường ngõ 12"])["topic"]                      # doctest: +SKIP
    ['ha_tang_giao_thong']
    """

    def __init__(
        self,
        segment_words: bool = True,
        word_ngram_max: int = 2,
        word_min_df: int = 1,
        char_ngram_min: int = 2,
        char_ngram_max: int = 5,
        char_min_df: int = 2,
        char_max_features: int | None = 300_000,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        max_iter: int = 3000,
        random_state: int = 0,
    ):
        self.segment_words = segment_words
        self.word_ngram_max = word_ngram_max
        self.word_min_df = word_min_df
        self.char_ngram_min = char_ngram_min
        self.char_ngram_max = char_ngram_max
        self.char_min_df = char_min_df
        self.char_max_features = char_max_features
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    # -- building -------------------------------------------------------------------------

    def _features(self) -> Pipeline:
        words = TfidfVectorizer(
            token_pattern=r"\S+",
            lowercase=False,
            ngram_range=(1, self.word_ngram_max),
            min_df=self.word_min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )
        chars = TfidfVectorizer(
            analyzer="char_wb",
            lowercase=False,
            ngram_range=(self.char_ngram_min, self.char_ngram_max),
            min_df=self.char_min_df,
            max_features=self.char_max_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        return Pipeline(
            [
                ("views", TextViews(segment_words=self.segment_words)),
                ("vectors", ColumnTransformer([("words", words, 0), ("chars", chars, 1)])),
            ]
        )

    def _head(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state
        )

    def fit(self, texts: Sequence[str], labels: Mapping[str, Sequence[str]]) -> LetterClassifier:
        """Learn the features and one head per entry of ``labels`` (head name → labels)."""
        if not labels:
            raise ValueError("labels: give at least one label column")
        for name, y in labels.items():
            if len(y) != len(texts):
                raise ValueError(f"labels[{name!r}]: {len(y)} labels for {len(texts)} texts")
        self.features_ = self._features()
        X = self.features_.fit_transform(list(texts))
        return self.fit_heads(X, labels)

    def fit_heads(self, X, labels: Mapping[str, Sequence[str]]) -> LetterClassifier:
        """Fit the heads on features already computed by ``self.features_``."""
        # One BLAS thread: L-BFGS's vector updates are memory-bound, and on a small, busy server
        # (2 cores) a second BLAS thread spins against other work (measured: heads fit about 1.6x faster).
        # The heads are independent: fitted side by side in threads (the solver's numpy and sparse
        # products release the GIL), one per core; each is the same fit as alone.
        names = list(labels)
        with threadpool_limits(limits=1, user_api="blas"):
            heads = Parallel(n_jobs=min(len(names), os.cpu_count() or 1), prefer="threads")(
                delayed(self._head().fit)(X, list(labels[name])) for name in names
            )
        self.heads_ = dict(zip(names, heads, strict=True))
        return self

    # -- predicting -----------------------------------------------------------------------

    @property
    def head_names(self) -> list[str]:
        return list(self.heads_)

    def classes(self, head: str) -> list[str]:
        return [str(c) for c in self.heads_[head].classes_]

    def transform(self, texts: Sequence[str]):
        """The feature matrix of ``texts`` (sparse, one row per letter)."""
        return self.features_.transform(list(texts))

    def predict_proba(self, texts: Sequence[str], X=None) -> dict[str, np.ndarray]:
        """Probabilities per head, shape ``(n_letters, n_classes)``; columns as in :meth:`classes`."""
        X = self.transform(texts) if X is None else X
        return {name: head.predict_proba(X) for name, head in self.heads_.items()}

    def predict(self, texts: Sequence[str]) -> dict[str, list[str]]:
        probas = self.predict_proba(texts)
        return {name: [self.classes(name)[i] for i in p.argmax(axis=1)] for name, p in probas.items()}

    def explain(self, X_row, head: str, label: str, k: int = 8) -> list[tuple[str, float]]:
        """The ``k`` features of one letter that pushed ``head`` most towards ``label``."""
        clf = self.heads_[head]
        idx = self.classes(head).index(label)
        coef = clf.coef_[idx] if clf.coef_.shape[0] > 1 else (clf.coef_[0] if idx == 1 else -clf.coef_[0])
        row = X_row.tocsr()
        contrib = row.data * coef[row.indices]
        order = np.argsort(-contrib)[:k]
        names = self.feature_names()
        return [(names[row.indices[i]], float(contrib[i])) for i in order if contrib[i] > 0]

    def feature_names(self) -> np.ndarray:
        if not hasattr(self, "_feature_names"):
            self._feature_names = self.features_.named_steps["vectors"].get_feature_names_out()
        return self._feature_names


# -- saving and loading -----------------------------------------------------------------------


@dataclass
class LoadedModel:
    """A model version read back from its folder: the estimator and its manifest."""

    classifier: LetterClassifier
    manifest: dict
    path: Path

    @property
    def version(self) -> str:
        return self.manifest["version"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(classifier: LetterClassifier, folder: Path, manifest: dict) -> Path:
    """Write ``model.skops`` and ``manifest.json`` (with the model file's checksum) to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / MODEL_FILE
    tmp = model_path.with_suffix(".tmp")
    sio.dump(classifier, tmp)
    tmp.replace(model_path)
    manifest = {
        **manifest,
        "backend": manifest.get("backend", "linear"),
        "model_file": MODEL_FILE,
        "model_sha256": _sha256(model_path),
        "heads": {h: classifier.classes(h) for h in classifier.head_names},
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


# Types a homthu model may contain: our own estimator and text views, and the scientific stack.
_TRUSTED_PREFIXES = ("models.classifier.", "models.text.", "sklearn.", "numpy.", "scipy.", "builtins.")
_OWN_TYPES = ("models.classifier.LetterClassifier", "models.text.TextViews")


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path}: no manifest; not a homthu model folder") from exc
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{path}: manifest is not valid JSON ({exc})") from exc
    for key in ("version", "model_file", "model_sha256", "heads"):
        if key not in manifest:
            raise ModelLoadError(f"{path}: manifest lacks {key!r}")
    return manifest


def load_model(folder: Path, required_heads: Sequence[str] = ()) -> LoadedModel:
    """Load a model folder safely: checksum verified, only known types instantiated."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.get("backend", "linear") == "transformers":
        classifier = _load_transformers(folder, manifest)
        missing = [h for h in required_heads if h not in classifier.head_names]
        if missing:
            raise ModelLoadError(f"{folder}: model has no head for {missing} (has {classifier.head_names})")
        return LoadedModel(classifier, manifest, folder)
    if manifest.get("backend", "linear") != "linear":
        raise ModelLoadError(f"{folder}: backend {manifest['backend']!r} is not loadable by this loader")
    model_path = folder / manifest["model_file"]
    if not model_path.exists():
        raise ModelLoadError(f"{model_path}: model file missing")
    if _sha256(model_path) != manifest["model_sha256"]:
        raise ModelLoadError(f"{model_path}: checksum does not match the manifest (corrupted or altered)")
    try:
        try:
            # the usual model holds skops' default types and our two: one pass over the file
            # (auditing it first, then loading, read the whole tree twice: half the start-up time)
            classifier = sio.load(model_path, trusted=list(_OWN_TYPES))
        except UntrustedTypesFoundException:
            untrusted = sio.get_untrusted_types(file=model_path)
            unexpected = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
            if unexpected:
                raise ModelLoadError(f"{model_path}: refuses to load unexpected types {unexpected}") from None
            classifier = sio.load(model_path, trusted=untrusted)
    except ModelLoadError:
        raise
    except Exception as exc:  # skops raises many types on a damaged file
        raise ModelLoadError(f"{model_path}: cannot be read ({type(exc).__name__}: {exc})") from exc
    if not isinstance(classifier, LetterClassifier):
        raise ModelLoadError(f"{model_path}: holds a {type(classifier).__name__}, not a LetterClassifier")
    missing = [h for h in required_heads if h not in classifier.head_names]
    if missing:
        raise ModelLoadError(f"{folder}: model has no head for {missing} (has {classifier.head_names})")
    return LoadedModel(classifier, manifest, folder)


def _load_transformers(folder: Path, manifest: dict):
    """A transformers-backend version; torch and transformers are imported here and only here."""
    try:
        from models.transformer_backend import load_transformer_model
    except ImportError as exc:
        raise ModelLoadError(
            f"{folder}: a transformers model, but its extra is not installed (pip install -e '.[transformers]'): {exc}"
        ) from exc
    return load_transformer_model(folder, manifest)
