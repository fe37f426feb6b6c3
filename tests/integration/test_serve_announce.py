"""`extractd serve` prints only URLs that answer: the API (under /api/v1), its docs and the console."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from tests.integration.processes import start_serve

pytestmark = pytest.mark.slow  # a real `extractd serve` start-up


def test_the_announced_urls_answer(tmp_path: Path) -> None:
    serve = start_serve(tmp_path / "data", tmp_path / "logs", workers=0)
    try:
        logs = serve.logs()
        urls = dict(re.findall(r"^(\w+):\s+(https?://\S+)", logs, flags=re.MULTILINE))
        assert set(urls) == {"API", "Docs", "Console"}, logs  # nothing printed that does not exist
        assert urls["API"] == f"{serve.base_url}/api/v1"
        assert httpx.get(urls["Docs"], timeout=10).status_code == 200
        sign_in = httpx.get(urls["Console"], timeout=10, follow_redirects=True)
        assert sign_in.status_code == 200 and 'name="api_key"' in sign_in.text
        # The API answers under its base: an unauthenticated call gets our JSON error, not a 404 page.
        answer = httpx.get(f"{urls['API']}/extraction-jobs/00000000-0000-0000-0000-000000000000", timeout=10)
        assert answer.status_code == 401 and answer.json()["success"] is False
        key = serve.extra["api_key"]
        assert key, logs
        known = httpx.get(
            f"{urls['API']}/extraction-jobs/00000000-0000-0000-0000-000000000000",
            headers={"Authorization": f"api-key {key}"},
            timeout=10,
        )
        assert known.status_code == 404 and known.json()["error"]["code"] == "JOB_NOT_FOUND"
        assert known.headers["x-request-id"]
    finally:
        serve.stop()
