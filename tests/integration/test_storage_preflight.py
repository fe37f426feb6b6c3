"""A storage configuration that cannot work stops `serve` and `worker` at start, with one clear line:
never an API that answers 500 on uploads, nor a worker that takes every message and fails it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from processes import CLI, WORKER_READY, extractd_env, free_port
from s3_server import S3Server

pytestmark = pytest.mark.slow  # each case starts the CLI


def _run(command: list[str], data_dir: Path, **env: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *command, "--data-dir", str(data_dir)],
        env=extractd_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=90,
    )


def _assert_stopped_with_one_line(run: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("extractd: blob storage is not usable: ")
    for text in expected:
        assert text in lines[0]
    assert WORKER_READY not in run.stdout + run.stderr
    assert "API:" not in run.stdout  # serve did not get as far as announcing itself


COMMANDS = [["worker"], ["serve", "--workers", "0", "--port", "0"]]


@pytest.mark.parametrize("command", COMMANDS, ids=["worker", "serve"])
def test_an_unknown_storage_scheme_stops_the_command(tmp_path: Path, command: list[str]) -> None:
    run = _run(command, tmp_path / "data", storage_url="gs://bucket/prefix")
    _assert_stopped_with_one_line(run, "EXTRACTD_STORAGE_URL='gs://bucket/prefix'", "s3://bucket")


@pytest.mark.parametrize("command", COMMANDS, ids=["worker", "serve"])
def test_an_unreachable_s3_endpoint_stops_the_command(tmp_path: Path, command: list[str]) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = _run(command, tmp_path / "data", storage_url="s3://extractd-bucket", s3_endpoint_url=endpoint)
    _assert_stopped_with_one_line(run, "s3://extractd-bucket", endpoint)


@pytest.mark.s3
@pytest.mark.parametrize("command", COMMANDS, ids=["worker", "serve"])
def test_a_missing_bucket_stops_the_command(
    tmp_path: Path, command: list[str], s3_endpoint: S3Server
) -> None:
    run = _run(
        command,
        tmp_path / "data",
        storage_url="s3://extractd-missing-bucket/x",
        s3_endpoint_url=s3_endpoint.endpoint_url,
    )
    _assert_stopped_with_one_line(run, "'extractd-missing-bucket' does not exist")
