"""The label set: topics, letter types and departments, read from ``taxonomy.toml``."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG_DIR = Path(__file__).parent / "config"


class ConfigError(ValueError):
    """A configuration file is missing, malformed or inconsistent; the message names the file."""


def config_dir() -> Path:
    """The folder holding taxonomy.toml and routing.toml (``HOMTHU_CONFIG_DIR`` overrides)."""
    return Path(os.environ.get("HOMTHU_CONFIG_DIR") or DEFAULT_CONFIG_DIR)


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Label, ...]
    letter_types: tuple[Label, ...]
    departments: tuple[Label, ...]
    source: str = field(default="", compare=False)

    @property
    def topic_ids(self) -> list[str]:
        return [t.id for t in self.topics]

    @property
    def letter_type_ids(self) -> list[str]:
        return [t.id for t in self.letter_types]

    @property
    def department_ids(self) -> list[str]:
        return [d.id for d in self.departments]

    def name_of(self, kind: str, label_id: str) -> str:
        group = {"topic": self.topics, "letter_type": self.letter_types, "department": self.departments}[kind]
        for label in group:
            if label.id == label_id:
                return label.name
        raise KeyError(label_id)

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """Read a taxonomy file; every problem is a :class:`ConfigError` naming the file."""
        path = path or config_dir() / "taxonomy.toml"
        data = read_toml(path)
        groups = {}
        for key in ("topics", "letter_types", "departments"):
            rows = data.get(key)
            if not rows:
                raise ConfigError(f"{path}: no [[{key}]] entries")
            labels, seen = [], set()
            for i, row in enumerate(rows, 1):
                if "id" not in row or "name" not in row:
                    raise ConfigError(f"{path}: [[{key}]] entry {i} needs an id and a name")
                if row["id"] in seen:
                    raise ConfigError(f"{path}: [[{key}]] id {row['id']!r} appears twice")
                seen.add(row["id"])
                labels.append(Label(row["id"], row["name"], row.get("description", "")))
            groups[key] = tuple(labels)
        return cls(**groups, source=str(path))
