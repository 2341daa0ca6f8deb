"""The letters API on SQLite and on PostgreSQL: intake, idempotency, queue, corrections, roles."""

from datetime import UTC, datetime, timedelta

import pytest

DENUNCIATION = (
    "Tôi tên Trần Văn Hùng, SĐT 0912345678, CCCD 001085012345. Tôi tố cáo ông Lê Văn Nam, cán bộ "
    "địa chính phường Xuân Đỉnh, đã nhận 50 triệu đồng của chủ nhà số 12 ngõ 5 để làm sổ đỏ sai quy định."
)
WALL = "Nhà số 8 ngõ 47 phường Cổ Nhuế 1 xây thêm tầng 6 không phép, tường nhà tôi nứt toác có thể sập bất cứ lúc nào."


def ingest(api, text, role="clerk", **extra):
    r = api.post("/v1/letters", json={"text": text, **extra}, headers=api.as_(role))
    assert r.status_code in (200, 201), r.json()
    return r.json()


def test_ingest_stores_classification_route_and_due_dates(api):
    body = ingest(
        api,
        WALL,
        channel="mailbox",
        received_at="2026-11-27T09:00:00+07:00",
        writer={"name": "Phạm Thị Lan", "phone": "0987654321"},
    )
    assert body["status"] in ("routed", "needs_review")
    assert body["prediction"]["model_version"] == "letters-linear-test-0001"
    assert body["department"] and body["topic"] and body["letter_type"]
    assert body["urgent"] and "nứt toác" in body["urgent_terms"]
    assert body["accept_due"] > "2026-11-27" and body["settle_due"] > body["accept_due"]
    assert body["writer"]["name"] == "Phạm Thị Lan"  # a clerk sees the writer of a petition
    stored = api.get(f"/v1/letters/{body['id']}", headers=api.as_("clerk")).json()
    assert stored["history"][0]["action"] == "received"


def test_retry_with_the_same_external_id_returns_the_same_letter(api):
    first = api.post("/v1/letters", json={"text": WALL, "external_id": "portal-991"}, headers=api.as_("clerk"))
    again = api.post("/v1/letters", json={"text": WALL, "external_id": "portal-991"}, headers=api.as_("clerk"))
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    listed = api.get("/v1/letters", headers=api.as_("clerk")).json()["letters"]
    assert len(listed) == 1


def test_batch_import_reports_each_item(api):
    letters = [{"text": f"Đèn đường ngõ {i} phố Xuân La hỏng", "external_id": f"b-{i}"} for i in range(30)]
    letters += [{"text": ""}, {"text": "ok", "colour": "red"}, {"text": WALL, "external_id": "b-3"}, "not an object"]
    r = api.post("/v1/letters/batch", json={"letters": letters}, headers=api.as_("clerk"))
    assert r.status_code == 200
    body = r.json()
    assert (body["created"], body["existing"], body["failed"]) == (30, 1, 3)
    errors = {x["index"]: x["error"] for x in body["items"] if x["status"] == "error"}
    assert "letters.30.text: text is empty" == errors[30]
    assert "colour" in errors[31] and "letters.33" in errors[33]
    again = api.post("/v1/letters/batch", json={"letters": letters[:30]}, headers=api.as_("clerk")).json()
    assert again["existing"] == 30 and again["created"] == 0


