"""Shared fixtures: real things built once per session (a small trained model, a uvicorn process)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from models.classifier import LetterClassifier, load_model, save_model
from training.corpus import read_letters

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
BIN = Path(sys.executable).parent


def small_sample(per_topic: int = 30) -> list[dict]:
    """A deterministic, topic-balanced sample of corpus letters."""
    by_topic: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(read_letters(CORPUS), key=lambda r: r["id"]):
        if len(by_topic[row["topic"]]) < per_topic:
            by_topic[row["topic"]].append(row)
    return [r for rows in by_topic.values() for r in rows]


def train_small(rows: list[dict], **params) -> LetterClassifier:
    params.setdefault("char_max_features", 20_000)
    return LetterClassifier(random_state=7, **params).fit(
        [r["text"] for r in rows],
        {"topic": [r["topic"] for r in rows], "letter_type": [r["letter_type"] for r in rows]},
    )


@pytest.fixture(scope="session")
def sample_rows() -> list[dict]:
    return small_sample()


@pytest.fixture(scope="session")
def small_classifier(sample_rows) -> LetterClassifier:
    return train_small(sample_rows)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, small_classifier) -> Path:
    """A saved model version folder, as `homthu train` writes it."""
    folder = tmp_path_factory.mktemp("models") / "versions" / "letters-linear-test-0001"
    from training.config import load_config

    config = {k: v for k, v in load_config().items() if not k.startswith("_")}
    save_model(small_classifier, folder, {"version": "letters-linear-test-0001", "created_at": "2026-01-01T00:00:00",
                                          "config": config, "label_columns": ["topic", "letter_type"]})
    load_model(folder)  # fail early if the fixture itself is broken
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "service.asgi:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.proc.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not answer /healthz in 90 s")

    def stop(self) -> str:
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out.decode(errors="replace")


def start_server(model_dir, tmp_path_factory, name: str = "") -> Server:
    """A uvicorn process serving the small model, with its own registry and SQLite database."""
    env = {
        **os.environ,
        "HOMTHU_MODEL_DIR": str(model_dir),
        "HOMTHU_MODELS_DIR": str(tmp_path_factory.mktemp(f"{name}registry")),
        "HOMTHU_DATA_DIR": str(tmp_path_factory.mktemp(f"{name}data")),
    }
    srv = Server(env, free_port())
    srv.env = env
    return srv


@pytest.fixture(scope="session")
def server(model_dir, tmp_path_factory):
    """A real uvicorn process serving the small model."""
    srv = start_server(model_dir, tmp_path_factory)
    yield srv
    srv.stop()


# -- databases: a fresh SQLite file or a fresh PostgreSQL schema for every test ----------------

PG_URL = os.environ.get("HOMTHU_TEST_DATABASE_URL")


def _postgres_or_skip() -> str:
    if PG_URL:
        return PG_URL
    if os.environ.get("CI"):
        pytest.fail("HOMTHU_TEST_DATABASE_URL is not set in CI: the PostgreSQL tests must run (.ci/run starts it)")
    pytest.skip("no PostgreSQL server (set HOMTHU_TEST_DATABASE_URL, or run `make test` which starts one)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database URL with an empty schema: SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'homthu.db'}"
        return
    with postgres_schema() as url:
        yield url


@contextlib.contextmanager
def postgres_schema():
    """The URL of a new, empty PostgreSQL schema on the test server, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    base = _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def database(database_url):
    from service.storage.db import Database

    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def keys(database) -> dict[str, str]:
    """One API key per role (and a second clerk), created as `homthu keys create` does."""
    from service.auth import create_key

    with database.session() as s:
        return {
            name: create_key(s, name=name, role=role)
            for name, role in [("clerk", "clerk"), ("analyst", "analyst"), ("admin", "admin"), ("clerk2", "clerk")]
        }


@pytest.fixture(scope="session")
def holder(model_dir, tmp_path_factory):
    """The small model, loaded and warmed once for every app the tests build."""
    from models.registry import Registry
    from service.model_holder import ModelHolder

    return ModelHolder(Registry(tmp_path_factory.mktemp("holder-registry")), model_dir)


@pytest.fixture
def api(database, database_url, keys, model_dir, tmp_path, holder):
    """The real app on a real database, driven over ASGI; ``api.as_(role)`` gives headers."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    settings = Settings(
        database_url=database_url, model_dir=model_dir, models_dir=tmp_path / "registry", mask_names=True
    )
    with TestClient(create_app(settings, holder=holder)) as client:
        client.keys = keys
        client.as_ = lambda role: {"X-API-Key": keys[role]}
        yield client


def server_key(server, name: str, role: str) -> str:
    """An API key in the database of a running ``server`` (as `homthu keys create` makes it)."""
    from service.auth import create_key
    from service.settings import Settings
    from service.storage.db import Database

    db = Database(Settings(data_dir=Path(server.env["HOMTHU_DATA_DIR"])).db_url)
    db.migrate()
    with db.session() as s:
        key = create_key(s, name=name, role=role)
    db.dispose()
    return key
