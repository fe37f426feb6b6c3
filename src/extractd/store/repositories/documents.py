"""Documents: uploaded files. The bytes live in the blob store under ``blob_key``."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractd.domain.jobs import JobStatus
from extractd.store.models import Document, Job


def document_blob_key(environment_id: str, document_id: str) -> str:
    return f"documents/{environment_id}/{document_id}"


class DocumentsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, document: Document) -> Document:
        self.session.add(document)
        self.session.flush()
        return document

    def add_or_existing(self, document: Document) -> Document:
        """The new document, or the environment's document with the same content when one was committed
        meanwhile (the unique (environment, sha256) decides; a savepoint keeps the transaction)."""
        try:
            with self.session.begin_nested():
                self.session.add(document)
        except IntegrityError:
            existing = self.by_content(document.environment_id, document.sha256, lock=True)
            if existing is None:
                raise
            return existing
        return document

    def by_content(self, environment_id: str, sha256: str, lock: bool = False) -> Document | None:
        """The environment's document with these bytes; ``lock``: held until the transaction ends, so a
        concurrent delete waits (a job being created on it keeps it)."""
        query = select(Document).where(Document.environment_id == environment_id, Document.sha256 == sha256)
        return self.session.scalars(query.with_for_update() if lock else query).one_or_none()

    def lock(self, document_id: str, environment_id: str | None = None) -> Document | None:
        """The document, locked until the transaction ends (delete and reuse take turns)."""
        query = select(Document).where(Document.id == document_id)
        if environment_id is not None:
            query = query.where(Document.environment_id == environment_id)
        return self.session.scalars(query.with_for_update()).one_or_none()

    def page(self, environment_id: str, offset: int, limit: int) -> tuple[list[Document], int]:
        """One page of the environment's documents, newest first, and how many it has."""
        condition = Document.environment_id == environment_id
        total = self.session.scalar(select(func.count()).select_from(Document).where(condition))
        query = select(Document).where(condition).order_by(Document.created_at.desc(), Document.id.desc())
        return list(self.session.scalars(query.offset(offset).limit(limit))), int(total or 0)

    def has_active_jobs(self, document_id: str) -> bool:
        """Whether a job of the document is pending, queued or processing (it still needs the bytes)."""
        active = [JobStatus.PENDING.value, JobStatus.QUEUED.value, JobStatus.PROCESSING.value]
        query = select(Job.id).where(Job.document_id == document_id, Job.status.in_(active)).limit(1)
        return self.session.scalar(query) is not None

    def delete_with_jobs(self, document: Document) -> None:
        """The document and every job of it (their results and statistics go with them: ON DELETE CASCADE)."""
        self.session.execute(delete(Job).where(Job.document_id == document.id))
        self.session.delete(document)
        self.session.flush()

    def get(self, document_id: str, environment_id: str | None = None) -> Document | None:
        query = select(Document).where(Document.id == document_id)
        if environment_id is not None:
            query = query.where(Document.environment_id == environment_id)
        return self.session.scalars(query).one_or_none()

    def is_referenced(self, document_id: str) -> bool:
        """Whether any job still points at the document (then its blob must stay)."""
        return self.session.scalar(select(Job.id).where(Job.document_id == document_id).limit(1)) is not None

    def delete(self, document: Document) -> None:
        self.session.delete(document)
        self.session.flush()

    def blobs_free_after_purge(self, purged_job_ids: list[str]) -> list[str]:
        """Blob keys of the purged jobs' documents that no job with a live result still points at.

        A job holds its document until its result is purged; one that is queued, running, failed,
        cancelled or has a result still to serve keeps the document (and its blob) for everyone.
        """
        if not purged_job_ids:
            return []
        documents = select(Job.document_id).where(Job.id.in_(purged_job_ids))
        still_used = select(Job.document_id).where(
            Job.document_id.in_(documents), Job.result_purged_at.is_(None)
        )
        query = select(Document.blob_key).where(Document.id.in_(documents), Document.id.not_in(still_used))
        return list(self.session.scalars(query))
