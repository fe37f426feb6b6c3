"""job_run_stats: one row per finished run (loader kind, pages, OCR pages, seconds) for /metrics

Revision ID: 0004_job_run_stats
Revises: 0003
Create Date: 2026-12-02 11:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_job_run_stats"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_run_stats",
        sa.Column(
            "job_id", sa.String(length=36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("loader_kind", sa.String(length=20), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("ocr_pages", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "attempt"),
    )


def downgrade() -> None:
    op.drop_table("job_run_stats")
