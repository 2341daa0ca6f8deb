"""Near-duplicate letters (đơn trùng lặp): MinHash signatures and LSH band keys.

A letter re-sent with another date, header or a few changed words keeps most of its character
5-grams. Each letter gets a MinHash signature (datasketch) of the 5-grams of its comparable text
(cleaned, boilerplate and dates removed, unaccented, lower case); the signature is cut into bands
whose hashes are stored in the database. Two letters that share a band are candidates; the
estimated Jaccard similarity of their signatures decides. Because the band keys live in the
database (an indexed table), the index survives restarts, is shared by every worker and host, and a
lookup stays a few indexed queries however many letters are stored.

Letters addressed to several agencies at once ("Kính gửi: UBND phường…; Công an phường…") are
recognised from their address lines.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from models.text import clean, unaccent

NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: letters with Jaccard ~0.5 and above become candidates
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.6  # estimated Jaccard at which a letter is linked to an earlier one
SEED = 20251128

_DATES = re.compile(r"\b(?:ngay|ngày)?\s*\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{2,4})?\b|\b(?:nam|năm)\s+\d{4}\b")
_NUMBERS = re.compile(r"\d+")


# "Kính gửi: …" up to the end of its line or sentence, and the "- …" lines listing more agencies
_ADDRESS_BLOCK = re.compile(r"(?m)^[ \t]*(?:dong[ \t]+)?kinh[ \t]+gui\b[^\n.]{0,150}(?:\n[ \t]*[-+*][ \t][^\n]*)*")
_PLACE_DATE_LINE = re.compile(r"(?m)^[^\n,]{0,40},[ \t]*ngay\b[^\n]{0,30}$")


def comparable(text: str) -> str:
    """The text as duplicates are judged: no header, no address lines ("Kính gửi: …"), no place-and-date
    line, no dates, unaccented, lower case, one space — what changes when a letter is re-sent."""
    full = unaccent(clean(text)).lower()
    plain = _ADDRESS_BLOCK.sub(" ", full)
    plain = _PLACE_DATE_LINE.sub(" ", plain)
    plain = " ".join(_DATES.sub(" ", plain).split())
    return plain if len(plain) >= 40 else " ".join(full.split())  # a very short letter: keep it whole


def shingles(text: str, k: int = 5) -> set[bytes]:
    t = comparable(text)
    if len(t) <= k:
        return {t.encode("utf-8")}
    return {t[i : i + k].encode("utf-8") for i in range(len(t) - k + 1)}


def signature(text: str) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` unsigned 32-bit values) of a letter."""
    m = MinHash(num_perm=NUM_PERM, seed=SEED)
    m.update_batch(list(shingles(text)))
    return m.hashvalues.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 63-bit key per band (fits a BIGINT column)."""
    keys = []
    for b in range(BANDS):
        digest = hashlib.blake2b(sig[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4")


@dataclass(frozen=True)
class Match:
    letter_id: int
    similarity: float


def best_match(sig: np.ndarray, candidates: dict[int, bytes], threshold: float = THRESHOLD) -> Match | None:
    """The most similar earlier letter among LSH candidates, if similar enough (oldest wins ties)."""
    best = None
    for letter_id, data in sorted(candidates.items()):
        s = similarity(sig, from_bytes(data))
        if s >= threshold and (best is None or s > best.similarity):
            best = Match(letter_id, round(s, 3))
    return best


_ADDRESS_LINE = re.compile(r"(?im)^\s*(?:đồng\s+)?kính\s+gửi\s*:?\s*(.+)$|^\s*(?:dong\s+)?kinh\s+gui\s*:?\s*(.+)$")
_AGENCY = re.compile(
    r"(?i)\b(ủy ban|uỷ ban|ubnd|hđnd|hội đồng|công an|thanh tra|ban|phòng|sở|bộ|tòa|viện|mặt trận|"
    r"đảng ủy|văn phòng|chủ tịch|đoàn đại biểu|báo|đài)\b"
)


def recipients(text: str) -> list[str]:
    """The agencies a letter is addressed to ("Kính gửi: …", "Đồng kính gửi: …", and "- …" lines under it).

    >>> recipients("Kính gửi: - UBND phường Xuân Đỉnh\\n- Công an phường Xuân Đỉnh\\nĐồng kính gửi: Báo Hà Nội Mới")
    ['UBND phường Xuân Đỉnh', 'Công an phường Xuân Đỉnh', 'Báo Hà Nội Mới']
    """
    found: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _ADDRESS_LINE.match(line)
        if not m:
            continue
        block = [m.group(1) or m.group(2)]
        for nxt in lines[i + 1 : i + 6]:
            if re.match(r"^\s*[-–•+]\s*\S", nxt) and _AGENCY.search(nxt):
                block.append(nxt)
            else:
                break
        for part in block:
            for piece in re.split(r";|\s-\s|^\s*-\s*", part):
                piece = piece.strip(" -–•+.,;")
                if piece and _AGENCY.search(piece) and piece not in found:
                    found.append(piece)
    return found
