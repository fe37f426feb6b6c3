"""``extractd-client mcp``: an MCP server (stdio) that lets an assistant use a running extractd.

Tools: list the templates, extract a local file with a template (typed fields, their confidences, the
fields that need a person's look), read a job or its result, list the jobs awaiting review, read a
review, approve (with corrections) or reject it. The server and key come from ``EXTRACTD_URL`` and
``EXTRACTD_API_KEY``.
Needs the optional dependency: ``pip install 'extractd-client[mcp]'``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ParamSpec

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from extractd_client import errors
from extractd_client.aio import AsyncClient
from extractd_client.types import Document, ExtractionResult, Job

INSTRUCTIONS = (
    "Tools of an extractd document-extraction server. Extract a local PDF, image or Word file with a "
    "template (list_templates names them); every field comes with a confidence (0-1), and fields under "
    "the review threshold are listed in needsReview: show those to the user rather than trusting them."
)


def document_view(document: Document, threshold: float) -> dict[str, Any]:
    return {
        "documentName": document.document_name,
        "template": document.used_template_name,
        "pages": document.source_pages,
        "averageConfidence": document.average_confidence,
        "fields": {
            name: {"value": value, "confidence": document.field_confidence.get(name)}
            for name, value in document.content.items()
        },
        "needsReview": document.fields_below(threshold),
    }


def result_view(result: ExtractionResult, threshold: float) -> dict[str, Any]:
    return {
        "jobId": result.job_id,
        "status": "completed",
        "originalName": result.original_name,
        "pages": result.processed_pages,
        "documents": [document_view(document, threshold) for document in result.documents],
    }


def job_view(job: Job) -> dict[str, Any]:
    view: dict[str, Any] = {"jobId": job.id, "status": job.status, "createdAt": job.created_at}
    if job.filename is not None:
        view["filename"] = job.filename
    if job.error:
        view["error"] = {"code": job.error.code, "message": job.error.message}
    if job.flagged_field_count is not None:
        view["flaggedFieldCount"] = job.flagged_field_count
    return view


P = ParamSpec("P")


def reported(tool: Callable[P, Awaitable[dict[str, Any]]]) -> Callable[P, Awaitable[dict[str, Any]]]:
    """The server's error (code and message) reaches the assistant, which can act on it; the SDK would
    otherwise hide any exception behind a generic "Error executing tool"."""

    @functools.wraps(tool)
    async def run(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        try:
            return await tool(*args, **kwargs)
        except errors.ExtractdError as error:
            raise ToolError(str(error)) from error
        except OSError as error:  # the local file to extract
            raise ToolError(f"{error.filename}: {error.strerror}") from error

    return run


def build_server(client: AsyncClient) -> MCPServer:
    server = MCPServer("extractd", instructions=INSTRUCTIONS)

    @server.tool()
    @reported
    async def list_templates() -> dict[str, Any]:
        """The templates this environment can extract with: name, description and field names."""
        templates = await client.templates.list()
        return {
            "templates": [
                {
                    "name": t.name,
                    "description": t.description,
                    "builtin": t.builtin,
                    "fields": [f.get("name") for f in t.fields],
                }
                for t in templates
            ]
        }

    @server.tool()
    @reported
    async def extract_file(
        path: str, template: str, review_threshold: float = 0.8, document_review: int | None = None
    ) -> dict[str, Any]:
        """Extract a local file (PDF, image, DOCX) with a template. Returns each document's fields with
        their confidences; `needsReview` names fields under `review_threshold` (0-1) or not found. With
        `document_review` (1-99) the server holds the job for review instead (status review_required)."""
        file = Path(path).expanduser()
        try:
            result = await client.extract(file, template, document_review=document_review)
        except errors.ReviewRequired as held:
            review = await client.reviews.get(held.job_id or "")
            return {
                "jobId": held.job_id,
                "status": "review_required",
                "flagged": [f.raw for f in review.fields],
            }
        return result_view(result, review_threshold)

    @server.tool()
    @reported
    async def get_job(job_id: str) -> dict[str, Any]:
        """A job's status (queued, processing, review_required, completed, failed) and error if any."""
        return job_view(await client.jobs.get(job_id))

    @server.tool()
    @reported
    async def get_result(job_id: str, review_threshold: float = 0.8) -> dict[str, Any]:
        """The fields of a completed job, with confidences and the fields that need review."""
        return result_view(await client.jobs.result(job_id), review_threshold)

    @server.tool()
    @reported
    async def list_review_queue(page: int = 1, limit: int = 20) -> dict[str, Any]:
        """The jobs awaiting a person's review, newest first: id, file name, when created. `total` counts
        them all; ask for the next `page` while `hasMore`. get_review shows a job's flagged fields."""
        queue = await client.reviews.queue(page=page, limit=limit)
        return {
            "total": queue.total,
            "page": queue.page,
            "hasMore": queue.has_more,
            "jobs": [job_view(job) for job in queue.jobs],
        }

    @server.tool()
    @reported
    async def get_review(job_id: str) -> dict[str, Any]:
        """The flagged fields of a job awaiting review: value, confidence, page, text, why flagged."""
        review = await client.reviews.get(job_id)
        return {"jobId": job_id, "threshold": review.threshold, "fields": [f.raw for f in review.fields]}

    @server.tool()
    @reported
    async def approve_review(job_id: str, corrections: dict[str, Any] | None = None) -> dict[str, Any]:
        """Approve a job awaiting review, optionally with corrections ({field: value}); returns the result."""
        return result_view(await client.reviews.approve(job_id, corrections), 0.0)

    @server.tool()
    @reported
    async def reject_review(job_id: str, reason: str = "") -> dict[str, Any]:
        """Reject a job awaiting review: it fails with REVIEW_REJECTED."""
        return job_view(await client.reviews.reject(job_id, reason))

    return server


def serve(url: str | None = None, api_key: str | None = None) -> None:
    """Run the MCP server on stdio until the assistant closes it."""
    build_server(AsyncClient(url, api_key)).run("stdio")
