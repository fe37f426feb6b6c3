"""Pydantic models describing the v1 requests and responses in /openapi.json and /docs.

Request bodies are parsed by ``uploads`` / ``job_fields`` / the services (so every rule answers with its
own error code); these models document them. Response bodies are rendered from these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable UPPER_SNAKE error code.", examples=["TEMPLATE_NOT_FOUND"])
    message: str


class ErrorResponse(BaseModel):
    success: Literal[False] = False
    error: ErrorDetail


# --- create-job requests (documentation of the two encodings) ------------------------------------
class _JobFieldsDoc(BaseModel):
    # Optional fields are documented without `null`: a form field is a string or absent. (JSON null is
    # accepted as "not given".) templateName is required unless filterName is given; never both.
    templateName: str | SkipJsonSchema[None] = Field(
        None,
        min_length=1,
        max_length=200,
        description="Template to extract with (required unless filterName).",
    )
    filterName: str | SkipJsonSchema[None] = Field(
        None, min_length=1, max_length=200, description="Filter routing each document to a template."
    )
    documentSplitting: bool = Field(False, description="Cut a multi-document file into documents.")
    returnDocuments: bool = Field(False, description="Return each document as a base64 PDF.")
    returnText: bool = Field(False, description="Return each document's text.")
    schemaChunking: Literal["auto", "combined"] = "auto"
    password: str | SkipJsonSchema[None] = Field(
        None, max_length=1000, description="Password of an encrypted PDF."
    )
    returnBoundingBoxes: bool | SkipJsonSchema[None] = Field(
        None, description="Deprecated: accepted and ignored.", deprecated=True
    )


class _AsyncFieldsDoc(_JobFieldsDoc):
    documentReview: Annotated[int, Field(ge=1, le=99)] | SkipJsonSchema[None] = Field(
        None, description="Hold the result for review when a field's confidence×100 is below it."
    )
    deliveryMode: Literal["poll", "webhook"] = "poll"


class CreateJobForm(_AsyncFieldsDoc):
    """multipart/form-data: `file` plus the fields; booleans as true/false/1/0."""

    model_config = ConfigDict(extra="forbid")

    file: bytes = Field(
        description="The document (PDF, image, DOCX, XML, text).", json_schema_extra={"format": "binary"}
    )


class DeliveryDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["poll", "webhook"]


class CreateJobJson(_AsyncFieldsDoc):
    """application/json: `file` as base64 or a `data:` URL."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(description="The document as base64, or a data:<type>;base64,<data> URL.")
    filename: str | SkipJsonSchema[None] = Field(None, max_length=500)
    delivery: DeliveryDoc | SkipJsonSchema[None] = Field(None, description="Alias of deliveryMode.")


class ExtractFieldsForm(_JobFieldsDoc):
    model_config = ConfigDict(extra="forbid")

    file: bytes = Field(json_schema_extra={"format": "binary"})


class ExtractFieldsJson(_JobFieldsDoc):
    model_config = ConfigDict(extra="forbid")

    file: str = Field(description="The document as base64, or a data: URL.")
    filename: str | SkipJsonSchema[None] = Field(None, max_length=500)


# --- job responses -------------------------------------------------------------------------------
class CreatedJob(BaseModel):
    id: str
    status: Literal["queued"] = "queued"
    statusUrl: str = Field(description="Relative to the server: `/api/v1/extraction-jobs/{id}`.")
    retryAfterMs: int


class JobCreatedResponse(BaseModel):
    success: Literal[True] = True
    job: CreatedJob


class JobError(BaseModel):
    message: str
    code: str


Timestamp = Annotated[str, Field(description="ISO 8601 UTC with milliseconds and `Z`.")]


class QueuedJob(BaseModel):
    id: str
    status: Literal["queued", "processing"]
    progress: int = Field(ge=0, le=100)
    retryAfterMs: int
    createdAt: Timestamp
    updatedAt: Timestamp


class ReviewJob(BaseModel):
    id: str
    status: Literal["review_required"]
    reviewRequiredAt: Timestamp | None
    reviewThreshold: int | None
    reviewFlaggedFieldCount: int
    resultAvailable: Literal[False] = False
    retryAfterMs: int
    createdAt: Timestamp
    updatedAt: Timestamp


