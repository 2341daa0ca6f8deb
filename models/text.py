"""THE text pipeline of homthu: used by training and by the service alike.

Every letter goes through the same steps, in this order:

1. :func:`normalize` – Unicode NFC, HTML and Word-paste debris removed, one tone-mark placement
   (``hoà`` → ``hòa``), whitespace and punctuation cleaned.
2. :func:`strip_boilerplate` – the national motto header and ornament lines removed.
3. :func:`expand_abbreviations` – ``ko`` → ``không``, ``UBND`` → ``ủy ban nhân dân`` …
4. :func:`segment` – word segmentation with underthesea (``giải_phóng mặt_bằng``).
5. :func:`unaccent` – the view without diacritics, for writers who type without them.

:class:`TextViews` wraps steps 1–5 as a scikit-learn transformer so that a trained model is a
``Pipeline`` that starts from raw text: nothing outside the model transforms text at prediction
time, and training and serving cannot drift apart.
"""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from underthesea import word_tokenize
from underthesea.pipeline.text_normalize.text_normalizer import character_map, token_map

CONFIG_DIR = Path(__file__).parent / "config"

# --- 1. normalize -------------------------------------------------------------------------

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_BLOCK = re.compile(r"<(style|script|xml|head)\b.*?</\1\s*>", re.S | re.I)
_HTML_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.I)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
# What Word leaves behind when a .doc is pasted as plain text into a web form.
_WORD_DEBRIS = re.compile(
    r"(?:Normal\s+0\s+(?:false\s+|true\s+)*(?:[A-Z]{2}-[A-Z]{2}\s+)*(?:X-NONE\s+)*)"
    r"|(?:/\*\s*Style Definitions\s*\*/[^}]*\})"
    r"|(?:\b(?:MicrosoftInternetExplorer4|MsoNormal\w*|mso-[\w-]+:[^;\"]*;?))"
    r"|(?:\btable\.MsoNormalTable\s*\{[^}]*\})",
    re.I,
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_PUNCT_MAP = str.maketrans(
    {
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
        "\r": "\n",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2032": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2012": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u25cf": "-",
        "\uf0b7": "-",
        "\u00b7": "-",
    }
)
_CHAR_MAP = str.maketrans(character_map)
_SYLLABLE = re.compile(r"\w+")
_SPACES = re.compile(r"[ ]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?)\]])")
_REPEATED_PUNCT = re.compile(r"([!?.,])\1{3,}")
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def _standard_tone(match: re.Match[str]) -> str:
    syllable = match.group(0)
    if len(syllable) > 7:
        return syllable
    fixed = token_map.get(syllable)
    if fixed is None and not syllable.islower():
        lowered = token_map.get(syllable.lower())
        if lowered is not None:
            fixed = lowered.upper() if syllable.isupper() else lowered[0].upper() + lowered[1:]
    return fixed or syllable


def normalize(text: str) -> str:
    """Return ``text`` as clean NFC Vietnamese with one tone-mark placement.

    >>> normalize("Ho\u0300a bi\u0300nh  &amp; thuỷ lợi<br>Phường Cổ Nhuế 1")
    'Hòa bình & thủy lợi\\nPhường Cổ Nhuế 1'
    """
    text = unicodedata.normalize("NFC", text)
    if "<" in text or "&" in text:
        text = _HTML_COMMENT.sub(" ", text)
        text = _HTML_BLOCK.sub(" ", text)
        text = _HTML_BREAK.sub("\n", text)
        text = _HTML_TAG.sub(" ", text)
        text = html.unescape(text)
        text = unicodedata.normalize("NFC", text)
    text = _WORD_DEBRIS.sub(" ", text)
    text = text.translate(_INVISIBLE).translate(_PUNCT_MAP).translate(_CHAR_MAP)
    text = _SYLLABLE.sub(_standard_tone, text)
    text = _REPEATED_PUNCT.sub(r"\1\1\1", text)
    lines = [_SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line)).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


# --- 2. boilerplate -----------------------------------------------------------------------

# Matched on the unaccented, lower-cased text so that every spelling of the motto is caught.
_BOILERPLATE = [
    r"cong\s*hoa\s+xa\s+hoi\s+chu\s+nghia\s+viet\s+nam",
    r"doc\s*lap\s*[-,.]?\s*tu\s*do\s*[-,.]?\s*hanh\s*phuc",
    # an ornament line under the motto: "---o0o---", "*****", "_______"
    r"^[ \t]*(?=[^\n]*[-=_*~])[-=_*~.o0 \t]{3,}$",
]
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE), re.I | re.M)


def strip_boilerplate(text: str) -> str:
    """Remove the national motto header and ornament lines that formal letters carry.

    >>> strip_boilerplate("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\\nĐộc lập - Tự do - Hạnh phúc\\n---o0o---\\nĐƠN")
    'ĐƠN'
    """
    plain = unaccent(text).lower()
    if len(plain) != len(text):  # unaccent keeps lengths; guard against surprises
        return text
    pieces, last = [], 0
    for m in _BOILERPLATE_RE.finditer(plain):
        pieces.append(text[last : m.start()])
        last = m.end()
    pieces.append(text[last:])
    out = "".join(pieces)
    return _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in out.split("\n"))).strip()


# --- 3. abbreviations ---------------------------------------------------------------------


