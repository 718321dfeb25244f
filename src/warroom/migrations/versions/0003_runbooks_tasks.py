"""runbooks, actions, tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:11:30.848529
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("model", warroom.db.JSONType, nullable=False),
        sa.Column("stored_at", warroom.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbooks")),
        sa.UniqueConstraint("digest", name=op.f("uq_runbooks_digest")),
    )
    op.create_table(
        "runbook_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runbook_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("runner", sa.String(length=20), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("argv", warroom.db.JSONType, nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("parameters", warroom.db.JSONType, nullable=False),
        sa.Column("phase", sa.String(length=100), nullable=True),
        sa.Column("incident_type", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["runbook_id"],
            ["runbooks.id"],
            name=op.f("fk_runbook_actions_runbook_id_runbooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbook_actions")),
        sa.UniqueConstraint("runbook_id", "name", name="uq_runbook_actions_runbook_name"),
    )
    with op.batch_alter_table("runbook_actions", schema=None) as batch_op:
        batch_op.create_index("ix_runbook_actions_runbook_id", ["runbook_id"], unique=False)

    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent_number", sa.Integer(), nullable=True),
        sa.Column("phase", sa.String(length=100), nullable=False),
        sa.Column("checklist", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("severities", warroom.db.JSONType, nullable=True),
        sa.Column("anchor", sa.String(length=20), nullable=False),
        sa.Column("due_after_seconds", sa.Integer(), nullable=True),
        sa.Column("due_at", warroom.db.UTCDateTime(), nullable=True),
        sa.Column("done_at", warroom.db.UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
        sa.UniqueConstraint("incident_id", "number", name="uq_incident_tasks_number"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", warroom.db.JSONType, nullable=True))
        batch_op.add_column(sa.Column("symptoms", warroom.db.JSONType, nullable=True))
        batch_op.add_column(sa.Column("runbook_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_runbook_id_runbooks"),
            "runbooks",
            ["runbook_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incidents_runbook_id_runbooks"), type_="foreignkey")
        batch_op.drop_column("runbook_id")
        batch_op.drop_column("symptoms")
        batch_op.drop_column("answers")

    op.drop_table("incident_tasks")
    with op.batch_alter_table("runbook_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_runbook_actions_runbook_id")

    op.drop_table("runbook_actions")
    op.drop_table("runbooks")
