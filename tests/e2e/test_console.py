"""The review console in a real headless Chromium against a real `extractd serve` (API + worker).

Sign in with an API key, open the review queue, correct a field on the job's page, approve, and see the
job completed with the correction in its result. The browser is Debian's `chromium` driven by
Playwright (`.ci/run` installs both); a browser that cannot be started fails the test, never skips it.
The test screenshots the review page; with EXTRACTD_UPDATE_SCREENSHOTS=1 it writes the README's
`docs/console.png` (else a temporary file, so test runs leave the work tree clean).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.conftest import INVOICE_LINES, running_in_ci, text_pdf
from tests.integration.processes import ManagedProcess, settings_for, start_serve, wait_until

from extractd.services.keys import create_key, hash_key
from extractd.store.db import create_db_engine, make_session_factory, transaction
from extractd.store.repositories import api_keys

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console.png"
TEMPLATE = {
    "name": "invoice-review",
    "description": "An invoice, checked by a person when unsure.",
    "fields": [
        {"name": "invoice_number", "type": "text", "description": "The invoice's own number."},
        {"name": "invoice_date", "type": "date", "description": "Date the invoice was issued."},
        {"name": "vendor_name", "type": "text", "description": "The company that issued the invoice."},
        {"name": "subtotal", "type": "money", "description": "Total before tax."},
        {"name": "tax_amount", "type": "money", "description": "The VAT amount."},
        {"name": "total_amount", "type": "money", "description": "Total including tax."},
        {
            "name": "purchase_order",
            "type": "text",
            "description": "The buyer's order number.",
            "required": True,
        },
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    root = tmp_path_factory.mktemp("console")
    process = start_serve(root / "data", root / "logs", workers=1)
    process.extra["data_dir"] = root / "data"
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not running_in_ci():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): browser tests not run")
    with sync_playwright() as playwright:  # in CI a missing or broken browser fails here
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _key(server: ManagedProcess, environment: str) -> tuple[str, str]:
    """A new API key of ``environment`` (created if missing): its secret and its id."""
    engine = create_db_engine(settings_for(server.extra["data_dir"]))
    try:
        with transaction(make_session_factory(engine)) as session:
            key = create_key(session, environment)
            assert api_keys.find_active(session, hash_key(key.secret)) is not None
            return key.secret, key.id
    finally:
        engine.dispose()


def _job_awaiting_review(server: ManagedProcess, key: str) -> str:
    auth = {"Authorization": f"api-key {key}"}
    with httpx.Client(base_url=str(server.base_url), headers=auth, timeout=30) as client:
        created = client.post("/api/v1/templates", json=TEMPLATE)
        assert created.status_code in (201, 409), created.text
        response = client.post(
            "/api/v1/extraction-jobs",
            files={"file": ("invoice.pdf", text_pdf([INVOICE_LINES]), "application/pdf")},
            data={"templateName": TEMPLATE["name"], "documentReview": "90"},
        )
        assert response.status_code == 202, response.text
        job_id: str = response.json()["job"]["id"]

        def settled() -> Any:
            status = client.get(f"/api/v1/extraction-jobs/{job_id}")
            job = status.json().get("job", {}) if status.status_code == 200 else {}
            return job if job.get("status") in ("review_required", "completed", "failed") else None

        job = wait_until(settled, 90, f"job {job_id} to finish", interval=0.5)
    assert job["status"] == "review_required", job
    return job_id


def _sign_in(page: Page, server: ManagedProcess, key: str) -> None:
    page.goto(f"{server.base_url}/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/queue$"))


def test_review_a_job_in_the_console(server: ManagedProcess, browser: Browser, tmp_path: Path) -> None:
    key, key_id = _key(server, "reviewers")
    job_id = _job_awaiting_review(server, key)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()

    _sign_in(page, server, key)
    cookie = next(c for c in context.cookies() if c["name"] == "extractd_console")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console")
    assert key not in cookie["value"]  # the cookie is a signed session, not the key

    # The queue lists the job; its page shows the page picture with the flagged fields' boxes.
    page.click(f"#review-queue a[href='/console/jobs/{job_id}']")
    expect(page.locator("#job-status")).to_have_text("review_required")
    image = page.locator("figure.page svg image")
    expect(image).to_have_count(1)
    wait_until(
        lambda: (
            page.evaluate(
                "() => { const i = new Image(); i.src = document.querySelector("
                "'figure.page svg image').getAttribute('href'); return i.decode().then(() => i.width) }"
            )
            > 0
        ),
        10,
        "the page image to load",
    )
    flagged_boxes = page.locator("figure.page rect.flagged")
    assert flagged_boxes.count() >= 1
    order = page.locator("input[name='field.purchase_order']")
    expect(order).to_have_value("")
    order.fill("PO-4711")
    page.locator("input[name='field.vendor_name']").fill("Northwind Supplies GmbH")
    page.locator("input[name='field.total_amount']").fill("1190.50")
    update = os.environ.get("EXTRACTD_UPDATE_SCREENSHOTS", "") not in ("", "0", "false")
    shot = SCREENSHOT if update else tmp_path / "console.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")

    page.click("#approve-0")
    expect(page.locator("#job-status")).to_have_text("completed")
    expect(page.locator("#review-record")).to_contain_text("PO-4711")
    # The read-only view of the completed job still shows its boxes.
    expect(page.locator("figure.page rect")).not_to_have_count(0)

    with httpx.Client(base_url=str(server.base_url), timeout=30) as client:
        result = client.get(
            f"/api/v1/extraction-jobs/{job_id}/result", headers={"Authorization": f"api-key {key}"}
        )
    assert result.status_code == 200, result.text
    data = result.json()["data"]
    assert data["documents"][0]["content"]["purchase_order"] == "PO-4711"
    assert data["documents"][0]["content"]["vendor_name"] == "Northwind Supplies GmbH"
    assert data["documents"][0]["content"]["total_amount"] == 1190.5
    assert data["review"]["keyId"] == key_id
    assert data["review"]["changes"]["purchase_order"] == {"from": None, "to": "PO-4711"}
    assert data["review"]["changes"]["total_amount"] == {"from": 1190.0, "to": 1190.5}
    # Untouched inputs (invoice_number, the dates, subtotal shown as "1000.0") are no corrections.
    assert set(data["review"]["changes"]) <= {"purchase_order", "vendor_name", "total_amount"}
    context.close()


def test_a_key_sees_only_its_own_environment(server: ManagedProcess, browser: Browser) -> None:
    owner, _ = _key(server, "owners")
    stranger, _ = _key(server, "strangers")
    job_id = _job_awaiting_review(server, owner)
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server, stranger)
    expect(page.locator(f"a[href='/console/jobs/{job_id}']")).to_have_count(0)
    response = page.goto(f"{server.base_url}/console/jobs/{job_id}")
    assert response is not None and response.status == 404
    image = page.request.get(f"{server.base_url}/console/jobs/{job_id}/pages/1.png")
    assert image.status == 404
    context.close()


def test_forms_need_the_session_and_its_csrf_token(server: ManagedProcess, browser: Browser) -> None:
    key, _ = _key(server, "csrf")
    job_id = _job_awaiting_review(server, key)
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server, key)
    session_cookie = next(c["value"] for c in context.cookies() if c["name"] == "extractd_console")
    url = f"{server.base_url}/console/jobs/{job_id}/review"
    with httpx.Client(timeout=30) as client:
        no_session = client.post(url, data={"action": "approve"})
    with httpx.Client(timeout=30, cookies={"extractd_console": session_cookie}) as client:
        no_token = client.post(url, data={"action": "approve"})
        wrong_token = client.post(url, data={"action": "approve", "csrf": "x"})
    forged_cookie = session_cookie[:-1] + ("B" if session_cookie.endswith("A") else "A")
    with httpx.Client(timeout=30, cookies={"extractd_console": forged_cookie}) as client:
        forged = client.get(f"{server.base_url}/console/queue")
    assert (no_session.status_code, no_session.headers["location"]) == (303, "/console/sign-in")
    assert (no_token.status_code, wrong_token.status_code) == (403, 403)
    assert (forged.status_code, forged.headers["location"]) == (303, "/console/sign-in")
    page.goto(f"{server.base_url}/console/jobs/{job_id}")
    expect(page.locator("#job-status")).to_have_text("review_required")  # nothing was decided
    context.close()