def test_correction_reroutes_keeps_prediction_and_audits(api):
    letter = ingest(api, WALL)
    original = letter["prediction"]["topic"]
    new_topic = "moi_truong" if original != "moi_truong" else "dat_dai"
    r = api.patch(
        f"/v1/letters/{letter['id']}",
        json={"topic": new_topic, "note": "thực chất là ô nhiễm"},
        headers=api.as_("clerk"),
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["letter"]["topic"] == new_topic
    assert body["letter"]["department"] == "tai_nguyen_moi_truong"
    assert body["rerouted"]["to"] == "tai_nguyen_moi_truong"
    assert body["letter"]["prediction"]["topic"] == original  # the model's prediction is never overwritten
    history = api.get(f"/v1/letters/{letter['id']}", headers=api.as_("clerk")).json()["history"]
    last = history[-1]
    assert last["actor"] == "clerk" and last["before"]["topic"] == letter["topic"]
    assert last["after"]["topic"] == new_topic and last["note"] == "thực chất là ô nhiễm"


def test_status_workflow_allows_office_transitions_only(api):
    letter = ingest(api, WALL)
    lid, h = letter["id"], api.as_("clerk")
    bad = api.patch(f"/v1/letters/{lid}", json={"status": "resolved"}, headers=h)
    assert bad.status_code == 422 and bad.json()["message"].startswith("body.status: a letter that is")
    assert api.patch(f"/v1/letters/{lid}", json={"status": "in_progress"}, headers=h).status_code == 200
    refer = api.patch(f"/v1/letters/{lid}", json={"status": "closed_not_responsible"}, headers=h)
    assert refer.status_code == 422 and "referred_to" in refer.json()["message"]
    ok = api.patch(
        f"/v1/letters/{lid}",
        json={"status": "closed_not_responsible", "referred_to": "Công ty Điện lực Bắc Từ Liêm"},
        headers=h,
    )
    assert ok.status_code == 200 and ok.json()["letter"]["referred_to"] == "Công ty Điện lực Bắc Từ Liêm"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"topic": "nope"}, "body.topic"),
        ({"letter_type": "don"}, "body.letter_type"),
        ({"department": "x"}, "body.department"),
        ({"status": "lost"}, "body.status"),
        ({"topic": None}, "body.topic"),
        ({}, "body"),
        ({"colour": "red"}, "body.colour"),
    ],
)
def test_bad_corrections_are_422_naming_the_field(api, payload, field):
    letter = ingest(api, WALL)
    r = api.patch(f"/v1/letters/{letter['id']}", json=payload, headers=api.as_("clerk"))
    assert r.status_code == 422 and r.json()["message"].startswith(field), r.json()


def test_denouncer_identity_is_for_admin_only(api):
    letter = ingest(api, DENUNCIATION, writer={"name": "Trần Văn Hùng", "phone": "0912345678"})
    api.patch(f"/v1/letters/{letter['id']}", json={"letter_type": "to_cao"}, headers=api.as_("clerk"))
    as_clerk = api.get(f"/v1/letters/{letter['id']}", headers=api.as_("clerk")).json()
    as_admin = api.get(f"/v1/letters/{letter['id']}", headers=api.as_("admin")).json()
    as_analyst = api.get(f"/v1/letters/{letter['id']}", headers=api.as_("analyst")).json()
    assert as_admin["writer"]["name"] == "Trần Văn Hùng" and "0912345678" in as_admin["text"]
    for view in (as_clerk, as_analyst):
        assert view["writer"] is None and view["text_masked"]
        assert "0912345678" not in view["text"] and "001085012345" not in view["text"]
        assert "[số điện thoại]" in view["text"]


def test_analyst_sees_no_personal_data_and_cannot_write(api):
    letter = ingest(api, WALL + " Liên hệ 0987.654.321.", writer={"name": "Phạm Thị Lan"})
    view = api.get(f"/v1/letters/{letter['id']}", headers=api.as_("analyst")).json()
    assert view["writer"] is None and "0987.654.321" not in view["text"]
    assert api.post("/v1/letters", json={"text": WALL}, headers=api.as_("analyst")).status_code == 403
    assert (
        api.patch(f"/v1/letters/{letter['id']}", json={"topic": "dat_dai"}, headers=api.as_("analyst")).status_code
        == 403
    )


def test_keys_are_required_and_checked(api):
    assert api.get("/v1/letters").status_code == 401
    r = api.get("/v1/letters", headers={"X-API-Key": "hmt_wrong"})
    assert r.status_code == 401 and r.json()["message"] == "header.X-API-Key: unknown or revoked API key"


