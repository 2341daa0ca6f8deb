"""``homthu corpus import``: labelled letters from Excel, CSV or JSONL into the corpus.

Data staff bring spreadsheets with Vietnamese headers ("Nội dung", "Lĩnh vực", "Loại đơn") and
labels written as ids or as their Vietnamese names. Every row is checked first; the report names
the row, the column and the problem; nothing is written unless every row is good (or the caller
asks to skip bad rows, which are then listed, never dropped silently).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from models.routing import RouteTable
from models.taxonomy import Taxonomy
from models.text import LetterTextError, check_letter_text, unaccent
from training.corpus import assign_splits, iter_jsonl, read_letters, read_splits, write_splits
from training.corpus_checks import comparable, near_duplicate_pairs

# Header spellings understood without a mapping (compared without diacritics, case or spaces).
HEADER_ALIASES = {
    "text": ["text", "noi dung", "noi dung don", "noi dung thu", "noi dung phan anh", "van ban", "content"],
    "topic": ["topic", "linh vuc", "chu de", "nhom linh vuc"],
    "letter_type": ["letter_type", "loai don", "loai", "phan loai don", "type"],
    "department": ["department", "don vi xu ly", "co quan xu ly", "phong ban", "don vi"],
    "wards": ["wards", "phuong xa", "phuong", "xa", "dia ban"],
    "urgent": ["urgent", "khan cap", "khan", "cap bach"],
    "style": ["style", "hinh thuc", "kenh", "nguon"],
    "id": ["id", "ma", "ma don", "so hieu", "stt"],
}
TRUE_WORDS = {"true", "1", "x", "co", "yes", "khan", "khan cap", "c"}
FALSE_WORDS = {"false", "0", "", "khong", "no", "k"}


def _key(text: str) -> str:
    return " ".join(unaccent(unicodedata.normalize("NFC", str(text))).lower().replace("_", " ").split())


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportReport:
    source: str
    letters: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_rows(path: Path) -> list[dict]:
    """Rows of a .xlsx, .csv or .jsonl file as dicts of header → value (row numbers as the user sees them)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [
            {"_row": n, **{header[i]: v for i, v in enumerate(r) if i < len(header) and header[i]}}
            for n, r in enumerate(rows[1:], 2)
            if any(v not in (None, "") for v in r)
        ]
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [{"_row": n, **r} for n, r in enumerate(csv.DictReader(fh), 2)]
    if suffix == ".jsonl":
        return [{"_row": n, **row} for n, row in iter_jsonl(path)]
    raise ValueError(f"{path}: unsupported file type {suffix!r}; use .xlsx, .csv or .jsonl")


def resolve_columns(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Our field → the file's header, from an explicit mapping or the known Vietnamese headers."""
    out = {}
    by_key = {_key(h): h for h in headers}
    for ours, aliases in HEADER_ALIASES.items():
        if ours in mapping:
            out[ours] = mapping[ours]
            continue
        for alias in aliases:
            if alias in by_key:
                out[ours] = by_key[alias]
                break
    return out


def _label_lookup(labels) -> dict[str, str]:
    table = {}
    for label in labels:
        table[_key(label.id)] = label.id
        table[_key(label.name)] = label.id
    return table


def import_file(
    path: Path,
    corpus_dir: Path,
    *,
    mapping: dict[str, str] | None = None,
    batch: str | None = None,
    style: str = "imported",
    skip_bad: bool = False,
    write: bool = True,
    seed: int = 20251128,
) -> ImportReport:
    """Check every row of ``path``; if all are good (or ``skip_bad``), append them to the corpus as a new
    file ``letters/<batch>.jsonl`` and give them splits."""
    taxonomy = Taxonomy.load()
    routes = RouteTable.load(taxonomy)
    report = ImportReport(str(path))
    rows = read_rows(path)
    if not rows:
        report.problems.append(Problem(1, "-", "the file has no data rows"))
        return report
    headers = sorted({k for r in rows for k in r if k != "_row"})
    columns = resolve_columns(headers, mapping or {})
    for needed in ("text", "topic", "letter_type"):
        if needed not in columns:
            report.problems.append(
                Problem(
                    1, needed, f"no column for {needed}; headers are {headers} (map one with --map {needed}=HEADER)"
                )
            )
    if report.problems:
        return report
    lookups = {
        "topic": _label_lookup(taxonomy.topics),
        "letter_type": _label_lookup(taxonomy.letter_types),
        "department": _label_lookup(taxonomy.departments),
    }
    existing = read_letters(corpus_dir)
    known_texts = {comparable(r["text"]) for r in existing}
    batch = batch or f"import-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    if (corpus_dir / "letters" / f"{batch}.jsonl").exists():
        report.problems.append(Problem(0, "-", f"letters/{batch}.jsonl exists already; choose another --batch"))
        return report
    for row in rows:
        n, problems = row["_row"], []
        text = row.get(columns["text"])
        text = "" if text is None else str(text)
        try:
            check_letter_text(text)
        except LetterTextError as exc:
            problems.append(Problem(n, columns["text"], str(exc)))
        labels = {}
        for name in ("topic", "letter_type", "department"):
            if name not in columns:
                continue
            raw = row.get(columns[name])
            if raw in (None, "") and name == "department":
                continue
            value = lookups[name].get(_key(raw or ""))
            if value is None:
                problems.append(Problem(n, columns[name], f"unknown {name} {raw!r}"))
            else:
                labels[name] = value
        if "topic" in labels and "letter_type" in labels and "department" not in labels:
            labels["department"] = routes.department_for(labels["topic"], labels["letter_type"], text)[0]
        urgent = False
        if "urgent" in columns:
            raw = _key(row.get(columns["urgent"]) or "")
            if raw in TRUE_WORDS:
                urgent = True
            elif raw not in FALSE_WORDS:
                problems.append(
                    Problem(n, columns["urgent"], f"urgent must be yes/no, not {row.get(columns['urgent'])!r}")
                )
        wards = []
        if "wards" in columns and row.get(columns["wards"]):
            wards = [w.strip() for w in re.split(r"[;,]", str(row[columns["wards"]])) if w.strip()]
            for w in wards:
                if w not in text:
                    problems.append(Problem(n, columns["wards"], f"ward {w!r} is not written in the text"))
        if text and comparable(text) in known_texts:
            problems.append(Problem(n, columns["text"], "this letter is already in the corpus"))
        if problems:
            report.problems += problems
            report.skipped_rows.append(n)
            continue
        known_texts.add(comparable(text))
        report.letters.append(
            {
                "id": f"{batch}-{n:05d}",
                "text": text,
                **labels,
                "wards": wards,
                "style": str(row.get(columns["style"])) if "style" in columns and row.get(columns["style"]) else style,
                "urgent": urgent,
            }
        )
    # near-duplicates within the file itself
    texts = [comparable(x["text"]) for x in report.letters]
    for i, j, jac in near_duplicate_pairs(texts):
        report.problems.append(
            Problem(
                int(report.letters[j]["id"].rsplit("-", 1)[1]),
                columns["text"],
                f"near-duplicate of row {int(report.letters[i]['id'].rsplit('-', 1)[1])} (5-gram Jaccard {jac:.2f})",
            )
        )
    if report.problems and not skip_bad:
        report.letters = []
        return report
    if write and report.letters:
        target = corpus_dir / "letters" / f"{batch}.jsonl"
        tmp = target.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for letter in report.letters:
                fh.write(json.dumps(letter, ensure_ascii=False) + "\n")
        splits = assign_splits(report.letters, read_splits(corpus_dir), seed)
        tmp.replace(target)
        write_splits(corpus_dir, splits)
    return report
