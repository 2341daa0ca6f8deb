"""Ward extraction on the labelled corpus: precision, recall and F1 of ``PlaceFinder.find``.

Runs the finder on every letter of ``corpus/letters/*.jsonl`` and compares, letter by letter, the
set of wards it finds (their ``as_written``) with the set labelled by hand (``"wards"``: the names
as written, without prefix). Two ways to compare:

* ``exact``: the strings are equal after NFC and case folding ("Cổ Nhuế 2" = "cổ nhuế 2");
* ``plain``: also without diacritics ("Hoa Tien" = "Hòa Tiến").

Prints one table: all letters, then per style and per split (``corpus/splits.tsv``), then the
same letters rewritten three ways the finder must not care about (NFD Unicode, every diacritic
removed — compared without diacritics —, all capitals), then how often ``text[start:end]`` differs
from ``as_written`` (it must not), then speed. While the extractor was tuned, only the errors on
``train`` and ``dev`` letters were looked at; ``test`` is the held-out figure. It never asserts.

    .venv/bin/python benchmarks/places.py [--config models/config/places.toml] [--errors 30 --split train]
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.places import PlaceFinder  # noqa: E402
from models.text import unaccent  # noqa: E402
from training.corpus import read_letters, read_splits  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def exact(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def plain(name: str) -> str:
    return unaccent(exact(name))


class Counts:
    """Micro-averaged counts over letters: each letter's found and labelled wards as two sets."""

    def __init__(self) -> None:
        self.letters = self.tp = self.fp = self.fn = 0

    def add(self, predicted: set[str], gold: set[str]) -> None:
        self.letters += 1
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0


VARIANTS = {  # name: (rewrite the letter, compare how)
    "NFD": (lambda t: unicodedata.normalize("NFD", t), "exact"),
    "no diacritics": (lambda t: unaccent(unicodedata.normalize("NFC", t)), "plain"),
    "all capitals": (str.upper, "exact"),
}


def cells(c: Counts) -> str:
    if not c.letters:
        return f"   {'-':>6}{'-':>7}{'-':>7}"
    p, r, f = c.prf()
    return f"   {p:>6.3f}{r:>7.3f}{f:>7.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=None, help="places.toml to load (default: the config folder's)")
    ap.add_argument("--corpus", type=Path, default=REPO / "corpus")
    ap.add_argument("--errors", type=int, default=0, help="print this many missed and spurious wards")
    ap.add_argument("--split", default=None, help="only print errors of letters in this split")
    args = ap.parse_args()

    start = time.perf_counter()
    finder = PlaceFinder.load(args.config)
    load_s = time.perf_counter() - start
    letters = read_letters(args.corpus)
    splits = read_splits(args.corpus)

    start = time.perf_counter()
    found = [finder.find(row["text"]) for row in letters]
    run_s = time.perf_counter() - start

    counts: dict[tuple[str, str, str], Counts] = defaultdict(Counts)
    errors: list[str] = []
    bad_spans = resolved = ambiguous = outside = total = 0
    for row, wards in zip(letters, found, strict=True):
        split = splits.get(row["id"], "-")
        groups = [("all", "all"), ("style", row.get("style", "-")), ("split", split)]
        for how, norm in (("exact", exact), ("plain", plain)):
            predicted = {norm(w["as_written"]) for w in wards}
            gold = {norm(w) for w in row.get("wards", [])}
            for group in groups:
                counts[(how, *group)].add(predicted, gold)
            if how == "exact" and (args.split is None or split == args.split):
                for w in sorted(predicted - gold):
                    errors.append(f"  FP {row['id']:<14} {w!r:<28} labelled={sorted(gold)}")
                for w in sorted(gold - predicted):
                    errors.append(f"  FN {row['id']:<14} {w!r:<28} found={sorted(predicted)}")
        for w in wards:
            bad_spans += row["text"][w["start"] : w["end"]] != w["as_written"]
            total += 1
            resolved += w["unit"] is not None
            ambiguous += w["ambiguous"]
            outside += not w["in_gazetteer"]

    for name, (rewrite, how) in VARIANTS.items():
        norm = exact if how == "exact" else plain
        for row in letters:
            text = rewrite(row["text"])
            wards = finder.find(text)
            bad_spans += sum(text[w["start"] : w["end"]] != w["as_written"] for w in wards)
            gold = {norm(w) for w in row.get("wards", [])}
            counts[(how, "variant", name)].add({norm(w["as_written"]) for w in wards}, gold)

    rows = [("all", "all")]
    rows += sorted({(k[1], k[2]) for k in counts if k[1] == "style"})
    rows += [("split", s) for s in ("train", "dev", "test") if ("exact", "split", s) in counts]
    rows += [("variant", name) for name in VARIANTS]
    header = f"{'group':<24}{'letters':>8}{'gold':>6}{'found':>7}   {'P':>6}{'R':>7}{'F1':>7}"
    header += f"   {'P~':>6}{'R~':>7}{'F1~':>7}"
    print("Wards found by PlaceFinder.find vs. the hand labels (exact = NFC + case; ~ = also without diacritics)")
    print(header)
    print("-" * len(header))
    for group in rows:
        e, p = counts[("exact", *group)], counts[("plain", *group)]
        shown = e if e.letters else p
        name = "all letters" if group[0] == "all" else f"{group[0]}={group[1]}"
        print(f"{name:<24}{shown.letters:>8}{shown.tp + shown.fn:>6}{shown.tp + shown.fp:>7}{cells(e)}{cells(p)}")
    print("-" * len(header))
    print(
        f"ward mentions: {total} ({resolved} resolved to a unit, {ambiguous} ambiguous, "
        f"{outside} outside the gazetteer or unknown to the data)"
    )
    print(f"spans where text[start:end] != as_written (all runs): {bad_spans}")
    print(f"speed: {len(letters) / run_s:,.0f} letters/s ({run_s:.2f} s for {len(letters)} letters)", end="")
    print(f"; loading the finder: {load_s:.2f} s")
    if args.errors:
        print(f"\nfirst {args.errors} errors of {len(errors)}:")
        print("\n".join(errors[: args.errors]))


if __name__ == "__main__":
    main()
