"""Documents: uploaded files. The bytes live in the blob store under ``blob_key``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractd.store.models import Document, Job


def document_blob_key(environment_id: str, sha256: str) -> str:
    """Where a document's bytes live: by content, so concurrent uploads of the same bytes write one blob."""
    return f"documents/{environment_id}/{sha256}"


class DocumentsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, document: Document) -> Document:
        self.session.add(document)
        self.session.flush()
        return document

    def add_or_existing(self, document: Document) -> Document:
        """The new document, or the one with the same content in its environment (committed meanwhile)."""
        existing = self.by_content(document.environment_id, document.sha256)
        if existing is not None:
            return existing
        try:
            with self.session.begin_nested():  # a savepoint: losing the race keeps the transaction
                self.session.add(document)
        except IntegrityError:
            existing = self.by_content(document.environment_id, document.sha256)
            if existing is None:
                raise
            return existing
        return document

    def by_content(self, environment_id: str, sha256: str) -> Document | None:
        query = select(Document).where(Document.environment_id == environment_id, Document.sha256 == sha256)
        return self.session.scalars(query).one_or_none()

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
