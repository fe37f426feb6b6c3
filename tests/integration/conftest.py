"""The v1 API in-process (httpx.ASGITransport) over a real SQLite file, with real worker processes.

One migrated data dir and one `extractd worker` per test session are shared; every test makes its own
environment (and key), so tests cannot see each other's jobs. Tests that must not have a worker (sync
timeouts) or need other settings get a private data dir.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_support import Api
from processes import ManagedProcess, prepare_database, settings_for, start_worker
from s3_server import S3Server, s3_server
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from extractd.api.app import create_app


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    server_url = os.environ.get("EXTRACTD_TEST_POSTGRES_URL")
    if not server_url:
        pytest.skip("EXTRACTD_TEST_POSTGRES_URL is not set: PostgreSQL cases not run")
    name = f"extractd_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # an unreachable configured server raises here: the test fails
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("shared") / "data"
    prepare_database(settings_for(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def worker(shared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    """A real `extractd worker` on the shared data dir."""
    process = start_worker(shared_data_dir, tmp_path_factory.mktemp("logs"), concurrency=1)
    yield process
    process.stop()


@pytest.fixture()
def make_api(shared_data_dir: Path, tmp_path: Path) -> Iterator[Any]:
    made: list[Api] = []

    def make(private: bool = False, **overrides: Any) -> Api:
        settings = settings_for(tmp_path / "data" if private else shared_data_dir, **overrides)
        prepare_database(settings)
        api = Api(settings=settings, app=create_app(settings))
        api.environment = f"env-{uuid.uuid4().hex[:10]}"
        api.key = api.new_key(api.environment)
        made.append(api)
        return api

    yield make
    for api in made:
        for client in api.clients:
            asyncio.run(client.aclose())
        api.dispose()


@pytest.fixture()
def api(make_api: Any) -> Api:
    return make_api()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """The S3-compatible server of this test process (see s3_server.py)."""
    with s3_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture
def s3_bucket(s3_endpoint: S3Server) -> Iterator[str]:
    """A fresh, empty bucket for one test, removed with its objects afterwards."""
    name = s3_endpoint.new_bucket()
    yield name
    s3_endpoint.drop_bucket(name)


@pytest.fixture
def redis_database() -> Iterator[str]:
    """A Redis database of its own (one of the server's numbered databases), emptied afterwards."""
    import redis

    server_url = os.environ.get("EXTRACTD_TEST_REDIS_URL")
    if not server_url:
        pytest.skip("EXTRACTD_TEST_REDIS_URL is not set: Redis cases not run")
    url = urlsplit(server_url)._replace(path=f"/{secrets.randbelow(15) + 1}").geturl()
    client = redis.Redis.from_url(url)
    client.ping()  # a configured server that cannot be reached fails the test
    yield url
    client.flushdb()
    client.close()
