"""The one place that maps error codes to HTTP statuses and renders error bodies.

One code table, two renderings, chosen by the request's path: the v1 dialect (and everything outside
``/api/``) answers ``{"success": false, "error": {"code": "UPPER_SNAKE", "message": "…"}}``; the jobs
dialect (any other path under ``/api/``) answers ``{"statusCode", "error", "message", "code"}`` (NestJS's
shape plus our code). Every failure is rendered so: our own errors, FastAPI/Starlette validation errors,
unknown routes, wrong methods, malformed JSON and, as a last resort, an unexpected exception (logged,
answered 500 without internals).
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from extractd.domain import errors

logger = logging.getLogger(__name__)

_STATUS_BY_CODE: dict[str, int] = {
    # 400: the request itself is wrong.
    errors.ValidationFailed.code: 400,
    errors.MalformedRequest.code: 400,
    errors.MalformedJson.code: 400,
    errors.JsonTooDeep.code: 400,
    errors.UnsupportedOption.code: 400,
    errors.InvalidDeliveryMode.code: 400,
    errors.WebhookCoverageUnresolved.code: 400,
    errors.WebhookUrlRefused.code: 400,
    errors.InvalidTemplate.code: 400,
    errors.InvalidFilter.code: 400,
    errors.EmptyFile.code: 400,
    errors.InvalidBase64.code: 400,
    errors.Unauthorized.code: 401,
    errors.UploadSignatureInvalid.code: 403,
    errors.DocumentNotFound.code: 404,
    errors.UploadNotFound.code: 404,
    errors.JobNotFound.code: 404,
    errors.JobRunNotFound.code: 404,
    errors.WebhookNotFound.code: 404,
    errors.WebhookMessageNotFound.code: 404,
    errors.TemplateNotFound.code: 404,
    errors.FilterNotFound.code: 404,
    errors.RouteNotFound.code: 404,
    errors.EnvironmentNotFound.code: 404,
    errors.ApiKeyNotFound.code: 404,
    errors.MethodNotAllowed.code: 405,
    errors.SyncTimeout.code: 408,
    errors.TemplateExists.code: 409,
    errors.FilterExists.code: 409,
    errors.ConcurrentUpdate.code: 409,
    errors.BuiltinTemplateReadOnly.code: 409,
    errors.IdempotencyInProgress.code: 409,
    errors.InvalidTransition.code: 409,
    errors.ResultNotReady.code: 409,
    errors.ReviewRequired.code: 409,
    errors.JobFailed.code: 409,
    errors.Cancelled.code: 409,
    errors.NotAwaitingReview.code: 409,
    errors.ReviewRejected.code: 409,
    errors.DocumentInUse.code: 409,
    errors.UploadNotReceived.code: 409,
    errors.PageImageUnavailable.code: 404,
    errors.ResultExpired.code: 410,
    errors.DocumentContentExpired.code: 410,
    errors.UploadExpired.code: 410,
    errors.UploadAlreadyUsed.code: 410,
    errors.FileTooLarge.code: 413,
    errors.UnsupportedType.code: 415,
    errors.UnsupportedMediaType.code: 415,
    # 422: the request was understood but cannot be honoured (the file's content, a reused key).
    errors.IdempotencyKeyReused.code: 422,
    errors.CorruptFile.code: 422,
    errors.PasswordRequired.code: 422,
    errors.InvalidPassword.code: 422,
    errors.DocumentTooLarge.code: 422,
    errors.InvalidCorrection.code: 422,
    errors.InvalidPattern.code: 422,
    # A synchronous extraction whose job hit a per-job bound or lost its document (issue 8).
    errors.JobTimeout.code: 422,
    errors.MemoryLimitExceeded.code: 422,
    errors.DocumentMissing.code: 422,
    errors.RateLimited.code: 429,
    errors.SyncCapacity.code: 429,
    errors.WorkerLost.code: 503,
    errors.TransientError.code: 503,
}

# Statuses documented on every endpoint's OpenAPI description.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed or invalid (VALIDATION_ERROR, MALFORMED_JSON, MALFORMED_REQUEST, …).",
    401: "Missing, invalid or revoked API key (UNAUTHORIZED).",
    403: "The presigned URL's signature does not match (UPLOAD_SIGNATURE_INVALID).",
    404: "Not found in the caller's environment.",
    405: "Method not allowed.",
    408: "The synchronous extraction took too long (SYNC_TIMEOUT).",
    409: "Conflict with the current state.",
    410: "Gone: an expired result (RESULT_EXPIRED), document content or upload, or a used upload.",
    413: "The file is larger than the upload limit (FILE_TOO_LARGE).",
    415: "Unsupported file or media type.",
    422: "The request cannot be honoured (file faults, IDEMPOTENCY_KEY_REUSED, INVALID_CORRECTION).",
    429: "Too many requests; see Retry-After.",
    503: "Storage or database temporarily unavailable (TRANSIENT_ERROR); see Retry-After.",
}


RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}


def documented_errors(model: type, *statuses: int) -> dict[int | str, dict[str, Any]]:
    """An endpoint's documented error answers with its dialect's error ``model``; 400 always (a control
    character in the path or a header)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({400, *statuses}):
        responses[status] = {"model": model, "description": ERROR_DESCRIPTIONS[status]}
        if status in (429, 503):
            responses[status]["headers"] = RETRY_AFTER_HEADER
    return responses