def test_list_filters_search_and_cursor_pages(api):
    for i in range(7):
        ingest(api, f"Đèn đường ngõ {i} phố Hoàng Quốc Việt tắt cả tuần, đề nghị sửa")
    ingest(api, WALL)
    h = api.as_("clerk")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/letters", params=params, headers=h).json()
        seen += [x["id"] for x in page["letters"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 8 and len(set(seen)) == 8 and seen == sorted(seen, reverse=True)
    found = api.get("/v1/letters", params={"q": "tang 6 khong phep"}, headers=h).json()["letters"]
    assert len(found) == 1 and "tầng 6" in found[0]["text"]
    urgent = api.get("/v1/letters", params={"urgent": True}, headers=h).json()["letters"]
    assert [x["id"] for x in urgent] == [found[0]["id"]]
    queue = api.get("/v1/letters", params={"sort": "queue", "limit": 2}, headers=h).json()
    assert queue["letters"][0]["urgent"]
    rest = api.get(
        "/v1/letters", params={"sort": "queue", "limit": 50, "cursor": queue["next_cursor"]}, headers=h
    ).json()["letters"]
    assert len(rest) == 6
    confidences = [x["prediction"]["topic_confidence"] for x in queue["letters"][1:] + rest]
    assert confidences == sorted(confidences)
    assert api.get("/v1/letters", params={"cursor": "garbage!"}, headers=h).status_code == 422
    assert api.get("/v1/letters", params={"status": "lost"}, headers=h).json()["message"].startswith("query.status")


def test_overdue_and_due_this_week(api):
    old = (datetime.now(UTC) - timedelta(days=90)).isoformat()
    late = ingest(api, WALL, received_at=old)
    ingest(api, "Đề nghị sửa đèn đường ngõ 3")
    h = api.as_("clerk")
    overdue = api.get("/v1/letters", params={"overdue": True}, headers=h).json()["letters"]
    assert [x["id"] for x in overdue] == [late["id"]] and overdue[0]["overdue"]
    due = api.get("/v1/letters/due", params={"days": 30}, headers=h).json()
    assert sum(d["overdue"] for d in due) == 1 and sum(d["open"] for d in due) == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"text": ""}, "body.text"),
        ({"text": "   "}, "body.text"),
        ({"text": "x" * 50_001}, "body.text"),
        ({"text": "<p></p>&nbsp;"}, "body.text"),
        ({"text": 5}, "body.text"),
        ({"text": "a", "who": 1}, "body.who"),
        ({"text": "Đèn hỏng", "channel": "pigeon"}, "body.channel"),
        ({"text": "Đèn hỏng", "received_at": "yesterday"}, "body.received_at"),
        ({"text": "Đèn hỏng", "writer": {"age": 3}}, "body.writer.age"),
        ({"text": "\x00\x01\x02\x03\x04 bin"}, "body.text"),
    ],
)
def test_bad_letters_are_422_naming_the_field(api, payload, field):
    r = api.post("/v1/letters", json=payload, headers=api.as_("clerk"))
    assert r.status_code == 422 and r.json()["message"].startswith(field), r.json()


def test_departments_readyz_metrics(api):
    depts = api.get("/v1/departments").json()
    assert {d["id"] for d in depts} >= {"thanh_tra", "ban_gpmb"}
    assert "to_cao_about_official" in next(d for d in depts if d["id"] == "thanh_tra")["overrides"]
    assert api.get("/readyz").json()["status"] == "ready"
    ingest(api, WALL)
    text = api.get("/metrics").text
    assert "homthu_letters_ingested_total" in text and 'homthu_model_info{version="letters-linear-test-0001"}' in text


RESENT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 12/3/2026
Kính gửi: UBND phường Xuân Đỉnh
Tôi tên là Nguyễn Văn An, trú tại ngõ 12 Xuân La. Nhà số 14 bên cạnh xây thêm tầng 5 không có giấy phép, \
làm nứt tường nhà tôi, mưa xuống nước thấm khắp phòng ngủ. Tôi đã báo tổ dân phố hai lần nhưng chưa ai đến xem. \
Tôi đề nghị phường kiểm tra, xử lý dứt điểm."""


def test_a_resent_letter_is_linked_to_its_original(api):
    first = ingest(api, RESENT)
    again = RESENT.replace("12/3/2026", "20/4/2026").replace("dứt điểm", "sớm cho gia đình tôi").replace(
        "Kính gửi: UBND phường Xuân Đỉnh", "Kính gửi:\n- Công an phường Xuân Đỉnh\n- Thanh tra quận Bắc Từ Liêm")
    second = ingest(api, again)
    other = ingest(api, "Đèn đường ngõ 5 phố Hoàng Quốc Việt hỏng cả tuần, đề nghị sửa")
    assert second["duplicate_of"] == first["id"] and second["duplicate_similarity"] >= 0.6
    assert second["needs_review"] and any(r.startswith("duplicate_of") for r in second["review_reasons"])
    assert second["recipients"] == ["Công an phường Xuân Đỉnh", "Thanh tra quận Bắc Từ Liêm"]
    assert first["duplicate_of"] is None and other["duplicate_of"] is None
