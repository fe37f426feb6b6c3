"""One root exception, ``ExtractdError(code, status, message)``, and a subclass per error code.

The server answers every failure with a stable UPPER_SNAKE code (v1: ``{"success": false, "error":
{"code", "message"}}``; the Jobs dialect: ``{"statusCode", "error", "message", "code"}``). A code this
client does not know yet still raises the class of its HTTP status, so ``except NotFound`` keeps working
when the server grows new codes.
"""

from __future__ import annotations

from typing import Any


class ExtractdError(Exception):
    """The extractd server (or the way to it) failed the request."""

    code: str = "ERROR"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int = 0,
        body: Any = None,
        retry_after: float | None = None,
        job_id: str | None = None,
    ) -> None:
        self.job_id = job_id  # the job it is about, when it is about one (a failed or held-back job)
        self.code = code or type(self).code  # an instance may carry a code this client does not know
        self.status = status
        self.message = message or (type(self).__doc__ or self.code).strip()
        self.body = body
        self.retry_after = retry_after
        super().__init__(
            f"{self.code} ({status}): {self.message}" if status else f"{self.code}: {self.message}"
        )


# --- what the client itself reports (status 0: no HTTP answer) ------------------------------------
class ConnectionFailed(ExtractdError):
    """The server could not be reached, or the connection dropped, on every attempt."""

    code = "CONNECTION_FAILED"


class WaitTimeout(ExtractdError):
    """The job did not reach a final status within the timeout; it goes on on the server."""

    code = "WAIT_TIMEOUT"

    def __init__(self, message: str | None = None, *, job_id: str, status: str) -> None:
        super().__init__(message or f"job {job_id} is still {status}", job_id=job_id)
        self.job_status = status


class InvalidSignature(ExtractdError):
    """The webhook delivery's signature, timestamp or body does not hold; do not act on it."""

    code = "INVALID_SIGNATURE"


class UnexpectedResponse(ExtractdError):
    """The server answered something that is not the extractd contract (a proxy's page, say)."""

    code = "UNEXPECTED_RESPONSE"


# --- one class per HTTP status, the parents of the per-code classes -------------------------------
class BadRequest(ExtractdError):
    """The request is malformed or invalid."""

    code = "BAD_REQUEST"


class Unauthorized(ExtractdError):
    """A valid API key is required."""

    code = "UNAUTHORIZED"


class NotFound(ExtractdError):
    """Not found in the caller's environment."""

    code = "NOT_FOUND"


class MethodNotAllowed(ExtractdError):
    """This endpoint does not accept that HTTP method."""

    code = "METHOD_NOT_ALLOWED"


class Conflict(ExtractdError):
    """The request conflicts with the current state."""

    code = "CONFLICT"


class Gone(ExtractdError):
    """It existed and is gone."""

    code = "GONE"


class PayloadTooLarge(ExtractdError):
    """The body is larger than the server accepts."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ExtractdError):
    """Unsupported file or media type."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class Unprocessable(ExtractdError):
    """The request was understood but cannot be honoured."""

    code = "UNPROCESSABLE"


class RateLimited(ExtractdError):
    """Too many requests; wait for ``retry_after`` seconds."""

    code = "RATE_LIMITED"


class ServiceUnavailable(ExtractdError):
    """The server is temporarily unable to serve the request."""

    code = "SERVICE_UNAVAILABLE"


class ServerError(ExtractdError):
    """The server failed unexpectedly."""

    code = "INTERNAL_ERROR"


# --- per code ----------------------------------------------------------------------------------------
class ValidationError(BadRequest):
    """The request is not valid."""

    code = "VALIDATION_ERROR"


class MalformedJson(BadRequest):
    """The request body is not valid JSON."""

    code = "MALFORMED_JSON"


class MalformedRequest(BadRequest):
    """The HTTP request is malformed."""

    code = "MALFORMED_REQUEST"


class JsonTooDeep(BadRequest):
    """The JSON body nests too deep."""

    code = "JSON_TOO_DEEP"


class UnsupportedOption(BadRequest):
    """`options` fields are not supported."""

    code = "UNSUPPORTED_OPTION"


