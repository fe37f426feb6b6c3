"""The fields of the jobs dialect's creates: ``type`` and ``schemaId`` (every create), checked into a
``JobRequest``; upload-url's ``filename``; confirm-upload's ``key`` and ``filename``.

Pure, like v1's ``job_fields``: multipart values arrive as strings, JSON values must be strings too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from extractd.domain.errors import ValidationFailed
from extractd.domain.job_view import JOB_TYPE_EXTRACTION
from extractd.domain.jobs import JobStatus
from extractd.services.jobs import JobRequest

JOB_FIELDS = frozenset({"type", "schemaId"})
MAX_SCHEMA_ID = 200  # a template name has at most 200 characters, an id 36


def job_request(fields: Mapping[str, Any], allowed: frozenset[str] = JOB_FIELDS) -> JobRequest:
    """``type`` (only EXTRACTION; optional) and ``schemaId`` (a schema's id or name); nothing unknown."""
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationFailed(f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    job_type = fields.get("type", JOB_TYPE_EXTRACTION)
    if job_type != JOB_TYPE_EXTRACTION:
        raise ValidationFailed(f"type must be {JOB_TYPE_EXTRACTION}.")
    schema_id = fields.get("schemaId")
    if not isinstance(schema_id, str) or not schema_id.strip() or len(schema_id) > MAX_SCHEMA_ID:
        raise ValidationFailed(f"schemaId must be a schema's id or name (1 to {MAX_SCHEMA_ID} characters).")
    return JobRequest(template_name=schema_id.strip())


MAX_FILENAME = 500
MAX_UPLOAD_KEY = 100


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object.")
    return dict(body)


def _filename(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FILENAME:
        raise ValidationFailed(f"filename must be a string of 1 to {MAX_FILENAME} characters.")
    return value.strip()


def upload_url_filename(body: Any) -> str:
    """``{filename}``, the whole body of POST /api/jobs/upload-url."""
    fields = _object(body)
    unknown = sorted(set(fields) - {"filename"})
    if unknown:
        raise ValidationFailed(f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    return _filename(fields.get("filename"))


def confirm_upload_fields(body: Any) -> tuple[str, str | None, JobRequest]:
    """``{key, filename, type, schemaId}`` of POST /api/jobs/confirm-upload (``filename`` optional: the
    one given to upload-url)."""
    fields = _object(body)
    key, filename = fields.pop("key", None), fields.pop("filename", None)
    if not isinstance(key, str) or not key or len(key) > MAX_UPLOAD_KEY:
        raise ValidationFailed("key must be the key upload-url answered.")
    return key, None if filename is None else _filename(filename), job_request(fields)


def from_document_fields(body: Any) -> JobRequest:
    """``{type, schemaId}`` of POST /api/jobs/from-document/{documentId}."""
    return job_request(_object(body))


def statuses(value: str | None) -> list[JobStatus]:
    """The ``status`` filter of a job list: one status or several, comma-separated (``COMPLETED,FAILED``)."""
    if value is None or not value.strip():
        return []
    names = [name.strip() for name in value.split(",") if name.strip()]
    known = {status.value.upper(): status for status in JobStatus}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValidationFailed(f"Unknown status {unknown[0]!r}: one of {', '.join(sorted(known))}.")
    return [known[name] for name in names]
