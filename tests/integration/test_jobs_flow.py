"""The Jobs API document's flow end to end through a real `extractd worker`: upload-url → PUT →
confirm-upload → poll → extraction → PATCH → restart → poll → list by status → delete."""

from __future__ import annotations

import pytest
from api_support import Api
from jobs_support import JOBS, assert_jobs_error, bearer, wait_for_jobs_job

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.usefixtures("worker")]


async def test_the_documents_flow(api: Api, invoice_pdf: bytes) -> None:
    async with api.client() as client:
        ticket = (
            await client.post(f"{JOBS}/upload-url", json={"filename": "inv.pdf"}, headers=bearer(api))
        ).json()
        assert (await client.put(ticket["uploadUrl"], content=invoice_pdf)).status_code == 200
        confirmed = await client.post(
            f"{JOBS}/confirm-upload",
            json={"key": ticket["key"], "filename": "inv.pdf", "type": "EXTRACTION", "schemaId": "invoice"},
            headers=bearer(api),
        )
        assert confirmed.status_code == 201, confirmed.text
        job_id = confirmed.json()["id"]
        done = await wait_for_jobs_job(client, api, job_id)
        assert (done["status"], done["attempt"], done["progress"]) == ("COMPLETED", 1, 100)
        extraction = await client.get(f"{JOBS}/{job_id}/extraction", headers=bearer(api))
        assert extraction.status_code == 200, extraction.text
        body = extraction.json()
        assert (body["jobId"], body["schemaId"], body["schemaVersion"]) == (job_id, done["schemaId"], 1)
        assert body["fields"]["invoice_number"] == "INV-2024-0042"
        assert body["fields"]["total_amount"] == pytest.approx(1190.0)
        assert 0 < body["fieldConfidence"]["invoice_number"] <= 1
        assert body["fieldDetails"]["invoice_number"]["page"] == 1
        assert body["documents"][0]["content"] == body["fields"] and body["edits"] == []

        patched = await client.patch(
            f"{JOBS}/{job_id}/extraction", json={"fields": {"invoice_number": "INV-X"}}, headers=bearer(api)
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["fields"]["invoice_number"] == "INV-X"
        assert patched.json()["edits"][0]["changes"] == {
            "invoice_number": {"from": "INV-2024-0042", "to": "INV-X"}
        }

        restarted = await client.post(f"{JOBS}/{job_id}/restart", headers=bearer(api))
        assert restarted.status_code == 200, restarted.text
        # An idle worker may pick the job up before the response is rendered: attempt 1 of a new budget then.
        state = (restarted.json()["status"], restarted.json()["attempt"])
        assert state in {("QUEUED", 0), ("PROCESSING", 1), ("COMPLETED", 1)}, state
        again = await wait_for_jobs_job(client, api, job_id)
        assert (again["status"], again["attempt"]) == ("COMPLETED", 1)  # a fresh budget: attempt 1 again
        assert again["completedAt"] > done["completedAt"]

        completed = await client.get(JOBS, params={"status": "COMPLETED"}, headers=bearer(api))
        assert [job["id"] for job in completed.json()["data"]] == [job_id]
        assert (await client.get(JOBS, params={"status": "FAILED"}, headers=bearer(api))).json()["total"] == 0

        deleted = await client.delete(f"{JOBS}/{job_id}", headers=bearer(api))
        assert deleted.status_code == 204
        assert_jobs_error(await client.get(f"{JOBS}/{job_id}", headers=bearer(api)), 404, "JOB_NOT_FOUND")
        document = await client.get(f"/api/documents/{done['documentId']}", headers=bearer(api))
        assert_jobs_error(document, 404, "DOCUMENT_NOT_FOUND")  # no other job used it
