"""Quick checker for a helper's batch file: python3 corpus/check_batch.py corpus/letters/FILE.jsonl"""

import collections
import json
import sys

TOPICS = {
    "giai_phong_mat_bang",
    "dat_dai",
    "trat_tu_xay_dung",
    "ha_tang_giao_thong",
    "moi_truong",
    "an_ninh_trat_tu",
    "thu_tuc_hanh_chinh",
    "chinh_sach_xa_hoi",
    "y_te",
    "giao_duc",
    "can_bo_dang_vien",
    "xay_dung_chinh_sach",
    "khac",
}
TYPES = {"khieu_nai", "to_cao", "kien_nghi_phan_anh", "gop_y"}
DEPTS = {
    "ban_gpmb",
    "tai_nguyen_moi_truong",
    "quan_ly_do_thi",
    "cong_an",
    "van_phong_ubnd",
    "lao_dong_xa_hoi",
    "y_te",
    "giao_duc",
    "thanh_tra",
    "mat_tran_to_quoc",
}
KEYS = {"id", "text", "topic", "letter_type", "department", "wards", "style", "urgent"}
path = sys.argv[1]
ids = set()
c = collections.Counter()
t = collections.Counter()
bad = 0
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    if not line.strip():
        continue
    try:
        d = json.loads(line)
    except Exception as e:
        print(f"{path}:{n}: invalid JSON: {e}")
        bad += 1
        continue
    miss = KEYS - d.keys()
    extra = d.keys() - KEYS
    if miss or extra:
        print(f"{path}:{n}: missing {sorted(miss)} extra {sorted(extra)}")
        bad += 1
    if d.get("id") in ids:
        print(f"{path}:{n}: duplicate id {d.get('id')}")
        bad += 1
    ids.add(d.get("id"))
    if d.get("topic") not in TOPICS:
        print(f"{path}:{n}: bad topic {d.get('topic')}")
        bad += 1
    if d.get("letter_type") not in TYPES:
        print(f"{path}:{n}: bad letter_type {d.get('letter_type')}")
        bad += 1
    if d.get("department") not in DEPTS:
        print(f"{path}:{n}: bad department {d.get('department')}")
        bad += 1
    if not isinstance(d.get("urgent"), bool):
        print(f"{path}:{n}: urgent must be true/false")
        bad += 1
    w = d.get("wards")
    if not isinstance(w, list):
        print(f"{path}:{n}: wards must be a list")
        bad += 1
    else:
        for x in w:
            if x not in d.get("text", ""):
                print(f"{path}:{n}: ward {x!r} is not a substring of the text")
                bad += 1
    c[d.get("topic")] += 1
    t[(d.get("topic"), d.get("letter_type"))] += 1
print("letters:", sum(c.values()), "problems:", bad)
for k in sorted(c):
    print(f"  {k:22s} {c[k]:4d}  ", {lt: t[(k, lt)] for lt in sorted(TYPES) if t[(k, lt)]})
