"""schedule overrides

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 23:34:59.702759
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("starts_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", warroom.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_overrides")),
    )
    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schedule_overrides_schedule_ends_at", ["schedule", "ends_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_overrides_schedule_ends_at")

    op.drop_table("schedule_overrides")
