"""Personal data in letter texts: find it, mask it.

Phone numbers, citizen ID numbers (CCCD 12 digits, CMND 9), emails, bank accounts, licence plates
are found by pattern; person names by fast rules (``names=True``: a common surname followed by
capitalised syllables, or a name after "ông", "chị", "Họ tên:"…) or by underthesea's NER
(``names="ner"``, about 90 ms a letter: for exports, not for intake). Masking is used for analyst
views, exports and anything that could reach a log.
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


SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương Trịnh Trương Lâm "
    "Phùng Mai Tô Hà Tạ Chu Lương Kiều Đinh Cao Quách Lưu Thái Lại Triệu Khúc Văn La Tăng Mạc Nghiêm Hứa Lục"
).split()
# Capitalised words that follow "ông", "bà"... but are titles, not names.
_NOT_NAMES = set(
    "Chủ Phó Trưởng Giám Bí Tổ Công Cán Đảng Hội Ban Phòng Sở Bộ Nhà Trường Thầy Cô Bác Trung Đại Thượng Chánh "
    "Viện Tòa Ủy Uỷ Hiệu Kế Thủ Thư Tư Cảnh Chỉ Đội Ngân Kho Trạm Bệnh Giáo Chi Đồng".split()
)
# A name right after these words is a place named after a person ("đường Phạm Văn Đồng").
_PLACE_WORDS = set(
    "đường phố phường xã quận huyện trường ngõ ngách hẻm cầu chợ khu tổ thôn xóm làng bệnh viện "
    "thị trấn tỉnh thành phố công viên nhà văn hóa tp tp. p. q. hồ sông".split()
)
# Place names that look like person names (surname + capitalised syllables).
KNOWN_PLACES = {
    "Hà Nội",
    "Hà Đông",
    "Hà Giang",
    "Hà Nam",
    "Hà Tĩnh",
    "Cao Bằng",
    "Lào Cai",
    "Mai Dịch",
    "Hồ Chí Minh",
    "Lâm Đồng",
    "Thái Bình",
    "Thái Nguyên",
    "Hồ Tây",
    "Hà Huy Tập",
    "Đồng Nai",
    "Phan Thiết",
    "Hà Tiên",
    "Mai Động",
    "Hoàng Mai",
    "Hoàng Liệt",
    "Văn Quán",
    "Văn Miếu",
    "Lý Thái Tổ",
    "Đào Tấn",
    "Lạc Long Quân",
    "Trần Phú",
    "Lê Lợi",
    "Lê Duẩn",
    "Cao Lãnh",
    "Trịnh Văn Bô",
    "Đặng Xá",
    "Trương Định",
    "Chu Văn An",
}
_NAME_AFTER_SURNAME = re.compile(rf"(?<!\w)(?:{'|'.join(SURNAMES)})(?:\s+\w+){{1,3}}")
_CUE = r"(?:ông|bà|anh|chị|cô|chú|bác|em|cháu|cụ|tôi tên là|tôi là|tên tôi là|họ và tên|họ tên|người làm đơn|ký tên)"
_NAME_AFTER_CUE = re.compile(rf"(?<!\w){_CUE}\s*:?\s+((?:\w+)(?:\s+\w+){{0,3}})", re.I)


def _capitalised_run(words: list[str], first_may_be_surname: bool = False) -> list[str]:
    keep = []
    for w in words:
        if not w[0].isupper() or w in _NOT_NAMES or (w.isupper() and len(w) > 1):
            break
        keep.append(w)
    return keep


def _after_place_word(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start].lower().split()
    return bool(before) and before[-1] in _PLACE_WORDS


def _fast_person_names(text: str) -> list[Span]:
    """Person names by cheap rules: a common surname followed by capitalised syllables ("Nguyễn Văn An"),
    or capitalised syllables after a form of address or a form field ("chị Lan", "Họ tên: Trần Thị B")."""
    spans = []
    for m in _NAME_AFTER_SURNAME.finditer(text):
        words = m.group(0).split()
        keep = [words[0], *_capitalised_run(words[1:])]
        if len(keep) >= 2 and not _after_place_word(text, m.start()) and " ".join(keep) not in KNOWN_PLACES:
            name = " ".join(keep)
            spans.append(Span("person", m.start(), m.start() + len(name), name))
    for m in _NAME_AFTER_CUE.finditer(text):
        keep = _capitalised_run(m.group(1).split())
        if keep:
            name = " ".join(keep)
            spans.append(Span("person", m.start(1), m.start(1) + len(name), name))
    return spans


def find_personal_data(text: str, names: bool | str = False) -> list[Span]:
    """Spans of personal data, earliest first, never overlapping.

    >>> [s.kind for s in find_personal_data("Gọi 0912 345 678 hoặc email an.nguyen@gmail.com, CCCD 001085012345")]
    ['phone', 'email', 'id_number']
    """
    spans: list[Span] = []
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(text):
            group = 1 if kind == "bank_account" else 0
            spans.append(Span(kind, m.start(group), m.end(group), m.group(group)))
    if names == "ner":
        spans += _person_names(text)
    elif names:
        spans += _fast_person_names(text)
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


def mask(text: str, names: bool | str = False) -> str:
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
