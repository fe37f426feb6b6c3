"""Concurrent creates and updates against a real `extractd serve` on a fresh PostgreSQL database.

Twenty requests at once over real HTTP: one create wins and the others get a clean 409; every update
makes its own version (or a clean 409), never a 500 from a unique violation or a lost update.
"""

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

CONCURRENT = 20
TEMPLATE = {"name": "race", "fields": [{"name": "total", "type": "money"}]}
FILTER = {"name": "route", "rules": [{"documentName": "invoice", "templateName": "invoice"}]}


@pytest.fixture
def server(postgres_database: str, tmp_path: Path) -> Iterator[ManagedProcess]:
    process = start_serve(
        tmp_path / "data", tmp_path / "logs", workers=0, env={"database_url": postgres_database}
    )
    yield process
    process.stop()


async def _at_once(server: ManagedProcess, method: str, path: str, bodies: list[Any]) -> list[httpx.Response]:
    headers = {"Authorization": f"api-key {server.extra['api_key']}"}
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=server.base_url or "", timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(client.request(method, path, headers=headers, json=body) for body in bodies)
            )
        )


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    assert all(response.status_code < 500 for response in responses), [r.text for r in responses]
    return Counter(
        (response.status_code, response.json().get("error", {}).get("code", "")) for response in responses
    )


def test_concurrent_creates_of_one_template_name_give_one_201_and_clean_409s(server: ManagedProcess) -> None:
    responses = asyncio.run(_at_once(server, "POST", "/api/v1/templates", [TEMPLATE] * CONCURRENT))
    assert _codes(responses) == {(201, ""): 1, (409, "TEMPLATE_EXISTS"): CONCURRENT - 1}


def test_concurrent_template_updates_each_make_a_version(server: ManagedProcess) -> None:
    asyncio.run(_at_once(server, "POST", "/api/v1/templates", [TEMPLATE]))
    bodies = [{"description": f"edit {n}", "fields": TEMPLATE["fields"]} for n in range(CONCURRENT)]
    responses = asyncio.run(_at_once(server, "PUT", "/api/v1/templates/race", bodies))
    codes = _codes(responses)
    assert set(codes) <= {(200, ""), (409, "CONCURRENT_UPDATE")}, codes
    versions = sorted(r.json()["template"]["version"] for r in responses if r.status_code == 200)
    assert versions == list(range(2, 2 + len(versions)))  # one version each, none lost or shared
    final = asyncio.run(_at_once(server, "GET", "/api/v1/templates/race", [None]))[0].json()["template"]
    assert final["version"] == 1 + len(versions)
    assert codes[(200, "")] == CONCURRENT, codes  # the retries absorb 20 at once


def test_concurrent_filter_creates_and_updates(server: ManagedProcess) -> None:
    created = asyncio.run(_at_once(server, "POST", "/api/v1/filters", [FILTER] * CONCURRENT))
    assert _codes(created) == {(201, ""): 1, (409, "FILTER_EXISTS"): CONCURRENT - 1}
    bodies = [{"description": f"edit {n}", "rules": FILTER["rules"]} for n in range(CONCURRENT)]
    updated = asyncio.run(_at_once(server, "PUT", "/api/v1/filters/route", bodies))
    assert set(_codes(updated)) <= {(200, ""), (409, "CONCURRENT_UPDATE")}


def test_nul_bytes_never_reach_postgresql(server: ManagedProcess) -> None:
    bodies: list[Any] = [
        TEMPLATE | {"description": "a\x00b"},
        TEMPLATE | {"name": "n\x00ul"},
    ]
    responses = asyncio.run(_at_once(server, "POST", "/api/v1/templates", bodies))
    responses += asyncio.run(_at_once(server, "POST", "/api/v1/filters", [FILTER | {"name": "ro\x00ute"}]))
    jobs = [{"file": "JVBERi0xLjcK", "filename": "a\x00.pdf", "templateName": "invoice"}]
    jobs.append({"file": "JVBERi0xLjcK", "password": "p\x00w", "templateName": "invoice"})
    responses += asyncio.run(_at_once(server, "POST", "/api/v1/extraction-jobs", jobs))
    assert _codes(responses) == {(400, "VALIDATION_ERROR"): 5}
