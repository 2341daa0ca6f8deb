"""daily counts for trends, filled from the letters already stored

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ["topic", "letter_type", "department", "channel"]


def _dimension_columns():
    return [
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("letter_type", sa.String(60), nullable=False),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        *_dimension_columns(),
        sa.PrimaryKeyConstraint("day", *DIMENSIONS),
    )
    op.create_table(
        "daily_ward_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ward", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "ward", "topic"),
    )
    op.create_index("ix_daily_ward_counts_ward_day", "daily_ward_counts", ["ward", "day"])
    pg = op.get_bind().dialect.name == "postgresql"
    # local days in Vietnam (UTC+7), as service.rollup counts them
    day = "date(timezone('UTC', l.received_at) + interval '7 hours')" if pg else "date(l.received_at, '+7 hours')"
    dims = ", ".join(f"l.{d}" for d in DIMENSIONS)
    op.execute(
        f"INSERT INTO daily_counts (day, {', '.join(DIMENSIONS)}, letters) "
        f"SELECT {day}, {dims}, count(*) FROM letters l GROUP BY {day}, {dims}"
    )
    op.execute(
        "INSERT INTO daily_ward_counts (day, ward, topic, letters) "
        "SELECT day, ward, topic, count(*) FROM ("
        f"SELECT DISTINCT l.id, {day} AS day, coalesce(p.current_unit, p.as_written) AS ward, l.topic "
        "FROM letters l JOIN letter_places p ON p.letter_id = l.id) x "
        "GROUP BY day, ward, topic"
    )


def downgrade() -> None:
    op.drop_index("ix_daily_ward_counts_ward_day", table_name="daily_ward_counts")
    op.drop_table("daily_ward_counts")
    op.drop_table("daily_counts")
