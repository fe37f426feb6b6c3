"""Presigned uploads: one row per upload URL handed out, each step a conditional update (single use)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from extractd.store.models import PresignedUpload


class UploadsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, upload: PresignedUpload) -> PresignedUpload:
        self.session.add(upload)
        self.session.flush()
        return upload

    def get(self, key: str, environment_id: str | None = None) -> PresignedUpload | None:
        query = select(PresignedUpload).where(PresignedUpload.key == key)
        if environment_id is not None:
            query = query.where(PresignedUpload.environment_id == environment_id)
        return self.session.scalars(query).one_or_none()

    def mark_received(self, key: str, now: datetime) -> bool:
        """The bytes arrived (local storage); False when they had arrived already (the URL is used)."""
        where = (PresignedUpload.key == key) & PresignedUpload.received_at.is_(None)
        return self._update(where, received_at=now)

    def mark_confirmed(self, key: str, job_id: str, now: datetime) -> bool:
        """The upload became a job; False when another confirm took it first."""
        where = (PresignedUpload.key == key) & PresignedUpload.confirmed_at.is_(None)
        return self._update(where, confirmed_at=now, job_id=job_id)

    def delete_expired(self, before: datetime) -> list[str]:
        """Forget the uploads whose URL expired before ``before``; their blob keys, to delete: the bytes of
        one never confirmed, or of a PUT repeated after confirm (an S3 presigned URL takes several)."""
        expired = PresignedUpload.expires_at < before
        blob_keys = list(self.session.scalars(select(PresignedUpload.blob_key).where(expired)))
        self.session.execute(
            delete(PresignedUpload).where(expired).execution_options(synchronize_session=False)
        )
        return blob_keys

    def _update(self, where: ColumnElement[bool], **values: object) -> bool:
        result = self.session.execute(
            update(PresignedUpload).where(where).values(**values).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
