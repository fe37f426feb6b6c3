"""One root exception; one subclass per failure, each with a stable UPPER_SNAKE ``code``.

The class docstring is the default message. Only ``extractd.api.errors`` maps codes to HTTP statuses.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ExtractdError(Exception):
    """Something went wrong."""

    code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str | None = None, **data: Any) -> None:
        self.message = message or (self.__doc__ or self.code).strip()
        self.data = data
        super().__init__(self.message)


# --- request shape -------------------------------------------------------------------------------
class ValidationFailed(ExtractdError):
    """The request is not valid."""

    code = "VALIDATION_ERROR"


class MalformedJson(ExtractdError):
    """The request body is not valid JSON."""

    code = "MALFORMED_JSON"


class MalformedRequest(ExtractdError):
    """The HTTP request is malformed (for example a control character in a header, the path or the query)."""

    code = "MALFORMED_REQUEST"


class JsonTooDeep(ExtractdError):
    """The JSON body nests too deep."""

    code = "JSON_TOO_DEEP"


class UnsupportedOption(ExtractdError):
    """`options` fields are not supported; send each setting as its own top-level field."""

    code = "UNSUPPORTED_OPTION"


class InvalidDeliveryMode(ExtractdError):
    """deliveryMode must be `poll` or `webhook`."""

    code = "INVALID_DELIVERY_MODE"


class WebhookCoverageUnresolved(ExtractdError):
    """deliveryMode=webhook needs an enabled webhook that receives job.completed and job.failed."""

    code = "WEBHOOK_COVERAGE_UNRESOLVED"


class WebhookUrlRefused(ExtractdError):
    """The webhook URL points at an address webhooks may not reach (loopback, private, link-local, CGNAT,
    cloud metadata) or cannot be resolved."""

    code = "WEBHOOK_URL_REFUSED"


class WebhookNotFound(ExtractdError):
    """No such webhook in this environment."""

    code = "WEBHOOK_NOT_FOUND"


class WebhookMessageNotFound(ExtractdError):
    """No such message for this webhook."""

    code = "WEBHOOK_MESSAGE_NOT_FOUND"


class InvalidTemplate(ExtractdError):
    """The template is not valid."""

    code = "INVALID_TEMPLATE"


class InvalidPattern(InvalidTemplate):
    """A template field's `pattern` cannot run on the linear-time regex engine (RE2)."""

    code = "INVALID_PATTERN"


class InvalidFilter(ExtractdError):
    """The filter is not valid."""

    code = "INVALID_FILTER"


# --- files ---------------------------------------------------------------------------------------
class EmptyFile(ExtractdError):
    """The uploaded file is empty."""

    code = "EMPTY_FILE"


class InvalidBase64(ExtractdError):
    """The file is not valid base64 (or a base64 data URL)."""

    code = "INVALID_BASE64"


class FileTooLarge(ExtractdError):
    """The file is larger than the upload limit."""

    code = "FILE_TOO_LARGE"


class UnsupportedType(ExtractdError):
    """The file type is not supported (PDF, PNG, JPEG, TIFF, WebP, BMP, DOCX, XML or plain text)."""

    code = "UNSUPPORTED_TYPE"


class CorruptFile(ExtractdError):
    """The file is damaged and cannot be read."""

    code = "CORRUPT_FILE"


class PasswordRequired(ExtractdError):
    """The PDF is encrypted; send its password in `password`."""

    code = "PASSWORD_REQUIRED"


class InvalidPassword(ExtractdError):
    """The password does not open the PDF."""

    code = "INVALID_PASSWORD"


class DocumentTooLarge(ExtractdError):
    """The document exceeds the page or pixel limits."""

    code = "DOCUMENT_TOO_LARGE"


# --- auth and lookup -----------------------------------------------------------------------------
class Unauthorized(ExtractdError):
    """A valid API key is required: send `Authorization: api-key <key>`."""

    code = "UNAUTHORIZED"


class JobNotFound(ExtractdError):
    """No such job."""

    code = "JOB_NOT_FOUND"


class JobRunNotFound(ExtractdError):
    """No such job run in this environment."""

    code = "JOB_RUN_NOT_FOUND"


class TemplateNotFound(ExtractdError):
    """No such template."""

    code = "TEMPLATE_NOT_FOUND"


class FilterNotFound(ExtractdError):
    """No such filter."""

    code = "FILTER_NOT_FOUND"


class TemplateExists(ExtractdError):
    """A template with this name exists already."""

    code = "TEMPLATE_EXISTS"


class FilterExists(ExtractdError):
    """A filter with this name exists already."""

    code = "FILTER_EXISTS"


class ConcurrentUpdate(ExtractdError):
    """It was changed by other requests at the same time, every time we tried; send the update again."""

    code = "CONCURRENT_UPDATE"


class BuiltinTemplateReadOnly(ExtractdError):
    """Built-in templates cannot be changed or deleted."""

    code = "BUILTIN_TEMPLATE_READ_ONLY"


# --- idempotency and rate limits -----------------------------------------------------------------
class IdempotencyInProgress(ExtractdError):
    """A request with this Idempotency-Key is still being processed."""

    code = "IDEMPOTENCY_IN_PROGRESS"


