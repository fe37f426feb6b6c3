"""Property-based requests generated from /openapi.json, with a valid API key.

Hundreds of generated requests over every documented operation: no response may be a 5xx, and every
response must match the documented status codes, content types and schemas.

Schemathesis needs the schema when the module is collected, so the app is built here (its data dir is
a temporary folder) and its database is migrated by the module fixture before the first request.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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
