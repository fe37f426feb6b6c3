"""Presigned uploads: upload-url → PUT → confirm-upload, on local storage (extractd serves the signed URL)
and on S3 (a real presigned PUT to the S3 server), and every way a URL or key can be wrong."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from api_support import Api
from jobs_support import JOBS, assert_jobs_error, bearer
from s3_server import S3Server

from extractd.queue.huey_app import make_huey
from extractd.queue.reaper import UPLOAD_KEPT_AFTER_EXPIRY, Reaper
from extractd.queue.tasks import JobQueue
from extractd.services.uploads import UPLOAD_SIGNING_KEY
from extractd.store import secrets
from extractd.store.db import transaction
from extractd.store.models import PresignedUpload, ServerKey

pytestmark = pytest.mark.anyio

CONFIRM = f"{JOBS}/confirm-upload"


@pytest.fixture
def uploads_api(make_api: Any) -> Api:
    """No worker on its data dir: confirmed jobs stay queued."""
    api: Api = make_api(private=True, max_upload_mb=1)
    return api


async def _upload_url(client: httpx.AsyncClient, api: Api, filename: str = "scan.pdf") -> dict[str, Any]:
    response = await client.post(f"{JOBS}/upload-url", json={"filename": filename}, headers=bearer(api))
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def _confirm_body(ticket: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"key": ticket["key"], "type": "EXTRACTION", "schemaId": "invoice"} | extra


async def test_local_upload_url_put_confirm(uploads_api: Api, invoice_pdf: bytes) -> None:
    async with uploads_api.client() as client:
        ticket = await _upload_url(client, uploads_api)
        put = await client.put(
            ticket["uploadUrl"], content=invoice_pdf
        )  # no API key: the URL is the permission
        confirmed = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api))
        content = await client.get(
            f"/api/documents/{confirmed.json()['documentId']}/content", headers=bearer(uploads_api)
        )
    assert set(ticket) == {"uploadUrl", "key", "expiresAt"}
    url = urlsplit(ticket["uploadUrl"])
    assert url.path == f"/api/uploads/{ticket['key']}"
    assert set(parse_qs(url.query)) == {"expires", "signature"}
    expires_at = datetime.fromisoformat(ticket["expiresAt"].replace("Z", "+00:00"))
    assert timedelta(seconds=800) < expires_at - datetime.now(UTC) <= timedelta(seconds=900)
    assert put.status_code == 200, put.text
    assert confirmed.status_code == 201, confirmed.text
    job = confirmed.json()
    assert (job["status"], job["filename"]) == ("QUEUED", "scan.pdf")  # the name given to upload-url
    assert content.content == invoice_pdf


async def test_the_signing_secret_is_made_once_and_kept_in_the_database(uploads_api: Api) -> None:
    async with uploads_api.client() as client:
        await _upload_url(client, uploads_api)
        await _upload_url(client, uploads_api)
    with uploads_api.app.state.context.sessions() as session:
        keys = session.query(ServerKey).filter_by(name=UPLOAD_SIGNING_KEY).all()
    assert len(keys) == 1 and len(keys[0].key) >= 32


async def test_a_put_url_is_checked_before_anything_is_stored(uploads_api: Api, invoice_pdf: bytes) -> None:
    async with uploads_api.client() as client:
        ticket = await _upload_url(client, uploads_api)
        url = urlsplit(ticket["uploadUrl"])
        query = parse_qs(url.query)
        base = url.path
        forged = await client.put(
            base, params={"expires": query["expires"][0], "signature": "0" * 64}, content=invoice_pdf
        )
        extended = await client.put(
            base,
            params={"expires": str(int(query["expires"][0]) + 3600), "signature": query["signature"][0]},
            content=invoice_pdf,
        )
        other_key = await client.put(
            f"/api/uploads/upl_{uuid.uuid4().hex}",
            params={k: v[0] for k, v in query.items()},
            content=invoice_pdf,
        )
        unsigned = await client.put(base, content=invoice_pdf)
        empty = await client.put(ticket["uploadUrl"], content=b"")
        unsupported = await client.put(ticket["uploadUrl"], content=b"\x00\x01 not a document")
        too_large = await client.put(ticket["uploadUrl"], content=b"%PDF-1.7\n" + b"0" * (1024 * 1024))
        first = await client.put(ticket["uploadUrl"], content=invoice_pdf)
        reused = await client.put(ticket["uploadUrl"], content=invoice_pdf)
    for response in (forged, extended, other_key, unsigned):
        assert_jobs_error(response, 403, "UPLOAD_SIGNATURE_INVALID")
    assert_jobs_error(empty, 400, "EMPTY_FILE")
    assert_jobs_error(unsupported, 415, "UNSUPPORTED_TYPE")
    assert_jobs_error(too_large, 413, "FILE_TOO_LARGE")
    assert first.status_code == 200, first.text  # refused PUTs did not use the URL up
    assert_jobs_error(reused, 410, "UPLOAD_ALREADY_USED")


async def test_an_expired_url_is_410(uploads_api: Api, invoice_pdf: bytes) -> None:
    context = uploads_api.app.state.context
    async with uploads_api.client() as client:
        ticket = await _upload_url(client, uploads_api)
        past = int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())
        # A URL validly signed with the server secret, but for a moment already past.
        key = secrets.server_key(context.sessions, UPLOAD_SIGNING_KEY)
        signature = hmac.new(key, f"{ticket['key']}\n{past}".encode(), hashlib.sha256).hexdigest()
        expired_put = await client.put(
            f"/api/uploads/{ticket['key']}",
            params={"expires": past, "signature": signature},
            content=invoice_pdf,
        )
        with transaction(context.sessions) as session:
            upload = session.get(PresignedUpload, ticket["key"])
            assert upload is not None
            upload.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        expired_confirm = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api))
    assert_jobs_error(expired_put, 410, "UPLOAD_EXPIRED")
    assert_jobs_error(expired_confirm, 410, "UPLOAD_EXPIRED")  # nothing arrived before it expired


async def test_uploads_are_swept_a_day_after_their_url_expired(uploads_api: Api, invoice_pdf: bytes) -> None:
    context = uploads_api.app.state.context
    reaper = Reaper(
        uploads_api.settings,
        context.sessions,
        JobQueue(make_huey(uploads_api.settings), uploads_api.settings),
    )
    async with uploads_api.client() as client:
        confirmed, swept = await _upload_url(client, uploads_api), await _upload_url(client, uploads_api)
        for ticket in (confirmed, swept):
            assert (await client.put(ticket["uploadUrl"], content=invoice_pdf)).status_code == 200
        made = await client.post(CONFIRM, json=_confirm_body(confirmed), headers=bearer(uploads_api))
        assert made.status_code == 201, made.text
        with transaction(context.sessions) as session:
            blob_keys = [session.get(PresignedUpload, t["key"]).blob_key for t in (confirmed, swept)]  # type: ignore[union-attr]
        # A second PUT to the confirmed upload's URL (S3 URLs take several until they expire): left bytes.
        context.blobs.put(blob_keys[0], invoice_pdf)
        swept_at = (
            datetime.now(UTC) + timedelta(seconds=900) + UPLOAD_KEPT_AFTER_EXPIRY + timedelta(seconds=1)
        )
        report = reaper.run_once(swept_at - timedelta(seconds=2))  # not yet a day past: nothing goes
        assert report.uploads_blobs_deleted == [] and all(context.blobs.exists(key) for key in blob_keys)
        report = reaper.run_once(swept_at)
        assert sorted(report.uploads_blobs_deleted) == sorted(blob_keys)
        assert not any(context.blobs.exists(key) for key in blob_keys)
        gone = await client.post(CONFIRM, json=_confirm_body(swept), headers=bearer(uploads_api))
        assert_jobs_error(gone, 404, "UPLOAD_NOT_FOUND")
        job = await client.get(f"{JOBS}/{made.json()['id']}", headers=bearer(uploads_api))
        assert job.status_code == 200  # the confirmed upload's job and document are not the sweep's


async def test_confirm_refuses_unknown_foreign_early_and_reused_keys(
    uploads_api: Api, invoice_pdf: bytes
) -> None:
    intruder = uploads_api.new_key()
    async with uploads_api.client() as client:
        ticket = await _upload_url(client, uploads_api)
        early = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api))
        await client.put(ticket["uploadUrl"], content=invoice_pdf)
        foreign = await client.post(
            CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api, intruder)
        )
        unknown = await client.post(
            CONFIRM, json=_confirm_body({"key": "upl_nothing"}), headers=bearer(uploads_api)
        )
        bad_schema = await client.post(
            CONFIRM, json=_confirm_body(ticket, schemaId="nope"), headers=bearer(uploads_api)
        )
        confirmed = await client.post(
            CONFIRM, json=_confirm_body(ticket, filename="renamed.pdf"), headers=bearer(uploads_api)
        )
        reused = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api))
    assert_jobs_error(early, 409, "UPLOAD_NOT_RECEIVED")
    assert_jobs_error(foreign, 404, "UPLOAD_NOT_FOUND")
    assert_jobs_error(unknown, 404, "UPLOAD_NOT_FOUND")
    assert_jobs_error(bad_schema, 404, "TEMPLATE_NOT_FOUND")  # a refused confirm leaves the upload usable
    assert confirmed.status_code == 201 and confirmed.json()["filename"] == "renamed.pdf"
    assert_jobs_error(reused, 410, "UPLOAD_ALREADY_USED")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{JOBS}/upload-url", {}),
        (f"{JOBS}/upload-url", {"filename": ""}),
        (f"{JOBS}/upload-url", {"filename": "a.pdf", "size": 3}),
        (f"{JOBS}/upload-url", ["a.pdf"]),
        (CONFIRM, {"type": "EXTRACTION", "schemaId": "invoice"}),
        (CONFIRM, {"key": "upl_x", "type": "EXTRACTION"}),
        (CONFIRM, {"key": "upl_x", "type": "OCR", "schemaId": "invoice"}),
        (CONFIRM, {"key": "upl_x", "schemaId": "invoice", "filename": 7}),
    ],
)
async def test_upload_bodies_are_validated(uploads_api: Api, path: str, body: Any) -> None:
    async with uploads_api.client() as client:
        response = await client.post(path, json=body, headers=bearer(uploads_api))
    assert_jobs_error(response, 400, "VALIDATION_ERROR")


async def test_confirm_replays_with_its_idempotency_key(uploads_api: Api, invoice_pdf: bytes) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    async with uploads_api.client() as client:
        ticket = await _upload_url(client, uploads_api)
        await client.put(ticket["uploadUrl"], content=invoice_pdf)
        first = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api) | key)
        replay = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(uploads_api) | key)
    assert first.status_code == 201
    assert replay.status_code == 200 and replay.headers["X-Idempotent-Replay"] == "true"
    assert replay.json() == first.json()


@pytest.mark.s3
async def test_s3_upload_url_is_a_real_presigned_put(
    make_api: Any, s3_endpoint: S3Server, s3_bucket: str, invoice_pdf: bytes
) -> None:
    api = make_api(
        private=True, storage_url=f"s3://{s3_bucket}/blobs", s3_endpoint_url=s3_endpoint.endpoint_url
    )
    async with api.client() as client:
        ticket = await _upload_url(client, api)
        early = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(api))
    assert ticket["uploadUrl"].startswith(s3_endpoint.endpoint_url)
    assert "Signature" in ticket["uploadUrl"] or "X-Amz-Signature" in ticket["uploadUrl"]
    async with httpx.AsyncClient() as s3:
        put = await s3.put(ticket["uploadUrl"], content=invoice_pdf)
    assert put.status_code == 200, put.text
    async with api.client() as client:
        confirmed = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(api))
        reused = await client.post(CONFIRM, json=_confirm_body(ticket), headers=bearer(api))
        content = await client.get(
            f"/api/documents/{confirmed.json()['documentId']}/content", headers=bearer(api)
        )
    assert_jobs_error(early, 409, "UPLOAD_NOT_RECEIVED")
    assert confirmed.status_code == 201, confirmed.text
    assert_jobs_error(reused, 410, "UPLOAD_ALREADY_USED")
    assert content.content == invoice_pdf
    keys = {
        item["Key"] for item in s3_endpoint.client().list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    }
    assert not any(key.startswith("blobs/uploads/") for key in keys)  # the upload became the document