class IdempotencyKeyReused(ExtractdError):
    """This Idempotency-Key was used with a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"


class RateLimited(ExtractdError):
    """Too many status requests for this job; wait for Retry-After."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after_s: float, message: str | None = None) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


# --- job state -----------------------------------------------------------------------------------
class InvalidTransition(ExtractdError):
    """The job is not in a state that allows this."""

    code = "INVALID_STATE"


class ResultNotReady(ExtractdError):
    """The job has not finished yet."""

    code = "RESULT_NOT_READY"


class ReviewRequired(ExtractdError):
    """The result is waiting for human review."""

    code = "REVIEW_REQUIRED"


class JobFailed(ExtractdError):
    """The job failed; its status carries the error."""

    code = "JOB_FAILED"


class ResultExpired(ExtractdError):
    """The result has expired and was deleted."""

    code = "RESULT_EXPIRED"


class SyncTimeout(ExtractdError):
    """The extraction took longer than the synchronous limit; fetch the job asynchronously."""

    code = "SYNC_TIMEOUT"


class SyncCapacity(ExtractdError):
    """All synchronous extraction slots are busy; retry shortly or use the async API."""

    code = "SYNC_CAPACITY"


class NotAwaitingReview(ExtractdError):
    """The job is not awaiting review."""

    code = "NOT_AWAITING_REVIEW"


class InvalidCorrection(ExtractdError):
    """A correction does not fit the job's template."""

    code = "INVALID_CORRECTION"


class PageImageUnavailable(ExtractdError):
    """This page has no image to show (the document is not a PDF or an image, or has no such page)."""

    code = "PAGE_IMAGE_UNAVAILABLE"


# --- documents and presigned uploads (the jobs dialect) -------------------------------------------
class DocumentNotFound(ExtractdError):
    """No such document in this environment."""

    code = "DOCUMENT_NOT_FOUND"


class DocumentInUse(ExtractdError):
    """A job of this document is still pending, queued or processing; cancel it or wait for it."""

    code = "DOCUMENT_IN_USE"


class DocumentContentExpired(ExtractdError):
    """The document's bytes are no longer stored (they expire with the last result that needs them)."""

    code = "DOCUMENT_CONTENT_EXPIRED"


class UploadNotFound(ExtractdError):
    """No such upload in this environment."""

    code = "UPLOAD_NOT_FOUND"


class UploadExpired(ExtractdError):
    """The upload URL expired before a file arrived; ask for a new one."""

    code = "UPLOAD_EXPIRED"


class UploadAlreadyUsed(ExtractdError):
    """This upload was used already (upload URLs and their keys are single use)."""

    code = "UPLOAD_ALREADY_USED"


class UploadNotReceived(ExtractdError):
    """No file has been uploaded to this upload URL yet."""

    code = "UPLOAD_NOT_RECEIVED"


class UploadSignatureInvalid(ExtractdError):
    """The upload URL's signature does not match: use the URL exactly as upload-url answered it."""

    code = "UPLOAD_SIGNATURE_INVALID"


# --- job failure codes (stored on failed jobs, never raised over HTTP) ----------------------------
class Cancelled(ExtractdError):
    """The job was cancelled."""

    code = "CANCELLED"


class WorkerLost(ExtractdError):
    """The job's worker stopped responding too many times."""

    code = "WORKER_LOST"


class ExtractionFailed(ExtractdError):
    """The extraction failed unexpectedly."""

    code = "EXTRACTION_FAILED"


class ReviewRejected(ExtractdError):
    """A reviewer rejected the result."""

    code = "REVIEW_REJECTED"


class TransientError(ExtractdError):
    """A temporary fault (storage, database); the job is retried."""

    code = "TRANSIENT_ERROR"


# --- job failure codes of bounded work (added by the harden-worker helper) --------------------------
class JobTimeout(ExtractdError):
    """The job ran longer than the per-job time limit and was stopped; this failure is final."""

    code = "JOB_TIMEOUT"


class MemoryLimitExceeded(ExtractdError):
    """The job needed more memory than the per-job limit allows; this failure is final."""

    code = "MEMORY_LIMIT_EXCEEDED"


class DocumentMissing(ExtractdError):
    """The job's document is no longer stored (its retention may have ended); this failure is final."""

    code = "DOCUMENT_MISSING"


# --- HTTP plumbing and administration (appended by the service-api helper) ------------------------
class RouteNotFound(ExtractdError):
    """No such endpoint."""

    code = "NOT_FOUND"


class MethodNotAllowed(ExtractdError):
    """This endpoint does not accept that HTTP method."""

    code = "METHOD_NOT_ALLOWED"


class UnsupportedMediaType(ExtractdError):
    """Send the request as multipart/form-data or application/json."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class EnvironmentNotFound(ExtractdError):
    """No such environment."""

    code = "ENVIRONMENT_NOT_FOUND"


class ApiKeyNotFound(ExtractdError):
    """No such API key."""

    code = "API_KEY_NOT_FOUND"
