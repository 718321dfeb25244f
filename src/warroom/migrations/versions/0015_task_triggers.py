"""incident tasks: what ticks them (a runbook trigger) and the event that did

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_when", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column(
                "done_by_event",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_index(
            "ix_incident_tasks_done_when", ["incident_id", "done_when"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_tasks_done_when")
        batch_op.drop_column("done_by_event")
        batch_op.drop_column("done_when")
