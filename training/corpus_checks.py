"""``homthu corpus validate``: check the corpus before training, in plain words.

Schema and label ids, wards as written, duplicates and near-duplicates (character 5-gram
Jaccard over the cleaned, unaccented text), split leakage, and the counts per topic, letter type,
style and split.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from models.taxonomy import Taxonomy
from models.text import clean, unaccent
from training.corpus import LETTER_FIELDS, SPLITS, CorpusError, read_letters, read_splits

NEAR_DUPLICATE_JACCARD = 0.6
SHARED_SENTENCE_WORDS = 8


@dataclass
class CorpusReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=dict)
    n_letters: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def comparable(text: str) -> str:
    """The text as duplicates are judged: cleaned, boilerplate removed, unaccented, lower case."""
    return " ".join(unaccent(clean(text)).lower().split())


def near_duplicate_pairs(texts: list[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[tuple[int, int, float]]:
    """All pairs (i, j, jaccard) whose character 5-gram sets overlap above ``threshold`` (exact)."""
    if len(texts) < 2:
        return []
    vec = CountVectorizer(analyzer="char", ngram_range=(5, 5), binary=True, lowercase=False, dtype=np.int32)
    X = vec.fit_transform(texts).tocsr()
    sizes = np.asarray(X.sum(axis=1)).ravel()
    pairs = []
    step = 512
    for start in range(0, X.shape[0], step):
        inter = (X[start : start + step] @ X.T).tocoo()
        for i, j, v in zip(inter.row, inter.col, inter.data, strict=True):
            a, b = start + int(i), int(j)
            if a >= b:
                continue
            union = sizes[a] + sizes[b] - v
            jac = v / union if union else 1.0
            if jac > threshold:
                pairs.append((a, b, float(jac)))
    return pairs


_SENTENCE = re.compile(r"[^.!?\n;]+")
# Formulae every formal letter may carry: the state motto and address lines ("Kính gửi: …").
_FORMULA = re.compile(
    r"(?i)^\s*(c[oộ]ng h[oò][aà]|[dđ][oộ]c l[aậ]p|k[ií]nh (g[uử]i|th[uư]a)|[dđ][oồ]ng k[ií]nh g[uử]i)"
)


def shared_sentences(texts: list[str], min_words: int = SHARED_SENTENCE_WORDS) -> Counter:
    """Sentences of at least ``min_words`` words that stand in more than one letter (formulae aside)."""
    seen: dict[str, set[int]] = defaultdict(set)
    for i, text in enumerate(texts):
        for s in _SENTENCE.findall(text):
            if _FORMULA.match(unaccent(s)) or _FORMULA.match(s):
                continue
            words = s.split()
            if len(words) >= min_words:
                seen[" ".join(words)].add(i)
    return Counter({s: len(ids) for s, ids in seen.items() if len(ids) > 1})


def check_corpus(corpus_dir: Path, taxonomy: Taxonomy | None = None, min_per_topic: int = 0) -> CorpusReport:
    taxonomy = taxonomy or Taxonomy.load()
    report = CorpusReport()
    try:
        letters = read_letters(corpus_dir)
        splits = read_splits(corpus_dir)
    except CorpusError as exc:
        report.errors.append(str(exc))
        return report
    report.n_letters = len(letters)
    allowed = {
        "topic": set(taxonomy.topic_ids),
        "letter_type": set(taxonomy.letter_type_ids),
        "department": set(taxonomy.department_ids),
    }
    ids: dict[str, str] = {}
    good: list[dict] = []
    for row in letters:
        where = row["_source"]
        problems = []
        missing = [f for f in LETTER_FIELDS if f not in row]
        extra = [f for f in row if f not in LETTER_FIELDS and f not in ("_source", "derived_from", "note")]
        if missing:
            problems.append(f"missing field(s) {missing}")
        if extra:
            problems.append(f"unknown field(s) {extra}")
        if not isinstance(row.get("text"), str) or not row.get("text", "").strip():
            problems.append("text is empty or not a string")
        for key, ok in allowed.items():
            if key in row and row[key] not in ok:
                problems.append(f"{key} {row[key]!r} is not in the taxonomy")
        if "urgent" in row and not isinstance(row["urgent"], bool):
            problems.append("urgent must be true or false")
        wards = row.get("wards", [])
        if not isinstance(wards, list) or not all(isinstance(w, str) for w in wards):
            problems.append("wards must be a list of strings")
        else:
            for w in wards:
                if isinstance(row.get("text"), str) and w not in row["text"]:
                    problems.append(f"ward {w!r} is not written in the text")
        letter_id = row.get("id")
        if not isinstance(letter_id, str) or not letter_id:
            problems.append("id missing")
        elif letter_id in ids:
            problems.append(f"id {letter_id!r} also at {ids[letter_id]}")
        else:
            ids[letter_id] = where
        if isinstance(letter_id, str) and letter_id not in splits:
            problems.append("no split in splits.tsv (run `homthu corpus split`)")
        report.errors += [f"{where}: {p}" for p in problems]
        if not problems:
            good.append(row)
    stale = sorted(set(splits) - set(ids))
    if stale:
        report.errors.append(f"splits.tsv: {len(stale)} id(s) name no letter, e.g. {stale[:3]}")

    # duplicates and near-duplicates, across the whole corpus
    texts = [comparable(r["text"]) for r in good]
    for i, j, jac in near_duplicate_pairs(texts):
        a, b = good[i], good[j]
        kind = "duplicate" if jac >= 0.999 else f"near-duplicate (5-gram Jaccard {jac:.2f})"
        leak = ""
        sa, sb = splits.get(a["id"]), splits.get(b["id"])
        if sa != sb:
            leak = f"; split leakage: {sa} vs {sb}"
        report.errors.append(f"{a['_source']} ({a['id']}) and {b['_source']} ({b['id']}): {kind}{leak}")
    # No two letters share a sentence (the corpus is written letter by letter, not from templates).
    for sentence, n in shared_sentences([r["text"] for r in good]).most_common():
        report.errors.append(f"a sentence of {len(sentence.split())} words stands in {n} letters: “{sentence[:90]}”")

    # derived letters stay in their source's split
    for r in good:
        src = r.get("derived_from")
        if src and splits.get(src) != splits.get(r["id"]):
            report.errors.append(f"{r['_source']}: derived from {src} but in another split")

    report.counts = {
        "topic": Counter(r["topic"] for r in good),
        "letter_type": Counter(r["letter_type"] for r in good),
        "style": Counter(r["style"] for r in good),
        "split": Counter(splits[r["id"]] for r in good),
        "urgent": Counter("urgent" if r["urgent"] else "not urgent" for r in good),
        "with_wards": Counter("names a ward" if r["wards"] else "no ward" for r in good),
        "topic_letter_type": Counter(f"{r['topic']}/{r['letter_type']}" for r in good),
    }
    for topic in taxonomy.topic_ids:
        n = report.counts["topic"].get(topic, 0)
        if n < min_per_topic:
            report.errors.append(f"topic {topic}: {n} letters, fewer than the {min_per_topic} required")
        per_split = Counter(splits[r["id"]] for r in good if r["topic"] == topic)
        for split in SPLITS:
            if n and not per_split.get(split):
                report.errors.append(f"topic {topic}: no letter in the {split} split")
    return report


def format_report(report: CorpusReport, max_errors: int = 50) -> str:
    lines = [f"{report.n_letters} letters"]
    for name in ("topic", "letter_type", "style", "split", "urgent", "with_wards"):
        counts = report.counts.get(name)
        if counts:
            lines.append(f"\nby {name}:")
            lines += [f"  {k:24s} {v:5d}" for k, v in sorted(counts.items())]
    if report.warnings:
        lines.append("\nwarnings:")
        lines += [f"  {w}" for w in report.warnings]
    if report.errors:
        lines.append(f"\n{len(report.errors)} problem(s):")
        lines += [f"  {e}" for e in report.errors[:max_errors]]
        if len(report.errors) > max_errors:
            lines.append(f"  … and {len(report.errors) - max_errors} more")
    else:
        lines.append("\ncorpus OK")
    return "\n".join(lines)
