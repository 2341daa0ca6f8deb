"""Triage: one letter (or a batch) in, a routing decision out.

Used alike by the batch CLI and the HTTP service: classify topic and letter type, pick the
department, decide whether a human must review, and record which model version decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from models.classifier import LoadedModel
from models.predictor import Predictor
from models.routing import RouteTable
from models.taxonomy import Taxonomy

REQUIRED_HEADS = ("topic", "letter_type")


@dataclass
class TopicScore:
    id: str
    confidence: float


@dataclass
class TriageResult:
    topic: str
    topic_confidence: float
    topics: list[TopicScore]
    letter_type: str
    letter_type_confidence: float
    department: str
    route_rule: str
    needs_review: bool
    review_reasons: list[str]
    wards: list[dict] = field(default_factory=list)
    model_version: str = ""
    explanation: list[dict] = field(default_factory=list)
    urgent: bool = False
    urgent_confidence: float | None = None
    urgent_terms: list[str] = field(default_factory=list)
    office: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class Triage:
    """Classify and route letters with one loaded model version.

    >>> triage = Triage(load_model(path), Taxonomy.load(), RouteTable.load(taxonomy))  # doctest: +SKIP
    >>> triage.run(["Đèn đường ngõ 12 phố Xuân La tắt cả tuần nay"])[0].department       # doctest: +SKIP
    'quan_ly_do_thi'
    """

    def __init__(
        self,
        model: LoadedModel,
        taxonomy: Taxonomy,
        routes: RouteTable,
        top_k: int = 3,
        urgent_threshold: float = 0.4,
        places=None,
    ):
        unknown = [t for t in model.classifier.classes("topic") if t not in taxonomy.topic_ids]
        if unknown:
            raise ValueError(f"model {model.version} predicts topics not in the taxonomy: {unknown}")
        self.model = model
        self.taxonomy = taxonomy
        self.routes = routes
        self.top_k = top_k
        self.urgent_threshold = urgent_threshold
        self.places = places
        # the fitted model's numbers read once: no per-call validation overhead (same outputs)
        self.predictor = Predictor(model.classifier)
        if "urgent" in model.classifier.head_names and "true" not in model.classifier.classes("urgent"):
            raise ValueError(f"model {model.version}: the urgent head has no 'true' class")

    @property
    def version(self) -> str:
        return self.model.version

    def run(self, texts: Sequence[str], explain: bool = False) -> list[TriageResult]:
        """Triage a batch of letter texts (vectorised: one pass through the model).

        With ``explain``, each result lists the words that pushed the model towards its topic.
        """
        if not texts:
            return []
        clf = self.model.classifier
        X = self.predictor.transform(texts)
        probas = self.predictor.predict_proba(X)
        topic_classes = clf.classes("topic")
        type_classes = clf.classes("letter_type")
        results = []
        for i, text in enumerate(texts):
            tp = probas["topic"][i]
            order = np.argsort(-tp)
            ranked = [(topic_classes[j], float(tp[j])) for j in order]
            lp = probas["letter_type"][i]
            lt_idx = int(lp.argmax())
            topic, letter_type = ranked[0][0], type_classes[lt_idx]
            department, rule = self.routes.department_for(topic, letter_type, text)
            wards = self.places.find(text) if self.places is not None else []
            urgent_p = None
            if "urgent" in probas:
                urgent_p = float(probas["urgent"][i][clf.classes("urgent").index("true")])
            reasons = self.routes.review.reasons(ranked, float(lp[lt_idx]))
            results.append(
                TriageResult(
                    topic=topic,
                    topic_confidence=round(ranked[0][1], 4),
                    topics=[TopicScore(t, round(p, 4)) for t, p in ranked[: self.top_k]],
                    letter_type=letter_type,
                    letter_type_confidence=round(float(lp[lt_idx]), 4),
                    department=department,
                    route_rule=rule,
                    needs_review=bool(reasons),
                    review_reasons=reasons,
                    model_version=self.version,
                    wards=wards,
                    office=self.routes.office_for(topic, wards),
                    explanation=self.explain_row(X[i], topic) if explain else [],
                    urgent=urgent_p is not None and urgent_p >= self.urgent_threshold,
                    urgent_confidence=None if urgent_p is None else round(urgent_p, 4),
                    urgent_terms=[t["term"] for t in self.explain_row(X[i], "true", k=4, head="urgent")]
                    if explain and urgent_p is not None and urgent_p >= self.urgent_threshold
                    else [],
                )
            )
        return results

    def explain_row(self, X_row, topic: str, k: int = 6, head: str = "topic") -> list[dict]:
        """The words of a letter that pushed the model most towards ``topic`` (word features only)."""
        terms = self.model.classifier.explain(X_row, head, topic, k=40)
        out = []
        for name, weight in terms:
            if name.startswith("words__"):
                out.append({"term": name.removeprefix("words__").replace("_", " "), "weight": round(weight, 4)})
            if len(out) == k:
                break
        return out


def load_triage(model_dir=None, registry=None) -> Triage:
    """A :class:`Triage` for ``model_dir``, or for the version in service in the registry."""
    from models.classifier import load_model
    from models.registry import Registry

    path = model_dir or (registry or Registry()).current_path()
    taxonomy = Taxonomy.load()
    routes = RouteTable.load(taxonomy)
    from models.places import PlaceFinder

    return Triage(
        load_model(path, REQUIRED_HEADS),
        taxonomy,
        routes,
        urgent_threshold=routes.review.urgent_threshold,
        places=PlaceFinder.load(),
    )
