"""Service settings, read from ``HOMTHU_*`` environment variables and validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


@lru_cache
def get_settings() -> Settings:
    return Settings()
