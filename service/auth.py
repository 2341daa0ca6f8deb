"""API keys and roles. Keys are random tokens, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.storage.tables import ApiKey

ROLES = ("clerk", "analyst", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "clerk": frozenset({"letters:create", "letters:read", "letters:update", "writer:read"}),
    "analyst": frozenset({"letters:read", "trends:read", "export"}),
    "admin": frozenset(
        {
            "letters:create",
            "letters:read",
            "letters:update",
            "writer:read",
            "denouncer:read",
            "trends:read",
            "export",
            "keys",
            "models",
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, *, name: str, role: str) -> str:
    """Create a key and return it: the only time it is ever shown."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if session.scalar(select(ApiKey).where(ApiKey.name == name)):
        raise ValueError(f"a key named {name!r} exists already")
    key = "hmt_" + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, role=role, prefix=key[:10], key_hash=hash_key(key), created_at=datetime.now(UTC)))
    session.commit()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, *, name: str) -> bool:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    if row is None:
        return False
    row.revoked_at = datetime.now(UTC)
    session.commit()
    return True


def authenticate(session: Session, key: str) -> Principal | None:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
    return Principal(row.name, row.role) if row else None
