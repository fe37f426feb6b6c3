"""Operations endpoints, outside the versioned API and its auth: /healthz, /readyz, /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from extractd.api.deps import Context
from extractd.services.operations import check_readiness

router = APIRouter(include_in_schema=False)

READY_RETRY_AFTER_S = 5


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and answering; says nothing about what it depends on."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(context: Context) -> JSONResponse:
    """Database, queue and storage each reachable: 200; any of them down: 503 with Retry-After."""
    checks = check_readiness(context)
    ready = all(check.ok for check in checks)
    body: dict[str, Any] = {
        "status": "ready" if ready else "unavailable",
        "checks": {check.name: {"status": "ok" if check.ok else "down", **check.detail} for check in checks},
    }
    headers = {} if ready else {"Retry-After": str(READY_RETRY_AFTER_S)}
    return JSONResponse(body, status_code=200 if ready else 503, headers=headers)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format: the cluster's jobs from the database, this process's HTTP requests."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
