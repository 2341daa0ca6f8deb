"""Places named in a letter: wards, old districts, residential groups, streets and villages.

:class:`PlaceFinder` reads a letter and says which wards/communes (phường, xã, thị trấn) it
names, exactly as written, which administrative unit each was when the letter was written
("Phường Cổ Nhuế 1, Quận Bắc Từ Liêm, Thành phố Hà Nội") and which unit it belongs to now, after
the reorganisation of 1 July 2025 ("Phường Nghĩa Đô, Thành phố Hà Nội")::

    >>> finder = PlaceFinder.load()
    >>> [(w["as_written"], w["current_unit"]) for w in finder.find("Tôi ở tổ 9, p.xuan dinh, Q. BTL")]
    [('xuan dinh', 'Phường Xuân Đỉnh, Thành phố Hà Nội')]

**Data.** The gazetteer is built once, in :meth:`PlaceFinder.load`, from the mapping that
underthesea ships (``underthesea/address/data/mapping.json``, the data behind
``underthesea.address.convert_address``): every old ward (province → district → ward, before the
merger) with the new ward(s) it went to, and every new ward (province → ward). ``places.toml``
names the provinces whose wards are *resolved* (Hà Nội, Hồ Chí Minh, Đà Nẵng, Hải Phòng, Cần Thơ by
default; a new province includes the old ones merged into it), short forms of district names
("BTL", "HBT"), province aliases ("TP.HCM") and streets whose district is known. The rest of the
country's names are still used to *recognise* a ward written with its prefix word (it is then
reported without a unit) and as context (a letter that names "Nghệ An" is not about a Hà Nội ward
of the same name).

**Matching.** Names are matched on a lower-case, unaccented view of the letter whose every
character points back into the original text, so the letter may be NFC or NFD, accented or not, in
any case, and ``start``/``end`` always index the text as given: ``text[start:end] == as_written``
(for NFD input the span includes the combining marks; nothing is NFC-normalised first). Where the
writer did type diacritics they must agree with the name's ("phương án" is not "phường An"). A ward
is found

* after a prefix word: ``phường``/``phuong``/``P.``/``p.``, ``xã``/``xa``/``X.``, ``thị trấn``/``TT.``,
  ``đặc khu``; numbered wards as ``phường 7``, ``P.12``, ``P7`` (not "xã 12 km", "phường 3 hôm").
  In a letter typed with diacritics the prefix word must be typed with them ("xà", "phương" are not
  prefixes); in a letter typed without, a capitalised "Xa" right after a small word is a surname
  ("Tôi là Xa Văn Lịch"). "Thị xã", "hợp tác xã", "xã hội chủ nghĩa" contain no prefix;
* or without a prefix only when it is a known ward of the gazetteer of two or more syllables,
  capitalised, right after ``ở``/``tại``/``thuộc`` (``o``/``tai`` when typed plain), and not also a
  district or province name ("ở Đông Ngạc", but not "ở Cầu Giấy"). A name in a person's name
  ("Nguyễn Thị Minh Khai") is never a ward.

After the prefix, the longest known ward name is taken. It must be capitalised ("Cổ Nhuế 2") unless
it is typed without diacritics ("p.xuan dinh", "phuong co nhue 2") or the letter has no capitals at
all; a name not capitalised must moreover be a ward of the gazetteer, not an everyday phrase
("phường đoàn kết"), and end at punctuation or at the next place ("xa thong nhat loai camera" names
no ward). When no known name follows, two or more capitalised syllables ("xã Thạch Linh") are taken
as a ward the data does not know (no unit). A known name that goes on with a number or an
orientation word the data does not have ("Hải Châu 1", "Thanh Xuân Nam", merged before the data's
snapshot) is taken whole, also without a unit. A list after one prefix is read too: "các xã Vinh
Quang, Tiên Thắng với Hùng Thắng".

**Resolution.** A name may exist in several districts or provinces. The candidates are first
narrowed by the prefix (``xã`` → communes) and the diacritics written, then scored by the rest of
the letter: a district it names (+3: "quận Hai Bà Trưng", "Q. HBT", or a bare "Bắc Từ Liêm"), a
province (+2: "Hà Nội", "TP.HCM"; +1 when only implied by a district), another ward of the same
district (+2; of the same province +1), a street of the district listed in ``places.toml`` (+1).
The unique best candidate wins. When nothing in the letter speaks for any candidate, the candidates
inside the gazetteer provinces are kept — unless the letter names provinces or districts and none
holds a candidate ("phường Thanh Bình (TP Ninh Bình)"): then the ward is reported without a unit.
If more than one candidate remains the ward is ``ambiguous``, with its ``candidates`` and no unit:
the finder never guesses silently.

**Old and current units.** ``unit`` is the unit as it was when written: the old three-level unit
for an old ward name, the new two-level unit for a name that only exists since 1 July 2025 ("phường
Hoàn Kiếm"). A new ward that continues an old ward of the same name ("Xuân Đỉnh") is the same place
and reported as the old unit. ``current_unit`` is the new ward it belongs to. Where the old ward was
split between several new wards, ``current_unit`` is the *main* one, the one the mapping marks as
default (``is_default``, the rule ``convert_address`` also follows), and ``split_into`` lists all of
them, main first. Districts were abolished on 1 July 2025, so a district's ``current_unit`` is
``None``.

**Limits.** The data is a snapshot taken just before 1 July 2025: wards merged earlier (Hà Nội's
"Kim Giang", "Sài Đồng", Đà Nẵng's "Hải Châu 1") are unknown to it and found only as capitalised
names. A few records have an empty old-ward name (only an unspaced key such as ``xãtamđàn``) and
are skipped. Streets, groups and villages are found after their prefix word only when their name is
capitalised or a number, and carry no unit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import underthesea.address

from models.taxonomy import ConfigError, config_dir, read_toml
from models.text import normalize, unaccent

MAPPING_PATH = Path(underthesea.address.__file__).parent / "data" / "mapping.json"

KINDS = ("ward", "district", "group", "street", "village")
_NAME_FIELDS = ("old_province", "old_district", "old_ward", "new_province", "new_ward")

# --- text helpers -------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_NAME_GAP = re.compile(r"[^\S\n]+|[^\S\n]*-[^\S\n]*")
_SPACE = re.compile(r"[^\S\n]+")
_APOSTROPHES = "'’"
_UNIT_TYPE = re.compile(r"^(phường|xã|thị trấn|đặc khu|quận|huyện|thị xã|thành phố|tỉnh)\s+(.+)$", re.I)


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """One character of the original text as lower-case unaccented text ("" for a combining mark)."""
    if unicodedata.combining(ch):
        return ""
    return unaccent(ch.lower()).replace("ð", "d")


def _fold_text(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased without diacritics, and for every character the index it came from.

    Combining marks (NFD input) vanish and an apostrophe inside a word ("K'Nớ") is dropped, so the
    result may be shorter than ``text``; the index maps every character back.
    """
    folded = {c: _fold(c) for c in set(text)}
    if all(len(f) == 1 for f in folded.values()) and not any(c in folded for c in _APOSTROPHES):
        return text.translate({ord(c): f for c, f in folded.items()}), list(range(len(text)))  # the usual case
    chars: list[str] = []
    index: list[int] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch in _APOSTROPHES and chars and chars[-1].isalpha() and i < last and text[i + 1].isalpha():
            continue
        for c in _fold(ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), index


