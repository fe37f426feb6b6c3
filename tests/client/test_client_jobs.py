"""jobs.list/cancel/restart and the review queue's filter, through both clients, against a real server with
no worker: its jobs stay queued, so cancelling one is never a race with a worker picking it up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from extractd_client import AsyncClient, Client, JobPage, errors
from tests.conftest import INVOICE_LINES, text_pdf

from conftest import Server

SERVER_WORKERS = 0


def pdf(n: int) -> bytes:
    return text_pdf([[*INVOICE_LINES[:4], f"Invoice number: LST-{n:03d}", *INVOICE_LINES[5:]]])


def ids(page: JobPage) -> set[str]:
    return {job.id for job in page.jobs}


def test_list_filters_by_status_and_template_and_pages(client: Client) -> None:
    invoices = [client.jobs.create(pdf(n), "invoice", filename=f"{n}.pdf") for n in range(3)]
    receipt = client.jobs.create(pdf(9), "receipt", filename="r.pdf")
    cancelled = client.jobs.cancel(invoices[0].id)

    everything = client.jobs.list()
    assert everything.total == 4 and ids(everything) == {job.id for job in [*invoices, receipt]}
    listed = {job.id: job for job in everything.jobs}[invoices[1].id]
    assert (listed.status, listed.filename, listed.attempt) == ("queued", "1.pdf", 0)
    assert listed.template_id == client.templates.get("invoice").id

    # Statuses in the client's lowercase (sent as the Jobs dialect's capitals), one or several.
    assert ids(client.jobs.list(status="cancelled")) == {cancelled.id}
    assert client.jobs.list(status=["queued", "cancelled"]).total == 4
    assert ids(client.jobs.list(status="queued", template="invoice")) == {invoices[1].id, invoices[2].id}
    assert ids(client.jobs.list(template="receipt")) == {receipt.id}

    first, second = client.jobs.list(limit=3), client.jobs.list(limit=3, page=2)
    assert (len(first.jobs), first.total, first.has_more) == (3, 4, True)
    assert (len(second.jobs), second.page, second.has_more) == (1, 2, False)
    assert ids(first) | ids(second) == ids(everything)

    # Nothing awaits review here: the queue lists only review_required jobs, not these queued ones.
    queue = client.reviews.queue()
    assert (queue.total, queue.jobs) == (0, [])

    with pytest.raises(errors.ValidationError, match="FINISHED"):
        client.jobs.list(status="finished")  # the server names what it does not know


def test_a_file_is_named_by_its_path_or_its_file_object(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "scan-0042.pdf"
    path.write_bytes(pdf(42))
    with path.open("rb") as opened:
        client.jobs.create(opened, "invoice")
    client.jobs.create(str(path), "invoice", filename="renamed.pdf")
    client.jobs.create(pdf(43), "invoice")  # bare bytes, no name given
    names = {job.filename for job in client.jobs.list().jobs}
    assert names == {"scan-0042.pdf", "renamed.pdf", "document"}


def test_list_a_batch_runs_jobs(server: Server, api_key: str, client: Client) -> None:
    client.jobs.create(pdf(0), "invoice")
    run = httpx.post(
        f"{server.url}/api/job-runs",
        headers={"Authorization": f"Bearer {api_key}"},
        data={"schemaId": "invoice", "jobType": "EXTRACTION"},
        files=[("files[]", (f"{n}.pdf", pdf(n), "application/pdf")) for n in (1, 2)],
    )
    assert run.status_code == 201, run.text

    in_run = client.jobs.list(parent_run_id=run.json()["id"])
    assert in_run.total == 2 and {job.filename for job in in_run.jobs} == {"1.pdf", "2.pdf"}
    assert client.jobs.list().total == 3


def test_cancel_then_restart(client: Client) -> None:
    job = client.jobs.create(pdf(1), "invoice", filename="c.pdf")

    cancelled = client.jobs.cancel(job.id)
    assert (cancelled.id, cancelled.status) == (job.id, "cancelled")
    assert cancelled.error is not None and cancelled.error.code == "CANCELLED" and cancelled.is_final
    v1_view = client.jobs.get(job.id)  # v1 shows a cancelled job as failed, code CANCELLED
    assert v1_view.status == "failed" and v1_view.error is not None and v1_view.error.code == "CANCELLED"
    with pytest.raises(errors.InvalidState) as again:
        client.jobs.cancel(job.id)  # raised at once: a 409 is not retried
    assert again.value.status == 409

    restarted = client.jobs.restart(job.id)
    assert (restarted.id, restarted.status, restarted.error) == (job.id, "queued", None)
    assert client.jobs.get(job.id).status == "queued"
    with pytest.raises(errors.InvalidState):
        client.jobs.restart(job.id)  # a queued job cannot be restarted
    with pytest.raises(errors.JobNotFound):
        client.jobs.cancel("00000000-0000-4000-8000-000000000000")


def test_the_async_client_lists_cancels_and_restarts(server: Server, api_key: str) -> None:
    async def run() -> tuple[JobPage, str, str, JobPage, JobPage]:
        async with AsyncClient(server.url, api_key) as client:
            job = await client.jobs.create(pdf(2), "invoice")
            cancelled = await client.jobs.cancel(job.id)
            listed = await client.jobs.list(status="cancelled")
            restarted = await client.jobs.restart(job.id)
            everything, queue = await client.jobs.list(), await client.reviews.queue()
            return listed, cancelled.status, restarted.status, everything, queue

    listed, cancelled, restarted, everything, queue = asyncio.run(run())

    assert (cancelled, restarted) == ("cancelled", "queued")
    assert listed.total == 1 and listed.jobs[0].status == "cancelled"
    assert everything.total == 1 and everything.jobs[0].status == "queued"
    assert queue.total == 0