def status_for(code: str) -> int:
    return _STATUS_BY_CODE.get(code, 500)


V1_PREFIX = "/api/v1/"
JOBS_DIALECT_PREFIX = "/api/"


def is_jobs_path(path: str) -> bool:
    """Whether a request path belongs to the jobs dialect: under /api/ but not under /api/v1/."""
    return path.startswith(JOBS_DIALECT_PREFIX) and not (path + "/").startswith(V1_PREFIX)


def error_body(code: str, message: str, status: int = 500, path: str = "") -> dict[str, Any]:
    """The error body of the dialect ``path`` belongs to (v1's when the path is unknown)."""
    if is_jobs_path(path):
        return {"statusCode": status, "error": _reason(status), "message": message, "code": code}
    return {"success": False, "error": {"code": code, "message": message}}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(error: errors.ExtractdError, path: str = "") -> JSONResponse:
    status = status_for(error.code)
    headers: dict[str, str] = {}
    retry_after = error.data.get("retry_after_s")
    if retry_after is None and (isinstance(error, errors.SyncCapacity) or status == 503):
        retry_after = 1  # every 503 says when to come back
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(float(retry_after))))
    if status >= 500:
        logger.error("request failed with %s: %s", error.code, error.message)
    return JSONResponse(
        error_body(error.code, error.message, status, path), status_code=status, headers=headers
    )


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    problems = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return errors.MalformedJson.code, errors.MalformedJson().message
        location = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
        problems.append(f"{location or 'body'}: {err.get('msg', 'invalid')}")
    return errors.ValidationFailed.code, "Invalid request: " + "; ".join(problems)


async def _on_extractd_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.ExtractdError)
    return error_response(exc, request.scope["path"])


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    code, message = _validation_message(exc)
    return JSONResponse(error_body(code, message, 400, request.scope["path"]), status_code=400)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    path = request.scope["path"]
    if exc.status_code == 404:
        return error_response(errors.RouteNotFound(), path)
    if exc.status_code == 405:
        response = error_response(errors.MethodNotAllowed(), path)
        response.headers["Allow"] = ", ".join(_allowed_methods(request))  # RFC 9110
        return response
    code = "HTTP_ERROR" if exc.status_code >= 500 else "BAD_REQUEST"
    return JSONResponse(
        error_body(code, str(exc.detail), exc.status_code, path),
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first matching route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= set(route_methods)
    return sorted(methods)


class ErrorBoundary:
    """ASGI middleware answering an unexpected exception with a 500 in our error body.

    It handles the exception instead of leaving it to Starlette's ServerErrorMiddleware, which answers
    and then re-raises it, so that uvicorn closes the keep-alive connection and the client's next request
    on it is reset. A client that went away mid-request (an upload cut off) is logged at INFO: nobody is
    left to answer, and nothing on our side went wrong.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except ClientDisconnect:
            logger.info("client disconnected during %s %s", scope["method"], scope["path"])
        except Exception as exc:
            logger.error("unexpected error on %s %s", scope["method"], scope["path"], exc_info=exc)
            if started:
                raise  # part of a response is out: only closing the connection can end it
            body = error_body("INTERNAL_ERROR", "An unexpected error occurred.", 500, scope["path"])
            response = JSONResponse(body, 500)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.ExtractdError, _on_extractd_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_middleware(ErrorBoundary)
