"""bounded work and secrets: jobs count lost leases and hold an encrypted secret; the server key table

Revision ID: 0007_worker_limits_secrets
Revises: 0006_webhooks
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_worker_limits_secrets"
down_revision = "0006_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_losses", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("secret", sa.Text(), nullable=True))
    op.create_table(
        "server_keys",
        sa.Column("name", sa.String(length=50), primary_key=True),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_keys")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("secret")
        batch_op.drop_column("lease_losses")
