"""The life of a letter in the office: statuses and the transitions a clerk may make."""

from __future__ import annotations

RECEIVED = "received"
NEEDS_REVIEW = "needs_review"
ROUTED = "routed"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
CLOSED_DUPLICATE = "closed_duplicate"
CLOSED_NOT_RESPONSIBLE = "closed_not_responsible"  # referred to another body (referred_to)
CLOSED_WITHDRAWN = "closed_withdrawn"
CLOSED_NOT_PROCESSABLE = "closed_not_processable"  # e.g. an anonymous denunciation

CLOSED = (CLOSED_DUPLICATE, CLOSED_NOT_RESPONSIBLE, CLOSED_WITHDRAWN, CLOSED_NOT_PROCESSABLE)
STATUSES = (RECEIVED, NEEDS_REVIEW, ROUTED, IN_PROGRESS, RESOLVED, *CLOSED)
OPEN = (RECEIVED, NEEDS_REVIEW, ROUTED, IN_PROGRESS)
BEFORE_ACCEPTANCE = (RECEIVED, NEEDS_REVIEW, ROUTED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (NEEDS_REVIEW, ROUTED, *CLOSED),
    NEEDS_REVIEW: (ROUTED, IN_PROGRESS, *CLOSED),
    ROUTED: (NEEDS_REVIEW, IN_PROGRESS, *CLOSED),
    IN_PROGRESS: (ROUTED, RESOLVED, *CLOSED),
    RESOLVED: (IN_PROGRESS,),  # reopened
    **{c: (ROUTED,) for c in CLOSED},  # reopened
}

LABELS_VI = {
    RECEIVED: "Đã tiếp nhận",
    NEEDS_REVIEW: "Chờ phân loại",
    ROUTED: "Đã chuyển xử lý",
    IN_PROGRESS: "Đang giải quyết",
    RESOLVED: "Đã giải quyết",
    CLOSED_DUPLICATE: "Đơn trùng",
    CLOSED_NOT_RESPONSIBLE: "Không thuộc thẩm quyền",
    CLOSED_WITHDRAWN: "Rút đơn",
    CLOSED_NOT_PROCESSABLE: "Không đủ điều kiện xử lý",
}


class TransitionError(ValueError):
    pass


def check_transition(current: str, new: str, referred_to: str | None = None) -> None:
    """Raise :class:`TransitionError` with a plain message unless ``current → new`` is allowed."""
    if new not in STATUSES:
        raise TransitionError(f"unknown status {new!r}; one of {', '.join(STATUSES)}")
    if new == current:
        return
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(TRANSITIONS[current])
        raise TransitionError(f"a letter that is {current} cannot become {new}; it can become {allowed}")
    if new == CLOSED_NOT_RESPONSIBLE and not (referred_to or "").strip():
        raise TransitionError("closed_not_responsible needs referred_to: the body the letter was sent on to")
