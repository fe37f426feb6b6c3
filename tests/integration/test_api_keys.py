"""`extractd keys` as a real subprocess, and the first-start bootstrap, against the API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from api_support import Api
from processes import extractd_env, prepare_database, settings_for

from extractd.api.app import create_app
from extractd.services.bootstrap import bootstrap

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

# `extractd …` exactly as the installed entry point runs it.
CLI = [sys.executable, "-c", "from extractd.cli import main; main()"]


def _keys(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "keys", *args, "--data-dir", str(data_dir)],
        env=extractd_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_keys_create_list_revoke(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    created = _keys(data_dir, "create", "--environment", "acme", "--name", "ci")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("exd_")

    listed = _keys(data_dir, "list", "--environment", "acme")
    assert listed.returncode == 0, listed.stderr
    key_id, prefix, environment, name, _, state = listed.stdout.strip().split("\t")
    assert (prefix, environment, name, state) == (key[:12] + "…", "acme", "ci", "active")
    assert key not in listed.stdout  # only the prefix is ever shown again

    settings = settings_for(data_dir)
    api = Api(settings=settings, app=create_app(settings), environment="acme", key=key)
    try:
        async with api.client() as client:
            assert (await client.get("/api/v1/templates", headers=api.auth())).status_code == 200
            revoked = _keys(data_dir, "revoke", key_id)
            assert revoked.returncode == 0, revoked.stderr
            assert (await client.get("/api/v1/templates", headers=api.auth())).status_code == 401
    finally:
        api.dispose()
    assert _keys(data_dir, "revoke", "no-such-key").returncode == 1
    assert _keys(data_dir, "list", "--environment", "nowhere").returncode == 1


def test_bootstrap_makes_one_key_for_an_empty_database(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    prepare_database(settings)
    app = create_app(settings)
    try:
        first = bootstrap(app.state.context.sessions)
        assert first is not None
        assert first.startswith("exd_")
        assert bootstrap(app.state.context.sessions) is None
    finally:
        app.state.context.sessions.kw["bind"].dispose()
