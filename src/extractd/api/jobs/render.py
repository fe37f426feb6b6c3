"""How the jobs dialect shows things: bare objects (no envelope) and ``{data, total, page, limit}`` lists.

The job object itself lives in ``domain.job_view`` (webhook events reuse it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from extractd.domain.job_view import iso_ms, jobs_job
from extractd.domain.schemas import values_to_schema
from extractd.domain.templates import parse_template
from extractd.services.uploads import UploadTicket
from extractd.store.models import Document, Job


def job_body(job: Job) -> dict[str, Any]:
    """``{id, type, status, schemaId, schemaVersion, documentId, filename, parentRunId, progress, attempt,
    error, createdAt, updatedAt, startedAt, completedAt}``."""
    return jobs_job(job)


def list_body(items: Sequence[dict[str, Any]], total: int, page: int, limit: int) -> dict[str, Any]:
    return {"data": list(items), "total": total, "page": page, "limit": limit}


def document_body(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "filename": document.filename,
        "contentType": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "createdAt": iso_ms(document.created_at),
    }


def attachment(filename: str) -> str:
    """A Content-Disposition naming the file, safe for any characters in its name (RFC 6266)."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def upload_ticket_body(ticket: UploadTicket) -> dict[str, Any]:
    return {"uploadUrl": ticket.upload_url, "key": ticket.key, "expiresAt": iso_ms(ticket.expires_at)}


def extraction_body(job: Job, data: dict[str, Any]) -> dict[str, Any]:
    """GET /api/jobs/{id}/extraction: the first document's fields up front (in the schema form: an array
    of plain values as a plain list), every document (split files) in ``documents`` as v1 shows them, and
    the edits made since (oldest first; PATCH …/extraction keeps them in the result)."""
    documents = list(data.get("documents") or [])
    first = documents[0] if documents else {}
    fields = first.get("content") or {}
    if job.template_definition is not None:
        fields = values_to_schema(parse_template(job.template_definition), fields)
    return {
        "jobId": job.id,
        "schemaId": job.template_id,
        "schemaVersion": job.template_version,
        "fields": fields,
        "fieldConfidence": first.get("fieldConfidence") or {},
        "fieldDetails": first.get("fieldDetails") or {},
        "documents": documents,
        "edits": list(data.get("edits") or []),
        "updatedAt": iso_ms(job.updated_at),
    }