class CompletedJob(BaseModel):
    id: str
    status: Literal["completed"]
    completedAt: Timestamp | None
    resultAvailable: bool
    resultUrl: str = Field(description="Relative to the server: `/api/v1/extraction-jobs/{id}/result`.")
    createdAt: Timestamp
    updatedAt: Timestamp


class FailedJob(BaseModel):
    id: str
    status: Literal["failed"]
    failedAt: Timestamp | None
    error: JobError
    createdAt: Timestamp
    updatedAt: Timestamp


class JobStatusResponse(BaseModel):
    success: Literal[True] = True
    job: QueuedJob | ReviewJob | CompletedJob | FailedJob


class ExtractedDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    extracted: bool
    documentName: str | None
    usedTemplateName: str | None
    sourcePages: list[int]
    averageDocumentConfidence: float
    content: dict[str, Any] | None
    fieldConfidence: dict[str, Any] | None = None
    fieldDetails: dict[str, Any] | None = None
    message: str | None = None
    reason: str | None = None
    returnedText: str | None = None
    returnedDocumentBase64: str | None = None


class ResultData(BaseModel):
    model_config = ConfigDict(extra="allow")

    completionTime: float = Field(
        description="Seconds: creation to completion for a job's result, "
        "the extraction itself for extractFields."
    )
    originalName: str
    processedPages: int
    documents: list[ExtractedDocument]


class ResultJob(BaseModel):
    id: str
    status: Literal["completed"]
    completedAt: Timestamp | None


class JobResultResponse(BaseModel):
    success: Literal[True] = True
    job: ResultJob
    data: ResultData


class ExtractFieldsResponse(BaseModel):
    success: Literal[True] = True
    data: ResultData


# --- templates -----------------------------------------------------------------------------------
class TemplateFieldDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(max_length=200, description="Field name; spaces become `_`.")
    type: Literal[
        "text",
        "integer",
        "decimal",
        "money",
        "boolean",
        "date",
        "enum",
        "list",
        "section",
        "currency",
        "email",
        "phone",
        "iban",
    ] = "text"
    description: str = Field("", max_length=2000)
    labels: list[str] = Field(default_factory=list, description="Optional synonyms, any language.")
    required: bool = False
    pattern: str | None = Field(None, description="A regular expression the value must match.")
    values: list[str] = Field(default_factory=list, description="The allowed values of an enum.")
    valueIds: list[str] = Field(
        default_factory=list, description="Ids of an enum's values, in order (a schema's possibleValues)."
    )
    dateFormat: str = Field("YYYY-MM-DD", description="Tokens YYYY YY MMMM MMM MM M DD D.")
    fields: list[TemplateFieldDoc] = Field(
        default_factory=list, description="Sub-fields of a list or section."
    )


class TemplateDefinition(BaseModel):
    """A template in the format of DESIGN.md §5."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    fields: list[TemplateFieldDoc] = Field(min_length=1)


class TemplateUpdate(BaseModel):
    """A new version of a template; `name`, when given, must be the template's name."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    fields: list[TemplateFieldDoc] = Field(min_length=1)


class TemplateOut(BaseModel):
    id: str = Field(description="Usable as a jobs-dialect schemaId; stable for the built-ins.")
    name: str
    description: str
    fields: list[dict[str, Any]]
    version: int
    builtin: bool
    createdAt: datetime | None
    updatedAt: datetime | None


class TemplateResponse(BaseModel):
    success: Literal[True] = True
    template: TemplateOut


class TemplateListResponse(BaseModel):
    success: Literal[True] = True
    templates: list[TemplateOut]


# --- filters -------------------------------------------------------------------------------------
class FilterRuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documentName: str = Field(min_length=1, max_length=200)
    description: str = ""
    extract: bool = True
    templateName: str | None = Field(None, description="Required unless extract is false.")


class FilterDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    rules: list[FilterRuleDoc] = Field(min_length=1)


class FilterUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    rules: list[FilterRuleDoc] = Field(min_length=1)