@lru_cache(maxsize=4)
def _abbreviation_table(path: str) -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str], dict[str, str]]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    exact = {unicodedata.normalize("NFC", k): v for k, v in data.get("case_sensitive", {}).items()}
    folded = {unicodedata.normalize("NFC", k).lower(): v for k, v in data.get("any_case", {}).items()}

    def alternation(keys: Iterable[str]) -> str:
        return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))

    exact_re = re.compile(rf"(?<![\w/])(?:{alternation(exact)})(?![\w/])") if exact else re.compile(r"(?!x)x")
    folded_re = re.compile(rf"(?<![\w/])(?:{alternation(folded)})(?![\w/])", re.I) if folded else re.compile(r"(?!x)x")
    return exact_re, exact, folded_re, folded


def expand_abbreviations(text: str, table: Path | None = None) -> str:
    """Spell out the abbreviations citizens and offices use (editable in abbreviations.toml).

    >>> expand_abbreviations("mn ơi UBND ko giải quyết dc")
    'mọi người ơi ủy ban nhân dân không giải quyết được'
    """
    exact_re, exact, folded_re, folded = _abbreviation_table(str(table or CONFIG_DIR / "abbreviations.toml"))
    text = exact_re.sub(lambda m: exact[m.group(0)], text)
    return folded_re.sub(lambda m: folded[m.group(0).lower()], text)


# --- 4. segmentation ----------------------------------------------------------------------


def segment(text: str) -> list[str]:
    """Split Vietnamese text into words with underthesea; syllables of a word are joined by ``_``.

    >>> segment("Đề nghị giải phóng mặt bằng")
    ['Đề_nghị', 'giải_phóng', 'mặt_bằng']
    """
    if not text.strip():
        return []
    return [w.replace(" ", "_") for w in word_tokenize(text)]


# --- 5. unaccented view -------------------------------------------------------------------

_UNACCENT = str.maketrans({"đ": "d", "Đ": "D"})


def unaccent(text: str) -> str:
    """Remove Vietnamese diacritics, keeping the length of the text.

    >>> unaccent("Giải phóng mặt bằng ở Đông Ngạc")
    'Giai phong mat bang o Dong Ngac'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_UNACCENT))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def has_diacritics(text: str) -> bool:
    """Whether the writer typed Vietnamese diacritics at all (``False`` for ``"ko dc"``)."""
    return unaccent(text) != text


# --- the whole pipeline -------------------------------------------------------------------


def clean(text: str) -> str:
    """Steps 1–3: what every later step (classifier, places, keywords) reads."""
    return expand_abbreviations(strip_boilerplate(normalize(text)))


def word_view(cleaned: str) -> str:
    """Lower-cased segmented words, punctuation dropped: ``'đề_nghị giải_phóng mặt_bằng'``."""
    return " ".join(w.lower() for w in segment(cleaned) if any(c.isalnum() for c in w))


def syllable_view(cleaned: str) -> str:
    """Lower-cased syllables, no segmentation (cheap): ``'đề nghị giải phóng mặt bằng'``."""
    return " ".join(_SYLLABLE.findall(cleaned.lower()))


def unaccented_view(cleaned: str) -> str:
    """Lower-cased syllables without diacritics: ``'de nghi giai phong mat bang'``."""
    return unaccent(syllable_view(cleaned))


class TextViews(BaseEstimator, TransformerMixin):
    """Turn raw letters into the text views the classifier's vectorizers read.

    Returns an array of shape ``(n_letters, 2)``: column 0 holds the words (segmented with
    underthesea when ``segment_words`` is true, plain syllables otherwise), column 1 the
    unaccented syllables.
    """

    def __init__(self, segment_words: bool = True):
        self.segment_words = segment_words

    def fit(self, X: Sequence[str], y: object = None) -> TextViews:
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        out = np.empty((len(X), 2), dtype=object)
        for i, text in enumerate(X):
            cleaned = clean(text)
            out[i, 0] = word_view(cleaned) if self.segment_words else syllable_view(cleaned)
            out[i, 1] = unaccented_view(cleaned)
        return out


# --- input checks -------------------------------------------------------------------------

DEFAULT_MAX_CHARS = 50_000


class LetterTextError(ValueError):
    """A letter's text cannot be triaged; the message says why, in plain words."""


def check_letter_text(text: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return ``text`` if a letter can be triaged from it, else raise :class:`LetterTextError`.

    Refused: not a string, empty or whitespace only, longer than ``max_chars``, binary
    (control characters), or nothing left once HTML and boilerplate are removed.
    """
    if not isinstance(text, str):
        raise LetterTextError(f"text must be a string, not {type(text).__name__}")
    if not text.strip():
        raise LetterTextError("text is empty")
    if len(text) > max_chars:
        raise LetterTextError(f"text has {len(text)} characters; the limit is {max_chars}")
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise LetterTextError("text contains invalid Unicode (a lone surrogate)")
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t")
    if controls > max(2, len(text) // 100) or "\x00" in text or "\ufffd" in text[:1000] and text.count("\ufffd") > 3:
        raise LetterTextError("text looks binary (control characters or undecodable bytes)")
    if not any(c.isalpha() for c in clean(text)):
        raise LetterTextError("text has no words once HTML, boilerplate and punctuation are removed")
    return text
