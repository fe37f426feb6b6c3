"""The Python client against a real `extractd serve` on 127.0.0.1 (one per test module, with a worker).

A module may set ``SERVER_ENV`` (EXTRACTD_* settings without the prefix) for its server, and
``SERVER_WORKERS`` (default 1; 0: an API node alone, whose jobs stay queued). Every test gets a
fresh environment with its own key, so tests never see each other's jobs, templates or webhooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from extractd_client import AsyncClient, Client, RetryPolicy
from sqlalchemy import create_engine, text
from tests.integration.processes import ManagedProcess, free_port, settings_for, start_serve

from extractd.services.keys import create_key
from extractd.store.db import create_db_engine, make_session_factory, transaction

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
        """An API key of a new environment, made the way `extractd keys create` makes it."""
        engine = create_db_engine(settings_for(self.data_dir))
        try:
            with transaction(make_session_factory(engine)) as session:
                return create_key(session, f"client-{uuid.uuid4().hex[:10]}").secret
        finally:
            engine.dispose()

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
    workers = getattr(request.module, "SERVER_WORKERS", 1)
    process = start_serve(base / "data", base / "logs", workers=workers, env=env)
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


@pytest.fixture()
def unused_port() -> int:
    return free_port()
