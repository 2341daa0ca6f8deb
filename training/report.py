"""``report.md`` of a model version: per-label scores, the most confused pairs with examples."""

from __future__ import annotations

from pathlib import Path


def _table(per_label: dict) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, s in per_label.items():
        lines.append(f"| `{label}` | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    return lines


def confusion_png(path: Path, title: str, labels: list[str], matrix: list[list[int]]) -> Path:
    """The confusion matrix as a PNG (rows: true label, columns: predicted)."""
    # the object API, not pyplot: no global backend switch (a notebook calling this keeps its plots)
    import numpy as np
    from matplotlib.figure import Figure

    m = np.array(matrix)
    size = max(5, 0.55 * len(labels) + 2)
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if m[i, j]:
                ax.text(
                    j,
                    i,
                    str(m[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if m[i, j] > m.max() / 2 else "black",
                )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


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
        png = confusion_png(
            folder / f"confusion_{head}.png",
            f"{manifest['version']}: {head}",
            s["confusion"]["labels"],
            s["confusion"]["matrix"],
        )
        lines += [f"![confusion matrix of {head}]({png.name})", ""]
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
