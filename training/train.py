"""``train(config)``: build a model version from one config file (the CLI is a thin wrapper)."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from models.classifier import LetterClassifier, save_model
from models.registry import Registry
from models.routing import RouteTable
from models.taxonomy import Taxonomy
from training.config import resolve_path
from training.corpus import LETTER_FIELDS, fingerprint, load_corpus, load_jsonl_splits, read_letters
from training.evaluate import evaluate, label_value, summary
from training.report import write_report

MODEL_PARAMS = set(LetterClassifier().get_params())


@dataclass
class TrainResult:
    version: str
    path: Path
    metrics: dict
    seconds: float


def _model_params(config: dict) -> dict:
    params = {k: v for k, v in config["model"].items() if k != "backend"}
    unknown = set(params) - MODEL_PARAMS
    if unknown:
        raise ValueError(f"[model] has unknown parameter(s) {sorted(unknown)}; known: {sorted(MODEL_PARAMS)}")
    params["random_state"] = config.get("seed", 0)
    return params


def load_training_data(config: dict):
    """The train/dev/test ``DatasetDict`` and corpus fingerprint that ``config`` describes."""
    corpus = config["corpus"]
    path = resolve_path(corpus["path"])
    if corpus.get("format", "homthu") == "homthu":
        data = load_corpus(path, corpus.get("derive_unaccented", 0.0), config.get("seed", 0))
        fp = fingerprint(read_letters(path), LETTER_FIELDS)
    else:
        data = load_jsonl_splits(path, corpus.get("text_column", "text"), corpus["label_columns"])
        fp = fingerprint(
            (row for split in data.values() for row in split),
            [corpus.get("text_column", "text"), *corpus["label_columns"]],
        )
    return data, fp


def train(
    config: dict,
    registry: Registry | None = None,
    log: Callable[[str], None] = lambda msg: None,
    task: str = "letters",
    search: bool = False,
) -> TrainResult:
    """Train, evaluate on dev and test, and save a new model version in the registry.

    The test split is scored once for the record; nothing is tuned on it.
    """
    started = time.perf_counter()
    seed = int(config.get("seed", 0))
    random.seed(seed)
    np.random.seed(seed % 2**32)
    registry = registry or Registry()
    corpus = config["corpus"]
    text_col, label_cols = corpus.get("text_column", "text"), list(corpus["label_columns"])
    backend = config["model"].get("backend", "linear")
    if backend == "transformers":  # torch and transformers are imported only on this path
        from training.train_transformers import transformer_params

        params = transformer_params(config)
        if search:
            raise ValueError("--search: the transformers backend has no parameter search; set [transformers] keys")
    elif backend == "linear":
        params = _model_params(config)
    else:
        raise ValueError(f"[model] backend = {backend!r}: expected \"linear\" or \"transformers\"")

    log("reading the corpus")
    data, fp = load_training_data(config)
    train_rows = data["train"]
    log(f"training on {len(train_rows)} letters ({', '.join(f'{s}: {len(d)}' for s, d in data.items())})")
    train_labels = {h: [label_value(v) for v in train_rows[h]] for h in label_cols}
    trials = None
    if search:
        from training.search import search as cv_search

        space = {k: v for k, v in config.get("search", {}).items() if k != "folds"}
        if not space:
            raise ValueError("--search: the config has no [search] section with parameter lists")
        unknown = set(space) - MODEL_PARAMS
        if unknown:
            raise ValueError(f"[search] has unknown parameter(s) {sorted(unknown)}")
        # cross-validate on the letters as written, so that a letter and its derived copy never straddle folds
        if "derived_from" in train_rows.column_names:
            originals = [i for i, d in enumerate(train_rows["derived_from"]) if d is None]
        else:
            originals = list(range(len(train_rows)))
        best, trials = cv_search(
            [train_rows[text_col][i] for i in originals],
            {h: [y[i] for i in originals] for h, y in train_labels.items()},
            params,
            space,
            folds=int(config.get("search", {}).get("folds", 3)),
            seed=seed,
            log=log,
        )
        params = {**params, **best}
        log(f"search chose {best}")
    if backend == "transformers":
        from training.train_transformers import fit_transformer

        classifier = fit_transformer(params, seed, train_rows[text_col], train_labels, data.get("dev"), text_col, log)
    else:
        classifier = LetterClassifier(**params)
        classifier.fit(train_rows[text_col], train_labels)

    routes = None
    if set(label_cols) >= {"topic", "letter_type"}:
        taxonomy = Taxonomy.load()
        routes = RouteTable.load(taxonomy)
    metrics = {}
    for split in ("dev", "test"):
        if split in data and len(data[split]):
            log(f"evaluating on {split}")
            rows = data[split]
            if "derived_from" in rows.column_names:
                # headline figures on the letters as written; the unaccented figures also count the
                # derived copies without diacritics (same split as their source)
                originals = rows.filter(lambda r: r["derived_from"] is None)
                metrics[split] = evaluate(classifier, originals, text_col, label_cols, routes)
                with_derived = evaluate(classifier, rows, text_col, label_cols, routes)
                metrics[split]["unaccented"] = with_derived["unaccented"]
            else:
                metrics[split] = evaluate(classifier, rows, text_col, label_cols, routes)

    created = datetime.now(UTC)
    digest = hashlib.sha256(
        json.dumps([fp, params, label_cols, config["corpus"]], sort_keys=True).encode()
    ).hexdigest()[:8]
    version = f"{task}-{config['model'].get('backend', 'linear')}-{created:%Y%m%d}-{digest}"
    folder = registry.versions_dir / version
    n = 2
    while folder.exists():
        folder = registry.versions_dir / f"{version}.{n}"
        n += 1
    version = folder.name
    manifest = {
        "version": version,
        "task": task,
        "created_at": created.isoformat(timespec="seconds"),
        "backend": config["model"].get("backend", "linear"),
        "corpus": {"path": str(corpus["path"]), "fingerprint": fp, "sizes": {s: len(d) for s, d in data.items()}},
        "text_column": text_col,
        "label_columns": label_cols,
        "seed": seed,
        "params": params,
        "config": {k: v for k, v in config.items() if not k.startswith("_")},
        "metrics": {split: summary(m) for split, m in metrics.items()},
        "search": trials,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    if backend == "transformers":
        from models.transformer_backend import save_transformer_model

        save_transformer_model(classifier, folder, {**manifest, **classifier.training_record})
    else:
        save_model(classifier, folder, manifest)
    if "test" in metrics:
        test_rows = data["test"]
        if "derived_from" in test_rows.column_names:
            test_rows = test_rows.filter(lambda r: r["derived_from"] is None)
        write_report(folder, manifest, metrics["test"], test_rows, text_col)
    log(f"saved {version}")
    return TrainResult(version, folder, manifest["metrics"], time.perf_counter() - started)
