"""Fine-tuning for the transformers backend, called by :func:`training.train.train` when the config
says ``[model] backend = "transformers"`` (recipe: ``training/configs/transformers.toml``).

One shared encoder, one linear head per label column; the loss is the sum of the heads'
cross-entropies (class-weighted with ``class_weight = "balanced"``), computed on each letter's mean
window logits, as at prediction time. After every epoch the dev split is scored (mean of topic
macro-F1 and letter-type accuracy, the figures promotion compares); the best epoch's weights are
kept, and training stops after ``patience`` epochs without improvement.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from training.config import TrainingConfigError, resolve_path


@dataclass
class TransformerParams:
    """The ``[transformers]`` section of a training config (see ``configs/transformers.toml``)."""

    base_model: str = ""
    segment_words: bool | str = "auto"
    max_length: int = 256
    stride: int = 64
    epochs: int = 5
    batch_size: int = 16
    eval_batch_size: int = 64
    learning_rate: float = 3e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    patience: int = 2
    max_steps: int = 0
    max_windows: int = 4
    dropout: float = 0.1
    class_weight: str | None = "balanced"
    device: str = "auto"


def transformer_params(config: dict) -> dict:
    """The resolved ``[transformers]`` parameters, checked; the checkpoint folder must exist locally."""
    section = config.get("transformers")
    source = config.get("_source", "the config")
    if not isinstance(section, dict):
        raise TrainingConfigError(
            f"{source}: no [transformers] section (start from training/configs/transformers.toml)"
        )
    known = {f.name for f in fields(TransformerParams)}
    unknown = set(section) - known
    if unknown:
        raise TrainingConfigError(f"[transformers] has unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    params = TransformerParams(**section)
    if params.segment_words not in (True, False, "auto"):
        raise TrainingConfigError(f'transformers.segment_words = {params.segment_words!r}: true, false or "auto"')
    for name in ("max_length", "epochs", "batch_size", "eval_batch_size"):
        if int(getattr(params, name)) < 1:
            raise TrainingConfigError(f"transformers.{name} = {getattr(params, name)}: must be at least 1")
    if not 0 <= params.stride < params.max_length // 2:
        raise TrainingConfigError(
            f"transformers.stride = {params.stride}: must be 0 or more and under half of "
            f"max_length ({params.max_length})"
        )
    if params.class_weight not in (None, "balanced", "none"):
        raise TrainingConfigError(f'transformers.class_weight = {params.class_weight!r}: "balanced" or "none"')
    missing = [m for m in ("torch", "transformers", "safetensors", "tokenizers") if importlib.util.find_spec(m) is None]
    if missing:
        raise TrainingConfigError(
            f"the transformers backend needs its extra ({', '.join(missing)} missing): pip install -e '.[transformers]'"
        )
    folder = check_checkpoint(
        resolve_path(str(params.base_model)) if params.base_model else Path(""),
        "transformers.base_model (--base-model)",
    )
    params.base_model = str(folder)
    return asdict(params)


def check_checkpoint(folder: Path, option: str = "transformers.base_model") -> Path:
    """A local checkpoint folder (``config.json``, weights, tokenizer), or a ValueError naming ``option``."""
    folder = Path(folder).expanduser()
    if not str(folder) or str(folder) == ".":
        raise ValueError(f"{option}: no checkpoint folder given (a local folder with config.json and weights)")
    if not folder.is_dir():
        raise ValueError(f"{option} {folder}: no such folder (give a local checkpoint; nothing is downloaded)")
    if not (folder / "config.json").is_file():
        raise ValueError(f"{option} {folder}: no config.json; not a transformers checkpoint folder")
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise ValueError(f"{option} {folder}: no weights (*.safetensors or *.bin)")
    tokenizer_files = ("tokenizer.json", "vocab.txt", "bpe.codes", "sentencepiece.bpe.model", "vocab.json", "spm.model")
    if not any((folder / name).is_file() for name in tokenizer_files):
        raise ValueError(f"{option} {folder}: no tokenizer files (e.g. tokenizer.json, vocab.txt + bpe.codes)")
    return folder


def _dev_score(scores: dict) -> float:
    """What early stopping maximises: the mean of topic macro-F1 and letter-type accuracy when both
    heads exist (the figures promotion compares), else the mean macro-F1 of all heads."""
    heads = scores["heads"]
    if {"topic", "letter_type"} <= set(heads):
        return (heads["topic"]["macro_f1"] + heads["letter_type"]["accuracy"]) / 2
    return float(np.mean([s["macro_f1"] for s in heads.values()]))


def fit_transformer(
    params: dict,
    seed: int,
    texts: Sequence[str],
    labels: dict[str, list[str]],
    dev_rows=None,
    text_column: str = "text",
    log: Callable[[str], None] = lambda msg: None,
):
    """Fine-tune ``params["base_model"]`` on ``texts`` (one label list per head); returns a
    :class:`models.transformer_backend.TransformerClassifier` holding the best dev epoch's weights."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from models.transformer_backend import (
        TransformerClassifier,
        build_module,
        expects_segmented_words,
        forward,
        pick_device,
        usable_length,
    )
    from training.evaluate import evaluate

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    folder = Path(params["base_model"])
    device = pick_device(params["device"])
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    encoder = AutoModel.from_pretrained(folder, local_files_only=True)
    segment_words = params["segment_words"]
    if segment_words == "auto":
        segment_words = expects_segmented_words(tokenizer, folder)
        log(f"tokenizer {'expects' if segment_words else 'does not expect'} segmented words (segment_words=auto)")
    max_length = usable_length(config, int(params["max_length"]))
    if max_length < params["max_length"]:
        log(f"max_length {params['max_length']} capped to {max_length} by the encoder's position embeddings")
    classes = {h: sorted(set(y)) for h, y in labels.items()}
    module = build_module(encoder, {h: len(c) for h, c in classes.items()}, float(params["dropout"]))
    clf = TransformerClassifier(
        module,
        tokenizer,
        classes,
        segment_words=bool(segment_words),
        max_length=max_length,
        stride=int(params["stride"]),
        batch_size=int(params["eval_batch_size"]),
        device=device,
    )

    log(f"encoding {len(texts)} letters on {device}")
    started = time.perf_counter()
    encoded = [w[: int(params["max_windows"])] for w in clf.transform(texts)]
    targets = {h: torch.tensor([classes[h].index(v) for v in y], device=device) for h, y in labels.items()}
    weights = {}
    for h, y in labels.items():
        counts = np.bincount(targets[h].cpu().numpy(), minlength=len(classes[h]))
        if params["class_weight"] == "balanced":
            w = len(y) / (len(classes[h]) * np.maximum(counts, 1))
            weights[h] = torch.tensor(w, dtype=torch.float32, device=device)
        else:
            weights[h] = None
    log(f"encoded in {time.perf_counter() - started:.1f} s ({sum(map(len, encoded))} windows)")

    dev = None
    if dev_rows is not None and len(dev_rows):
        dev = list(dev_rows)
        if "derived_from" in dev[0]:
            dev = [r for r in dev if r["derived_from"] is None]
        dev_encoded = clf.transform([r[text_column] for r in dev])

    batch = int(params["batch_size"])
    steps_per_epoch = math.ceil(len(texts) / batch)
    total = steps_per_epoch * int(params["epochs"])
    if params["max_steps"]:
        total = min(total, int(params["max_steps"]))
    warmup = int(total * float(params["warmup_ratio"]))
    head_params = list(module["heads"].parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": list(module["encoder"].parameters()), "lr": float(params["learning_rate"])},
            {"params": head_params, "lr": float(params["head_learning_rate"])},
        ],
        weight_decay=float(params["weight_decay"]),
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup))
    )
    rng = np.random.default_rng(seed)
    best, best_state, since_best, step = -1.0, None, 0, 0
    history = []
    for epoch in range(1, int(params["epochs"]) + 1):
        module.train()
        order = rng.permutation(len(texts))
        losses = []
        for start in range(0, len(order), batch):
            if step >= total:
                break
            letters = order[start : start + batch]
            owner = [j for j, i in enumerate(letters) for _ in encoded[i]]
            ids, mask = clf.pad([w for i in letters for w in encoded[i]])
            out = forward(module, ids, mask)
            index = torch.tensor(owner, device=device)
            counts = torch.zeros(len(letters), 1, device=device).index_add_(
                0, index, torch.ones(len(owner), 1, device=device)
            )
            loss = 0.0
            picked = torch.as_tensor(letters, device=device)
            for h, logits in out.items():
                mean = torch.zeros(len(letters), logits.shape[1], device=device).index_add_(0, index, logits) / counts
                loss = loss + torch.nn.functional.cross_entropy(mean, targets[h][picked], weight=weights[h])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            step += 1
        entry = {"epoch": epoch, "steps": step, "train_loss": round(float(np.mean(losses)) if losses else 0.0, 4)}
        if dev is not None:
            scores = evaluate(_Encoded(clf, dev_encoded), dev, text_column, list(classes))
            entry["dev_score"] = round(_dev_score(scores), 4)
            if entry["dev_score"] > best:
                best, since_best = entry["dev_score"], 0
                best_state = copy.deepcopy({k: v.detach().cpu() for k, v in module.state_dict().items()})
            else:
                since_best += 1
        history.append(entry)
        log(f"epoch {epoch}: " + ", ".join(f"{k} {v}" for k, v in entry.items() if k != "epoch"))
        if dev is not None and since_best >= int(params["patience"]):
            log(f"early stop: no better dev score for {since_best} epoch(s)")
            break
        if step >= total:
            break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    from models.classifier import _sha256

    clf.training_record = {
        "base_model": {
            "path": str(folder),
            "model_type": config.model_type,
            "config_sha256": _sha256(folder / "config.json"),
        },
        "epochs": history,
        "device": str(device),
    }
    return clf


class _Encoded:
    """A classifier whose ``predict_proba`` reads letters already cut into windows (dev, every epoch)."""

    def __init__(self, clf, encoded):
        self.clf, self.encoded = clf, encoded
        self.head_names = clf.head_names
        self.classes = clf.classes

    def predict_proba(self, texts, X=None):
        return self.clf.predict_proba(texts, X=self.encoded)
