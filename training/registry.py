"""Model versions for data staff: evaluate, compare, promote (with a safety check), roll back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.classifier import LoadedModel, ModelLoadError, load_model
from models.registry import Registry
from models.routing import RouteTable
from models.taxonomy import Taxonomy
from training.evaluate import evaluate, summary
from training.train import load_training_data


class PromotionRefused(RuntimeError):
    pass


def test_rows(model: LoadedModel) -> list[dict]:
    """The test split the model's own config names (original letters only)."""
    data, _ = load_training_data(model.manifest["config"])
    rows = data["test"]
    if "derived_from" in rows.column_names:
        rows = rows.filter(lambda r: r["derived_from"] is None)
    return list(rows)


def score(model: LoadedModel, rows: list[dict]) -> dict:
    heads = model.manifest.get("label_columns") or model.classifier.head_names
    routes = None
    if {"topic", "letter_type"} <= set(heads):
        routes = RouteTable.load(Taxonomy.load())
    return evaluate(model.classifier, rows, model.manifest.get("text_column", "text"), heads, routes)


@dataclass
class Diff:
    a: str
    b: str
    n: int
    heads: dict  # head -> {"a": summary, "b": summary, "labels": {label: (f1_a, f1_b)}}


def diff(registry: Registry, version_a: str, version_b: str, rows: list[dict] | None = None) -> Diff:
    """Both versions scored on the same letters (default: b's test split), label by label."""
    a, b = load_model(registry.path_of(version_a)), load_model(registry.path_of(version_b))
    rows = rows if rows is not None else test_rows(b)
    sa, sb = score(a, rows), score(b, rows)
    heads = {}
    for head in sb["heads"]:
        if head not in sa["heads"]:
            continue
        la, lb = sa["heads"][head]["per_label"], sb["heads"][head]["per_label"]
        heads[head] = {
            "a": {k: sa["heads"][head][k] for k in ("accuracy", "macro_f1")},
            "b": {k: sb["heads"][head][k] for k in ("accuracy", "macro_f1")},
            "labels": {lab: (la.get(lab, {}).get("f1", 0.0), lb[lab]["f1"]) for lab in lb},
        }
    return Diff(version_a, version_b, len(rows), heads)


def check_compatible(model: LoadedModel, taxonomy: Taxonomy) -> None:
    heads = model.classifier.head_names
    if "topic" in heads:
        unknown = [t for t in model.classifier.classes("topic") if t not in taxonomy.topic_ids]
        if unknown:
            raise PromotionRefused(f"{model.version} predicts topics the taxonomy lacks: {unknown}")
    if not {"topic", "letter_type"} <= set(heads):
        raise PromotionRefused(f"{model.version} has heads {heads}; the service needs topic and letter_type")


def promote(
    registry: Registry, version: str, *, force: bool = False, tolerance: float = 0.01, actor: str = "cli"
) -> dict:
    """Put ``version`` in service. Refused when the model cannot be loaded, does not fit the taxonomy,
    or scores worse than the version in service on the test split by more than ``tolerance``
    (topic macro-F1 or letter-type accuracy) — unless ``force``."""
    try:
        candidate = load_model(registry.path_of(version))
    except ModelLoadError as exc:
        raise PromotionRefused(str(exc)) from None
    check_compatible(candidate, Taxonomy.load())
    current = registry.current()
    report = {"version": version, "previous": current}
    if current and current != version and not force:
        rows = test_rows(candidate)
        try:
            incumbent = load_model(registry.path_of(current))
        except ModelLoadError:
            incumbent = None  # a broken model in service must not block its replacement
        if incumbent is not None:
            new, old = summary(score(candidate, rows)), summary(score(incumbent, rows))
            report["scores"] = {"new": new, "current": old}
            for key in ("topic_macro_f1", "letter_type_accuracy"):
                if key in new and key in old and new[key] < old[key] - tolerance:
                    raise PromotionRefused(
                        f"{version} is worse than {current} on the test split: {key} {new[key]:.4f} < "
                        f"{old[key]:.4f} - tolerance {tolerance}; use --force to promote anyway"
                    )
    registry.set_current(version, action="promote", actor=actor)
    return report


def rollback(registry: Registry, actor: str = "cli") -> str:
    """Go back to the version that was in service before the current one."""
    current = registry.current()
    for entry in reversed(registry.history()):
        if entry["version"] == current and entry.get("previous") and entry["previous"] != current:
            previous = entry["previous"]
            load_model(registry.path_of(previous))  # refuse to roll back onto a broken version
            registry.set_current(previous, action="rollback", actor=actor)
            return previous
    raise PromotionRefused("nothing to roll back to: no earlier version in the registry's history")


def evaluate_file(model_dir: Path, rows: list[dict]) -> dict:
    return score(load_model(model_dir), rows)
