"""incident_alert_groups: the alert group an incident was opened by; alerts.acknowledged_at

Only alerts of an incident's own group join it (an alert routed by another rule, or of
another `group_by` value, no longer joins through the service alone); the group row also
names the alert that opened the incident, the routing rule's auto-resolve choice and the
title warroom gave it. Incidents opened before this revision have no row and are treated
like incidents a person declared. An alert acknowledged by its sender records when.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "incident_alert_groups",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column(
            "group_key",
            sa.String(length=500, collation="C") if postgres else sa.String(length=500),
            nullable=False,
        ),
        sa.Column(
            "opened_by_alert_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("auto_resolve", sa.Boolean(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["opened_by_alert_id"], ["alerts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    with op.batch_alter_table("incident_alert_groups", schema=None) as batch_op:
        batch_op.create_index("ix_incident_alert_groups_group_key", ["group_key"], unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", warroom.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_at")
    with op.batch_alter_table("incident_alert_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_alert_groups_group_key")
    op.drop_table("incident_alert_groups")
