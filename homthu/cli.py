"""The ``homthu`` command line (Typer). Each command is a thin wrapper over a plain function."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="homthu: triage Vietnamese citizens' letters (hòm thư góp ý).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
corpus_app = typer.Typer(help="Check and maintain the labelled corpus.", no_args_is_help=True)
models_app = typer.Typer(help="The model registry: list, show, promote, roll back.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(models_app, name="models")
keys_app = typer.Typer(help="API keys and their roles (clerk, analyst, admin).", no_args_is_help=True)
db_app = typer.Typer(
    help="The database (SQLite by default, PostgreSQL with HOMTHU_DATABASE_URL).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
review_app = typer.Typer(help="Help clerks label what teaches the model most.", no_args_is_help=True)
monitor_app = typer.Typer(help="Watch the model in service.", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(monitor_app, name="monitor")
app.add_typer(db_app, name="db")
demo_app = typer.Typer(help="Demo data for the dashboard and the notebooks.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


def _database():
    from service.settings import Settings
    from service.storage.db import Database

    db = Database(Settings().db_url)
    db.migrate()
    return db


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.command()
def classify(
    file: Annotated[
        Path | None, typer.Argument(help='JSONL file (one {"text": ...} per line); stdin if omitted.')
    ] = None,
    text: Annotated[bool, typer.Option("--text", help="Plain text input: one letter per line.")] = False,
    model: Annotated[Path | None, typer.Option(help="A model version folder (default: the one in service).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 64,
    max_chars: Annotated[int, typer.Option(min=1)] = 50_000,
    jobs: Annotated[
        int, typer.Option(min=0, help="Processes that triage batches side by side (0: one per core).")
    ] = 0,
) -> None:
    """Triage letters: writes one JSONL result per input line to standard output."""
    from homthu.batch import classify_lines, parse_lines
    from models.classifier import ModelLoadError
    from models.taxonomy import ConfigError
    from models.triage import load_triage

    try:
        triage = load_triage(model)
    except (ModelLoadError, ConfigError) as exc:
        raise fail(str(exc)) from None
    if file is not None:
        if not file.is_file():
            raise fail(f"{file}: no such file")
        handle = file.open("rb")
        total = sum(1 for _ in file.open("rb"))
    else:
        handle, total = sys.stdin.buffer, None
    source = str(file) if file else "<stdin>"

    failed = 0
    show_progress = sys.stderr.isatty() and (total is None or total > 200)
    progress = None
    if show_progress:
        from rich.console import Console
        from rich.progress import Progress

        progress = Progress(transient=True, console=Console(stderr=True))
        progress.start()
        bar = progress.add_task("classifying", total=total)
    out = sys.stdout
    try:
        import os

        jobs = jobs or os.cpu_count() or 1
        for line, obj in classify_lines(parse_lines(handle, text, max_chars), triage, batch_size, jobs):
            if "error" in obj and line.error:
                failed += 1
                typer.echo(f"{source}:{line.number}: {line.error}", err=True)
            out.write(_json_line(obj))
            if progress:
                progress.advance(bar)
    finally:
        if progress:
            progress.stop()
    out.flush()
    if failed:
        typer.echo(f"{failed} line(s) failed", err=True)
        raise typer.Exit(1)


def _json_line(obj: dict) -> str:
    line = json.dumps(obj, ensure_ascii=False) + "\n"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates passed through from the input: keep them escaped
        line = json.dumps(obj) + "\n"
    return line


@app.command()
def train(
    config: Annotated[
        Path | None, typer.Option(help="Training config (TOML); default: training/configs/default.toml")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a config key: section.key=value")] = None,
    promote: Annotated[
        bool, typer.Option(help="Put the new version in service when it is the first, or with --force.")
    ] = False,
    force: Annotated[bool, typer.Option(help="With --promote: promote even if a version is in service.")] = False,
    search: Annotated[
        bool, typer.Option(help="Choose parameters from the config's [search] by cross-validation.")
    ] = False,
    backend: Annotated[
        str | None,
        typer.Option(
            help="linear (default) or transformers (fine-tune --base-model; default config: "
            "training/configs/transformers.toml; needs the pip extra 'transformers')."
        ),
    ] = None,
    base_model: Annotated[
        Path | None,
        typer.Option(help="transformers backend: a local checkpoint folder (config.json, weights, tokenizer)."),
    ] = None,
) -> None:
    """Train a new model version from the corpus and register it."""
    from training.config import DEFAULT_CONFIG, TrainingConfigError, load_config

    if backend not in (None, "linear", "transformers"):
        raise fail(f"--backend {backend!r}: expected linear or transformers")
    if base_model is not None:
        if backend == "linear":
            raise fail("--base-model is for --backend transformers")
        from training.train_transformers import check_checkpoint

        try:  # before the slow imports: a wrong folder is said at once
            check_checkpoint(base_model, "--base-model")
        except ValueError as exc:
            raise fail(str(exc)) from None
        backend = "transformers"
    if config is None and backend == "transformers":
        config = DEFAULT_CONFIG.with_name("transformers.toml")
    from models.registry import Registry
    from training.corpus import CorpusError
    from training.train import train as run_training

    try:
        cfg = load_config(config, set_ or [])
        if backend:
            cfg["model"]["backend"] = backend
        if base_model is not None:
            cfg.setdefault("transformers", {})["base_model"] = str(base_model.expanduser().resolve())
        result = run_training(cfg, log=lambda m: typer.echo(f"· {m}", err=True), search=search)
    except (TrainingConfigError, CorpusError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(
        json.dumps(
            {"version": result.version, "path": str(result.path), "metrics": result.metrics},
            ensure_ascii=False,
            indent=2,
        )
    )
    registry = Registry()
    if promote and (registry.current() is None or force):
        registry.set_current(result.version, action="promote")
        typer.echo(f"{result.version} is now in service", err=True)


@corpus_app.command("split")
def corpus_split(
    path: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus/).")] = None,
    seed: int = 20251128,
) -> None:
    """Assign a split to every letter that has none (existing assignments never move)."""
    from training.config import resolve_path
    from training.corpus import CorpusError, assign_splits, read_letters, read_splits, write_splits

    folder = path or resolve_path("corpus")
    try:
        existing = read_splits(folder)
        splits = assign_splits(read_letters(folder), existing, seed)
    except CorpusError as exc:
        raise fail(str(exc)) from None
    write_splits(folder, splits)
    typer.echo(f"{len(splits) - len(existing)} new letter(s) assigned; {len(splits)} in all")


@corpus_app.command("validate")
def corpus_validate(
    path: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus/).")] = None,
    min_per_topic: Annotated[int, typer.Option(help="Fail when a topic has fewer letters.")] = 250,
) -> None:
    """Check schema, labels, duplicates, near-duplicates and split leakage; print the counts."""
    from training.config import resolve_path
    from training.corpus_checks import check_corpus, format_report

    report = check_corpus(path or resolve_path("corpus"), min_per_topic=min_per_topic)
    typer.echo(format_report(report))
    if not report.ok:
        raise typer.Exit(1)


@corpus_app.command("import")
def corpus_import(
    file: Annotated[Path, typer.Argument(help=".xlsx, .csv or .jsonl with a text column and label columns")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="field=HEADER, e.g. --map text='Nội dung đơn'")
    ] = None,
    batch: Annotated[str | None, typer.Option(help="Name of the new corpus file (letters/<batch>.jsonl)")] = None,
    style: Annotated[str, typer.Option(help="Style recorded for rows without one")] = "imported",
    skip_bad: Annotated[bool, typer.Option(help="Import the good rows and list the bad ones")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only check and report")] = False,
    path: Annotated[Path | None, typer.Option(help="Corpus folder (default: corpus/).")] = None,
) -> None:
    """Check labelled letters from a spreadsheet and add them to the corpus (nothing is written if a row is bad)."""
    from training.config import resolve_path
    from training.importer import import_file

    if not file.is_file():
        raise fail(f"{file}: no such file")
    mapping = {}
    for item in map_ or []:
        if "=" not in item:
            raise fail(f"--map {item!r}: expected field=HEADER")
        k, v = item.split("=", 1)
        mapping[k.strip()] = v.strip()
    try:
        report = import_file(
            file,
            path or resolve_path("corpus"),
            mapping=mapping,
            batch=batch,
            style=style,
            skip_bad=skip_bad,
            write=not dry_run,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    for problem in report.problems:
        typer.echo(f"{file}: {problem}", err=True)
    if report.problems and not skip_bad:
        raise fail(f"{len(report.problems)} problem(s); nothing was written", code=1)
    verb = "would add" if dry_run else "added"
    typer.echo(
        f"{verb} {len(report.letters)} letter(s)"
        + (f"; skipped rows {report.skipped_rows}" if report.skipped_rows else "")
    )


@corpus_app.command("export-corrections")
def corpus_export_corrections(
    out: Annotated[Path, typer.Argument(help="JSONL file to write")],
    since: Annotated[str | None, typer.Option(help="Only corrections made since this ISO date")] = None,
) -> None:
    """The clerks' corrections from the database as labelled letters, with provenance."""
    from datetime import datetime

    from service.letters import corrections

    db = _database()
    try:
        since_dt = datetime.fromisoformat(since) if since else None
    except ValueError:
        raise fail(f"--since {since!r}: not an ISO date") from None
    n = 0
    with db.session() as session, out.open("w", encoding="utf-8") as fh:
        for letter in corrections(session, since=since_dt):
            fh.write(
                json.dumps(
                    {
                        "text": letter.text,
                        "topic": letter.topic,
                        "letter_type": letter.letter_type,
                        "department": letter.department,
                        "urgent": letter.urgent,
                        "wards": "; ".join(w["as_written"] for w in letter.wards or []),
                        "style": "correction",
                        "provenance": {
                            "letter_id": letter.id,
                            "model_version": letter.model_version,
                            "predicted_topic": letter.predicted_topic,
                            "predicted_letter_type": letter.predicted_letter_type,
                            "corrected_at": letter.updated_at.isoformat(),
                        },
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            n += 1
    typer.echo(f"{n} corrected letter(s) written to {out}; add them with `homthu corpus import {out}`")


@corpus_app.command("agreement")
def corpus_agreement(
    folder: Annotated[
        Path | None, typer.Option(help="Folder of the second labelling (default: corpus/agreement).")
    ] = None,
) -> None:
    """Cohen's kappa per field between the corpus labels and the blind second labelling."""
    from training.agreement import agreement
    from training.config import resolve_path

    try:
        result = agreement(folder or resolve_path("corpus/agreement"))
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo("| field | letters | Cohen's kappa | raw agreement | disagreements | first upheld | second upheld |")
    typer.echo("|---|---:|---:|---:|---:|---:|---:|")
    for field, r in result.items():
        typer.echo(
            f"| {field} | {r['n']} | {r['kappa']:.3f} | {r['agreement']:.3f} | {r['disagreements']} "
            f"| {r['first_upheld']} | {r['second_upheld']} |"
        )


@models_app.command("list")
def models_list() -> None:
    """List the model versions, marking the one in service."""
    from models.registry import Registry

    registry = Registry()
    current = registry.current()
    for m in registry.versions():
        mark = "*" if m["version"] == current else " "
        if "error" in m:
            typer.echo(f"{mark} {m['version']}  BROKEN: {m['error']}")
            continue
        test = m.get("metrics", {}).get("test", {})
        figures = "  ".join(
            f"{k}={v}" for k, v in test.items() if k.endswith(("macro_f1", "accuracy")) and "unaccented" not in k
        )
        typer.echo(f"{mark} {m['version']}  {m.get('created_at', '')}  {figures}")


def _version_path(version_or_path: str):
    from models.registry import Registry

    p = Path(version_or_path)
    return p if (p / "manifest.json").exists() else Registry().path_of(version_or_path)


@models_app.command("show")
def models_show(version: str) -> None:
    """A version's manifest: corpus fingerprint, parameters, scores; and where its report is."""
    from models.classifier import ModelLoadError, read_manifest

    try:
        path = _version_path(version)
        manifest = read_manifest(path)
    except ModelLoadError as exc:
        raise fail(str(exc)) from None
    typer.echo(json.dumps({k: v for k, v in manifest.items() if k != "config"}, ensure_ascii=False, indent=2))
    typer.echo(f"report: {path / 'report.md'}")


@models_app.command("diff")
def models_diff(version_a: str, version_b: str) -> None:
    """Compare two versions on the same test letters (b's test split), label by label."""
    from models.classifier import ModelLoadError
    from models.registry import Registry
    from training.registry import diff

    try:
        d = diff(Registry(), version_a, version_b)
    except ModelLoadError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{d.n} test letters; A = {d.a}, B = {d.b}")
    for head, h in d.heads.items():
        typer.echo(
            f"\n{head}: accuracy {h['a']['accuracy']:.4f} -> {h['b']['accuracy']:.4f}, "
            f"macro-F1 {h['a']['macro_f1']:.4f} -> {h['b']['macro_f1']:.4f}"
        )
        typer.echo("| label | F1 A | F1 B | change |\n|---|---:|---:|---:|")
        for label, (fa, fb) in sorted(h["labels"].items()):
            typer.echo(f"| {label} | {fa:.3f} | {fb:.3f} | {fb - fa:+.3f} |")


@models_app.command("promote")
def models_promote(
    version: str,
    force: Annotated[bool, typer.Option(help="Promote even if it scores worse than the version in service.")] = False,
    tolerance: Annotated[float, typer.Option(help="How much worse (topic macro-F1, letter-type accuracy).")] = 0.01,
) -> None:
    """Put a model version in service; running services switch to it without restart."""
    from models.classifier import ModelLoadError
    from models.registry import Registry
    from training.registry import PromotionRefused, promote

    try:
        report = promote(Registry(), version, force=force, tolerance=tolerance)
    except (PromotionRefused, ModelLoadError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{version} is now in service (was {report['previous']})")


@models_app.command("rollback")
def models_rollback() -> None:
    """Put the previous version back in service."""
    from models.classifier import ModelLoadError
    from models.registry import Registry
    from training.registry import PromotionRefused, rollback

    try:
        previous = rollback(Registry())
    except (PromotionRefused, ModelLoadError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{previous} is back in service")


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="A model version or a model folder.")],
    data: Annotated[
        Path | None, typer.Option(help="Labelled JSONL (text + label columns); default: its test split.")
    ] = None,
) -> None:
    """Score a model on labelled letters: accuracy, macro-F1, per label, unaccented subset, routing."""
    from models.classifier import ModelLoadError, load_model
    from training.corpus import CorpusError, iter_jsonl
    from training.evaluate import summary
    from training.registry import score, test_rows

    try:
        loaded = load_model(_version_path(model))
    except ModelLoadError as exc:
        raise fail(str(exc)) from None
    if data is None:
        rows = test_rows(loaded)
        source = "its test split"
    else:
        if not data.is_file():
            raise fail(f"{data}: no such file")
        needed = [loaded.manifest.get("text_column", "text"), *loaded.classifier.head_names]
        rows = []
        try:
            for n, row in iter_jsonl(data):
                missing = [c for c in needed if c not in row]
                if missing:
                    raise fail(f"{data}:{n}: missing {missing}")
                rows.append(row)
        except CorpusError as exc:
            raise fail(str(exc)) from None
        source = str(data)
    result = score(loaded, rows)
    typer.echo(f"{loaded.version} on {source} ({len(rows)} letters)")
    typer.echo(json.dumps(summary(result), indent=2))


@review_app.command("suggest")
def review_suggest(n: Annotated[int, typer.Option("--n", min=1, max=10_000)] = 50) -> None:
    """The stored letters (not yet corrected) whose labels would teach the model most."""
    from sqlalchemy import select

    from models.classifier import ModelLoadError, load_model
    from models.registry import Registry
    from service.storage.tables import Letter
    from training.active import suggest

    try:
        model = load_model(Registry().current_path())
    except ModelLoadError as exc:
        raise fail(str(exc)) from None
    db = _database()
    with db.session() as session:
        rows = session.execute(
            select(Letter.id, Letter.text_masked).where(Letter.topic == Letter.predicted_topic).limit(200_000)
        ).all()
    picks = suggest(model.classifier, [(i, t) for i, t in rows], n)
    typer.echo("| letter | score | topic | confidence | margin | views disagree | text |")
    typer.echo("|---:|---:|---|---:|---:|---|---|")
    for s in picks:
        typer.echo(
            f"| {s.letter_id} | {s.score:.3f} | {s.topic} | {s.confidence:.2f} | {s.margin:.2f} "
            f"| {'yes' if s.views_disagree else ''} | {' '.join(s.text.split())[:80]} |"
        )


@monitor_app.command("drift")
def monitor_drift(
    days: Annotated[int, typer.Option(help="Recent = received in the last N days")] = 30,
    out: Annotated[Path | None, typer.Option(help="Also write the report to this Markdown file")] = None,
) -> None:
    """Whether recent letters differ from what the model was trained on."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from models.classifier import ModelLoadError, read_manifest
    from models.registry import Registry
    from service.storage.tables import Letter
    from training.drift import drift_report
    from training.train import load_training_data

    try:
        manifest = read_manifest(Registry().current_path())
    except ModelLoadError as exc:
        raise fail(str(exc)) from None
    if "config" not in manifest:
        raise fail(f"model {manifest['version']}: its manifest names no training corpus to compare with")
    data, _ = load_training_data(manifest["config"])
    reference = [{"text": r["text"], "topic": r["topic"]} for r in data["train"] if not r.get("derived_from")]
    since = datetime.now(UTC) - timedelta(days=days)
    db = _database()
    with db.session() as session:
        recent = [
            {"text": t, "topic": topic, "needs_review": nr}
            for t, topic, nr in session.execute(
                select(Letter.text_masked, Letter.predicted_topic, Letter.needs_review)
                .where(Letter.received_at >= since)
                .limit(20_000)
            )
        ]
    report = drift_report(reference, recent)
    typer.echo(report)
    if out:
        out.write_text(report + "\n", encoding="utf-8")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    db = _database()
    typer.echo(f"database at {db.engine.url.render_as_string(hide_password=True)} is up to date")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who holds the key, e.g. 'clerk-an' or 'portal-sync'.")],
    role: Annotated[str, typer.Option(help="clerk, analyst or admin")],
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from service.auth import create_key

    db = _database()
    with db.session() as session:
        try:
            key = create_key(session, name=name, role=role)
        except ValueError as exc:
            raise fail(str(exc)) from None
    typer.echo(key)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (name, role, prefix, created, revoked); never the keys themselves."""
    from service.auth import list_keys

    db = _database()
    with db.session() as session:
        for k in list_keys(session):
            revoked = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            typer.echo(f"{k.name:24s} {k.role:8s} {k.prefix}…  created {k.created_at:%Y-%m-%d}  {revoked}")


@keys_app.command("revoke")
def keys_revoke(name: str) -> None:
    """Revoke a key by its name."""
    from service.auth import revoke_key

    db = _database()
    with db.session() as session:
        if not revoke_key(session, name=name):
            raise fail(f"no active key named {name!r}")
    typer.echo(f"key {name!r} revoked")


@demo_app.command("seed")
def demo_seed(
    limit: Annotated[int | None, typer.Option(min=1, help="Receive only this many corpus letters.")] = None,
    days: Annotated[int, typer.Option(min=28, max=3660, help="Spread the letters over this many days.")] = 365,
    end: Annotated[str | None, typer.Option(help="The last day (YYYY-MM-DD); default: today.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    keys: Annotated[bool, typer.Option(help="Create demo-clerk, demo-analyst, demo-admin keys; print them.")] = True,
) -> None:
    """Fill the database (HOMTHU_DATABASE_URL, default SQLite) with a year of letters from the corpus."""
    from datetime import date

    from homthu.demo import seed as seed_letters
    from models.registry import Registry
    from service.auth import create_key, list_keys
    from service.model_holder import ModelHolder
    from training.corpus import read_letters

    try:
        last = date.fromisoformat(end) if end else None
    except ValueError:
        raise fail(f"--end: not a date (YYYY-MM-DD): {end!r}") from None
    from service.settings import Settings

    settings = Settings()
    registry = Registry(settings.models_dir) if settings.models_dir else Registry()
    if settings.model_dir is None and registry.current() is None:
        raise fail("no model in service: run `homthu train --promote` first")
    db = _database()
    corpus = read_letters(Path(__file__).resolve().parents[1] / "corpus")
    holder = ModelHolder(registry, settings.model_dir)
    total = min(limit or len(corpus), len(corpus))
    typer.echo(f"receiving {total} letters through the intake of model {holder.current.version}…", err=True)
    report = seed_letters(
        db,
        holder.current.intake,
        corpus,
        end=last,
        days=days,
        limit=limit,
        seed=seed,
        progress=lambda done, n: typer.echo(f"  {done}/{n}", err=True) if done % 500 == 0 or done == n else None,
    )
    typer.echo(
        f"{report.created} letters stored ({report.existing} were already there), "
        f"received {report.start} to {report.end}; emerging: topic {report.emerging_topic}, "
        f"ward {report.emerging_ward}"
    )
    if keys:
        with db.session() as session:
            have = {k.name for k in list_keys(session) if k.revoked_at is None}
            for role in ("clerk", "analyst", "admin"):
                name = f"demo-{role}"
                if name not in have:
                    typer.echo(f"{name:14s} {create_key(session, name=name, role=role)}")
                else:
                    typer.echo(f"{name:14s} (exists; revoke it with `homthu keys revoke {name}` to get a new one)")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
) -> None:
    """Run the HTTP service with uvicorn."""
    import logging

    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # uvicorn's own access log prints raw paths and queries; ours (homthu.access) prints route templates only
    uvicorn.run("service.asgi:create_app", factory=True, host=host, port=port, workers=workers, access_log=False)


if __name__ == "__main__":
    app()
