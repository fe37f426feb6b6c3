"""The jobs dialect's bodies as pydantic models, for /openapi.json (the routes render plain dicts).

Every name starts with `Jobs`: the components share one namespace with v1's models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

JobStatusName = Literal[
    "PENDING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REVIEW_REQUIRED"
]


class JobsError(BaseModel):
    """Every error of the jobs dialect."""

    statusCode: int = Field(examples=[404])
    error: str = Field(description="The HTTP reason phrase.", examples=["Not Found"])
    message: str
    code: str = Field(description="The same UPPER_SNAKE codes as v1.", examples=["JOB_NOT_FOUND"])


class JobsJobError(BaseModel):
    code: str
    message: str


class JobsJob(BaseModel):
    """A job, bare."""

    id: str
    type: Literal["EXTRACTION"]
    status: JobStatusName
    schemaId: str | None = Field(description="The schema (template) the job runs with.")
    schemaVersion: int | None = Field(description="The schema version the job pinned at creation.")
    documentId: str
    filename: str | None
    parentRunId: str | None
    progress: int = Field(ge=0, le=100)
    attempt: int = Field(ge=0, description="Attempts started; a restart begins a new budget at 0.")
    error: JobsJobError | None
    createdAt: str
    updatedAt: str
    startedAt: str | None
    completedAt: str | None


class JobsJobList(BaseModel):
    data: list[JobsJob]
    total: int
    page: int
    limit: int


class JobsCreateJobForm(BaseModel):
    """multipart/form-data of POST /api/jobs."""

    file: bytes = Field(json_schema_extra={"format": "binary"})
    type: Literal["EXTRACTION"] = "EXTRACTION"
    schemaId: str = Field(description="A schema's id or name (the built-ins: `invoice`, `receipt`).")


class JobsDocument(BaseModel):
    """A stored document: identical bytes are one document per environment."""

    id: str
    filename: str = Field(description="The name of its first upload (each job keeps its own).")
    contentType: str = Field(description="Sniffed from the bytes.")
    size: int
    sha256: str
    createdAt: str


class JobsDocumentList(BaseModel):
    data: list[JobsDocument]
    total: int
    page: int
    limit: int


class JobsUploadUrlRequest(BaseModel):
    filename: str = Field(min_length=1, max_length=500)


class JobsUploadUrl(BaseModel):
    uploadUrl: str = Field(description="PUT the bytes here, once, before expiresAt.")
    key: str = Field(description="Give it to confirm-upload.")
    expiresAt: str


class JobsConfirmUpload(BaseModel):
    key: str
    filename: str | None = Field(None, description="Defaults to the name given to upload-url.")
    type: Literal["EXTRACTION"] = "EXTRACTION"
    schemaId: str


class JobsFromDocument(BaseModel):
    type: Literal["EXTRACTION"] = "EXTRACTION"
    schemaId: str


class JobsExtraction(BaseModel):
    """A completed job's extraction: the first document's fields, and every document of a split file."""

    jobId: str
    schemaId: str | None
    schemaVersion: int | None
    fields: dict[str, Any]
    fieldConfidence: dict[str, float]
    fieldDetails: dict[str, Any]
    documents: list[dict[str, Any]] = Field(description="The v1 document objects.")
    edits: list[dict[str, Any]]
    updatedAt: str


# The request bodies the routes read themselves, added to the OpenAPI components by ``create_app``.
DOCUMENTED_REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    JobsCreateJobForm,
    JobsUploadUrlRequest,
    JobsConfirmUpload,
    JobsFromDocument,
)
