"""Letters in the database: store (idempotent), find, page, correct — plain keyword-only functions."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import duplicates
from models.routing import RouteTable
from models.taxonomy import Taxonomy
from models.text import unaccent
from service import rollup, workflow
from service.storage.tables import Letter, LetterBand, LetterEvent, LetterPlace

AUDITED = ("status", "topic", "letter_type", "department", "referred_to", "needs_review", "route_rule")


class CursorError(ValueError):
    pass


class CorrectionError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# -- storing --------------------------------------------------------------------------------


def _snapshot(letter: Letter) -> dict:
    return {k: getattr(letter, k) for k in AUDITED}


def _new_letter(row: dict) -> Letter:
    places = [
        LetterPlace(as_written=w["as_written"], unit=w.get("unit"), current_unit=w.get("current_unit"))
        for w in row.get("wards", [])
    ]
    return Letter(**row, places=places)


def find_duplicate(session: Session, sig, *, exclude: int | None = None) -> duplicates.Match | None:
    """The stored letter that ``sig`` repeats: LSH candidates from the band table (one indexed query),
    then the estimated Jaccard of their signatures."""
    keys = duplicates.band_keys(sig)
    clauses = [and_(LetterBand.band == b, LetterBand.key == k) for b, k in enumerate(keys)]
    ids = set(session.scalars(select(LetterBand.letter_id).where(or_(*clauses)).distinct()))
    ids.discard(exclude)
    if not ids:
        return None
    rows = session.execute(select(Letter.id, Letter.signature).where(Letter.id.in_(ids)))
    return duplicates.best_match(sig, {i: s for i, s in rows if s})


def link_duplicate(session: Session, letter: Letter) -> None:
    """Link ``letter`` to the earlier letter it repeats, flag it for review, and index its bands."""
    if not letter.signature:
        return
    sig = duplicates.from_bytes(letter.signature)
    match = find_duplicate(session, sig, exclude=letter.id)
    if match is not None:
        letter.duplicate_of, letter.duplicate_similarity = match.letter_id, match.similarity
        letter.needs_review = True
        letter.review_reasons = [
            *letter.review_reasons,
            f"duplicate_of: letter {match.letter_id} (similarity {match.similarity:.2f})",
        ]
        if letter.status == workflow.ROUTED:
            letter.status = workflow.NEEDS_REVIEW
    session.add_all([LetterBand(band=b, key=k, letter_id=letter.id) for b, k in enumerate(duplicates.band_keys(sig))])


def store_letters(session: Session, rows: list[dict], *, actor: str) -> list[tuple[Letter, bool]]:
    """Insert prepared rows in one transaction; a row whose ``external_id`` is known returns the
    stored letter instead (``created`` false), so a retried request never makes a duplicate.
    Each new letter is linked to an earlier one it repeats (near-duplicate search)."""
    ext_ids = [r["external_id"] for r in rows if r.get("external_id")]
    known = {}
    if ext_ids:
        known = {x.external_id: x for x in session.scalars(select(Letter).where(Letter.external_id.in_(ext_ids)))}
    try:
        out = _insert(session, rows, known, actor)
        session.commit()
    except IntegrityError:
        # another request stored the same external_id between our read and our write: retry
        session.rollback()
        if not ext_ids:
            raise
        return store_letters(session, rows, actor=actor)
    return out


def _insert(session: Session, rows: list[dict], known: dict, actor: str) -> list[tuple[Letter, bool]]:
    out: list[tuple[Letter, bool]] = []
    for row in rows:
        ext = row.get("external_id")
        if ext and ext in known:
            out.append((known[ext], False))
            continue
        letter = _new_letter(row)
        session.add(letter)
        session.flush()  # the id, and visibility to the next letter of the same batch
        link_duplicate(session, letter)
        letter.events.append(
            LetterEvent(
                at=row["created_at"], actor=actor, action="received", before={}, after=_snapshot(letter), note=None
            )
        )
        if ext:
            known[ext] = letter
        out.append((letter, True))
    rollup.count(session, [x for x, created in out if created])
    return out


# -- reading --------------------------------------------------------------------------------


@dataclass
class LetterFilters:
    status: list[str] | None = None
    department: str | None = None
    topic: str | None = None
    letter_type: str | None = None
    ward: str | None = None
    needs_review: bool | None = None
    urgent: bool | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    q: str | None = None
    overdue: bool | None = None
    channel: str | None = None


def _today() -> date:
    return datetime.now(UTC).date()


def overdue_clause(today: date):
    return and_(
        Letter.status.in_(workflow.OPEN),
        or_(and_(Letter.status.in_(workflow.BEFORE_ACCEPTANCE), Letter.accept_due < today), Letter.settle_due < today),
    )


def next_due():
    """The date that matters next: acceptance before a letter is accepted, settlement after."""
    return case((Letter.status.in_(workflow.BEFORE_ACCEPTANCE), Letter.accept_due), else_=Letter.settle_due)


def as_utc(value: datetime) -> datetime:
    """Times are stored in UTC (SQLite keeps no offset): compare in UTC too."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def apply_filters(stmt, f: LetterFilters):
    if f.status:
        stmt = stmt.where(Letter.status.in_(f.status))
    for name in ("department", "topic", "letter_type", "channel"):
        value = getattr(f, name)
        if value:
            stmt = stmt.where(getattr(Letter, name) == value)
    if f.needs_review is not None:
        stmt = stmt.where(Letter.needs_review.is_(f.needs_review))
    if f.urgent is not None:
        stmt = stmt.where(Letter.urgent.is_(f.urgent))
    if f.received_from:
        stmt = stmt.where(Letter.received_at >= as_utc(f.received_from))
    if f.received_to:
        stmt = stmt.where(Letter.received_at < as_utc(f.received_to))
    if f.ward:
        ward = f.ward.strip()
        plain = unaccent(ward).lower()
        stmt = stmt.where(
            Letter.id.in_(
                select(LetterPlace.letter_id).where(
                    or_(
                        LetterPlace.unit == ward,
                        LetterPlace.current_unit == ward,
                        func.lower(LetterPlace.as_written) == ward.lower(),
                        func.lower(LetterPlace.as_written) == plain,
                    )
                )
            )
        )
    if f.q:
        for word in unaccent(f.q).lower().split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Letter.text_plain.like(f"%{escaped}%", escape="\\"))
    if f.overdue is not None:
        clause = overdue_clause(_today())
        stmt = stmt.where(clause if f.overdue else ~clause)
    return stmt


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, json.JSONDecodeError) as exc:
        raise CursorError("cursor is not one this API returned") from exc
    if not isinstance(values, list) or len(values) != size:
        raise CursorError("cursor is not one this API returned")
    return values


