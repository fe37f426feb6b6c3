"""jobs dialect: one document per content per environment; jobs keep their schema id and file name

Revision ID: 0008_jobs_dialect
Revises: 0007_worker_limits_secrets
Create Date: 2026-12-02 15:30:00

Existing duplicates (the same sha256 twice in one environment) are folded into the newest of them: its
jobs and the older copies' jobs all point at it, and the older rows go. The newest copy's blob is the one
least likely purged; the bytes are the same, so no job loses its document. The older copies' blobs are
left in storage (nothing refers to them; deleting files is not a migration's business).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0008_jobs_dialect"
down_revision = "0007_worker_limits_secrets"
branch_labels = None
depends_on = None

# services.templates.builtin_template_id at the time of this migration (frozen here on purpose).
BUILTIN_NAMESPACE = uuid.UUID("6f1c2a3e-8d4b-5e7f-9a0b-1c2d3e4f5a6b")
BUILTIN_NAMES = ("invoice", "receipt")

# Each document's newest copy: the same content in the same environment, latest first.
_NEWEST_COPY_OF_JOBS_DOCUMENT = """
    SELECT k.id FROM documents d
    JOIN documents k ON k.environment_id = d.environment_id AND k.sha256 = d.sha256
    WHERE d.id = jobs.document_id ORDER BY k.created_at DESC, k.id DESC LIMIT 1
"""
_NEWEST_COPY_OF_DOCUMENT = """
    SELECT k.id FROM documents k
    WHERE k.environment_id = documents.environment_id AND k.sha256 = documents.sha256
    ORDER BY k.created_at DESC, k.id DESC LIMIT 1
"""


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("filename", sa.String(length=500), nullable=True))
    op.execute(
        "UPDATE jobs SET filename = (SELECT d.filename FROM documents d WHERE d.id = jobs.document_id)"
    )
    op.execute(
        "UPDATE jobs SET template_id = (SELECT t.id FROM templates t WHERE t.environment_id = "
        "jobs.environment_id AND t.name = jobs.template_name) WHERE template_name IS NOT NULL"
    )
    for name in BUILTIN_NAMES:
        builtin_id = str(uuid.uuid5(BUILTIN_NAMESPACE, name))
        op.execute(
            sa.text(
                "UPDATE jobs SET template_id = :id WHERE template_id IS NULL AND template_name = :name"
            ).bindparams(id=builtin_id, name=name)
        )
    op.execute(f"UPDATE jobs SET document_id = ({_NEWEST_COPY_OF_JOBS_DOCUMENT})")
    op.execute(f"DELETE FROM documents WHERE id <> ({_NEWEST_COPY_OF_DOCUMENT})")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_documents_environment_sha256", ["environment_id", "sha256"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_documents_environment_sha256", type_="unique")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("filename")
        batch_op.drop_column("template_id")
