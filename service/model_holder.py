"""The model in service, swappable without restart and without a mixed request.

Each request takes one snapshot (:class:`Serving`) at its start and uses it to the end, so it is
answered by exactly one model version. A new version is loaded and warmed up *beside* the old
one, then swapped in with a single reference assignment; if it fails to load, the old one keeps
serving. Every worker watches the registry file and reloads when the version in service changes.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from models.deadlines import Deadlines
from models.registry import Registry
from models.triage import Triage, load_triage
from models.urgency import UrgencyDetector
from service.intake import IncomingLetter, Intake

log = logging.getLogger("homthu.service")

WARM_UP_TEXT = "Đề nghị phường sửa đèn đường ngõ 12 bị hỏng, ko dc để tối om như vậy"


@dataclass(frozen=True)
class Serving:
    triage: Triage
    intake: Intake

    @property
    def version(self) -> str:
        return self.triage.version


class ModelHolder:
    def __init__(self, registry: Registry, model_dir: Path | None = None, mask_names: bool = True):
        self.registry = registry
        self.model_dir = model_dir
        self.mask_names = mask_names
        self._lock = threading.Lock()
        self._registry_state: tuple | None = None
        self.last_error: str | None = None
        self.current: Serving = self._load(model_dir)

    def _load(self, model_dir: Path | None) -> Serving:
        triage = load_triage(model_dir, self.registry)
        deadlines = Deadlines.load(triage.taxonomy.letter_type_ids)
        intake = Intake(triage, deadlines, UrgencyDetector.load(), mask_names=self.mask_names)
        triage.run([WARM_UP_TEXT], explain=True)
        intake.prepare([IncomingLetter(WARM_UP_TEXT)])
        self._registry_state = self._state()
        return Serving(triage, intake)

    def _state(self) -> tuple | None:
        try:
            st = self.registry.file.stat()
            return (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return None

    def refresh(self) -> bool:
        """Reload if the registry names another version; return whether the model changed."""
        if self.model_dir is not None or self._state() == self._registry_state:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is already loading
        try:
            state = self._state()
            wanted = self.registry.current()
            if wanted == self.current.version:
                self._registry_state = state
                return False
            try:
                fresh = self._load(None)
            except Exception as exc:  # a broken version must never take the service down
                self._registry_state = state
                self.last_error = f"{wanted}: {exc}"
                log.error("model %s failed to load; still serving %s", wanted, self.current.version)
                return False
            old = self.current.version
            self.current = fresh  # the swap: one reference assignment
            self.last_error = None
            log.info("now serving model %s (was %s)", fresh.version, old)
            return True
        finally:
            self._lock.release()