def list_letters(
    session: Session, *, filters: LetterFilters, sort: str = "newest", cursor: str | None = None, limit: int = 50
) -> tuple[list[Letter], str | None]:
    """One page of letters and the cursor of the next page (``None`` on the last page).

    ``newest``: latest first. ``queue``: urgent first, then the least confident, oldest first —
    the order a clerk works the review queue in.
    """
    stmt = apply_filters(select(Letter), filters)
    if sort == "queue":
        stmt = stmt.order_by(Letter.urgent.desc(), Letter.topic_confidence.asc(), Letter.id.asc())
        if cursor:
            urgent, conf, last = decode_cursor(cursor, 3)
            try:
                conf, last = float(conf), int(last)
            except (TypeError, ValueError):
                raise CursorError("cursor is not one this API returned") from None
            later = or_(Letter.topic_confidence > conf, and_(Letter.topic_confidence == conf, Letter.id > last))
            if urgent:
                stmt = stmt.where(or_(Letter.urgent.is_(False), and_(Letter.urgent.is_(True), later)))
            else:
                stmt = stmt.where(and_(Letter.urgent.is_(False), later))
    else:
        stmt = stmt.order_by(Letter.id.desc())
        if cursor:
            (last,) = decode_cursor(cursor, 1)
            if not isinstance(last, int):
                raise CursorError("cursor is not one this API returned")
            stmt = stmt.where(Letter.id < last)
    rows = list(session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([last.urgent, last.topic_confidence, last.id] if sort == "queue" else [last.id])
    return rows, next_cursor


def get_letter(session: Session, letter_id: int) -> Letter | None:
    return session.get(Letter, letter_id)


def due_by_department(session: Session, *, days: int = 7) -> list[dict]:
    """Per department: open letters, those due within ``days`` days, and those overdue."""
    today = _today()
    due = next_due()
    stmt = (
        select(
            Letter.department,
            func.count(),
            func.sum(case((and_(due >= today, due < today + timedelta(days=days)), 1), else_=0)),
            func.sum(case((overdue_clause(today), 1), else_=0)),
        )
        .where(Letter.status.in_(workflow.OPEN))
        .group_by(Letter.department)
        .order_by(Letter.department)
    )
    return [
        {"department": d, "open": int(n), "due_soon": int(s or 0), "overdue": int(o or 0)}
        for d, n, s, o in session.execute(stmt)
    ]


# -- correcting -----------------------------------------------------------------------------


def correct_letter(
    session: Session,
    letter: Letter,
    *,
    changes: dict,
    actor: str,
    note: str | None,
    taxonomy: Taxonomy,
    routes: RouteTable,
) -> dict:
    """Apply a clerk's changes, re-route on a new topic, keep the audit trail.

    Returns what happened beyond the changes asked for (``rerouted``, ``status``).
    """
    checks = {
        "topic": taxonomy.topic_ids,
        "letter_type": taxonomy.letter_type_ids,
        "department": taxonomy.department_ids,
    }
    for key, allowed in checks.items():
        if key in changes and changes[key] not in allowed:
            raise CorrectionError(key, f"unknown {key} {changes[key]!r}; one of {', '.join(allowed)}")
    before = _snapshot(letter)
    counted = rollup.key_of(letter)
    info: dict = {}
    referred = changes.get("referred_to", letter.referred_to)
    if "status" in changes:
        try:
            workflow.check_transition(letter.status, changes["status"], referred)
        except workflow.TransitionError as exc:
            raise CorrectionError("status", str(exc)) from None
    for key in ("topic", "letter_type"):
        if key in changes:
            setattr(letter, key, changes[key])
    if "referred_to" in changes:
        letter.referred_to = changes["referred_to"]
    if ("topic" in changes or "letter_type" in changes) and "department" not in changes:
        department, rule = routes.department_for(letter.topic, letter.letter_type, letter.text)
        if department != letter.department:
            info["rerouted"] = {"from": letter.department, "to": department, "rule": rule}
        letter.department, letter.route_rule = department, rule
    if "department" in changes:
        if changes["department"] != letter.department:
            info["rerouted"] = {"from": letter.department, "to": changes["department"], "rule": "clerk"}
        letter.department, letter.route_rule = changes["department"], "clerk"
    if "status" in changes:
        letter.status = changes["status"]
    elif letter.status == workflow.NEEDS_REVIEW and {"topic", "letter_type", "department"} & set(changes):
        letter.status = workflow.ROUTED  # a clerk's decision ends the review
        info["status"] = workflow.ROUTED
    if letter.status != workflow.NEEDS_REVIEW and letter.needs_review and letter.status != before["status"]:
        letter.needs_review = False
    after = _snapshot(letter)
    if rollup.key_of(letter) != counted:  # move the letter between daily counts
        rollup.count(session, [letter], -1, keys=[counted])
        rollup.count(session, [letter], 1)
    diff_before = {k: v for k, v in before.items() if after[k] != v}
    diff_after = {k: after[k] for k in diff_before}
    if diff_before or note:
        now = datetime.now(UTC)
        letter.updated_at = now
        session.add(
            LetterEvent(
                letter_id=letter.id,
                at=now,
                actor=actor,
                action="corrected",
                before=diff_before,
                after=diff_after,
                note=note,
            )
        )
    session.commit()
    return info


def corrections(session: Session, *, since: datetime | None = None) -> list[Letter]:
    """Letters whose topic or letter type a clerk changed from the model's prediction."""
    stmt = select(Letter).where(
        or_(Letter.topic != Letter.predicted_topic, Letter.letter_type != Letter.predicted_letter_type)
    )
    if since:
        stmt = stmt.where(Letter.updated_at >= since)
    return list(session.scalars(stmt.order_by(Letter.id)))
