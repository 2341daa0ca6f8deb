"""Routing: from a classification to the department that handles the letter, or to review.

The route table is configuration (``routing.toml``): topic → department, overrides tried
first (a ``to_cao`` letter about an official goes to the inspectorate), and the thresholds
under which a letter goes to the human review queue instead of being routed blindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from models.taxonomy import ConfigError, Taxonomy, config_dir, read_toml
from models.text import unaccent


@dataclass(frozen=True)
class Override:
    name: str
    department: str
    letter_type: str | None = None
    topics: tuple[str, ...] = ()
    mentions: re.Pattern[str] | None = None
    description: str = ""

    def matches(self, topic: str, letter_type: str, plain_text: str) -> bool:
        if self.letter_type and letter_type != self.letter_type:
            return False
        if self.topics and topic not in self.topics:
            return False
        return not (self.mentions and not self.mentions.search(plain_text))


@dataclass(frozen=True)
class ReviewPolicy:
    min_topic_confidence: float = 0.45
    min_topic_margin: float = 0.10
    min_letter_type_confidence: float = 0.40
    # A letter is urgent when the model's urgent head gives at least this probability.
    urgent_threshold: float = 0.40

    def reasons(self, topic_scores: list[tuple[str, float]], letter_type_confidence: float) -> list[str]:
        """Why a letter needs a human: empty when the model is confident enough.

        ``topic_scores`` is the ranked list of (topic, probability).
        """
        reasons = []
        top = topic_scores[0][1]
        if top < self.min_topic_confidence:
            reasons.append(f"low_topic_confidence: {top:.2f} < {self.min_topic_confidence:.2f}")
        if len(topic_scores) > 1:
            margin = top - topic_scores[1][1]
            if margin < self.min_topic_margin:
                reasons.append(f"close_topics: {topic_scores[0][0]} and {topic_scores[1][0]} differ by {margin:.2f}")
        if letter_type_confidence < self.min_letter_type_confidence:
            reasons.append(
                f"low_letter_type_confidence: {letter_type_confidence:.2f} < {self.min_letter_type_confidence:.2f}"
            )
        return reasons


@dataclass(frozen=True)
class PlaceRoute:
    """Send a topic to the office of the ward the letter names, e.g. its urban-order team."""

    topics: tuple[str, ...]
    office: str  # a template: {ward} is the ward's current name, e.g. "Đội trật tự đô thị {ward}"


@dataclass(frozen=True)
class RouteTable:
    topics: dict[str, str]
    overrides: tuple[Override, ...] = ()
    review: ReviewPolicy = field(default_factory=ReviewPolicy)
    place_routes: tuple[PlaceRoute, ...] = ()

    def office_for(self, topic: str, wards: list[dict]) -> str | None:
        """The ward office for a letter of ``topic`` that names one resolved ward; ``None`` falls back
        to the department table (no rule, no ward, several wards or an ambiguous one)."""
        resolved = {w["current_unit"] for w in wards if w.get("current_unit") and not w.get("ambiguous")}
        if len(resolved) != 1:
            return None
        ward = resolved.pop().split(",")[0].strip()
        for rule in self.place_routes:
            if topic in rule.topics:
                return rule.office.format(ward=ward)
        return None

    def department_for(self, topic: str, letter_type: str, text: str = "") -> tuple[str, str]:
        """The department for a letter and the rule that chose it (``topic`` or an override's name)."""
        plain = unaccent(text).lower()
        for rule in self.overrides:
            if rule.matches(topic, letter_type, plain):
                return rule.department, rule.name
        return self.topics[topic], "topic"

    @classmethod
    def load(cls, taxonomy: Taxonomy, path: Path | None = None) -> RouteTable:
        """Read and check a routing file against the taxonomy; errors name the file and key."""
        path = path or config_dir() / "routing.toml"
        data = read_toml(path)
        departments = set(taxonomy.department_ids)
        topics = data.get("topics", {})
        missing = [t for t in taxonomy.topic_ids if t not in topics]
        if missing:
            raise ConfigError(f"{path}: [topics] has no department for {', '.join(missing)}")
        for topic, dept in topics.items():
            if topic not in taxonomy.topic_ids:
                raise ConfigError(f"{path}: [topics] names unknown topic {topic!r}")
            if dept not in departments:
                raise ConfigError(f"{path}: [topics] {topic} -> unknown department {dept!r}")
        overrides = []
        for i, row in enumerate(data.get("overrides", []), 1):
            where = f"{path}: [[overrides]] entry {i}"
            if row.get("department") not in departments:
                raise ConfigError(f"{where}: unknown department {row.get('department')!r}")
            lt = row.get("letter_type")
            if lt is not None and lt not in taxonomy.letter_type_ids:
                raise ConfigError(f"{where}: unknown letter_type {lt!r}")
            for t in row.get("topics", []):
                if t not in taxonomy.topic_ids:
                    raise ConfigError(f"{where}: unknown topic {t!r}")
            mentions = None
            if row.get("mentions"):
                words = sorted({unaccent(m).lower() for m in row["mentions"]}, key=len, reverse=True)
                mentions = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
            overrides.append(
                Override(
                    name=row.get("name", f"override_{i}"),
                    department=row["department"],
                    letter_type=lt,
                    topics=tuple(row.get("topics", [])),
                    mentions=mentions,
                    description=row.get("description", ""),
                )
            )
        review = data.get("review", {})
        unknown = set(review) - set(ReviewPolicy.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"{path}: [review] has unknown keys {sorted(unknown)}")
        place_routes = []
        for i, row in enumerate(data.get("place_routes", []), 1):
            bad = [t for t in row.get("topics", []) if t not in taxonomy.topic_ids]
            if bad or "office" not in row or "{ward}" not in row["office"]:
                raise ConfigError(f"{path}: [[place_routes]] entry {i} needs known topics and an office with {{ward}}")
            place_routes.append(PlaceRoute(tuple(row["topics"]), row["office"]))
        return cls(
            topics=dict(topics),
            overrides=tuple(overrides),
            review=ReviewPolicy(**review),
            place_routes=tuple(place_routes),
        )
