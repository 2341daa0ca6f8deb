"""``report.md`` of a model version: per-label scores, the most confused pairs with examples."""

from __future__ import annotations

from pathlib import Path


def _table(per_label: dict) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, s in per_label.items():
        lines.append(f"| `{label}` | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    return lines


def write_report(folder: Path, manifest: dict, metrics: dict, rows, text_column: str = "text") -> Path:
    """Write ``folder/report.md`` from the test-split metrics of :func:`training.evaluate.evaluate`."""
    rows = list(rows)
    lines = [
        f"# Model {manifest['version']}",
        "",
        f"Corpus {manifest['corpus']['fingerprint']}, sizes {manifest['corpus']['sizes']}, "
        f"seed {manifest['seed']}, trained in {manifest.get('train_seconds', '?')} s.",
        "",
        "Scores on the test split (never used for training or tuning).",
        "",
    ]
    for head, s in metrics["heads"].items():
        lines += [
            f"## {head}",
            "",
            f"accuracy {s['accuracy']:.3f} · macro-F1 {s['macro_f1']:.3f} · weighted-F1 {s['weighted_f1']:.3f} "
            f"(n = {s['n']})",
            "",
        ]
        if head in metrics.get("unaccented", {}):
            u = metrics["unaccented"][head]
            lines += [
                f"Letters without diacritics: accuracy {u['accuracy']:.3f} · macro-F1 {u['macro_f1']:.3f} "
                f"(n = {u['n']})",
                "",
            ]
        lines += _table(s["per_label"]) + [""]
        if s.get("confused_pairs"):
            lines += ["Most confused (true → predicted):", ""]
            preds = metrics["predictions"][head]
            for true, pred, n in s["confused_pairs"]:
                example = next(
                    (r[text_column] for r, p in zip(rows, preds, strict=True) if r[head] == true and p == pred), ""
                )
                example = " ".join(example.split())[:160]
                lines.append(f"- `{true}` → `{pred}`: {n} letters, e.g. “{example}…”")
            lines.append("")
    if "department_accuracy" in metrics:
        lines += [f"Department (routing) accuracy: {metrics['department_accuracy']:.3f}", ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
