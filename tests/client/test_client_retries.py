"""Safe retries against a real server: 429 and 503 honoured, a dropped connection retried with the same
Idempotency-Key (one job), a 408 of the sync endpoint retried onto the same job, the rest raised at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from extractd_client import Client, RetryPolicy, errors
from proxy import DroppingProxy
from tests.conftest import INVOICE_LINES, text_pdf

from conftest import FAST_RETRY, Server

# One status request per second per job: the second quick read is refused with 429 and Retry-After.
# The sync endpoint gives up after 0.2 s: a document of 80 pages takes longer.
SERVER_ENV = {"poll_rate": "1", "sync_timeout_s": "0.2"}
NO_RETRY = RetryPolicy(max_retries=0)


@pytest.fixture()
def retries(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="extractd_client")
    return caplog


def retry_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "extractd_client"]


@pytest.fixture()
def proxy(server: Server) -> Iterator[DroppingProxy]:
    running = DroppingProxy(server.url).start()
    yield running
    running.stop()


def test_a_429_is_honoured_with_its_retry_after(
    client: Client, invoice_pdf: bytes, retries: pytest.LogCaptureFixture
) -> None:
    job = client.jobs.wait(client.jobs.create(invoice_pdf, "invoice").id, timeout=120)
    retries.clear()
    # Reads too soon get a 429, wait its Retry-After and read again. The limit counts in fixed windows, so
    # two reads straddling a window's end are both allowed: read until one was refused (a few at most).
    for _ in range(5):
        assert client.jobs.get(job.id).status == "completed"
        if any("HTTP 429" in message for message in retry_reasons(retries)):
            break
    assert any("HTTP 429" in message for message in retry_reasons(retries))


def test_without_retries_a_429_raises_rate_limited_with_retry_after(
    server: Server, api_key: str, invoice_pdf: bytes
) -> None:
    with Client(server.url, api_key, retry=NO_RETRY) as client:
        job = client.jobs.create(invoice_pdf, "invoice")
        with pytest.raises(errors.RateLimited) as raised:
            for _ in range(5):  # fixed windows: two reads straddling a window's end are both allowed
                client.jobs.get(job.id)
    assert raised.value.code == "RATE_LIMITED" and raised.value.status == 429
    assert raised.value.retry_after is not None and raised.value.retry_after >= 1


def test_a_503_storage_fault_is_retried_until_storage_is_back(
    server: Server, client: Client, invoice_pdf: bytes, retries: pytest.LogCaptureFixture
) -> None:
    blobs = server.data_dir / "blobs"
    away = server.data_dir / "blobs-away"
    before = server.count_jobs()
    blobs.rename(away)
    blobs.write_bytes(b"not a folder")  # every write under it fails, as a full disk would

    def repair() -> None:
        blobs.unlink()
        away.rename(blobs)

    timer = threading.Timer(1.5, repair)
    timer.start()
    try:
        result = client.extract(invoice_pdf, "invoice")
    finally:
        timer.join()
    assert result.documents[0].content["invoice_number"] == "INV-2024-0042"
    assert any("HTTP 503" in message for message in retry_reasons(retries))
    assert server.count_jobs() == before + 1


def test_a_dropped_connection_is_retried_with_the_same_key_and_makes_one_job(
    server: Server, api_key: str, proxy: DroppingProxy, invoice_pdf: bytes
) -> None:
    before = server.count_jobs()
    with Client(proxy.url, api_key, retry=FAST_RETRY) as client:
        result = client.extract(invoice_pdf, "invoice")

    creates = [headers for line, headers in proxy.seen if line.startswith("POST /api/v1/extraction-jobs")]
    assert len(creates) == 2  # the first answer was lost, the retry got the stored one
    assert creates[0]["idempotency-key"] == creates[1]["idempotency-key"]
    assert server.count_jobs() == before + 1
    assert result.documents[0].content["invoice_number"] == "INV-2024-0042"


def test_a_dropped_connection_without_retries_raises_connection_failed(
    server: Server, api_key: str, proxy: DroppingProxy, invoice_pdf: bytes
) -> None:
    with Client(proxy.url, api_key, retry=NO_RETRY) as client, pytest.raises(errors.ConnectionFailed):
        client.jobs.create(invoice_pdf, "invoice")


def test_other_errors_are_raised_at_once(api_key: str, proxy: DroppingProxy, invoice_pdf: bytes) -> None:
    proxy.drop = 0
    with Client(proxy.url, api_key, retry=FAST_RETRY) as client:
        with pytest.raises(errors.TemplateNotFound):
            client.jobs.create(invoice_pdf, "no-such-template")
        with pytest.raises(errors.JobNotFound):
            client.jobs.get("00000000-0000-0000-0000-000000000000")
    assert len(proxy.seen) == 2  # one request each, no retry


def test_an_unreachable_server_is_retried_then_raises(unused_port: int) -> None:
    client = Client(f"http://127.0.0.1:{unused_port}", "key", retry=RetryPolicy(2, 0.05, 0.1))
    with client, pytest.raises(errors.ConnectionFailed):
        client.templates.list()


def test_a_408_of_the_sync_endpoint_is_retried_onto_the_same_job(
    server: Server, client: Client, retries: pytest.LogCaptureFixture
) -> None:
    long_pdf = text_pdf([INVOICE_LINES] * 80)  # longer than the 0.2 s the sync endpoint waits
    before = server.count_jobs()
    result = client.extract_sync(long_pdf, "invoice", filename="long.pdf")
    assert result.processed_pages == 80
    assert any("HTTP 408" in message for message in retry_reasons(retries))
    assert server.count_jobs() == before + 1


def test_without_retries_a_408_raises_sync_timeout_naming_the_job(server: Server, api_key: str) -> None:
    # Longer than the retried test's file: with a warm worker and no pickup delay, 80 pages can finish
    # within the 0.2 s the sync endpoint waits.
    with Client(server.url, api_key, retry=NO_RETRY) as client, pytest.raises(errors.SyncTimeout) as raised:
        client.extract_sync(text_pdf([INVOICE_LINES] * 400), "invoice")
    assert raised.value.status == 408 and "continues as job" in raised.value.message
