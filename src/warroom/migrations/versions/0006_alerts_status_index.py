"""alerts: index status alone, not (status, expires_at)

Every re-send of a firing alert moves its expires_at. Indexed, that rewrote an index
entry per re-send: about a third of the write time of a re-sent alert on SQLite, and on
PostgreSQL it ruled out HOT updates. The expiry sweep (every 30 s) now reads the firing
alerts through the status index and checks their expiry itself.

On PostgreSQL the table also keeps 30 % of each page free (fillfactor 70), so that a
re-send's new row version fits on its page: with no indexed column changed, that is a
HOT update, which writes no index entry and is pruned without a VACUUM.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 01:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_expires_at")
        batch_op.create_index("ix_alerts_status", ["status"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alerts SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alerts RESET (fillfactor)")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status")
        batch_op.create_index("ix_alerts_status_expires_at", ["status", "expires_at"], unique=False)
