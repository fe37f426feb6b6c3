"""Helpers the v1 API tests share: an app instance with its own environment, polling, base64."""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from extractd.config import Settings
from extractd.services.keys import create_key
from extractd.store.db import transaction
from extractd.store.models import Environment

TERMINAL_V1 = {"completed", "failed", "review_required"}


@dataclass
class Api:
    """One app instance, its settings, and the environment (with a key) the test runs as."""

    settings: Settings
    app: FastAPI
    environment: str = ""
    key: str = ""
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120)
        self.clients.append(client)
        return client

    def new_key(self, environment: str | None = None) -> str:
        with transaction(self.app.state.context.sessions) as session:
            return create_key(session, environment or f"env-{uuid.uuid4().hex[:10]}").secret

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"api-key {key or self.key}"}

    def set_result_ttl(self, seconds: int) -> None:
        with transaction(self.app.state.context.sessions) as session:
            environment = session.query(Environment).filter_by(name=self.environment).one()
            environment.result_ttl = seconds

    def dispose(self) -> None:
        self.app.state.context.sessions.kw["bind"].dispose()


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


async def wait_for_job(
    client: httpx.AsyncClient, api: Api, job_id: str, timeout: float = 90
) -> dict[str, Any]:
    """Poll the status endpoint (within the poll limit) until the job is final or awaits review."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await client.get(f"/api/v1/extraction-jobs/{job_id}", headers=api.auth())
        assert response.status_code in (200, 429), response.text
        if response.status_code == 200:
            job: dict[str, Any] = response.json()["job"]
            if job["status"] in TERMINAL_V1:
                return job
        if loop.time() > deadline:
            raise TimeoutError(f"job {job_id} did not finish in {timeout}s")
        await asyncio.sleep(0.4)


def metric_sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text, by name and exact labels."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" (\S+)$"
    found = re.search(pattern, metrics, re.MULTILINE)
    assert found, f"no {name}{{{wanted}}} in:\n{metrics}"
    return float(found.group(1))
