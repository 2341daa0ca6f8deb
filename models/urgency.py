"""Urgency: letters that describe danger to life, health or safety come first.

A letter is urgent when it names a danger phrase of ``urgency.toml`` (matched without
diacritics, on whole words); the phrases that triggered it are reported so a clerk sees why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from models.taxonomy import config_dir, read_toml
from models.text import has_diacritics, normalize, unaccent


def _alternation(phrases: list[str], plain: bool) -> re.Pattern[str]:
    forms = {(unaccent(p) if plain else normalize(p)).lower() for p in phrases}
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + r")(?!\w)")


@dataclass(frozen=True)
class UrgencyResult:
    urgent: bool
    terms: list[str]
    kinds: list[str]


class UrgencyDetector:
    """
    >>> UrgencyDetector.load().detect("Bức tường nhà bên cạnh nứt toác, có thể đổ bất cứ lúc nào").kinds
    ['collapse']
    """

    def __init__(self, groups: dict[str, list[str]], cancels: list[str] = ()):
        self.groups = groups
        # Accented letters are matched with accents ("cháy" must not match "chạy"); letters typed
        # without diacritics are matched without them.
        self._patterns = {
            plain: {kind: _alternation(phrases, plain) for kind, phrases in groups.items() if phrases}
            for plain in (False, True)
        }
        self._cancel = {plain: _alternation(cancels, plain) if cancels else None for plain in (False, True)}

    @classmethod
    def load(cls, path: Path | None = None) -> UrgencyDetector:
        data = read_toml(path or config_dir() / "urgency.toml")
        return cls(data.get("danger", {}), data.get("not_urgent", {}).get("phrases", []))

    def detect(self, text: str) -> UrgencyResult:
        text = normalize(text).lower()
        plain = not has_diacritics(text)
        cancel = self._cancel[plain]
        cancelled = [m.span() for m in cancel.finditer(text)] if cancel else []
        terms, kinds = [], []
        for kind, pattern in self._patterns[plain].items():
            for m in pattern.finditer(text):
                if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in cancelled):
                    continue
                terms.append(m.group(0))
                if kind not in kinds:
                    kinds.append(kind)
        return UrgencyResult(bool(terms), sorted(set(terms)), kinds)
