"""Personal data in letter texts: find it, mask it.

Phone numbers, citizen ID numbers (CCCD 12 digits, CMND 9), emails, bank accounts, licence plates
are found by pattern; person names by underthesea's NER when asked (``names=True``). Masking is
used for analyst views, exports and anything that could reach a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PHONE = r"(?<![\d.])(?:\+?84|0)(?:[\s.-]?\d){9,10}(?![\d])"
_CCCD = r"(?<!\d)\d{12}(?!\d)"
_CMND = r"(?<!\d)\d{9}(?!\d)"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# after a bank word: STK / số tài khoản / tài khoản ... 6-19 digits, spaces allowed
_BANK = r"(?i:(?:stk|số tài khoản|so tai khoan|tài khoản|tai khoan|tk)\s*(?:số|so)?\s*[:.]?\s*)(\d[\d\s.-]{5,22}\d)"
# Vietnamese plates: 29A-123.45, 30E 12345, 51F1-234.56, 29-H1 123.45
_PLATE = r"(?<![\w])\d{2}\s?-?[A-Z]{1,2}\d?\s?-?\s?\d{3}\.?\d{2}(?![\w])"

PATTERNS = {
    "email": re.compile(_EMAIL),
    "bank_account": re.compile(_BANK),
    "phone": re.compile(_PHONE),
    "id_number": re.compile(f"{_CCCD}|{_CMND}"),
    "licence_plate": re.compile(_PLATE),
}
MASKS = {
    "email": "[email]",
    "bank_account": "[tài khoản]",
    "phone": "[số điện thoại]",
    "id_number": "[số giấy tờ]",
    "licence_plate": "[biển số]",
    "person": "[họ tên]",
}


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str


def find_personal_data(text: str, names: bool = False) -> list[Span]:
    """Spans of personal data, earliest first, never overlapping.

    >>> [s.kind for s in find_personal_data("Gọi 0912 345 678 hoặc email an.nguyen@gmail.com, CCCD 001085012345")]
    ['phone', 'email', 'id_number']
    """
    spans: list[Span] = []
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(text):
            group = 1 if kind == "bank_account" else 0
            spans.append(Span(kind, m.start(group), m.end(group), m.group(group)))
    if names:
        spans += _person_names(text)
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    for s in spans:
        if not out or s.start >= out[-1].end:
            out.append(s)
    return out


def _person_names(text: str) -> list[Span]:
    from underthesea import ner

    spans, pos = [], 0
    tokens = ner(text)
    current: list[str] = []
    for token, _pos, _chunk, tag in [*tokens, ("", "", "", "O")]:
        if tag in ("B-PER", "I-PER") and not (tag == "B-PER" and current):
            current.append(token)
            continue
        if current:
            name = " ".join(current)
            start = text.find(name, pos)
            if start >= 0 and len(name) > 2 and not name.isupper():
                spans.append(Span("person", start, start + len(name), name))
                pos = start + len(name)
            current = [token] if tag == "B-PER" else []
    return spans


def mask(text: str, names: bool = False) -> str:
    """``text`` with personal data replaced by placeholders.

    >>> mask("Liên hệ chị Lan 0987.654.321, STK 1903 4567 8910 12")
    'Liên hệ chị Lan [số điện thoại], STK [tài khoản]'
    """
    out, last = [], 0
    for s in find_personal_data(text, names=names):
        out.append(text[last : s.start])
        out.append(MASKS[s.kind])
        last = s.end
    out.append(text[last:])
    return "".join(out)
