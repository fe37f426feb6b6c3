"""/api/documents: the environment's stored documents (list, read, content, delete). Thin over
``services.documents``; a document id that is not a UUID answers 404 like an unknown one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from extractd.api.deps import Context, CurrentCaller
from extractd.api.jobs import render
from extractd.api.jobs.common import Limit, Page, error_responses
from extractd.api.jobs.models import JobsDocument, JobsDocumentList
from extractd.services import documents

router = APIRouter(prefix="/documents", tags=["jobs"])


@router.get(
    "",
    summary="List documents",
    description="The environment's documents, newest first; identical bytes are one document.",
    response_model=JobsDocumentList,
    responses=error_responses(401),
)
def list_documents(
    context: Context, caller: CurrentCaller, page: Page = 1, limit: Limit = 10
) -> dict[str, Any]:
    found = documents.list_documents(context, caller.environment_id, page, limit)
    return render.list_body([render.document_body(d) for d in found.documents], found.total, page, limit)


@router.get(
    "/{document_id}",
    summary="Get a document",
    response_model=JobsDocument,
    responses=error_responses(401, 404),
)
def get_document(document_id: str, context: Context, caller: CurrentCaller) -> dict[str, Any]:
    return render.document_body(documents.get_document(context, caller.environment_id, document_id))


@router.get(
    "/{document_id}/content",
    summary="Download a document's bytes",
    description="The bytes as uploaded, with their sniffed type. 410 DOCUMENT_CONTENT_EXPIRED once they were "
    "deleted with the last result that needed them.",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The document's bytes."},
        **error_responses(401, 404, 410, 503),
    },
)
def get_document_content(document_id: str, context: Context, caller: CurrentCaller) -> Response:
    document, content = documents.document_content(context, caller.environment_id, document_id)
    disposition = render.attachment(document.filename)
    return Response(content, media_type=document.content_type, headers={"Content-Disposition": disposition})


@router.delete(
    "/{document_id}",
    status_code=204,
    summary="Delete a document",
    description="The document, its bytes and its jobs with their results. 409 DOCUMENT_IN_USE while one of "
    "its jobs is pending, queued or processing.",
    response_class=Response,
    responses=error_responses(401, 404, 409),
)
def delete_document(document_id: str, context: Context, caller: CurrentCaller) -> Response:
    documents.delete_document(context, caller.environment_id, document_id)
    return Response(status_code=204)
