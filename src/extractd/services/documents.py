"""Documents: every upload is a document of its environment, stored once per content (sha256).

Jobs point at documents, so a re-extraction (``create_from_document``) needs no new upload. A document
is deleted with the jobs that used it, never while one of them still waits or runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from extractd.domain.errors import DocumentContentExpired, DocumentInUse, DocumentNotFound, TransientError
from extractd.services.context import ServiceContext
from extractd.services.ids import valid_id
from extractd.store.blobs import BlobNotFound, BlobStoreError
from extractd.store.db import transaction
from extractd.store.models import Document
from extractd.store.repositories import DocumentsRepository

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class DocumentPage:
    documents: list[Document]
    total: int


def list_documents(ctx: ServiceContext, environment_id: str, page: int, limit: int) -> DocumentPage:
    """A page of the environment's documents, newest first."""
    limit = min(limit, MAX_PAGE_SIZE)
    with ctx.sessions() as session:
        documents, total = DocumentsRepository(session).page(environment_id, (page - 1) * limit, limit)
    return DocumentPage(documents, total)


def get_document(ctx: ServiceContext, environment_id: str, document_id: str) -> Document:
    with ctx.sessions() as session:
        document = DocumentsRepository(session).get(valid_id(document_id, DocumentNotFound), environment_id)
    if document is None:
        raise DocumentNotFound()
    return document


def document_content(ctx: ServiceContext, environment_id: str, document_id: str) -> tuple[Document, bytes]:
    """The document and its bytes; DOCUMENT_CONTENT_EXPIRED once they went with the last result."""
    document = get_document(ctx, environment_id, document_id)
    try:
        return document, ctx.blobs.get(document.blob_key)
    except BlobNotFound:
        raise DocumentContentExpired() from None
    except BlobStoreError as exc:
        raise TransientError("The document storage could not be reached; retry shortly.") from exc


def ensure_content(ctx: ServiceContext, document: Document) -> None:
    """Raise DOCUMENT_CONTENT_EXPIRED unless the document's bytes are still stored."""
    try:
        present = ctx.blobs.exists(document.blob_key)
    except BlobStoreError as exc:
        raise TransientError("The document storage could not be reached; retry shortly.") from exc
    if not present:
        raise DocumentContentExpired()


def delete_document(ctx: ServiceContext, environment_id: str, document_id: str) -> None:
    """The document, its bytes and its jobs (with their results); DOCUMENT_IN_USE while one of its jobs
    is pending, queued or processing."""
    with transaction(ctx.sessions) as session:
        documents = DocumentsRepository(session)
        document = documents.lock(valid_id(document_id, DocumentNotFound), environment_id)
        if document is None:
            raise DocumentNotFound()
        if documents.has_active_jobs(document.id):
            raise DocumentInUse()
        blob_key = document.blob_key
        documents.delete_with_jobs(document)
    delete_blob(ctx, blob_key)


def delete_blob(ctx: ServiceContext, blob_key: str) -> None:
    """Delete a document's bytes after the commit that dropped its row: a blob whose delete fails is left
    over, never one a job still needs."""
    try:
        ctx.blobs.delete(blob_key)
    except BlobStoreError:
        logger.warning("could not delete the document blob %s; it is left over", blob_key, exc_info=True)
