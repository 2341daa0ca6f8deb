"""The batch contract of ``homthu classify``: JSONL (or plain text) in, one JSONL result per line out."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from models.text import DEFAULT_MAX_CHARS, LetterTextError, check_letter_text
from models.triage import Triage


@dataclass
class Line:
    number: int
    record: dict | None  # the input object (None when the line is broken)
    error: str | None = None


def parse_lines(lines: Iterable[bytes | str], text_mode: bool, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Line]:
    """Read input lines (bytes are decoded as UTF-8 one by one, so one bad line stays one error);
    a line that cannot be triaged carries its error and its line number."""
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Line(number, None, f"not UTF-8 text (byte {exc.start})")
                continue
        raw = raw.removeprefix("\ufeff") if number == 1 else raw
        raw = raw.rstrip("\n").rstrip("\r")
        if text_mode:
            record: dict | None = {"text": raw}
        else:
            if not raw.strip():
                yield Line(number, None, "empty line")
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield Line(number, None, f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(record, dict):
                yield Line(number, None, 'expected a JSON object with a "text" field')
                continue
            if "text" not in record:
                yield Line(number, record, 'no "text" field')
                continue
        try:
            check_letter_text(record["text"], max_chars)
        except LetterTextError as exc:
            yield Line(number, record, str(exc))
            continue
        yield Line(number, record)


def classify_lines(
    lines: Iterable[Line], triage: Triage, batch_size: int = 64, jobs: int = 1
) -> Iterator[tuple[Line, dict]]:
    """Triage the good lines in batches; yield every line, in order, with its output object.

    With ``jobs`` > 1 the batches are triaged by that many processes (forked: they share the loaded
    model), a window of ``4 × jobs`` batches at a time, so memory stays bounded on endless input.
    """
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        jobs = 1
    window: list[list[Line]] = []
    pool = None
    try:
        for batch in _batches(lines, batch_size):
            window.append(batch)
            if len(window) >= (4 * jobs if jobs > 1 else 1):
                if jobs > 1 and pool is None:
                    pool = _start_pool(triage, jobs)
                yield from _flush(window, triage, pool)
        if window:
            if jobs > 1 and pool is None and len(window) > 1:
                pool = _start_pool(triage, jobs)
            yield from _flush(window, triage, pool)
    finally:
        if pool is not None:
            pool.terminate()


def _batches(lines: Iterable[Line], batch_size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


_WORKER_TRIAGE: Triage | None = None


def _start_pool(triage: Triage, jobs: int):
    global _WORKER_TRIAGE
    _WORKER_TRIAGE = triage  # inherited by the forked workers: the model is not loaded again
    return multiprocessing.get_context("fork").Pool(jobs)


def _triage_texts(texts: list[str], triage: Triage | None = None) -> list[dict]:
    return [r.as_dict() for r in (triage or _WORKER_TRIAGE).run(texts)]


def _flush(window: list[list[Line]], triage: Triage, pool) -> Iterator[tuple[Line, dict]]:
    texts = [[ln.record["text"] for ln in batch if ln.error is None] for batch in window]
    if pool is None:
        outputs = [_triage_texts(t, triage) for t in texts]
    else:
        outputs = pool.map(_triage_texts, texts, chunksize=1)
    for batch, out in zip(window, outputs, strict=True):
        results = iter(out)
        for ln in batch:
            if ln.error is not None:
                yield ln, {**(ln.record or {}), "error": ln.error, "line": ln.number}
            else:
                yield ln, {**ln.record, **next(results)}
    window.clear()
