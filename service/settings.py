"""Service settings, read from ``HOMTHU_*`` environment variables and validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOMTHU_", extra="ignore")

    # A model version folder to serve; default: the version in service in the registry.
    model_dir: Path | None = None
    # The registry (versions/ and registry.json); default: the repository's models/ folder.
    models_dir: Path | None = None
    # Longest letter accepted, in characters.
    max_text_chars: int = Field(50_000, ge=100)
    # Most letters in one classify call.
    max_batch: int = Field(1_000, ge=1)
    # Letters classified in one pass through the model.
    batch_size: int = Field(64, ge=1)
    # Where the embedded SQLite database lives (when no database_url is given).
    data_dir: Path = REPO_ROOT / "data"
    # SQLAlchemy URL, e.g. postgresql+psycopg://user:pass@host/homthu; default: SQLite in data_dir.
    database_url: str | None = None
    # Most letters in one POST /v1/letters/batch call, and letters stored per transaction.
    max_import: int = Field(10_000, ge=1)
    import_chunk: int = Field(500, ge=1)
    # Without a key, /v1/classify and /v1/taxonomy answer anyone (they store nothing personal).
    open_classify: bool = True
    # How often each worker checks the registry for a newly promoted model.
    registry_poll_seconds: float = Field(2.0, gt=0)
    # Mask person names with underthesea NER at intake (costs a few ms per letter).
    mask_names: bool = True

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'homthu.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
