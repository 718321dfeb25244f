"""change_events: a digest of each change's content and time, unique

A retried change event (a deploy pipeline or a PagerDuty client sending again after a
timeout) is stored once: intake inserts with ON CONFLICT (digest) DO NOTHING. Changes
stored before this revision keep a NULL digest (a unique index allows any number of
NULLs on both databases); computing theirs here could collide with duplicates already
stored, and a retry of a change that old no longer arrives.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_change_events_digest", ["digest"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("change_events", schema=None) as batch_op:
        batch_op.drop_index("ix_change_events_digest")
        batch_op.drop_column("digest")
