"""Tables. Portable across SQLite and PostgreSQL: string UUIDs, timezone-aware datetimes, JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

JsonType = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes; SQLite drops the zone, so read values come back as UTC again."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Environment(Base):
    __tablename__ = "environments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    result_ttl: Mapped[int | None] = mapped_column(Integer)  # overrides EXTRACTD_RESULT_TTL
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown in `keys list`
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole key
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Template(Base):
    """A user template (v1) / schema (jobs API): the same stored object, versioned."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("environment_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)  # DESIGN.md §5 format
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class TemplateVersion(Base):
    __tablename__ = "template_versions"

    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Filter(Base):
    __tablename__ = "filters"
    __table_args__ = (UniqueConstraint("environment_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)  # [{documentName, description, ...}]
    # Bumped by every update, which is conditional on it (optimistic concurrency; migration 0005).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Document(Base):
    """An uploaded file. Jobs point at it, so restart and re-extraction never need a new upload.

    Identical bytes are one document per environment (migration 0008): jobs share it, each with its name.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("environment_id", "sha256", name="uq_documents_environment_sha256"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    blob_key: Mapped[str] = mapped_column(String(500))
    filename: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_env_created", "environment_id", "created_at"),
        Index("ix_jobs_status_lease", "status", "lease_until"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(String(20))  # domain.jobs.JobStatus values
    dialect: Mapped[str] = mapped_column(String(10), default="v1")  # the API that created it
    # What to run: the template (or filter) snapshot pinned at create time, and the engine options.
    template_id: Mapped[str | None] = mapped_column(String(36))  # the jobs dialect's schemaId (0008)
    template_name: Mapped[str | None] = mapped_column(String(200))
    template_version: Mapped[int | None] = mapped_column(Integer)
    template_definition: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    filter_name: Mapped[str | None] = mapped_column(String(200))
    filter_definition: Mapped[dict[str, Any] | None] = mapped_column(JsonType)  # rules + their templates
    options: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # The name this job's upload came with (documents are shared by content; migration 0008).
    filename: Mapped[str | None] = mapped_column(String(500))
    document_review: Mapped[int | None] = mapped_column(Integer)
    delivery_mode: Mapped[str] = mapped_column(String(10), default="poll")
    parent_run_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # Worker protocol.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # A queued job is not claimed before this time (the backoff of a retry after a transient error);
    # the reaper also stamps it when it re-sends a message, so it re-sends at most once per period.
    available_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Times the reaper found this job's lease expired (its worker died or froze); the second fails it.
    lease_losses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The document password, encrypted with the server key (store.secrets); erased when the job ends.
    secret: Mapped[str | None] = mapped_column(Text)
    # Outcome.
    error_code: Mapped[str | None] = mapped_column(String(50))
    error_message: Mapped[str | None] = mapped_column(Text)
    review_flagged_count: Mapped[int | None] = mapped_column(Integer)
    result_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result_purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Timestamps.
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_required_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class JobResult(Base):
    """The result payload (the `data` object of GET result), kept until it expires."""

    __tablename__ = "job_results"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    environment_id: Mapped[str] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    state: Mapped[str] = mapped_column(String(20))  # "in_progress" | "done" | "detached"
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # The job a synchronous request started under this key (added by the service-api helper, migration
    # 0003): a retry after SYNC_TIMEOUT waits for that job instead of creating a second one.
    job_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Migration 0005 (harden-api): the request holding an in-progress key owns it until `locked_until`
    # (identified by `lock_token`); after that a retry may take the key over. `recovery_point` says how
    # far the holder got: "started", or "job_created" once the job row (job_id) committed with the key.
    lock_token: Mapped[str | None] = mapped_column(String(32))
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recovery_point: Mapped[str | None] = mapped_column(String(20))


class RateLimitCounter(Base):
    """Fixed-window request counters shared by every API process (added by the service-api helper)."""

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)  # "<what>:<id>:<window number>"
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class JobRunStats(Base):
    """One finished run of a job (a row per attempt that produced a result): what /metrics reports."""

    __tablename__ = "job_run_stats"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    loader_kind: Mapped[str] = mapped_column(String(20))  # engine.types.LoadedFile.kind
    pages: Mapped[int] = mapped_column(Integer)
    ocr_pages: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)  # from the claim to the stored result
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class JobRun(Base):
    """A batch run of the jobs dialect (``POST /api/job-runs``): its jobs carry its id as parent_run_id.

    The counts are recounted from the jobs in the transaction of each of their transitions (migration 0010).
    """

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_env_created", "environment_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    job_type: Mapped[str] = mapped_column(String(20))  # EXTRACTION
    status: Mapped[str] = mapped_column(String(20))  # domain.job_runs.RunStatus values
    total_jobs: Mapped[int] = mapped_column(Integer)
    completed_jobs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_jobs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebhookEndpoint(Base):
    """A webhook subscription of an environment (DESIGN.md §4a); the secret is never rendered back."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    events: Mapped[list[str]] = mapped_column(JsonType)  # event types, or ["*"]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(String(100))  # whsec_…: signs every delivery
    # Set when the endpoint failed every attempt for EXTRACTD_WEBHOOK_DISABLE_AFTER_S (5 days).
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Start of the current run of failed attempts (cleared by a success).
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class WebhookMessage(Base):
    """One event for one endpoint: the outbox row, written in the transaction of the change it reports."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_…: the webhook-id of every attempt
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)  # {id, type, data, occurredAt}
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebhookAttempt(Base):
    """The delivery log: one row per attempt to send a message."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_endpoint", "endpoint_id", "attempted_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


class PresignedUpload(Base):
    """An upload URL handed out by POST /api/jobs/upload-url: single use, expiring (migration 0009)."""

    __tablename__ = "presigned_uploads"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # upl_…: the client's handle
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    blob_key: Mapped[str] = mapped_column(String(500))  # where the PUT bytes wait for confirm-upload
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the PUT (local storage)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # confirm-upload made job_id
    job_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ServerKey(Base):
    """Keys the server made for itself (the document-password key); no endpoint reads this table."""

    __tablename__ = "server_keys"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
