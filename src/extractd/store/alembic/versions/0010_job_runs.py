"""job_runs: batch runs of the jobs dialect (POST /api/job-runs) with their counts kept current

Revision ID: 0010_job_runs
Revises: 0009_presigned_uploads
Create Date: 2026-12-02 15:45:00

(job_run_stats of 0004 is something else: one row per finished attempt of any job, for /metrics.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_job_runs"
down_revision = "0009_presigned_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "environment_id",
            sa.String(length=36),
            sa.ForeignKey("environments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("job_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_jobs", sa.Integer(), nullable=False),
        sa.Column("completed_jobs", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed_jobs", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_job_runs_env_created", "job_runs", ["environment_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_env_created", table_name="job_runs")
    op.drop_table("job_runs")
