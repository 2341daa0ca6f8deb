"""The transformers backend: a pretrained encoder (PhoBERT, XLM-R, any Hugging Face encoder) with one
classification head per label column (topic, letter type, urgent), behind the same contract as
:class:`models.classifier.LetterClassifier` (``head_names``, ``classes``, ``transform``,
``predict_proba``, ``predict``, ``explain``), so evaluation, promotion, triage and the service use
it unchanged.

A letter goes through the same text pipeline as the default backend (:func:`models.text.clean`),
is word-segmented with underthesea when the tokenizer expects it (PhoBERT does), and is cut into
windows of at most ``max_length`` tokens that overlap by ``stride`` tokens; the logits of its
windows are averaged, then turned into probabilities. One forward pass serves every head.

A model version folder holds::

    manifest.json         backend "transformers", heads, inference settings, sha256 of every file
    model.safetensors     encoder and heads weights (safetensors: no code runs on load)
    encoder/config.json   the encoder architecture
    tokenizer/            the tokenizer files, as ``save_pretrained`` writes them

Nothing is downloaded: ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` are set and every load is
``local_files_only``. torch and transformers are imported only when this module is, that is, only
when a transformers model is trained or loaded (``pip install -e '.[transformers]'``).

Explanations: none. :meth:`TransformerClassifier.explain` returns an empty list, so triage results
carry ``explanation == []`` and ``urgent_terms`` only from the phrase list; a per-letter attribution
(gradients or occlusion) would cost several forward passes for every letter taken in.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # never reach a model hub, whatever the environment says
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # quiet, and safe under uvicorn workers

import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_model as load_safetensors  # noqa: E402
from safetensors.torch import save_model as save_safetensors  # noqa: E402
from transformers import AutoConfig, AutoModel, AutoTokenizer  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

from models.classifier import MANIFEST_FILE, ModelLoadError, _sha256  # noqa: E402
from models.text import clean, segment  # noqa: E402

hf_logging.disable_progress_bar()

BACKEND = "transformers"
WEIGHTS_FILE = "model.safetensors"
ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
DEVICE_ENV = "HOMTHU_DEVICE"  # "cpu", "cuda", "cuda:1"…; default: a GPU when one is present

_JOINED_WORD = re.compile(r"[^\W\d_]+(?:_[^\W\d_]+)+")


def pick_device(wanted: str | None = None) -> torch.device:
    """``wanted`` (or ``$HOMTHU_DEVICE``), else the GPU when torch sees one, else the CPU."""
    wanted = wanted or os.environ.get(DEVICE_ENV) or "auto"
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)


def expects_segmented_words(tokenizer, folder: Path | None = None) -> bool:
    """Whether the tokenizer was trained on underthesea/VnCoreNLP-style segmented words (``Việt_Nam``).

    True for PhoBERT (its tokenizer class or name says so) and for any vocabulary in which at least
    1 % of the entries (and 20 or more) are syllables joined by ``_``; false for XLM-R and others.
    """
    names = [type(tokenizer).__name__, str(getattr(tokenizer, "name_or_path", ""))]
    if folder is not None and (folder / "tokenizer_config.json").is_file():
        try:
            names.append(str(json.loads((folder / "tokenizer_config.json").read_text()).get("tokenizer_class", "")))
        except (OSError, json.JSONDecodeError):
            pass
    if any("phobert" in n.lower() for n in names):
        return True
    vocab = tokenizer.get_vocab()
    joined = sum(1 for token in vocab if _JOINED_WORD.fullmatch(token.lstrip("▁Ġ#@")))
    return joined >= max(20, 0.01 * len(vocab))


def letter_text(text: str, segment_words: bool) -> str:
    """The text the encoder reads: the shared pipeline's cleaned text, word-segmented if asked.

    >>> letter_text("Đề nghị giải phóng mặt bằng", segment_words=True)
    'Đề_nghị giải_phóng mặt_bằng'
    """
    cleaned = " ".join(clean(text).split())
    return " ".join(segment(cleaned)) if segment_words else cleaned


def special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after one sequence (``[CLS]``…``[SEP]``, ``<s>``…``</s>``)."""
    probe = "xin chào"
    plain = tokenizer(probe, add_special_tokens=False)["input_ids"]
    full = tokenizer(probe, add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return full[:start], full[start + len(plain) :]
    raise ModelLoadError(f"tokenizer {type(tokenizer).__name__}: cannot tell its special tokens apart")


def usable_length(config, max_length: int) -> int:
    """``max_length`` capped by the encoder's position embeddings (RoBERTa-style models lose pad + 1)."""
    limit = getattr(config, "max_position_embeddings", None) or max_length
    if "roberta" in str(getattr(config, "model_type", "")) and getattr(config, "pad_token_id", None) is not None:
        limit -= config.pad_token_id + 1
    return max(8, min(max_length, limit))


def build_module(encoder, heads: dict[str, int], dropout: float) -> torch.nn.ModuleDict:
    """The encoder and one linear head per label column (``{"topic": 13, ...}``) in one module."""
    hidden = encoder.config.hidden_size
    module = torch.nn.ModuleDict(
        {
            "encoder": encoder,
            "heads": torch.nn.ModuleDict({name: torch.nn.Linear(hidden, n) for name, n in heads.items()}),
        }
    )
    module.dropout = dropout
    return module


def forward(module: torch.nn.ModuleDict, input_ids, attention_mask) -> dict[str, torch.Tensor]:
    """Logits per head for a batch of windows: the first token's last hidden state, dropout, linear."""
    hidden = module["encoder"](input_ids=input_ids, attention_mask=attention_mask).last_hidden_state[:, 0]
    hidden = torch.nn.functional.dropout(hidden, p=getattr(module, "dropout", 0.1), training=module.training)
    return {name: head(hidden) for name, head in module["heads"].items()}


class TransformerClassifier:
    """A fine-tuned encoder with one head per label, with the contract of ``LetterClassifier``.

    >>> clf = load_transformer_model(folder, read_manifest(folder))          # doctest: +SKIP
    >>> clf.predict(["Đề nghị sửa đèn đường ngõ 12"])["topic"]              # doctest: +SKIP
    ['ha_tang_giao_thong']
    """

    def __init__(
        self,
        module: torch.nn.ModuleDict,
        tokenizer,
        heads: dict[str, list[str]],
        *,
        segment_words: bool,
        max_length: int,
        stride: int,
        batch_size: int = 32,
        device: torch.device | None = None,
    ):
        if not 0 <= stride < max_length // 2:
            raise ValueError(f"stride {stride}: must be at least 0 and less than half of max_length {max_length}")
        self.module = module
        self.tokenizer = tokenizer
        self.heads = {h: list(c) for h, c in heads.items()}
        self.segment_words = segment_words
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.device = device or torch.device("cpu")
        self.prefix, self.suffix = special_tokens(tokenizer)
        if tokenizer.pad_token_id is None:
            raise ModelLoadError(f"tokenizer {type(tokenizer).__name__} has no padding token")
        self.module.to(self.device)

    # -- the LetterClassifier contract -------------------------------------------------------

    @property
    def head_names(self) -> list[str]:
        return list(self.heads)

    def classes(self, head: str) -> list[str]:
        return self.heads[head]

    def windows(self, text: str) -> list[list[int]]:
        """Token ids of a letter's windows (special tokens included), ``stride`` tokens of overlap."""
        # verbose=False: a letter longer than max_length is expected here (it is cut into windows)
        ids = self.tokenizer(letter_text(text, self.segment_words), add_special_tokens=False, verbose=False)[
            "input_ids"
        ]
        room = self.max_length - len(self.prefix) - len(self.suffix)
        step = room - self.stride
        chunks = [ids[start : start + room] for start in range(0, max(1, len(ids) - self.stride), step)] or [[]]
        return [self.prefix + chunk + self.suffix for chunk in chunks]

    def transform(self, texts: Sequence[str]) -> list[list[list[int]]]:
        """The windows of each letter (what :meth:`predict_proba` reads; one entry per letter)."""
        return [self.windows(t) for t in texts]

    def logits(self, encoded: Sequence[Sequence[Sequence[int]]]) -> dict[str, torch.Tensor]:
        """Per head, the mean of each letter's window logits, shape ``(n_letters, n_classes)``."""
        owner = [i for i, wins in enumerate(encoded) for _ in wins]
        flat = [w for wins in encoded for w in wins]
        sums = {h: torch.zeros(len(encoded), len(c), device=self.device) for h, c in self.heads.items()}
        counts = torch.zeros(len(encoded), 1, device=self.device)
        order = sorted(range(len(flat)), key=lambda i: len(flat[i]))  # similar lengths pad less
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            ids, mask = self.pad([flat[i] for i in batch])
            out = forward(self.module, ids, mask)
            index = torch.tensor([owner[i] for i in batch], device=self.device)
            for h in sums:
                sums[h].index_add_(0, index, out[h].float())
            counts.index_add_(0, index, torch.ones(len(batch), 1, device=self.device))
        return {h: s / counts.clamp(min=1) for h, s in sums.items()}

    def pad(self, windows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(w) for w in windows)
        ids = torch.full((len(windows), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(windows), width), dtype=torch.long)
        for row, w in enumerate(windows):
            ids[row, : len(w)] = torch.tensor(w, dtype=torch.long)
            mask[row, : len(w)] = 1
        return ids.to(self.device), mask.to(self.device)

    def predict_proba(self, texts: Sequence[str], X=None) -> dict[str, np.ndarray]:
        """Probabilities per head, shape ``(n_letters, n_classes)``; columns as in :meth:`classes`."""
        encoded = self.transform(texts) if X is None else X
        if not len(encoded):
            return {h: np.zeros((0, len(c))) for h, c in self.heads.items()}
        self.module.eval()
        with torch.inference_mode():
            logits = self.logits(encoded)
        return {h: torch.softmax(v, dim=1).cpu().double().numpy() for h, v in logits.items()}

    def predict(self, texts: Sequence[str]) -> dict[str, list[str]]:
        probas = self.predict_proba(texts)
        return {name: [self.classes(name)[i] for i in p.argmax(axis=1)] for name, p in probas.items()}

    def explain(self, X_row, head: str, label: str, k: int = 8) -> list[tuple[str, float]]:
        """No explanations for this backend (see the module docstring): always ``[]``."""
        return []

    def get_params(self) -> dict:
        return {"segment_words": self.segment_words, "max_length": self.max_length, "stride": self.stride}


# -- saving and loading -----------------------------------------------------------------------


def save_transformer_model(classifier: TransformerClassifier, folder: Path, manifest: dict) -> Path:
    """Write weights (safetensors), encoder config, tokenizer and ``manifest.json`` with every file's sha256."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    module = classifier.module
    save_safetensors(module.to("cpu"), str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    module.to(classifier.device)
    module["encoder"].config.save_pretrained(folder / ENCODER_DIR)
    classifier.tokenizer.save_pretrained(folder / TOKENIZER_DIR)
    files = {
        p.relative_to(folder).as_posix(): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.name != MANIFEST_FILE
        and p.parts[len(folder.parts)] in (WEIGHTS_FILE, ENCODER_DIR, TOKENIZER_DIR)
    }
    manifest = {
        **manifest,
        "backend": BACKEND,
        "model_file": WEIGHTS_FILE,
        "model_sha256": files[WEIGHTS_FILE],
        "files": files,
        "heads": {h: classifier.classes(h) for h in classifier.head_names},
        "inference": {
            "segment_words": classifier.segment_words,
            "max_length": classifier.max_length,
            "stride": classifier.stride,
            "batch_size": classifier.batch_size,
            "dropout": getattr(module, "dropout", 0.1),
        },
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


def load_transformer_model(folder: Path, manifest: dict, device: str | None = None) -> TransformerClassifier:
    """Load a transformers model version: every file checked against the manifest, safetensors only."""
    folder = Path(folder)
    files = manifest.get("files") or {}
    if WEIGHTS_FILE not in files or "inference" not in manifest:
        raise ModelLoadError(f"{folder / MANIFEST_FILE}: a transformers manifest needs 'files' and 'inference'")
    for rel, digest in files.items():
        path = folder / rel
        if not path.is_file():
            raise ModelLoadError(f"{path}: file missing")
        if _sha256(path) != digest:
            raise ModelLoadError(f"{path}: checksum does not match the manifest (corrupted or altered)")
    settings = manifest["inference"]
    try:
        config = AutoConfig.from_pretrained(folder / ENCODER_DIR, local_files_only=True)
        encoder = AutoModel.from_config(config)
        module = build_module(encoder, {h: len(c) for h, c in manifest["heads"].items()}, settings.get("dropout", 0.1))
        missing, unexpected = load_safetensors(module, str(folder / WEIGHTS_FILE), strict=False)
        if missing or unexpected:
            raise ModelLoadError(
                f"{folder / WEIGHTS_FILE}: weights do not fit the encoder (missing {sorted(missing)[:5]}, "
                f"unexpected {sorted(unexpected)[:5]})"
            )
        tokenizer = AutoTokenizer.from_pretrained(folder / TOKENIZER_DIR, local_files_only=True)
    except ModelLoadError:
        raise
    except Exception as exc:  # transformers raises many types on a damaged folder
        raise ModelLoadError(f"{folder}: cannot be read ({type(exc).__name__}: {exc})") from exc
    return TransformerClassifier(
        module,
        tokenizer,
        manifest["heads"],
        segment_words=bool(settings["segment_words"]),
        max_length=int(settings["max_length"]),
        stride=int(settings["stride"]),
        batch_size=int(settings.get("batch_size", 32)),
        device=pick_device(device),
    )
