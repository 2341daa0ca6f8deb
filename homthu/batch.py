"""The batch contract of ``homthu classify``: JSONL (or plain text) in, one JSONL result per line out."""

from __future__ import annotations

import json
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


def classify_lines(lines: Iterable[Line], triage: Triage, batch_size: int = 64) -> Iterator[tuple[Line, dict]]:
    """Triage the good lines in batches; yield every line, in order, with its output object."""
    pending: list[Line] = []

    def flush() -> Iterator[tuple[Line, dict]]:
        good = [ln for ln in pending if ln.error is None]
        results = iter(triage.run([ln.record["text"] for ln in good]))
        for ln in pending:
            if ln.error is not None:
                yield ln, {**(ln.record or {}), "error": ln.error, "line": ln.number}
            else:
                yield ln, {**ln.record, **next(results).as_dict()}
        pending.clear()

    for line in lines:
        pending.append(line)
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()
