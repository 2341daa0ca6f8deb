"""A tiny BERT "checkpoint" built on the spot from letters: a WordPiece tokenizer trained on them and
a randomly initialised 2-layer encoder, saved as a local folder like a downloaded one.

It exercises the whole transformers backend (train, register, promote, serve) without weights from
a model hub; it is not a pretrained model, and its scores say nothing about PhoBERT's.

>>> build_tiny_checkpoint(tmp / "tiny", texts)   # doctest: +SKIP
PosixPath('.../tiny')
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from models.text import clean, segment

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_checkpoint(
    folder: Path,
    texts: Iterable[str],
    *,
    segment_words: bool = True,
    vocab_size: int = 3000,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 2,
    max_positions: int = 258,
    seed: int = 0,
) -> Path:
    """Write ``config.json``, ``model.safetensors`` and ``tokenizer.json`` of a tiny BERT to ``folder``.

    With ``segment_words`` the tokenizer is trained on underthesea-segmented text (``giải_phóng``),
    as PhoBERT's was, so the backend's ``segment_words = "auto"`` detects it.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prepared = [" ".join(segment(clean(t))) if segment_words else clean(t) for t in texts]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(
        prepared, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False)
    )
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_positions,
    )
    fast.save_pretrained(folder)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=hidden_size * 2,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.token_to_id("[PAD]"),
    )
    BertModel(config).save_pretrained(folder)  # safetensors
    return folder
