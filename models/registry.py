"""The model registry: versioned model folders and which one is in service.

Layout (under ``HOMTHU_MODELS_DIR``, by default this package's folder ``models/``)::

    versions/<version>/model.skops, manifest.json, report.md
    registry.json        {"current": "<version>", "history": [...]}

Reading is here (the service needs it); promotion policy lives in ``training.registry``.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from models.classifier import ModelLoadError, read_manifest

PACKAGE_DIR = Path(__file__).parent


def models_dir() -> Path:
    return Path(os.environ.get("HOMTHU_MODELS_DIR") or PACKAGE_DIR)


class Registry:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else models_dir()
        self.versions_dir = self.root / "versions"
        self.file = self.root / "registry.json"

    def _read(self) -> dict:
        if not self.file.exists():
            return {"current": None, "history": []}
        try:
            return json.loads(self.file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelLoadError(f"{self.file}: not valid JSON ({exc})") from exc

    def _write(self, data: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".registry.", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, self.file)  # atomic: readers see the old or the new file, never half

    def path_of(self, version: str) -> Path:
        path = self.versions_dir / version
        if not (path / "manifest.json").exists():
            raise ModelLoadError(f"no model version {version!r} in {self.versions_dir}")
        return path

    def versions(self) -> list[dict]:
        """Manifests of every version, oldest first; broken folders are reported, not hidden."""
        out = []
        if not self.versions_dir.exists():
            return out
        for folder in sorted(self.versions_dir.iterdir()):
            if not folder.is_dir():
                continue
            try:
                out.append(read_manifest(folder))
            except ModelLoadError as exc:
                out.append({"version": folder.name, "error": str(exc)})
        return sorted(out, key=lambda m: (m.get("created_at", ""), m["version"]))

    def current(self) -> str | None:
        return self._read().get("current")

    def history(self) -> list[dict]:
        return self._read().get("history", [])

    def set_current(self, version: str, action: str = "promote", actor: str = "cli") -> None:
        self.path_of(version)
        data = self._read()
        data.setdefault("history", []).append(
            {
                "version": version,
                "previous": data.get("current"),
                "action": action,
                "by": actor,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        data["current"] = version
        self._write(data)

    def current_path(self) -> Path:
        version = self.current()
        if not version:
            raise ModelLoadError(
                f"no model in service: {self.file} names none (run `homthu train` and `homthu models promote`)"
            )
        return self.path_of(version)
