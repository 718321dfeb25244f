"""core: incidents, roles, timeline, tokens

Revision ID: 0001
Revises:
Create Date: 2026-11-26 22:56:30.671422
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", warroom.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "incident_ref_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_incident_ref_counters")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("ref_day", sa.Date(), nullable=False),
        sa.Column("ref_seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("phase", sa.String(length=60), nullable=False),
        sa.Column("user_impact", sa.Text(), nullable=True),
        sa.Column("users_affected", sa.String(length=500), nullable=True),
        sa.Column("systems_impacted", warroom.db.JSONType, nullable=True),
        sa.Column("data_at_risk", sa.Boolean(), nullable=True),
        sa.Column("security_incident", sa.Boolean(), nullable=True),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.Column("declared_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("response_due_at", warroom.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", warroom.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("mitigated_at", warroom.db.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", warroom.db.UTCDateTime(), nullable=True),
        sa.Column("resolution_summary", sa.Text(), nullable=True),
        sa.Column("updated_at", warroom.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("ref", name=op.f("uq_incidents_ref")),
        sa.UniqueConstraint("ref_day", "ref_seq", name="uq_incidents_ref_day_seq"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_declared_at", ["declared_at"], unique=False)
        batch_op.create_index("ix_incidents_severity_id", ["severity", "id"], unique=False)
        batch_op.create_index("ix_incidents_status_id", ["status", "id"], unique=False)

    op.create_table(
        "incident_roles",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", warroom.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_roles_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "role", name=op.f("pk_incident_roles")),
    )
    op.create_table(
        "incident_services",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_services_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "service", name=op.f("pk_incident_services")),
    )
    with op.batch_alter_table("incident_services", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_services_service", ["service", "incident_id"], unique=False
        )

    op.create_table(
        "timeline_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("data", warroom.db.JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_timeline_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_events")),
    )
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_timeline_events_incident_id_id", ["incident_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_events_incident_id_id")

    op.drop_table("timeline_events")
    with op.batch_alter_table("incident_services", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_services_service")

    op.drop_table("incident_services")
    op.drop_table("incident_roles")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_status_id")
        batch_op.drop_index("ix_incidents_severity_id")
        batch_op.drop_index("ix_incidents_declared_at")

    op.drop_table("incidents")
    op.drop_table("incident_ref_counters")
    op.drop_table("api_tokens")