class FilterOut(BaseModel):
    name: str
    description: str
    rules: list[FilterRuleDoc]
    createdAt: datetime
    updatedAt: datetime


class FilterResponse(BaseModel):
    success: Literal[True] = True
    filter: FilterOut


class FilterListResponse(BaseModel):
    success: Literal[True] = True
    filters: list[FilterOut]


class DeletedResponse(BaseModel):
    success: Literal[True] = True


# --- review (DESIGN.md §4a) ------------------------------------------------------------------------
class ReviewDecision(BaseModel):
    """`approve` (optionally with corrections: field name → new value, typed as in `content`) or
    `reject` (with a reason). `document` picks the result document the corrections are for (0-based;
    default: the first extracted one)."""

    action: Literal["approve", "reject"]
    corrections: dict[str, Any] | None = None
    document: int | None = Field(None, ge=0)
    reason: str | None = Field(None, max_length=2000)


class FlaggedFieldOut(BaseModel):
    document: int
    field: str
    value: Any = None
    confidence: float | None
    page: int | None
    bbox: list[float] | None
    text: str | None = Field(description="The text the value was read from.")
    textAround: str | None = Field(None, description="The lines around the value on its page.")
    reasons: list[str] = Field(
        description="`low_confidence`, `required_missing`, or the name of a failed check."
    )
    failedChecks: list[dict[str, Any]]


class ReviewOut(BaseModel):
    threshold: int | None
    flaggedFieldCount: int
    fields: list[FlaggedFieldOut]


class ReviewResponse(BaseModel):
    success: Literal[True] = True
    job: ReviewJob
    review: ReviewOut


class ReviewDecisionResponse(BaseModel):
    """Approved: the completed job and its result (with the `review` record); rejected: the failed job."""

    success: Literal[True] = True
    job: CompletedJob | FailedJob
    data: ResultData | None = None


# --- webhooks ------------------------------------------------------------------------------------
WebhookEventName = Annotated[str, Field(description="An event type (see DESIGN §4a) or `*` for all.")]


class WebhookDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="http(s) URL receiving POSTs.")
    events: list[WebhookEventName] = Field(min_length=1, max_length=50)
    description: str = Field("", max_length=2000)
    enabled: bool = True


class WebhookPatchDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2000)
    events: list[WebhookEventName] | None = Field(None, min_length=1, max_length=50)
    description: str | None = Field(None, max_length=2000)
    enabled: bool | None = None


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabledAt: str | None = Field(description="When it was disabled for failing every attempt too long.")
    disabledReason: str | None
    createdAt: str
    updatedAt: str


class WebhookWithSecret(WebhookOut):
    signingSecret: str = Field(description="`whsec_…`: verify deliveries with it (Standard Webhooks).")


class WebhookResponse(BaseModel):
    success: Literal[True] = True
    webhook: WebhookOut


class WebhookSecretResponse(BaseModel):
    success: Literal[True] = True
    webhook: WebhookWithSecret


class WebhookListResponse(BaseModel):
    success: Literal[True] = True
    webhooks: list[WebhookOut]


class WebhookMessageOut(BaseModel):
    id: str = Field(description="The message id: the `webhook-id` header of every attempt.")
    eventType: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    nextAttemptAt: str | None


class WebhookMessageResponse(BaseModel):
    success: Literal[True] = True
    message: WebhookMessageOut


class WebhookDeliveryOut(BaseModel):
    messageId: str
    eventType: str
    attempt: int
    attemptedAt: str
    succeeded: bool
    statusCode: int | None
    error: str | None
    durationMs: int
    messageStatus: Literal["pending", "delivered", "failed"]


class WebhookDeliveriesResponse(BaseModel):
    success: Literal[True] = True
    deliveries: list[WebhookDeliveryOut]


# Models only referenced from hand-written request bodies; app.py adds them to the OpenAPI components.
DOCUMENTED_REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    CreateJobForm,
    CreateJobJson,
    ExtractFieldsForm,
    ExtractFieldsJson,
    TemplateDefinition,
    TemplateUpdate,
    FilterDefinition,
    FilterUpdate,
    ReviewDecision,
    WebhookDefinition,
    WebhookPatchDoc,
)


def body_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}
