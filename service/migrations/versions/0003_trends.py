"""trends: letter terms and the indexes trend queries use

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms", sa.Text(), nullable=True))
        batch_op.create_index("ix_letters_received_topic", ["received_at", "topic"], unique=False)
        batch_op.create_index("ix_letters_topic_received", ["topic", "received_at"], unique=False)
        batch_op.create_index("ix_letters_department_received", ["department", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index("ix_letters_department_received")
        batch_op.drop_index("ix_letters_topic_received")
        batch_op.drop_index("ix_letters_received_topic")
        batch_op.drop_column("terms")
