"""Legal time limits: when a letter must be accepted (thụ lý) or refused, and when settled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from models.taxonomy import ConfigError, config_dir, read_toml


@dataclass(frozen=True)
class DueDates:
    accept_due: date
    settle_due: date


@dataclass(frozen=True)
class Deadlines:
    limits: dict[str, tuple[int, int]]
    working_days: bool = True
    holidays: tuple[str, ...] = ()

    def _add(self, start: date, days: int) -> date:
        if not self.working_days:
            return start + timedelta(days=days)
        holidays = np.array(self.holidays, dtype="datetime64[D]")
        first = np.busday_offset(np.datetime64(start, "D"), 0, roll="forward", holidays=holidays)
        return np.busday_offset(first, days, roll="forward", holidays=holidays).astype(date)

    def due(self, letter_type: str, received: date) -> DueDates:
        """Due dates of a letter of ``letter_type`` received on ``received``.

        >>> Deadlines({"to_cao": (7, 30)}).due("to_cao", date(2026, 11, 27))  # a Friday
        DueDates(accept_due=datetime.date(2026, 12, 8), settle_due=datetime.date(2027, 1, 19))
        """
        accept, settle = self.limits[letter_type]
        accept_due = self._add(received, accept)
        return DueDates(accept_due, self._add(accept_due, settle))

    @classmethod
    def load(cls, letter_types: list[str], path: Path | None = None) -> Deadlines:
        path = path or config_dir() / "deadlines.toml"
        data = read_toml(path)
        unit = data.get("unit", "working_days")
        if unit not in ("working_days", "days"):
            raise ConfigError(f"{path}: unit must be 'working_days' or 'days', not {unit!r}")
        rows = data.get("letter_types", {})
        limits = {}
        for lt in letter_types:
            if lt not in rows:
                raise ConfigError(f"{path}: no [letter_types.{lt}] time limits")
            try:
                limits[lt] = (int(rows[lt]["accept"]), int(rows[lt]["settle"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"{path}: [letter_types.{lt}] needs whole numbers accept and settle") from exc
        return cls(limits, unit == "working_days", tuple(data.get("holidays", [])))
