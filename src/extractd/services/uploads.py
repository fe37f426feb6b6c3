"""Presigned uploads (the jobs dialect's upload-url → PUT → confirm-upload).

``new_upload_url`` hands out an expiring, single-use URL. With S3 storage it is S3's own presigned PUT;
with local storage extractd serves it itself (``receive``): the URL carries an HMAC-SHA256 signature of
the key and the expiry made with a server secret (``store.secrets.server_key``, created on first use and
kept in the database), so a forged or altered URL is refused before the database is asked. ``confirm``
checks the bytes (size limit, sniffed type), creates the job from them and uses the upload up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as token_source
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from extractd.domain.errors import (
    EmptyFile,
    FileTooLarge,
    TransientError,
    UploadAlreadyUsed,
    UploadExpired,
    UploadNotFound,
    UploadNotReceived,
    UploadSignatureInvalid,
)
from extractd.engine.sniff import sniff_type
from extractd.services.context import ServiceContext
from extractd.services.documents import delete_blob
from extractd.services.jobs import JobRequest, Upload, create_job
from extractd.store import secrets
from extractd.store.blobs import BlobNotFound, BlobStoreError
from extractd.store.db import transaction
from extractd.store.models import Job, PresignedUpload
from extractd.store.repositories.uploads import UploadsRepository

UPLOAD_SIGNING_KEY = "upload-signing"
LOCAL_UPLOAD_PATH = "/api/uploads"
KEY_PREFIX = "upl_"


@dataclass(frozen=True)
class UploadTicket:
    upload_url: str
    key: str
    expires_at: datetime


def _signature(ctx: ServiceContext, key: str, expires: int) -> str:
    secret = secrets.server_key(ctx.sessions, UPLOAD_SIGNING_KEY)
    return hmac.new(secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


def new_upload_url(ctx: ServiceContext, environment_id: str, filename: str, base_url: str) -> UploadTicket:
    """An upload URL for one file of the environment, valid for EXTRACTD_UPLOAD_URL_TTL_S seconds."""
    now = datetime.now(UTC)
    ttl = ctx.settings.upload_url_ttl_s
    key = KEY_PREFIX + token_source.token_urlsafe(24)
    expires_at = (now + timedelta(seconds=ttl)).replace(microsecond=0)
    upload = PresignedUpload(
        key=key,
        environment_id=environment_id,
        filename=filename[:500],
        blob_key=f"uploads/{environment_id}/{key}",
        expires_at=expires_at,
        created_at=now,
    )
    with transaction(ctx.sessions) as session:
        UploadsRepository(session).add(upload)
    presign_put: Callable[[str, int], str] | None = getattr(ctx.blobs, "presign_put", None)
    if presign_put is not None:
        try:
            url = presign_put(upload.blob_key, ttl)
        except BlobStoreError as exc:
            raise TransientError("The storage could not sign an upload URL; retry shortly.") from exc
    else:
        expires = int(expires_at.timestamp())
        query = urlencode({"expires": expires, "signature": _signature(ctx, key, expires)})
        url = f"{base_url.rstrip('/')}{LOCAL_UPLOAD_PATH}/{key}?{query}"
    return UploadTicket(url, key, expires_at)


def _check_bytes(ctx: ServiceContext, content: bytes) -> None:
    if len(content) > ctx.settings.max_upload_bytes:
        raise FileTooLarge(f"The file is larger than the upload limit of {ctx.settings.max_upload_mb} MB.")
    if not content:
        raise EmptyFile()
    sniff_type(content)  # UNSUPPORTED_TYPE unless the bytes are a kind we read


def receive(ctx: ServiceContext, key: str, expires: str, signature: str, content: bytes) -> PresignedUpload:
    """The PUT to a local upload URL: signature, expiry, single use, size and type checked, bytes stored."""
    if not expires.isdigit() or not hmac.compare_digest(_signature(ctx, key, int(expires)), signature):
        raise UploadSignatureInvalid()
    now = datetime.now(UTC)
    if int(expires) < now.timestamp():
        raise UploadExpired()
    _check_bytes(ctx, content)
    with transaction(ctx.sessions) as session:
        uploads = UploadsRepository(session)
        upload = uploads.get(key)
        if upload is None:
            raise UploadNotFound()
        # Claim first, then write: of two PUTs at once only the claimant's bytes are ever stored.
        if not uploads.mark_received(key, now):
            raise UploadAlreadyUsed()
        try:
            ctx.blobs.put(upload.blob_key, content)
        except BlobStoreError as exc:
            raise TransientError("The upload could not be stored; retry shortly.") from exc
        return upload


def confirm(
    ctx: ServiceContext,
    environment_id: str,
    key: str,
    filename: str | None,
    request: JobRequest,
    bind: Callable[[Session, str], None] | None = None,
) -> Job:
    """The job made from an uploaded file; the upload is used up by it (in the job's transaction)."""
    with ctx.sessions() as session:
        upload = UploadsRepository(session).get(key, environment_id)
    if upload is None:
        raise UploadNotFound()
    if upload.confirmed_at is not None:
        raise UploadAlreadyUsed()
    content = _uploaded_bytes(ctx, upload)
    _check_bytes(ctx, content)

    def use_up(session: Session, job_id: str) -> None:
        if not UploadsRepository(session).mark_confirmed(key, job_id, datetime.now(UTC)):
            raise UploadAlreadyUsed()  # a concurrent confirm won: this job is rolled back
        if bind is not None:
            bind(session, job_id)

    job = create_job(
        ctx,
        environment_id,
        request,
        Upload(content=content, filename=(filename or upload.filename)),
        dialect="jobs",
        bind=use_up,
    )
    delete_blob(ctx, upload.blob_key)  # the bytes live on as the job's document
    return job


def _uploaded_bytes(ctx: ServiceContext, upload: PresignedUpload) -> bytes:
    expired = upload.expires_at < datetime.now(UTC)
    try:
        return ctx.blobs.get(upload.blob_key)
    except BlobNotFound:
        if expired:
            raise UploadExpired() from None
        raise UploadNotReceived() from None
    except BlobStoreError as exc:
        raise TransientError("The upload could not be read; retry shortly.") from exc
