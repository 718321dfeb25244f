"""alert_deliveries: integration_id without a foreign key

Every intake transaction inserts a receipt. With the foreign key, PostgreSQL checked each
one against `integrations` and took a KEY SHARE lock on the integration's row: 0.24 ms of
a 2 ms re-send statement (EXPLAIN ANALYZE), and with many writers sharing one row those
locks become multixacts. The receipt's integration was read moments before in the same
request, and integrations are never deleted (only revoked), so the key guarded nothing.
It stays indexed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 04:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FK = "fk_alert_deliveries_integration_id_integrations"


def upgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_foreign_key(
            _FK, "integrations", ["integration_id"], ["id"], ondelete="SET NULL"
        )