def _plain(text: str) -> str:
    return _fold_text(unicodedata.normalize("NFC", text))[0]


@lru_cache(maxsize=65536)
def _key(text: str) -> tuple[str, ...]:
    """The lookup key of a name: its unaccented lower-case tokens, numbers without leading zeros.

    >>> _key("Phường 07"), _key("Văn Miếu - Quốc Tử Giám"), _key("Đưng K'Nớ")
    (('phuong', '7'), ('van', 'mieu', 'quoc', 'tu', 'giam'), ('dung', 'kno'))
    """
    return tuple(t.lstrip("0") or "0" if t.isdigit() else t for t in _TOKEN.findall(_plain(text)))


@lru_cache(maxsize=65536)
def _syllable(word: str) -> str:
    """A syllable as compared between letter and data: NFC, lower case, one tone-mark placement."""
    word = normalize(word).lower().replace("ð", "đ")
    return "".join(c for c in word if c not in _APOSTROPHES)


@lru_cache(maxsize=16384)
def _accented_tokens(name: str) -> tuple[str, ...]:
    """The syllables of a data name, one per token of :func:`_key`."""
    nfc = unicodedata.normalize("NFC", name)
    plain, index = _fold_text(nfc)
    return tuple(_syllable(nfc[index[m.start()] : index[m.end() - 1] + 1]) for m in _TOKEN.finditer(plain))


@lru_cache(maxsize=65536)
def _is_plain(word: str) -> bool:
    """Whether ``word`` carries no diacritics at all ("Dong", "ngac")."""
    nfc = unicodedata.normalize("NFC", word)
    return unaccent(nfc) == nfc


def _titlecase(word: str) -> bool:
    """``"Nhuế"``, ``"K'Nớ"``: a capital, then small letters (in each part around an apostrophe)."""
    parts = [p for p in re.split(f"[{_APOSTROPHES}]", word) if p]
    return bool(parts) and all(p[0].isupper() and not any(c.isupper() for c in p[1:]) for p in parts)


@lru_cache(maxsize=65536)
def _split_type(full: str) -> tuple[str, str]:
    """``"Phường Cổ Nhuế 1"`` → ``("phường", "Cổ Nhuế 1")``; a name with no type word → ``("", name)``."""
    m = _UNIT_TYPE.match(unicodedata.normalize("NFC", full).strip())
    return (m.group(1).lower(), m.group(2).strip()) if m else ("", full.strip())


# --- the letter ---------------------------------------------------------------------------


class _View:
    """A letter as unaccented lower-case tokens, each pointing back into the original text."""

    def __init__(self, text: str):
        self.text = text
        self.plain, self._index = _fold_text(text)
        self.tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(self.plain)]
        self.n = len(self.tokens)
        self._keys = [t.lstrip("0") or "0" if t.isdigit() else t for t, _, _ in self.tokens]
        self.words = [self._word(i) for i in range(self.n)]
        alphabetic = [w for (t, _, _), w in zip(self.tokens, self.words, strict=True) if not t.isdigit()]
        # Typed with diacritics: then place words must be typed with them too ("phương án" ≠ "phường An").
        self.accented = bool(alphabetic) and sum(not _is_plain(w) for w in alphabetic) / len(alphabetic) > 0.25
        # Typed in capitals throughout ("UBND XA NGHI PHONG"): then capitals say nothing about names.
        self.shouting = bool(alphabetic) and sum(w.isupper() for w in alphabetic) / len(alphabetic) > 0.6
        # Written with capitals at all: then place names must be capitalised ("xã chỉ đạo" is no ward).
        self.cased = sum(w[:1].isupper() for w in alphabetic) >= 2 and not self.shouting

    def span(self, i: int, j: int) -> tuple[int, int]:
        """The original-text span of tokens ``i .. j-1`` (with any trailing combining marks)."""
        start = self._index[self.tokens[i][1]]
        end = self._index[self.tokens[j - 1][2] - 1] + 1
        while end < len(self.text) and unicodedata.combining(self.text[end]):
            end += 1
        return start, end

    def _word(self, i: int) -> str:
        start, end = self.span(i, i + 1)
        return self.text[start:end]

    def word(self, i: int) -> str:
        return self.words[i]

    def gap(self, i: int) -> str:
        """The plain text between token ``i`` and token ``i + 1`` (or the end)."""
        end = self.tokens[i + 1][1] if i + 1 < self.n else len(self.plain)
        return self.plain[self.tokens[i][2] : end]

    def spaced(self, i: int) -> bool:
        """Whether only spaces (no punctuation, no line break) separate token ``i`` from the next."""
        return i + 1 < self.n and bool(_SPACE.fullmatch(self.gap(i)))

    def joined(self, i: int, j: int) -> bool:
        """Whether tokens ``i .. j-1`` are separated only as the syllables of one name are."""
        return all(_NAME_GAP.fullmatch(self.gap(k)) for k in range(i, j - 1))

    def token_key(self, i: int) -> str:
        return self._keys[i]

    def key(self, i: int, j: int) -> tuple[str, ...]:
        """The lookup key of tokens ``i .. j-1`` (as :func:`_key` makes it for data names)."""
        return tuple(self._keys[i:j])

    def spelled_as(self, i: int, name: str) -> bool:
        """Whether the tokens from ``i`` agree with the diacritics of ``name`` (plain ones always do)."""
        for k, expected in enumerate(_accented_tokens(name)):
            written = self.word(i + k)
            if not _is_plain(written) and _syllable(written) != expected:
                return False
        return True

    def typed(self, i: int, expected: str) -> bool:
        """Whether word ``i`` is ``expected`` as typed: exactly, or without diacritics in a plain letter."""
        written = self.word(i)
        return _syllable(written) == expected or (_is_plain(written) and not self.accented)

    def case(self, i: int, j: int) -> str:
        """How the words ``i .. j-1`` are written: ``"title"`` (Cổ Nhuế 2), ``"upper"`` or ``"lower"``.

        In a letter typed in capitals throughout, capitals are no sign of a name: ``"lower"``.
        """
        words = [self.word(k) for k in range(i, j) if not self.tokens[k][0].isdigit()]
        if not words:
            return "title"
        if all(_titlecase(w) for w in words) and not (self.shouting and all(len(w) == 1 for w in words)):
            return "title"
        if all(w.isupper() for w in words):
            return "lower" if self.shouting else "upper"
        return "lower"


