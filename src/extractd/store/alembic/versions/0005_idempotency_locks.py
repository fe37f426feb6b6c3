"""idempotency keys carry a lock lifetime and a recovery point; filters carry a version

Revision ID: 0005_idempotency_locks
Revises: 0004_job_run_stats
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_idempotency_locks"
down_revision = "0004_job_run_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lock_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recovery_point", sa.String(length=20), nullable=True))
    with op.batch_alter_table("filters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("filters", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("recovery_point")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("lock_token")
