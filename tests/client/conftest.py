"""The Python client against a real `extractd serve` on 127.0.0.1 (one per test module, with a worker).

A module may set ``SERVER_ENV`` (EXTRACTD_* settings without the prefix) for its server. Every test gets a
fresh environment with its own key, so tests never see each other's jobs, templates or webhooks.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from extractd_client import AsyncClient, Client, RetryPolicy
from tests.integration.processes import ManagedProcess, start_serve

# Retries in tests: quick, so a test of a transient fault stays fast.
FAST_RETRY = RetryPolicy(max_retries=6, backoff_s=0.2, max_backoff_s=2.0)


@dataclass
class Server:
    process: ManagedProcess
    data_dir: Path

    @property
    def url(self) -> str:
        assert self.process.base_url is not None
        return self.process.base_url

    def new_key(self) -> str:
        """An API key of a new environment (``extractd keys create``, as a user would)."""
        environment = f"client-{uuid.uuid4().hex[:10]}"
        command = [
            sys.executable, "-c", "from extractd.cli import main; main()",
            "keys", "create", "--environment", environment, "--data-dir", str(self.data_dir),
        ]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout
        return output.strip().splitlines()[-1]

    def count_jobs(self, where: str = "1=1") -> int:
        engine = create_engine(f"sqlite:///{self.data_dir / 'extractd.db'}")
        try:
            with engine.connect() as connection:
                return int(connection.execute(text(f"SELECT count(*) FROM jobs WHERE {where}")).scalar_one())
        finally:
            engine.dispose()

    def execute(self, statement: str, **params: object) -> None:
        engine = create_engine(f"sqlite:///{self.data_dir / 'extractd.db'}")
        try:
            with engine.begin() as connection:
                connection.execute(text(statement), params)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("client-server")
    env = {"webhook_allow_private": "true", **getattr(request.module, "SERVER_ENV", {})}
    process = start_serve(base / "data", base / "logs", workers=1, env=env)
    yield Server(process, base / "data")
    process.stop()


@pytest.fixture()
def api_key(server: Server) -> str:
    return server.new_key()


@pytest.fixture()
def client(server: Server, api_key: str) -> Iterator[Client]:
    with Client(server.url, api_key, retry=FAST_RETRY) as client:
        yield client


@pytest.fixture()
def async_client(server: Server, api_key: str) -> AsyncClient:
    return AsyncClient(server.url, api_key, retry=FAST_RETRY)
