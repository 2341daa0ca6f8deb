"""Scale-out: two service processes on two ports, one PostgreSQL database, one shared registry folder.

Nothing but the database and the registry is shared: a letter written through one process is read
through the other, and a version promoted in the registry is served by both (each worker polls
``registry.json`` every ``HOMTHU_REGISTRY_POLL_SECONDS``). Under CI PostgreSQL is required.
"""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest

from models.classifier import save_model
from models.registry import Registry
from tests.conftest import Server, free_port, postgres_schema
from training.config import load_config
from training.registry import promote

LETTER = "Nhà số 8 ngõ 47 phường Cổ Nhuế 1 xây thêm tầng 6 không phép, tường nhà tôi nứt toác"


@pytest.fixture
def postgres_schema_url():
    with postgres_schema() as url:
        yield url


def _save_version(registry: Registry, classifier, version: str) -> None:
    config = {k: v for k, v in load_config().items() if not k.startswith("_")}
    save_model(classifier, registry.versions_dir / version,
               {"version": version, "created_at": "2026-01-01T00:00:00", "config": config,
                "label_columns": ["topic", "letter_type"]})


def _start_all(envs: list[dict]) -> list[Server]:
    """Start the processes side by side (each loads its own model), wait for every one."""
    servers: list[Server | None] = [None] * len(envs)
    errors: list[BaseException] = []

    def start(i: int) -> None:
        try:
            servers[i] = Server(envs[i], free_port())
        except BaseException as exc:  # reported below, after every thread ended
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(envs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for s in servers:
            if s is not None:
                s.stop()
        raise errors[0]
    return servers


def _wait_for_version(url: str, version: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(url + "/healthz", timeout=5).json()["model_version"] == version:
            return
        time.sleep(0.1)
    raise AssertionError(f"{url} still serves {httpx.get(url + '/healthz').json()['model_version']}, not {version}")


def test_scale_out_two_processes_share_database_and_registry(tmp_path, postgres_schema_url, small_classifier):
    from service.auth import create_key
    from service.storage.db import Database

    registry = Registry(tmp_path / "registry")
    _save_version(registry, small_classifier, "letters-linear-scale-0001")
    _save_version(registry, small_classifier, "letters-linear-scale-0002")
    promote(registry, "letters-linear-scale-0001", force=True, actor="test")

    db = Database(postgres_schema_url)
    db.migrate()
    with db.session() as s:
        key = create_key(s, name="clerk-scale", role="clerk")
    db.dispose()

    base_env = {k: v for k, v in os.environ.items() if k != "HOMTHU_MODEL_DIR"}
    envs = [
        {**base_env, "HOMTHU_DATABASE_URL": postgres_schema_url, "HOMTHU_MODELS_DIR": str(registry.root),
         "HOMTHU_DATA_DIR": str(tmp_path / f"data-{i}"), "HOMTHU_REGISTRY_POLL_SECONDS": "0.2"}
        for i in range(2)
    ]
    a, b = _start_all(envs)
    clerk = {"X-API-Key": key}
    try:
        for srv in (a, b):
            assert httpx.get(srv.url + "/healthz").json()["model_version"] == "letters-linear-scale-0001"

        # a letter written through one process is read through the other, both ways
        made = httpx.post(a.url + "/v1/letters", json={"text": LETTER, "external_id": "scale-1"}, headers=clerk)
        assert made.status_code == 201, made.text
        seen = httpx.get(f"{b.url}/v1/letters/{made.json()['id']}", headers=clerk)
        assert seen.status_code == 200 and seen.json()["text"] == LETTER
        retry = httpx.post(b.url + "/v1/letters", json={"text": LETTER, "external_id": "scale-1"}, headers=clerk)
        assert retry.status_code == 200 and retry.json()["id"] == made.json()["id"]  # one database, one letter
        other = httpx.post(b.url + "/v1/letters", json={"text": "Rác ùn ứ đầu ngõ 5 phố Xuân La"}, headers=clerk)
        assert other.status_code == 201, other.text
        listed = httpx.get(a.url + "/v1/letters", headers=clerk).json()
        assert {x["id"] for x in listed["letters"]} >= {made.json()["id"], other.json()["id"]}

        # a version promoted in the shared registry is picked up by both processes
        promote(registry, "letters-linear-scale-0002", force=True, actor="test")
        for srv in (a, b):
            _wait_for_version(srv.url, "letters-linear-scale-0002")
            answer = httpx.post(srv.url + "/v1/classify", json={"text": LETTER}).json()
            assert answer["model_version"] == "letters-linear-scale-0002"
        late = httpx.post(a.url + "/v1/letters", json={"text": LETTER, "external_id": "scale-2"}, headers=clerk)
        assert late.status_code == 201
        read_back = httpx.get(f"{b.url}/v1/letters/{late.json()['id']}", headers=clerk).json()
        assert read_back["prediction"]["model_version"] == "letters-linear-scale-0002"
    finally:
        for srv in (a, b):
            srv.stop()
