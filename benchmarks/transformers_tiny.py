"""The transformers backend's pipeline on the whole corpus, with a tiny BERT built on the spot.

No pretrained weights can be downloaded here, so this measures the *code path*, not PhoBERT: a
WordPiece tokenizer trained on the train split's letters (segmented with underthesea), a randomly
initialised encoder (2 layers, hidden size 64), fine-tuned by the same ``train()`` as
``homthu train --backend transformers`` on the full train split, early-stopped on dev, scored once
on the full test split. Printed beside the default (linear) model in service, from its manifest.

    .venv/bin/python benchmarks/transformers_tiny.py [--epochs 8] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for a tiny model)")
    parser.add_argument("--derive-unaccented", type=float, default=0.0)
    args = parser.parse_args()

    import torch

    from models.classifier import read_manifest
    from models.registry import Registry
    from training.config import DEFAULT_CONFIG, load_config
    from training.corpus import read_letters, read_splits
    from training.tiny_checkpoint import build_tiny_checkpoint
    from training.train import train

    torch.set_num_threads(args.threads)
    corpus = REPO / "corpus"
    splits = read_splits(corpus)
    train_texts = [r["text"] for r in read_letters(corpus) if splits.get(r["id"]) == "train"]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        checkpoint = build_tiny_checkpoint(Path(tmp) / "tiny-bert", train_texts, max_positions=args.max_length + 2)
        built = time.perf_counter() - started
        config = load_config(
            DEFAULT_CONFIG.with_name("transformers.toml"),
            [
                f"corpus.derive_unaccented={args.derive_unaccented}",
                f"transformers.base_model='{checkpoint}'",
                f"transformers.epochs={args.epochs}",
                f"transformers.max_length={args.max_length}",
                "transformers.learning_rate=2e-3",
                "transformers.head_learning_rate=5e-3",
                "transformers.patience=2",
            ],
        )
        result = train(config, Registry(Path(tmp) / "registry"), log=lambda m: print(f"· {m}", file=sys.stderr))
        manifest = read_manifest(result.path)
    rows = [("tiny BERT (transformers backend, 2 layers, hidden 64, random init)", result.metrics["test"])]
    current = Registry().current()
    if current:
        rows.append(
            (
                f"default linear model in service ({current})",
                read_manifest(Registry().path_of(current))["metrics"]["test"],
            )
        )
    print(
        f"\ntest split, letters as written; tiny checkpoint built in {built:.0f} s, trained in {result.seconds:.0f} s "
        f"({len(manifest['epochs'])} epochs, best dev score {max(e['dev_score'] for e in manifest['epochs']):.3f})\n"
    )
    print(
        "| model | n | topic accuracy | topic macro-F1 | letter type accuracy | urgent macro-F1 | department accuracy |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, m in rows:
        print(
            f"| {name} | {m['n']} | {m['topic_accuracy']:.3f} | {m['topic_macro_f1']:.3f} | "
            f"{m['letter_type_accuracy']:.3f} | {m.get('urgent_macro_f1', float('nan')):.3f} | "
            f"{m.get('department_accuracy', float('nan')):.3f} |"
        )


if __name__ == "__main__":
    main()