class InvalidDeliveryMode(BadRequest):
    """deliveryMode must be `poll` or `webhook`."""

    code = "INVALID_DELIVERY_MODE"


class WebhookCoverageUnresolved(BadRequest):
    """deliveryMode=webhook needs an enabled webhook that receives job.completed and job.failed."""

    code = "WEBHOOK_COVERAGE_UNRESOLVED"


class WebhookUrlRefused(BadRequest):
    """The webhook URL points at an address webhooks may not reach."""

    code = "WEBHOOK_URL_REFUSED"


class InvalidTemplate(BadRequest):
    """The template is not valid."""

    code = "INVALID_TEMPLATE"


class InvalidFilter(BadRequest):
    """The filter is not valid."""

    code = "INVALID_FILTER"


class EmptyFile(BadRequest):
    """The uploaded file is empty."""

    code = "EMPTY_FILE"


class InvalidBase64(BadRequest):
    """The file is not valid base64."""

    code = "INVALID_BASE64"


class JobNotFound(NotFound):
    """No such job."""

    code = "JOB_NOT_FOUND"


class TemplateNotFound(NotFound):
    """No such template."""

    code = "TEMPLATE_NOT_FOUND"


class FilterNotFound(NotFound):
    """No such filter."""

    code = "FILTER_NOT_FOUND"


class WebhookNotFound(NotFound):
    """No such webhook."""

    code = "WEBHOOK_NOT_FOUND"


class WebhookMessageNotFound(NotFound):
    """No such message for this webhook."""

    code = "WEBHOOK_MESSAGE_NOT_FOUND"


class DocumentNotFound(NotFound):
    """No such document."""

    code = "DOCUMENT_NOT_FOUND"


class EnvironmentNotFound(NotFound):
    """No such environment."""

    code = "ENVIRONMENT_NOT_FOUND"


class ApiKeyNotFound(NotFound):
    """No such API key."""

    code = "API_KEY_NOT_FOUND"


class PageImageUnavailable(NotFound):
    """This page has no image to show."""

    code = "PAGE_IMAGE_UNAVAILABLE"


class SyncTimeout(ExtractdError):
    """The synchronous extraction took too long; the job goes on (``job_id``)."""

    code = "SYNC_TIMEOUT"


class TemplateExists(Conflict):
    """A template with this name exists already."""

    code = "TEMPLATE_EXISTS"


class FilterExists(Conflict):
    """A filter with this name exists already."""

    code = "FILTER_EXISTS"


class ConcurrentUpdate(Conflict):
    """It was changed by other requests at the same time; send the update again."""

    code = "CONCURRENT_UPDATE"


class BuiltinTemplateReadOnly(Conflict):
    """Built-in templates cannot be changed or deleted."""

    code = "BUILTIN_TEMPLATE_READ_ONLY"


class IdempotencyInProgress(Conflict):
    """A request with this Idempotency-Key is still being processed."""

    code = "IDEMPOTENCY_IN_PROGRESS"


class InvalidState(Conflict):
    """The job is not in a state that allows this."""

    code = "INVALID_STATE"


class ResultNotReady(Conflict):
    """The job has not finished yet."""

    code = "RESULT_NOT_READY"


class ReviewRequired(Conflict):
    """The result is waiting for human review."""

    code = "REVIEW_REQUIRED"


