"""The fields every jobs-dialect create shares (``type``, ``schemaId``), checked into a ``JobRequest``.

Pure, like v1's ``job_fields``: multipart values arrive as strings, JSON values must be strings too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from extractd.domain.errors import ValidationFailed
from extractd.domain.job_view import JOB_TYPE_EXTRACTION
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
