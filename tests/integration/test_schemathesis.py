"""Property-based requests generated from /openapi.json, with a valid API key.

Hundreds of generated requests over every documented operation: no response may be a 5xx, and every
response must match the documented status codes, content types and schemas. A second run poisons each
generated body (a value nested hundreds of levels deep, strings with NUL and other control characters,
a field name with them): the same must hold (issue 8).

Schemathesis needs the schema when the module is collected, so the app is built here (its data dir is
a temporary folder) and its database is migrated by the module fixture before the first request.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from processes import prepare_database, settings_for
from schemathesis.checks import positive_data_acceptance

from extractd.api.app import create_app
from extractd.services.keys import create_key
from extractd.store.db import transaction

pytestmark = pytest.mark.slow

DATA_DIR = Path(tempfile.mkdtemp(prefix="extractd-schemathesis-")) / "data"
APP_SETTINGS = settings_for(DATA_DIR, max_upload_mb=1, sync_timeout_s=0.5)
APP = create_app(APP_SETTINGS)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def api_key() -> Iterator[str]:
    prepare_database(APP_SETTINGS)
    with transaction(APP.state.context.sessions) as session:
        key = create_key(session, "schemathesis").secret
    yield key
    APP.state.context.sessions.kw["bind"].dispose()
    shutil.rmtree(DATA_DIR.parent, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, api_key: str) -> None:
    # A schema-valid upload may still be refused for its content (415 for random bytes, 404 for a
    # template name that does not exist), so "valid data is accepted" cannot hold; every other check does.
    case.call_and_validate(
        headers={"Authorization": f"api-key {api_key}"}, excluded_checks=[positive_data_acceptance]
    )


# The jobs dialect again, as its clients call it (Bearer), over its paths only: every operation of /api/…
# outside /api/v1/, including the anonymous PUT to an upload URL (a random key or signature: 403/404).
jobs_schema = schema.include(path_regex=r"^/api/(?!v1/)")


@jobs_schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_jobs_requests_get_documented_answers(case: schemathesis.Case, api_key: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"}, excluded_checks=[positive_data_acceptance]
    )


HOSTILE_TEXT = st.sampled_from(["\x00", "a\x00b", "name\x00", "\x01\x1f", "\x7f", "tab\there", "\x1b[31m"])
NESTING = st.sampled_from([33, 100, 500])


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON value, outermost first."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            found.extend(_slots(item))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            found.extend(_slots(item))
    return found


def _poison(body: Any, data: st.DataObject) -> None:
    """Change one place of the body: a hostile string, a value nested deep, or a hostile key."""
    slots = _slots(body)
    if not slots:
        return
    container, key = data.draw(st.sampled_from(slots), label="where")
    how = data.draw(st.sampled_from(["text", "deep", "key"]), label="how")
    if how == "text":
        container[key] = data.draw(HOSTILE_TEXT, label="text")
    elif how == "deep":
        value = container[key]
        for _ in range(data.draw(NESTING, label="depth")):
            value = [value]
        container[key] = value
    elif isinstance(container, dict):
        container[data.draw(HOSTILE_TEXT, label="key")] = container.pop(key)


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_poisoned_bodies_get_documented_answers(
    case: schemathesis.Case, data: st.DataObject, api_key: str
) -> None:
    if isinstance(case.body, dict | list):
        _poison(case.body, data)
    case.call_and_validate(
        headers={"Authorization": f"api-key {api_key}"}, excluded_checks=[positive_data_acceptance]
    )