class JobFailed(Conflict):
    """The job failed; ``job_error_code`` says why (CORRUPT_FILE, PASSWORD_REQUIRED, CANCELLED, …)."""

    code = "JOB_FAILED"

    def __init__(self, message: str | None = None, *, job_error_code: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.job_error_code = job_error_code


class NotAwaitingReview(Conflict):
    """The job is not awaiting review."""

    code = "NOT_AWAITING_REVIEW"


class Cancelled(Conflict):
    """The job was cancelled."""

    code = "CANCELLED"


class ReviewRejected(Conflict):
    """A reviewer rejected the result."""

    code = "REVIEW_REJECTED"


class ResultExpired(Gone):
    """The result has expired and was deleted."""

    code = "RESULT_EXPIRED"


class FileTooLarge(PayloadTooLarge):
    """The file is larger than the upload limit."""

    code = "FILE_TOO_LARGE"


class UnsupportedType(UnsupportedMediaType):
    """The file type is not supported."""

    code = "UNSUPPORTED_TYPE"


class IdempotencyKeyReused(Unprocessable):
    """This Idempotency-Key was used with a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"


class CorruptFile(Unprocessable):
    """The file is damaged and cannot be read."""

    code = "CORRUPT_FILE"


class PasswordRequired(Unprocessable):
    """The PDF is encrypted; send its password."""

    code = "PASSWORD_REQUIRED"


class InvalidPassword(Unprocessable):
    """The password does not open the PDF."""

    code = "INVALID_PASSWORD"


class DocumentTooLarge(Unprocessable):
    """The document exceeds the page or pixel limits."""

    code = "DOCUMENT_TOO_LARGE"


class InvalidCorrection(Unprocessable):
    """A correction does not fit the job's template."""

    code = "INVALID_CORRECTION"


class InvalidPattern(Unprocessable):
    """A template field's `pattern` cannot run on the server's regex engine."""

    code = "INVALID_PATTERN"


class JobTimeout(Unprocessable):
    """The extraction ran longer than the per-job time limit."""

    code = "JOB_TIMEOUT"


class MemoryLimitExceeded(Unprocessable):
    """The extraction needed more memory than the per-job limit allows."""

    code = "MEMORY_LIMIT_EXCEEDED"


class DocumentMissing(Unprocessable):
    """The job's document is no longer stored."""

    code = "DOCUMENT_MISSING"


class SyncCapacity(RateLimited):
    """All synchronous extraction slots are busy."""

    code = "SYNC_CAPACITY"


class TransientError(ServiceUnavailable):
    """A temporary fault on the server (storage, database)."""

    code = "TRANSIENT_ERROR"


class WorkerLost(ServiceUnavailable):
    """The job's worker stopped responding too many times."""

    code = "WORKER_LOST"


class Forbidden(ExtractdError):
    """The request is not allowed (a signed URL whose signature does not hold)."""

    code = "FORBIDDEN"


# --- the jobs dialect's documents and presigned uploads -------------------------------------------
class DocumentInUse(Conflict):
    """A job of this document is still pending, queued or processing."""

    code = "DOCUMENT_IN_USE"


class DocumentContentExpired(Gone):
    """The document's bytes are no longer stored."""

    code = "DOCUMENT_CONTENT_EXPIRED"


class UploadNotFound(NotFound):
    """No such upload in this environment."""

    code = "UPLOAD_NOT_FOUND"


class UploadNotReceived(Conflict):
    """No file has been uploaded to this upload URL yet."""

    code = "UPLOAD_NOT_RECEIVED"


class UploadExpired(Gone):
    """The upload URL expired before a file arrived."""

    code = "UPLOAD_EXPIRED"


class UploadAlreadyUsed(Gone):
    """This upload was used already."""

    code = "UPLOAD_ALREADY_USED"


class UploadSignatureInvalid(Forbidden):
    """The upload URL's signature does not match: use the URL exactly as upload-url answered it."""

    code = "UPLOAD_SIGNATURE_INVALID"


class JobRunNotFound(NotFound):
    """No such batch run in this environment."""

    code = "JOB_RUN_NOT_FOUND"


_BY_STATUS: dict[int, type[ExtractdError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    408: SyncTimeout,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: Unprocessable,
    429: RateLimited,
    503: ServiceUnavailable,
}


def _subclasses(root: type[ExtractdError]) -> list[type[ExtractdError]]:
    found = []
    for child in root.__subclasses__():
        found.append(child)
        found.extend(_subclasses(child))
    return found


_CLIENT_SIDE = (ConnectionFailed, WaitTimeout, InvalidSignature, UnexpectedResponse)
# The server's codes; the route-level NOT_FOUND/METHOD_NOT_ALLOWED are the status classes' own codes.
BY_CODE: dict[str, type[ExtractdError]] = {
    cls.code: cls for cls in _subclasses(ExtractdError) if not issubclass(cls, _CLIENT_SIDE)
}


def error_class(code: str | None, status: int) -> type[ExtractdError]:
    """The class raised for a server error: by its code, else by its HTTP status."""
    if code and code in BY_CODE:
        return BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ExtractdError
