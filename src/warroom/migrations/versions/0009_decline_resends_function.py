"""warroom_decline_resends(): how the re-send statement undoes itself (PostgreSQL)

The intake's re-send statement (alerts/resends.py) updates the alerts it finds firing, in
one statement with no locking pass before it, and must write nothing when one of them is
not firing (a new or resolved alert: the full path's work). It then calls this function,
whose error ends the statement and so undoes it whole. SQLSTATE WR001 tells the caller
that the statement declined rather than failed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 07:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION warroom_decline_resends(expected bigint, firing bigint)
        RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'WR001',
                MESSAGE = format('%s of %s re-sent alerts are firing', firing, expected);
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION warroom_decline_resends(bigint, bigint)")
