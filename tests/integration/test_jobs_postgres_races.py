"""The jobs dialect's races against a real `extractd serve` on a fresh PostgreSQL database: the same
bytes uploaded many times at once are one document; one upload URL PUT or confirmed many times at once
is used once, the others answer a clean 410, never a 500."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import ManagedProcess, start_serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CONCURRENT = 10


@pytest.fixture
def server(postgres_database: str, tmp_path: Path) -> Iterator[ManagedProcess]:
    process = start_serve(
        tmp_path / "data", tmp_path / "logs", workers=0, env={"database_url": postgres_database}
    )
    yield process
    process.stop()


def _client(server: ManagedProcess) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {server.extra['api_key']}"}
    limits = httpx.Limits(max_connections=CONCURRENT)
    return httpx.AsyncClient(base_url=server.base_url or "", headers=headers, timeout=60, limits=limits)


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    assert all(response.status_code < 500 for response in responses), [r.text for r in responses]
    return Counter((response.status_code, response.json().get("code", "")) for response in responses)


async def _same_bytes_at_once(server: ManagedProcess, content: bytes) -> list[httpx.Response]:
    async with _client(server) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post(
                        "/api/jobs",
                        files={"file": (f"copy-{n}.pdf", content, "application/pdf")},
                        data={"type": "EXTRACTION", "schemaId": "invoice"},
                    )
                    for n in range(CONCURRENT)
                )
            )
        )


def test_the_same_bytes_at_once_are_one_document(server: ManagedProcess, invoice_pdf: bytes) -> None:
    responses = asyncio.run(_same_bytes_at_once(server, invoice_pdf))
    assert _codes(responses) == {(201, ""): CONCURRENT}
    assert len({response.json()["documentId"] for response in responses}) == 1
    assert len({response.json()["filename"] for response in responses}) == CONCURRENT


async def _use_one_upload_many_times(server: ManagedProcess, content: bytes) -> dict[str, Any]:
    async with _client(server) as client:
        ticket = (await client.post("/api/jobs/upload-url", json={"filename": "a.pdf"})).json()
        async with httpx.AsyncClient(timeout=60) as anonymous:
            puts = await asyncio.gather(
                *(anonymous.put(ticket["uploadUrl"], content=content) for _ in range(CONCURRENT))
            )
        body = {"key": ticket["key"], "type": "EXTRACTION", "schemaId": "invoice"}
        confirms = await asyncio.gather(
            *(client.post("/api/jobs/confirm-upload", json=body) for _ in range(CONCURRENT))
        )
    return {"puts": list(puts), "confirms": list(confirms)}


def test_one_upload_is_used_once(server: ManagedProcess, invoice_pdf: bytes) -> None:
    used = asyncio.run(_use_one_upload_many_times(server, invoice_pdf))
    put_codes = Counter(response.status_code for response in used["puts"])
    assert put_codes == {200: 1, 410: CONCURRENT - 1}, [r.text for r in used["puts"]]
    assert _codes(used["confirms"]) == {(201, ""): 1, (410, "UPLOAD_ALREADY_USED"): CONCURRENT - 1}
