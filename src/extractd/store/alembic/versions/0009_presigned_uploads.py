"""presigned uploads of the jobs dialect: one row per upload URL handed out (single use, expiring)

Revision ID: 0009_presigned_uploads
Revises: 0008_jobs_dialect
Create Date: 2026-12-02 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_presigned_uploads"
down_revision = "0008_jobs_dialect"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presigned_uploads",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column(
            "environment_id",
            sa.String(length=36),
            sa.ForeignKey("environments.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("blob_key", sa.String(length=500), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("presigned_uploads")