class _Lexicon(dict):
    """Names (token tuples) → what they name, knowing the longest name each first token starts."""

    def __init__(self) -> None:
        super().__init__()
        self.reach: dict[str, int] = {}

    def put(self, key: tuple[str, ...], value) -> None:
        self[key] = value
        self.reach[key[0]] = max(self.reach.get(key[0], 0), len(key))

    def add(self, key: tuple[str, ...], item) -> None:
        if key not in self:
            self.put(key, [])
        self[key].append(item)


# --- units --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One administrative unit of the data: an old ward, a new ward, or an old district."""

    level: str  # "ward" | "district"
    type: str  # "phường", "xã", "thị trấn", "đặc khu", "quận", "huyện", "thị xã", "thành phố"
    name: str  # as the data writes it: "Phường Cổ Nhuế 1"
    district: str  # "Quận Bắc Từ Liêm"; "" for new wards and for districts
    province: str  # the old province ("Tỉnh Bình Dương"); the new one for new wards
    new_province: str  # the province it is in now ("Thành phố Hồ Chí Minh")
    new: bool = False  # a ward of the post-1 July 2025 map
    current: tuple[str, ...] = ()  # new wards it went to, the mapping's default first

    @property
    def full(self) -> str:
        return ", ".join(p for p in (self.name, self.district, self.province) if p)

    @property
    def bare(self) -> str:
        return _split_type(self.name)[1]


@dataclass
class _Mention:
    """A place read in the letter, between its reading and its resolution."""

    kind: str  # a KINDS entry, or "context-district" (a bare district name: context, not output)
    i: int  # first token of the name
    j: int  # one past its last token
    prefix: str | None
    candidates: list[Unit] = field(default_factory=list)
    known: bool = True  # the name is in the data
    key: tuple[str, ...] = ()
    unit: Unit | None = None
    ambiguous: bool = False
    tied: list[Unit] = field(default_factory=list)
    streets: tuple[tuple[str, str], ...] = ()  # (province, district) a listed street lies in


@dataclass(frozen=True)
class _Prefix:
    """A word that announces a place ("phường", "P.", "tổ dân phố"), or a phrase that blocks one."""

    words: tuple[str, ...]  # unaccented tokens
    kind: str  # ward | district | province | group | street | village | block
    spelled: tuple[str, ...] = ()  # the accented words, for full words ("phường")
    type: str = ""  # the unit type it announces
    abbreviation: bool = False  # "P.", "TDP": no diacritics to check, a dot or number may follow
    needs: str = "name"  # name | number (only a number may follow: "tổ 9")


def _prefixes() -> dict[str, list[_Prefix]]:
    full = [
        ("phường", "ward", "phường"),
        ("xã", "ward", "xã"),
        ("thị trấn", "ward", "thị trấn"),
        ("đặc khu", "ward", "đặc khu"),
        ("quận", "district", "quận"),
        ("huyện", "district", "huyện"),
        ("thị xã", "district", "thị xã"),
        ("thành phố", "district", "thành phố"),
        ("tỉnh", "province", "tỉnh"),
        ("tổ dân phố", "group", ""),
        ("khu dân cư", "group", ""),
        ("cụm dân cư", "group", ""),
        ("khu phố", "group", ""),
        ("cụm", "group", ""),
        ("đường", "street", ""),
        ("phố", "street", ""),
        ("ngõ", "street", ""),
        ("ngách", "street", ""),
        ("hẻm", "street", ""),
        ("kiệt", "street", ""),
        ("thôn", "village", ""),
        ("xóm", "village", ""),
        ("làng", "village", ""),
        ("bản", "village", ""),
        ("buôn", "village", ""),
        ("ấp", "village", ""),
    ]
    out = [_Prefix(_key(w), kind, tuple(w.split()), t) for w, kind, t in full]
    out.append(_Prefix(("to",), "group", ("tổ",), needs="number"))
    abbreviations = [
        ("p", "ward", "phường"),
        ("f", "ward", "phường"),
        ("x", "ward", "xã"),
        ("tt", "ward", "thị trấn"),
        ("q", "district", "quận"),
        ("h", "district", "huyện"),
        ("tx", "district", "thị xã"),
        ("tp", "district", "thành phố"),
        ("tdp", "group", ""),
        ("kdc", "group", ""),
        ("kp", "group", ""),
    ]
    out += [_Prefix((w,), kind, (), t, abbreviation=True) for w, kind, t in abbreviations]
    # Words that contain a prefix word without being one.
    for words in ("hợp tác xã", "văn bản", "đường phố", "phố phường", "xã hội chủ nghĩa", "khu tt"):
        out.append(_Prefix(_key(words), "block"))
    table: dict[str, list[_Prefix]] = defaultdict(list)
    for p in out:
        table[p.words[0]].append(p)
    for entries in table.values():
        entries.sort(key=lambda p: -len(p.words))
    return dict(table)


