"""The labelled corpus: loading (with ``datasets``), fixed splits, derived variants, fingerprint.

Raw letters in ``corpus/letters/*.jsonl`` are immutable. ``corpus/splits.tsv`` fixes each
letter's split once and for all (new letters are assigned, old ones never move). Derived variants
(the same letter typed without diacritics) are rebuilt at load time, flagged with
``derived_from``, and always land in their source's split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Sequence, Value, concatenate_datasets
from datasets.utils.logging import disable_progress_bar

from models.text import unaccent

disable_progress_bar()  # our commands print their own progress

SPLITS = ("train", "dev", "test")
RATIOS = {"train": 0.70, "dev": 0.15, "test": 0.15}

LETTER_FEATURES = Features(
    {
        "id": Value("string"),
        "text": Value("string"),
        "topic": Value("string"),
        "letter_type": Value("string"),
        "department": Value("string"),
        "wards": Sequence(Value("string")),
        "style": Value("string"),
        "urgent": Value("bool"),
    }
)
LETTER_FIELDS = tuple(LETTER_FEATURES)


class CorpusError(ValueError):
    """The corpus cannot be read; the message names the file and line."""


def letter_files(corpus_dir: Path) -> list[Path]:
    return sorted((corpus_dir / "letters").glob("*.jsonl"))


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-empty line; a broken line raises naming file and line."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
            except UnicodeDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not UTF-8 text") from exc
            if not isinstance(row, dict):
                raise CorpusError(f"{path}:{n}: expected a JSON object")
            yield n, row


def read_letters(corpus_dir: Path) -> list[dict]:
    """All raw letters as dicts, in file order; malformed lines raise with file and line."""
    letters = []
    for path in letter_files(corpus_dir):
        for n, row in iter_jsonl(path):
            row["_source"] = f"{path.name}:{n}"
            letters.append(row)
    return letters


def read_splits(corpus_dir: Path) -> dict[str, str]:
    path = corpus_dir / "splits.tsv"
    if not path.exists():
        return {}
    out = {}
    with path.open(encoding="utf-8") as fh:
        for n, row in enumerate(csv.reader(fh, delimiter="\t"), 1):
            if n == 1 and row == ["id", "split"]:
                continue
            if len(row) != 2 or row[1] not in SPLITS:
                raise CorpusError(f"{path}:{n}: expected 'id<TAB>split' with split in {SPLITS}")
            out[row[0]] = row[1]
    return out


def assign_splits(letters: Iterable[dict], existing: dict[str, str], seed: int) -> dict[str, str]:
    """Give each new letter a split, stratified by topic (about 70/15/15); old ones keep theirs."""
    splits = dict(existing)
    new_by_topic: dict[str, list[str]] = defaultdict(list)
    for row in letters:
        if row["id"] not in splits:
            new_by_topic[row.get("topic", "")].append(row["id"])
    rng = random.Random(seed)
    for topic in sorted(new_by_topic):
        ids = sorted(new_by_topic[topic])
        rng.shuffle(ids)
        n = len(ids)
        n_dev, n_test = round(n * RATIOS["dev"]), round(n * RATIOS["test"])
        for i, letter_id in enumerate(ids):
            splits[letter_id] = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
    return splits


def write_splits(corpus_dir: Path, splits: dict[str, str]) -> Path:
    path = corpus_dir / "splits.tsv"
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["id", "split"])
        for letter_id in sorted(splits):
            writer.writerow([letter_id, splits[letter_id]])
    tmp.replace(path)
    return path


def fingerprint(rows: Iterable[dict], fields: Iterable[str]) -> str:
    """A short hash of the letters and labels a model was trained from (order-independent)."""
    fields = tuple(fields)
    lines = sorted(json.dumps([row.get(f) for f in fields], ensure_ascii=False) for row in rows)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def derive_unaccented(rows: list[dict], fraction: float, seed: int) -> list[dict]:
    """Copies of a share of the letters typed without diacritics, flagged ``derived_from``."""
    rng = random.Random(seed)
    out = []
    for row in sorted(rows, key=lambda r: r["id"]):
        if row.get("derived_from") or unaccent(row["text"]) == row["text"]:
            continue
        if rng.random() < fraction:
            out.append(
                {
                    **row,
                    "id": f"{row['id']}~unaccented",
                    "text": unaccent(row["text"]),
                    "wards": [unaccent(w) for w in row.get("wards", [])],
                    "derived_from": row["id"],
                }
            )
    return out


def load_corpus(corpus_dir: Path, derive_fraction: float = 0.0, seed: int = 0) -> DatasetDict:
    """The homthu corpus as a ``DatasetDict`` of train/dev/test, derived variants included.

    Letters without an entry in splits.tsv raise: run ``homthu corpus split`` first.
    """
    letters = read_letters(corpus_dir)
    if not letters:
        raise CorpusError(f"{corpus_dir / 'letters'}: no letters (*.jsonl) found")
    splits = read_splits(corpus_dir)
    unassigned = [r["id"] for r in letters if r.get("id") not in splits]
    if unassigned:
        raise CorpusError(
            f"{corpus_dir / 'splits.tsv'}: {len(unassigned)} letters have no split (e.g. {unassigned[0]}); "
            "run `homthu corpus split`"
        )
    by_split: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for row in letters:
        clean = {f: row.get(f) for f in LETTER_FIELDS}
        clean["wards"] = clean["wards"] or []
        clean["urgent"] = bool(clean["urgent"])
        clean["derived_from"] = None
        by_split[splits[row["id"]]].append(clean)
    features = Features({**LETTER_FEATURES, "derived_from": Value("string")})
    out = {}
    for split, rows in by_split.items():
        rows = rows + derive_unaccented(rows, derive_fraction, seed)
        out[split] = Dataset.from_list(rows, features=features)
    return DatasetDict(out)


def load_jsonl_splits(folder: Path, text_column: str, label_columns: list[str]) -> DatasetDict:
    """A corpus given as ``train.jsonl``/``dev.jsonl``/``test.jsonl`` (any label columns)."""
    out = {}
    for split in SPLITS:
        path = folder / f"{split}.jsonl"
        if not path.exists():
            if split == "dev":
                continue
            raise CorpusError(f"{path}: file not found")
        rows = []
        for n, row in iter_jsonl(path):
            missing = [c for c in [text_column, *label_columns] if c not in row]
            if missing:
                raise CorpusError(f"{path}:{n}: missing column(s) {missing}")
            rows.append({c: str(row[c]) for c in [text_column, *label_columns]})
        out[split] = Dataset.from_list(rows)
    return DatasetDict(out)


def merged(datasets: Iterable[Dataset]) -> Dataset:
    return concatenate_datasets(list(datasets))
