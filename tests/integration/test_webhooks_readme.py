"""The README's webhook receiver, run as written: it accepts a real signed delivery from the dispatcher
and refuses a request whose signature does not hold."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import Api
from processes import free_port, wait_until

from extractd.webhooks.dispatcher import WebhookDispatcher

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[2] / "README.md"


def receiver_code() -> str:
    section = README.read_text().split("\n## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture()
def dispatcher_api(make_api: Any) -> Iterator[Api]:
    api: Api = make_api(private=True, webhook_allow_private=True, webhook_poll_interval_s=0.05)
    dispatcher = WebhookDispatcher(api.settings, api.app.state.context.sessions).start()
    yield api
    dispatcher.stop()


async def test_the_readme_receiver_verifies_deliveries(dispatcher_api: Api, tmp_path: Path) -> None:
    api = dispatcher_api
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    async with api.client() as client:
        created = await client.post(
            "/api/v1/webhooks", headers=api.auth(), json={"url": url, "events": ["*"]}
        )
        hook = created.json()["webhook"]
        script = tmp_path / "receiver.py"
        script.write_text(receiver_code())
        log = (tmp_path / "receiver.log").open("w+")
        process = subprocess.Popen(
            [sys.executable, str(script)],
            env={"WEBHOOK_SECRET": hook["signingSecret"], "PORT": str(port), "PATH": "/usr/bin:/bin"},
            stdout=log,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: _answers(url), 10, "the README receiver to listen")
            forged = httpx.post(
                url,
                content=b'{"type":"job.completed"}',
                headers={"webhook-id": "msg_x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
            )
            await client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=api.auth())
            wait_until(lambda: "webhook.ping" in Path(log.name).read_text(), 10, "the ping to be printed")
        finally:
            process.terminate()
            process.wait(5)
            log.close()
    assert forged.status_code == 401
    (line,) = Path(log.name).read_text().splitlines()  # the forged request printed nothing
    assert line.startswith("webhook.ping")


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True