_PREFIXES = _prefixes()
_PREPOSITIONS = {"o": "ở", "tai": "tại", "thuoc": "thuộc"}
_PLAIN_PREPOSITIONS = {"o", "tai"}  # "thuoc" typed plain is as often "thuốc" ("nha thuoc Minh Chau")
# Words after a number that make it a quantity, not a ward number ("12 km", "2 lần").
_MEASURES = set(
    "lan nam thang tuan ngay hom buoi dem gio phut tieng h tang m km nguoi ho trieu nghin ngan dong xe cai".split()
)
# Words that end ward names ("Thanh Xuân Nam", "Phước Long B"): a known name followed by one of them
# is a longer name the data may not know.
_SUFFIXES = {_key(w)[0]: w for w in ("nam", "bắc", "đông", "tây", "trung", "thượng", "hạ", "hậu")}
_SUFFIXES |= {"a": "a", "b": "b", "c": "c"}
_CONNECTORS = {"va": "và", "voi": "với"}


# --- the finder ---------------------------------------------------------------------------


class PlaceFinder:
    """Find the places a letter names and resolve its wards to their old and current units.

    Load it once with :meth:`load` (reading the mapping takes under a second) and call
    :meth:`find` or :meth:`find_all` for every letter.

    >>> finder = PlaceFinder.load()
    >>> w = finder.find("Kính gửi UBND phường Cổ Nhuế 1, quận Bắc Từ Liêm")[0]
    >>> w["as_written"], w["unit"], w["current_unit"]
    ('Cổ Nhuế 1', 'Phường Cổ Nhuế 1, Quận Bắc Từ Liêm, Thành phố Hà Nội', 'Phường Nghĩa Đô, Thành phố Hà Nội')
    >>> finder.find("Cử tri xã Kim Chung phản ánh")[0]["candidates"]
    ['Xã Kim Chung, Huyện Đông Anh, Thành phố Hà Nội', 'Xã Kim Chung, Huyện Hoài Đức, Thành phố Hà Nội']
    >>> finder.find("Cử tri xã Kim Chung, huyện Đông Anh phản ánh")[0]["unit"]
    'Xã Kim Chung, Huyện Đông Anh, Thành phố Hà Nội'
    """

    def __init__(self, mapping: dict, config: dict):
        self._province_display: dict[str, str] = {}
        self._wards = _Lexicon()  # ward name → old and new wards of that name, the whole country
        self._districts = _Lexicon()  # district name → old districts
        self._district_abbreviations: dict[tuple[str, ...], list[Unit]] = defaultdict(list)
        self._provinces = _Lexicon()  # province name or alias → (old provinces, new provinces) it names
        self._upper_aliases: set[tuple[str, ...]] = set()
        self._streets: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
        self._old_to_new: dict[str, str] = {}
        self._build_provinces(mapping, config.get("province_aliases", {}))
        self.provinces = frozenset(self._province_by_name(p) for p in config.get("provinces", ["Hà Nội"]))
        self._build_units(mapping["ward_mapping"])
        self._build_abbreviations(config.get("district_abbreviations", {}))
        for province, streets in config.get("streets", {}).items():
            new = self._province_by_name(province)
            for street, districts in streets.items():
                for d in districts:
                    for unit in self._districts.get(_key(_split_type(d)[1]), []):
                        if unit.new_province == new:
                            self._streets[_key(street)].append((unit.province, unit.name))
        words = config.get("words", {})
        self._guard = {_key(w)[0] for w in words.get("lowercase_guard", [])}
        self._phrases = {_key(w) for w in words.get("lowercase_phrases", [])}
        self._not_a_name = {_syllable(w) for w in words.get("not_a_name", [])}

    @classmethod
    def load(cls, path: Path | None = None) -> PlaceFinder:
        """Read ``places.toml`` (``path``, or the config folder's) and underthesea's mapping, once."""
        config = read_toml(path or config_dir() / "places.toml")
        with MAPPING_PATH.open(encoding="utf-8") as fh:
            mapping = json.load(fh)
        return cls(mapping, config)

    # -- building ---------------------------------------------------------------------------

    def _build_provinces(self, mapping: dict, aliases: dict[str, list[str]]) -> None:
        old: dict[tuple, set[str]] = defaultdict(set)
        new: dict[tuple, set[str]] = defaultdict(set)
        for info in mapping["old_province_names"].values():
            for form in (info["name"], info["short"], _split_type(info["name"])[1]):
                old[_key(form)].add(info["name"])
        for info in mapping["province_names"].values():
            self._province_display[_plain(info["short"])] = info["name"]
            for form in (info["name"], info["short"], _split_type(info["name"])[1]):
                new[_key(form)].add(info["name"])
        for old_key, new_key in mapping["province_mapping"].items():
            old_name = mapping["old_province_names"][old_key]["name"]
            self._old_to_new[old_name] = mapping["province_names"][new_key]["name"]
        for province, forms in aliases.items():
            target = self._province_by_name(province)
            for form in forms:
                k = _key(form)
                new[k].add(target)
                old[k] |= {o for o, n in self._old_to_new.items() if n == target}
                if form.isupper() and len(k) == 1:
                    self._upper_aliases.add(k)
        for k in old.keys() | new.keys():
            self._provinces.put(k, (frozenset(old.get(k, ())), frozenset(new.get(k, ()))))

    def _province_by_name(self, name: str) -> str:
        found = self._province_display.get(_plain(_split_type(name)[1]))
        if not found:
            raise ConfigError(f"places.toml: unknown province {name!r} (one of the 34 since 1 July 2025)")
        return found

    def _build_units(self, records: list[dict]) -> None:
        targets: dict[tuple[str, str, str], list[tuple[str, bool]]] = defaultdict(list)
        new_of_old: dict[tuple[str, str, str], str] = {}
        new_wards: dict[tuple[str, str], None] = {}
        districts: dict[tuple[str, str], str] = {}
        for r in records:
            r = {**r, **{k: unicodedata.normalize("NFC", r[k]) for k in _NAME_FIELDS}}
            if r["new_ward"]:
                new_wards[(r["new_province"], r["new_ward"])] = None
            if r["old_district"]:
                districts[(r["old_province"], r["old_district"])] = r["new_province"]
            if not r["old_ward"]:  # only an unspaced key ("xãtamđàn"): the name cannot be recovered
                continue
            old = (r["old_province"], r["old_district"], r["old_ward"])
            new_of_old[old] = r["new_province"]
            if r["new_ward"]:
                targets[old].append((f"{r['new_ward']}, {r['new_province']}", bool(r.get("is_default"))))
        continued: set[tuple[str, str]] = set()  # (new ward, new province) that continue an old namesake
        for old, ts in targets.items():
            seen = list(dict.fromkeys(t for t, _ in ts))
            default = next((t for t, d in ts if d), seen[0])
            current = (default, *[t for t in seen if t != default])
            province, district, ward = old
            unit = Unit("ward", _split_type(ward)[0], ward, district, province, new_of_old[old], current=current)
            self._wards.add(_key(unit.bare), unit)
            for t in seen:
                name, new_province = t.split(", ", 1)
                if _key(_split_type(name)[1]) == _key(unit.bare):
                    continued.add((name, new_province))
        for old in new_of_old.keys() - targets.keys():  # old wards whose new ward the data lacks
            province, district, ward = old
            unit = Unit("ward", _split_type(ward)[0], ward, district, province, new_of_old[old])
            self._wards.add(_key(unit.bare), unit)
        for new_province, ward in new_wards:
            if (ward, new_province) in continued:
                continue
            unit = Unit("ward", _split_type(ward)[0], ward, "", new_province, new_province, new=True)
            unit = Unit(**{**unit.__dict__, "current": (unit.full,)})
            self._wards.add(_key(unit.bare), unit)
        for (province, district), new_province in districts.items():
            unit = Unit("district", _split_type(district)[0], district, "", province, new_province)
            self._districts.add(_key(unit.bare), unit)

    def _build_abbreviations(self, table: dict[str, dict[str, str]]) -> None:
        for province, abbreviations in table.items():
            new = self._province_by_name(province)
            for short, name in abbreviations.items():
                units = [u for u in self._districts.get(_key(name), []) if u.new_province == new]
                if not units:
                    raise ConfigError(f"places.toml: no district {name!r} in {province}")
                self._district_abbreviations[_key(short)].extend(units)

    # -- public API ---------------------------------------------------------------------------

    def find(self, text: str) -> list[dict]:
        """Wards named in `text`: [{"as_written", "start", "end", "unit", "current_unit", "ambiguous", "candidates"?}]

        One dict per mention, in text order. ``text[start:end] == as_written`` (the name without its
        prefix word, as typed). ``unit`` is the unit when written and ``current_unit`` the ward it
        belongs to now (the main one if it was split; all of them in ``split_into``). When the name
        exists in several places and the letter does not say which, ``ambiguous`` is true, both
        units are ``None`` and ``candidates`` lists the possible units. ``in_gazetteer`` is false
        for a ward outside the configured provinces or unknown to the data (no unit then either);
        ``prefix`` is the word that announced it (``None`` after "ở"/"tại"/"thuộc").

        >>> finder = PlaceFinder.load()
        >>> [(w["as_written"], w["start"], w["end"]) for w in finder.find("Gui UBND phuong co nhue 2, Toi ten la")]
        [('co nhue 2', 16, 25)]
        """
        return [d for d in self.find_all(text) if d["kind"] == "ward"]

    def find_all(self, text: str) -> list[dict]:
        """Every place `text` names, in text order; each dict also has ``kind``: ward|district|group|street|village.

        Districts are resolved like wards (``current_unit`` is ``None``: districts no longer exist);
        groups, streets and villages carry their name only (``unit`` is ``None``).

        >>> finder = PlaceFinder.load()
        >>> [(p["kind"], p["as_written"]) for p in finder.find_all("Nhà tôi ở TDP số 5, ngõ 12 phố Xuân La, Q. Tây Hồ")]
        [('group', '5'), ('street', '12'), ('street', 'Xuân La'), ('district', 'Tây Hồ')]
        """
        if not text or not text.strip():
            return []
        view = _View(text)
        mentions, provinces, taken = self._scan(view)
        self._bare_names(view, mentions, provinces, taken)
        self._resolve(mentions, provinces)
        return [self._as_dict(view, m) for m in sorted(mentions, key=lambda m: m.i) if m.kind in KINDS]

    # -- scanning -------------------------------------------------------------------------------

    def _scan(self, view: _View) -> tuple[list[_Mention], list[tuple[frozenset, frozenset]], set[int]]:
        """Read every prefixed place, left to right; return mentions, provinces named, tokens used."""
        mentions: list[_Mention] = []
        provinces: list[tuple[frozenset, frozenset]] = []
        taken: set[int] = set()
        i = 0
        while i < view.n:
            read = self._read_prefixed(view, i)
            if read is None:
                i += 1
                continue
            found, province, end = read
            mentions += found
            if province is not None:
                provinces.append(province)
            taken.update(range(i, end))
            i = end
        return mentions, provinces, taken

    def _prefix_at(self, view: _View, i: int) -> tuple[_Prefix, int] | None:
        """The prefix word(s) starting at token ``i`` and the token where the name starts."""
        start = view.tokens[i][1]
        if start > 0 and (view.plain[start - 1] in "./@_-" or view.plain[start - 1].isalnum()):
            return None  # inside an initialism ("H.V.") or a code
        for p in _PREFIXES.get(view.tokens[i][0], ()):
            n = len(p.words)
            if i + n > view.n or view.key(i, i + n) != p.words or not view.joined(i, i + n):
                continue
            if p.kind == "block":
                return p, i + n
            if i + n >= view.n:
                return None
            if p.abbreviation:
                if not self._abbreviation_ok(view, i, p):
                    continue
            elif not view.spaced(i + n - 1) or not all(view.typed(i + k, w) for k, w in enumerate(p.spelled)):
                continue
            elif self._surname(view, i):
                continue
            return p, i + n
        return None

    @staticmethod
    def _surname(view: _View, i: int) -> bool:
        """A prefix word typed plain and capitalised after a small word is a name: "Toi la Xa Van Lich"."""
        word = view.word(i)
        if i == 0 or not _is_plain(word) or not _titlecase(word) or not view.spaced(i - 1):
            return False
        return view.word(i - 1).islower()

    @staticmethod
    def _abbreviation_ok(view: _View, i: int, p: _Prefix) -> bool:
        """Whether an abbreviation is one here: "P.", "p.xuan", "P7", "Q.3", "TP Vinh", "TDP 5", "P Xuân Đỉnh"."""
        written, gap, nxt = view.word(i), view.gap(i), view.tokens[i + 1][0]
        if re.fullmatch(r"[^\S\n]*\.[^\S\n]*", gap):
            return True
        if p.words[0] in ("p", "f", "q") and nxt.isdigit() and gap in ("", " "):
            return written.isupper() or p.words[0] != "f"
        if not view.spaced(i):
            return False
        return p.words[0] == "tp" or (written.isupper() and p.words[0] in ("tdp", "kdc", "kp", "p", "tt"))

    def _read_prefixed(
        self, view: _View, i: int
    ) -> tuple[list[_Mention], tuple[frozenset, frozenset] | None, int] | None:
        found = self._prefix_at(view, i)
        if found is None:
            return None
        prefix, j = found
        if prefix.kind == "block":
            return [], None, j
        # An abbreviation without its dot ("P Xuân Đỉnh") must be followed by a known name.
        strict = prefix.abbreviation and "." not in view.gap(j - 1) and not view.tokens[j][0].isdigit()
        mention = None
        if prefix.kind == "ward":
            mention = self._read_ward(view, j, prefix, strict)
        elif prefix.kind in ("district", "province"):
            if prefix.words[0] in ("thanh", "tp", "tinh"):
                province = self._read_province(view, j)
                if province is not None:
                    return [], province[0], province[1]
            if prefix.kind == "district":
                mention = self._read_district(view, j, prefix)
        else:
            mention = self._read_label(view, j, prefix)
        if mention is None:
            return [], None, j  # a prefix word with no place after it: still not a name itself
        mention.prefix = view.text[view.span(i, i + 1)[0] : view.span(mention.i, mention.i + 1)[0]].strip()
        found = [mention]
        if mention.kind == "ward":
            found += self._read_list(view, mention)
        return found, None, found[-1].j

    @staticmethod
    def _longest(view: _View, i: int, table: _Lexicon, spelled: bool = True) -> tuple[int, list]:
        """The longest name of ``table`` at token ``i`` that agrees with the diacritics typed."""
        reach = table.reach.get(view.token_key(i), 0)
        for n in range(min(reach, view.n - i), 0, -1):
            entries = table.get(view.key(i, i + n))
            if entries and view.joined(i, i + n):
                if spelled:
                    entries = [u for u in entries if view.spelled_as(i, u.bare)]
                if entries:
                    return i + n, entries
        return i, []

    def _read_ward(self, view: _View, j: int, prefix: _Prefix, strict: bool) -> _Mention | None:
        if view.tokens[j][0] == "so" and j + 1 < view.n and view.tokens[j + 1][0].isdigit():
            j += 1  # "phường số 7"
        end, units = self._longest(view, j, self._wards)
        units = self._plausible(view, j, end, units, prefix, strict)
        if units and end - j == 1 and not view.tokens[j][0].isdigit():
            longer = self._capitalised(view, j)  # "xa Dang Cuong" is not the ward "Dang" of the data
            if longer is not None and longer > end:
                return _Mention("ward", j, longer, None, [], known=False, key=view.key(j, longer))
        if units:
            mention = _Mention("ward", j, end, None, units, key=view.key(j, end))
            longer = self._longer_name(view, end)
            if longer and view.key(j, longer) not in self._wards:
                mention.j, mention.known, mention.candidates = longer, False, []
                mention.key = view.key(j, longer)
            return mention
        if strict:
            return None
        end = self._capitalised(view, j)
        if end is None:
            return None
        return _Mention("ward", j, end, None, [], known=False, key=view.key(j, end))

    def _plausible(self, view: _View, j: int, end: int, units: list[Unit], prefix: _Prefix, strict: bool):
        """The candidate units if the words at ``j .. end-1`` can be a ward name here, else ``[]``."""
        if not units:
            return []
        first = view.tokens[j][0]
        if first.isdigit():  # numbered wards are phường: "phường 7", "P.12"; not "xã 12 km", "13/9"
            if prefix.type != "phường" or end - j != 1 or not self._number_ends(view, j):
                return []
            return [u for u in units if u.type == "phường"]
        case = view.case(j, end)
        inside = [u for u in units if u.new_province in self.provinces]
        if case == "lower":
            # A name not capitalised ("p.xuan dinh", "phuong co nhue 2", "xã cổ nhuế 2" in a letter with no
            # capitals, any name in a letter all in capitals) must be a known name of two syllables or
            # more that is no everyday phrase ("phường đoàn kết"). Typed with diacritics, it must be in a
            # letter without capitals ("UBND xã chỉ đạo" is no ward). Typed without, it must not start
            # like a common word ("phuong an"), must end at punctuation or the next place ("xa thong nhat
            # loai camera" is no ward) and, in a letter with capitals, be a ward of the gazetteer.
            if strict or end - j < 2 or view.key(j, end) in self._phrases:
                return []
            if all(_is_plain(view.word(k)) for k in range(j, end)):
                if first in self._guard or not self._delimited(view, end) or view.cased and not inside:
                    return []
            elif view.cased:
                return []
        elif case == "upper" and (end - j < 2 or first in self._guard):
            return []
        if strict and (case != "title" or not inside):
            return []
        if not strict:
            typed = [u for u in units if u.type == prefix.type]
            units = typed or units
        return units

    @staticmethod
    def _number_ends(view: _View, k: int) -> bool:
        """Whether the number at token ``k`` stands alone: not "3h", "13/9", "2-3km", "1,5", "12 km"."""
        if k + 1 >= view.n:
            return True
        gap = view.gap(k)
        if gap == "" or (gap.strip() in ("/", "-", ".", ",", ":") and view.tokens[k + 1][0].isdigit()):
            return False
        return not (view.spaced(k) and view.tokens[k + 1][0] in _MEASURES)

    def _longer_name(self, view: _View, end: int) -> int | None:
        """Where a known name continues into a longer one the data lacks: "Hải Châu 1", "Thanh Xuân Nam"."""
        if not view.spaced(end - 1):
            return None
        token = view.tokens[end][0]
        if token.isdigit():
            return end + 1 if len(token) <= 2 and self._number_ends(view, end) else None
        word = view.word(end)
        spelled = _syllable(word) == _SUFFIXES.get(token) or _is_plain(word) and len(token) > 1
        capitalised = view.case(end, end + 1) != "lower" or view.shouting
        if token in _SUFFIXES and spelled and capitalised and self._ends_name(view, end + 1):
            district_end, _ = self._longest(view, end, self._districts)
            return end + 1 if district_end == end else None
        return None

    def _capitalised(self, view: _View, j: int) -> int | None:
        """A run of capitalised syllables the data does not know ("Thạch Linh"): two or more."""
        k = j
        while k < view.n and k - j < 4:
            token, word = view.tokens[k][0], view.word(k)
            if k > j and not view.spaced(k - 1):
                break
            if token.isdigit():
                if k > j and len(token) <= 2 and self._number_ends(view, k):
                    k += 1
                break
            if not _titlecase(word) or self._starts_place(view, k):  # "xã Tân Lập Huyện Đan Phượng"
                break
            k += 1
        if k - j < 2 or self._is_common_word(view, j) or view.key(j, k) in self._provinces:
            return None
        return k

    def _is_common_word(self, view: _View, i: int) -> bool:
        word = view.word(i)
        return (_plain(word) if _is_plain(word) else _syllable(word)) in self._not_a_name

    def _read_list(self, view: _View, head: _Mention) -> list[_Mention]:
        """More wards after the first of a list: "các phường Xuân Đỉnh, Cổ Nhuế 1 và Cổ Nhuế 2"."""
        found: list[_Mention] = []
        k = head.j
        while k < view.n:
            gap = view.gap(k - 1)
            if gap.strip() in (",", ";") and "\n" not in gap:
                start = k
            elif view.spaced(k - 1) and view.tokens[k][0] in _CONNECTORS and view.spaced(k):
                if not view.typed(k, _CONNECTORS[view.tokens[k][0]]):
                    break
                start = k + 1
            else:
                break
            end, units = self._longest(view, start, self._wards)
            if end - start < 2 or view.case(start, end) != "title" or not self._delimited(view, end):
                break
            key = view.key(start, end)
            if key in self._districts or key in self._provinces:
                break
            found.append(_Mention("ward", start, end, head.prefix, units, key=key))
            k = end
        return found

    def _read_district(self, view: _View, j: int, prefix: _Prefix) -> _Mention | None:
        end, units = self._longest(view, j, self._districts)
        if units and not view.tokens[j][0].isdigit():
            case = view.case(j, end)
            if case == "lower" and view.cased and view.accented or case != "title" and end - j < 2:
                units = []
        if not units:
            abbreviation = self._district_abbreviations.get(view.key(j, j + 1))
            if not abbreviation or prefix.words[0] == "tp":
                return None
            end, units = j + 1, abbreviation
        typed = [u for u in units if u.type == prefix.type]
        return _Mention("district", j, end, None, typed or units, key=view.key(j, end))

    def _read_province(self, view: _View, j: int) -> tuple[tuple[frozenset, frozenset], int] | None:
        end, found = self._longest(view, j, self._provinces, spelled=False)
        if not found or (view.key(j, end) in self._upper_aliases and not view.word(j).isupper()):
            return None
        return found, end

    def _read_label(self, view: _View, j: int, prefix: _Prefix) -> _Mention | None:
        """A group, street or village name: a number ("ngõ 105", "20/12", "5A") or capitalised words."""
        if view.tokens[j][0] == "so" and j + 1 < view.n and view.tokens[j + 1][0].isdigit():
            j += 1
        if view.tokens[j][0].isdigit():
            k = j + 1
            while k < view.n and view.gap(k - 1) in ("/", "") and len(view.tokens[k][0]) <= 4:
                k += 1
            return _Mention(prefix.kind, j, k, None)
        if prefix.needs == "number":
            return None
        k = j
        while k < view.n and k - j < 5:
            if k > j and not view.spaced(k - 1):
                break
            token, word = view.tokens[k][0], view.word(k)
            if token.isdigit():
                if k > j:
                    k += 1
                break
            if not _titlecase(word) or (k > j and self._starts_place(view, k)):
                break
            k += 1
        if k == j or self._is_common_word(view, j):
            return None
        mention = _Mention(prefix.kind, j, k, None)
        if prefix.kind == "street":
            mention.streets = tuple(self._streets.get(view.key(j, k), ()))
        return mention

    def _bare_names(
        self, view: _View, mentions: list[_Mention], provinces: list[tuple[frozenset, frozenset]], taken: set[int]
    ) -> None:
        """Places named without a prefix: provinces and districts (context), wards after "ở"/"tại"."""
        i = 0
        while i < view.n:
            if i in taken:
                i += 1
                continue
            ward = self._after_preposition(view, i, taken)
            if ward is not None:
                mentions.append(ward)
                i = ward.j
                continue
            end, found = self._longest(view, i, self._provinces, spelled=False)
            if found and not taken.intersection(range(i, end)) and self._bare_ok(view, i, end):
                provinces.append(found)
                i = end
                continue
            end, units = self._longest(view, i, self._districts)
            if units and end - i > 1 and not taken.intersection(range(i, end)):
                if view.case(i, end) == "title" and self._ends_name(view, end):
                    mentions.append(_Mention("context-district", i, end, None, units))
                    i = end
                    continue
            i += 1

    def _bare_ok(self, view: _View, i: int, end: int) -> bool:
        """Whether a province name found without prefix is one ("Hà Nội", "HN"), not a word."""
        if view.key(i, end) in self._upper_aliases:
            return view.word(i).isupper()
        if end - i == 1 or view.accented and any(_is_plain(view.word(k)) for k in range(i, end)):
            return False
        return _titlecase(view.word(i)) and self._ends_name(view, end)

    def _delimited(self, view: _View, end: int) -> bool:
        """Whether a name ending before ``end`` is followed by punctuation, a line end, "và"/"với" or
        the prefix of the next place: "xa dong ngac, huyen ...", not "xa thong nhat loai camera"."""
        if end >= view.n or not view.spaced(end - 1):
            return True
        token = view.tokens[end][0]
        return token in _CONNECTORS or self._starts_place(view, end)

    def _starts_place(self, view: _View, k: int) -> bool:
        """Whether token ``k`` is the prefix word of a place ("Huyện", "quận", not "Dương")."""
        found = self._prefix_at(view, k)
        return found is not None and found[0].kind != "block"

    def _ends_name(self, view: _View, end: int) -> bool:
        """Whether no further capitalised syllable or number continues the name ending before ``end``."""
        if end >= view.n or not view.spaced(end - 1):
            return True
        return not (view.tokens[end][0].isdigit() or _titlecase(view.word(end)))

    def _after_preposition(self, view: _View, i: int, taken: set[int]) -> _Mention | None:
        """A known ward of the gazetteer right after "ở"/"tại"/"thuộc", capitalised: "ở Đông Ngạc"."""
        if i == 0 or (i - 1) in taken or view.tokens[i - 1][0] not in _PREPOSITIONS:
            return None
        token = view.tokens[i - 1][0]
        if not view.typed(i - 1, _PREPOSITIONS[token]) or not view.spaced(i - 1):
            return None
        if _is_plain(view.word(i - 1)) and token not in _PLAIN_PREPOSITIONS:
            return None
        end, units = self._longest(view, i, self._wards)
        if end - i < 2 or taken.intersection(range(i, end)):
            return None
        key = view.key(i, end)
        if key in self._districts or key in self._provinces:
            return None
        if view.case(i, end) != "title" or not self._ends_name(view, end):
            return None
        if not any(u.new_province in self.provinces for u in units):
            return None
        return _Mention("ward", i, end, None, units, key=key)

    # -- resolving ------------------------------------------------------------------------------

    def _resolve(self, mentions: list[_Mention], provinces: list[tuple[frozenset, frozenset]]) -> None:
        old_provinces = {p for olds, _ in provinces for p in olds}
        new_provinces = {p for _, news in provinces for p in news}
        districts = {(u.province, u.name) for m in mentions if "district" in m.kind for u in m.candidates}
        implied = {u.province for m in mentions if "district" in m.kind for u in m.candidates}
        streets = {s for m in mentions for s in m.streets}
        wards = [m for m in mentions if m.kind == "ward" and m.known]
        context = (old_provinces, new_provinces, districts, implied, streets)
        named = bool(old_provinces or new_provinces or implied)
        for final in (False, False, True):  # wards resolved in one pass speak for their district in the next
            for m in wards:
                if m.unit is not None or m.ambiguous or not m.known:
                    continue
                others = [o.unit for o in wards if o.unit is not None and o.key != m.key]
                sib_districts = {(u.province, u.district) for u in others if u.district}
                sib_provinces = {u.new_province for u in others}
                self._choose(m, self._ward_score(context, sib_districts, sib_provinces), named, final)
        ward_districts = {
            (u.province, u.district) for m in wards for u in ([m.unit] if m.unit else m.tied or m.candidates)
        }
        for m in mentions:
            if m.kind == "district":
                score = self._district_score(old_provinces, new_provinces, ward_districts)
                self._choose(m, score, bool(old_provinces or new_provinces), True)

    def _ward_score(self, context: tuple, sib_districts: set, sib_provinces: set):
        old_provinces, new_provinces, districts, implied, streets = context

        def score(u: Unit) -> int:
            s = 0
            if (u.province, u.district) in districts:
                s += 3
            if self._in_provinces(u, old_provinces, new_provinces):
                s += 2
            elif u.province in implied or u.new_province in {self._old_to_new.get(p) for p in implied}:
                s += 1
            if (u.province, u.district) in sib_districts:
                s += 2
            elif u.new_province in sib_provinces:
                s += 1
            if (u.province, u.district) in streets:
                s += 1
            return s

        return score

    def _district_score(self, old_provinces, new_provinces, ward_districts):
        def score(u: Unit) -> int:
            s = 2 if self._in_provinces(u, old_provinces, new_provinces) else 0
            return s + (1 if (u.province, u.name) in ward_districts else 0)

        return score

    def _in_provinces(self, u: Unit, old_provinces: set[str], new_provinces: set[str]) -> bool:
        if u.new:
            merged = {self._old_to_new.get(p) for p in old_provinces}
            return u.new_province in new_provinces or u.new_province in merged
        return u.province in old_provinces or u.new_province in new_provinces

    def _choose(self, m: _Mention, score, named: bool, final: bool) -> None:
        """Pick the unit the letter speaks for, or mark the mention ambiguous; never guess.

        The best-scored candidates win. If nothing in the letter speaks for any candidate, those in
        the gazetteer provinces are kept, unless the letter names provinces (or districts) and none
        of them holds a candidate: then the letter places the name where the data does not know it
        ("phường Thanh Bình (TP Ninh Bình)", merged before the data's snapshot) and it gets no unit.
        That last decision waits for the ``final`` pass, when the other wards have been resolved.
        """
        if not m.candidates:
            return
        scores = [score(u) for u in m.candidates]
        best = max(scores)
        if best > 0:
            top = [u for u, s in zip(m.candidates, scores, strict=True) if s == best]
        elif named:
            top = []
        else:
            top = [u for u in m.candidates if u.new_province in self.provinces]
        if not final and len(top) != 1:
            return  # maybe another ward of the letter, once resolved, will decide
        inside = [u for u in top if u.new_province in self.provinces]
        m.unit, m.ambiguous, m.tied = None, False, []
        if not inside:  # placed outside the gazetteer, or where the data has no such unit: no unit
            m.known, m.candidates = False, []
            return
        if len(top) == 1:
            m.unit = top[0]
            return
        m.ambiguous, m.tied = True, top

    # -- output -----------------------------------------------------------------------------------

    def _as_dict(self, view: _View, m: _Mention) -> dict:
        start, end = view.span(m.i, m.j)
        out = {
            "kind": m.kind,
            "as_written": view.text[start:end],
            "start": start,
            "end": end,
            "unit": None,
            "current_unit": None,
            "ambiguous": m.ambiguous,
            "prefix": m.prefix,
        }
        if m.kind in ("ward", "district"):
            out["in_gazetteer"] = m.unit is not None or m.ambiguous
            if m.unit is not None:
                out["unit"] = m.unit.full
                if m.unit.level == "ward" and m.unit.current:
                    out["current_unit"] = m.unit.current[0]
                    if len(m.unit.current) > 1:
                        out["split_into"] = list(m.unit.current)
            if m.ambiguous:
                out["candidates"] = _units_text(m.tied)
        return out


def _units_text(units: Iterable[Unit]) -> list[str]:
    return list(dict.fromkeys(u.full for u in units))
