"""An S3-compatible server for the `s3` tests: EXTRACTD_TEST_S3_ENDPOINT_URL if set, else moto's own
standalone server started on 127.0.0.1 on a free port (moto[server] is in the `dev` extra).

A configured endpoint that does not answer fails the tests; so does a missing moto when CI is set.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from processes import free_port, wait_until

from extractd.queue.consumer import die_with_parent, load_libc

S3_ENDPOINT_VAR = "EXTRACTD_TEST_S3_ENDPOINT_URL"
# moto accepts any credentials; a real server configured through the variable brings its own.
MOTO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "extractd-test",
    "AWS_SECRET_ACCESS_KEY": "extractd-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class S3Server:
    endpoint_url: str

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url)

    def new_bucket(self) -> str:
        name = f"extractd-test-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def drop_bucket(self, name: str) -> None:
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)


@contextmanager
def s3_server(log_dir: Path) -> Iterator[S3Server]:
    configured = os.environ.get(S3_ENDPOINT_VAR)
    if configured:
        httpx.get(configured, timeout=5)  # a configured server that cannot be reached fails here
        yield S3Server(configured)
        return
    try:
        import moto.server  # noqa: F401
    except ImportError:
        message = "moto[server] is not installed (the `dev` extra): S3 cases not run"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(message)
        pytest.skip(message)
    for name, value in MOTO_CREDENTIALS.items():
        os.environ.setdefault(name, value)  # inherited by the extractd processes the tests start
    port, libc = free_port(), load_libc()
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "moto.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Gone with this test process even if it is killed outright: no server outlives its run.
            preexec_fn=lambda: die_with_parent(libc),
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(endpoint, process), 60, "moto's S3 server to answer")
        yield S3Server(endpoint)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(endpoint: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"moto's server exited with {process.returncode}")
    try:
        httpx.get(endpoint, timeout=2)
    except httpx.HTTPError:
        return False
    return True
