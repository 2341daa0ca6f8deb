"""Training configuration: one TOML file, dotted overrides, the resolved dict saved with the model."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.toml"
REPO_ROOT = Path(__file__).resolve().parent.parent


class TrainingConfigError(ValueError):
    """A training config or override is wrong; the message names the file or the key."""


def _parse_value(raw: str):
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw  # a bare word: keep it as a string


def load_config(path: Path | None = None, overrides: list[str] | None = None) -> dict:
    """Read a config file and apply ``section.key=value`` overrides (values in TOML syntax).

    >>> load_config(overrides=["model.C=2.5"])["model"]["C"]
    2.5
    """
    path = Path(path or DEFAULT_CONFIG)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TrainingConfigError(f"{path}: config file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TrainingConfigError(f"{path}: {exc}") from exc
    config = copy.deepcopy(config)
    for item in overrides or []:
        if "=" not in item:
            raise TrainingConfigError(f"--set {item!r}: expected section.key=value")
        dotted, raw = item.split("=", 1)
        keys = dotted.strip().split(".")
        node = config
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                raise TrainingConfigError(f"--set {item!r}: {key!r} is not a section of {path.name}")
            node = node[key]
        if keys[-1] not in node:
            raise TrainingConfigError(f"--set {item!r}: unknown key {dotted!r} in {path.name}")
        node[keys[-1]] = _parse_value(raw.strip())
    for section in ("corpus", "model"):
        if section not in config:
            raise TrainingConfigError(f"{path}: missing [{section}] section")
    config.setdefault("seed", 0)
    config["_source"] = str(path)
    return config


def resolve_path(value: str) -> Path:
    """Config paths are relative to the repository root, never to the working directory."""
    p = Path(value)
    return p if p.is_absolute() else REPO_ROOT / p
