"""Rate limits shared by every process; the ack-link signing key leaves the database

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("subject"),
    )
    # The signing key now lives only in WARROOM_SECRET_KEY (or the local credentials
    # file); a copy in the database would be readable by anyone with a backup.
    op.execute("DELETE FROM instance_settings WHERE key = 'signing_key'")


def downgrade() -> None:
    op.drop_table("rate_limits")
