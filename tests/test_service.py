"""The HTTP API, through a real uvicorn process."""

import httpx


def test_healthz_names_the_model(server):
    r = httpx.get(server.url + "/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "model_version": "letters-linear-test-0001"}


def test_classify_one_letter(server):
    r = httpx.post(server.url + "/v1/classify", json={"text": "Nhà bên xây lấn ra vỉa hè", "id": "x1"})
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == "x1" and body["model_version"] == "letters-linear-test-0001"
    assert {"topic", "topics", "letter_type", "department", "needs_review", "review_reasons", "wards"} <= set(body)


def test_classify_explains_the_topic_with_words_from_the_letter(server):
    text = "Rác thải sinh hoạt đổ bừa bãi cạnh mương, bốc mùi hôi thối cả khu dân cư"
    body = httpx.post(server.url + "/v1/classify", json={"text": text}).json()
    terms = body["explanation"]
    assert terms and all(t["weight"] > 0 for t in terms)
    assert all(t["term"] in text.lower() for t in terms)  # words the letter uses, not the model's favourites
    plain = httpx.post(server.url + "/v1/classify", params={"explain": "false"}, json={"text": text}).json()
    assert plain["explanation"] == [] and plain["topic"] == body["topic"]


def test_classify_a_batch(server):
    letters = [{"text": "Đèn đường hỏng"}, {"text": "Góp ý dự thảo luật", "id": 2}]
    r = httpx.post(server.url + "/v1/classify", json={"letters": letters})
    assert r.status_code == 200
    body = r.json()
    assert len(body["results"]) == 2 and body["results"][1]["id"] == 2


def test_taxonomy_lists_ids_and_routes(server):
    body = httpx.get(server.url + "/v1/taxonomy").json()
    assert len(body["topics"]) == 13 and body["topics"][0]["department"]
    assert {d["id"] for d in body["departments"]} >= {"thanh_tra", "cong_an"}


def test_bad_input_is_a_clear_422_naming_the_field(server):
    url = server.url + "/v1/classify"
    cases = [
        ({"text": ""}, "body.text: text is empty"),
        ({"text": "   "}, "body.text: text is empty"),
        ({"text": "x" * 50_001}, "body.text: text has 50001 characters"),
        ({"text": 42}, "body.text"),
        ({"letters": [{"text": "ok"}, {"text": "<br><p></p>"}]}, "body.letters.1.text: text has no words"),
        ({"letters": []}, "body.letters: List should have at least 1 item"),
        ({}, "body.text: Field required"),
        ({"text": "a", "letters": [{"text": "b"}]}, "body.text: unknown field"),
        ({"letters": [{"text": "ok", "id": False}]}, "body.letters.0.id"),
        ({"text": "ok", "colour": "red"}, "body.colour: unknown field"),
    ]
    for payload, message in cases:
        r = httpx.post(url, json=payload)
        assert r.status_code == 422, payload
        assert message in r.json()["message"], (payload, r.json())
    r = httpx.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["message"]
    r = httpx.post(url, content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)


def test_unknown_route_is_404_json(server):
    r = httpx.get(server.url + "/v1/nothing")
    assert r.status_code == 404 and r.json()["message"]


def test_openapi_has_stable_operation_ids(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"classify_letters", "get_taxonomy", "healthz"} <= ids


def test_service_answers_while_a_batch_import_runs(server):
    """A long import does not block the API: health checks come back before the import finishes."""
    import threading

    from tests.conftest import server_key

    key = server_key(server, "importer", "clerk")
    letters = [{"text": f"Đèn đường ngõ {i} phố Xuân La hỏng đã lâu, tối đi lại nguy hiểm", "external_id": f"imp-{i}"}
               for i in range(600)]
    done = {}

    def bulk():
        r = httpx.post(server.url + "/v1/letters/batch", json={"letters": letters}, headers={"X-API-Key": key},
                       timeout=600)
        done["import"] = r.status_code

    thread = threading.Thread(target=bulk)
    thread.start()
    answered = 0
    while thread.is_alive() and answered < 3:
        if httpx.get(server.url + "/healthz", timeout=60).status_code == 200:
            answered += 1
    import_still_running = thread.is_alive()
    thread.join()
    assert done["import"] == 200
    assert answered == 3 and import_still_running
