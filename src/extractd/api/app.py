"""The ASGI application: ``create_app(settings)`` wires the services context, error handlers and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from extractd.api import ops
from extractd.api.edge import EdgeGuard
from extractd.api.errors import install_error_handlers
from extractd.api.jobs import models as jobs_models
from extractd.api.jobs import router as jobs_router
from extractd.api.metrics import HttpMetricsMiddleware, metrics_registry
from extractd.api.v1 import extract_fields, extraction_jobs, filters, review, templates, webhooks
from extractd.api.v1.schemas import DOCUMENTED_REQUEST_MODELS
from extractd.api.web import console
from extractd.config import Settings
from extractd.logging import RequestIdMiddleware
from extractd.queue.huey_app import make_huey
from extractd.queue.tasks import JobQueue
from extractd.services.context import ServiceContext
from extractd.services.rate_limit import open_poll_counter
from extractd.services.webhooks import StoredSubscriptions
from extractd.store.blobs import open_blob_store
from extractd.store.db import create_db_engine, make_session_factory, translate_unavailable

logger = logging.getLogger(__name__)

DESCRIPTION = """Self-hosted document extraction. Upload a document, name a template, get typed fields
with confidences: create → poll → result. Two dialects over the same jobs, documents and templates:
**v1** under `/api/v1/` (errors `{"success": false, "error": {"code", "message"}}`) and **jobs** under
`/api/` (bare objects; errors `{"statusCode", "error", "message", "code"}`, the same codes).
Authenticate with `Authorization: api-key <key>` or `Authorization: Bearer <key>` on either."""

TAGS = [
    {"name": "jobs", "description": "The jobs dialect (`/api/…`): bare objects, NestJS-style errors."},
    *(
        {"name": f"v1: {name}", "description": "The v1 dialect (`/api/v1/…`): `{success, …}` envelopes."}
        for name in (
            "extraction jobs",
            "review",
            "synchronous extraction",
            "templates",
            "filters",
            "webhooks",
        )
    ),
]


def build_context(settings: Settings) -> ServiceContext:
    sessions = make_session_factory(translate_unavailable(create_db_engine(settings)))
    return ServiceContext(
        settings=settings,
        sessions=sessions,
        blobs=open_blob_store(settings),
        queue=JobQueue(make_huey(settings), settings),
        poll_counter=open_poll_counter(settings, sessions),
        webhook_subscriptions=StoredSubscriptions(sessions),
    )


def create_app(settings: Settings, context: ServiceContext | None = None) -> FastAPI:
    """The API app; the database must already be migrated (``extractd serve`` does that first)."""
    context = context or build_context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        bind = context.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()

    app = FastAPI(
        title="extractd", version="0.1.0", description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan
    )
    app.state.context = context
    app.state.metrics_registry, http_requests = metrics_registry(context)
    install_error_handlers(app)  # handlers, and the ErrorBoundary middleware answering unexpected errors
    app.add_middleware(EdgeGuard)  # control characters in the path, query or headers: 400
    app.add_middleware(RequestIdMiddleware)  # request id in every log record and X-Request-ID
    app.add_middleware(HttpMetricsMiddleware, requests=http_requests)  # /metrics: requests by route
    for router in (
        extraction_jobs.router,
        review.router,
        extract_fields.router,
        templates.router,
        filters.router,
        webhooks.router,
    ):
        app.include_router(router)
    app.include_router(jobs_router.router)  # the jobs dialect: /api/jobs, /api/documents, …
    app.include_router(ops.router)  # /healthz, /readyz, /metrics
    console.install(app)  # the review console at /console (not in /openapi.json)
    _document_request_models(app)
    return app


def _document_request_models(app: FastAPI) -> None:
    """Add the hand-parsed request bodies' models to the OpenAPI components they are referenced from."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = FastAPI.openapi(app)
        _, definitions = models_json_schema(
            [
                (model, "validation")
                for model in DOCUMENTED_REQUEST_MODELS
                + jobs_models.DOCUMENTED_REQUEST_MODELS
                + jobs_router.DOCUMENTED_REQUEST_MODELS
            ],
            ref_template="#/components/schemas/{model}",
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        _drop_default_validation_responses(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _drop_default_validation_responses(schema: dict[str, Any]) -> None:
    """FastAPI documents a 422 HTTPValidationError; ours answer 400 VALIDATION_ERROR instead."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422", {})
            content = response.get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                del operation["responses"]["422"]
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
