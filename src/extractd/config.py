"""All settings in one validated object, built once at start-up and passed down.

Every setting can come from an environment variable named ``EXTRACTD_<FIELD>`` (or a ``.env`` file).
Nothing in the package reads the environment anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXTRACTD_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./extractd-data"), description="Where the SQLite database and blobs live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file extractd.db in the data dir."
    )
    redis_url: str | None = Field(None, description="Redis URL for the task queue; default: Huey on SQLite.")
    storage_url: str | None = Field(
        None, description="Blob storage: s3://bucket[/prefix]; default: the blobs/ folder in the data dir."
    )
    s3_endpoint_url: str | None = Field(None, description="Endpoint of an S3-compatible store.")

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(None, description="Base URL clients reach the API at (for links).")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=0)

    max_upload_mb: int = Field(50, ge=1)
    upload_url_ttl_s: int = Field(
        900, ge=10, le=7 * 86400, description="Seconds a presigned upload URL (jobs dialect) stays valid."
    )
    poll_rate: float = Field(5.0, gt=0, description="Status requests per second allowed per job.")
    lease_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(3, ge=1, description="Attempts before a job fails with WORKER_LOST.")
    result_ttl: int = Field(604800, ge=1, description="Seconds a result is kept.")
    idempotency_ttl: int = Field(86400, ge=1, description="Seconds an Idempotency-Key is remembered.")
    idempotency_lock_s: float = Field(
        30.0, gt=0, description="Seconds a create holds its Idempotency-Key before a retry may take it over."
    )
    sync_timeout_s: float = Field(300.0, gt=0)
    sync_slots: int = Field(4, ge=1, description="Concurrent synchronous extractions allowed.")
    reaper_interval_s: float = Field(5.0, gt=0)
    queue_poll_s: float = Field(
        0.5,
        gt=0,
        description="Longest sleep of an idle job process between looks at the SQLite queue; a dispatch "
        "from this machine wakes it at once (Redis: a blocking pop, no sleep).",
    )
    env_concurrency: int = Field(
        0,
        ge=0,
        description="Jobs of one environment queued or processing at once across the cluster (0: no limit); "
        "the rest wait as pending.",
    )

    webhook_retry_schedule: str = Field(
        "5,300,1800,7200,18000,36000,36000",
        description="Seconds between webhook delivery attempts (comma-separated); jittered ±10%.",
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhook URLs on loopback/private/link-local/CGNAT/metadata addresses."
    )
    webhook_disable_after_s: float = Field(
        432000.0, gt=0, description="An endpoint failing every attempt this long is disabled (5 days)."
    )
    webhook_connect_timeout_s: float = Field(5.0, gt=0)
    webhook_timeout_s: float = Field(15.0, gt=0, description="Total time one delivery attempt may take.")
    webhook_lease_s: float = Field(
        60.0, gt=0, description="How long a dispatcher holds a message it is sending (> the attempt timeout)."
    )
    webhook_concurrency: int = Field(16, ge=1, description="Deliveries in flight per dispatcher.")
    webhook_poll_interval_s: float = Field(
        1.0, gt=0, description="How often a dispatcher looks for due messages."
    )

    einvoice: bool = Field(True, description="Read embedded ZUGFeRD/Factur-X/XRechnung XML first.")
    ocr_preload: bool = Field(
        True,
        description="Load the OCR models when a job process starts, not on its first scan "
        "(off: text-only workers stay smaller).",
    )
    max_pages: int = Field(500, ge=1)
    # Bounded work per job (issue 8): enforced from the worker's consumer process, outside the job's.
    job_timeout_s: float = Field(
        600.0, gt=0, description="Wall-clock limit of one job attempt; past it the job fails JOB_TIMEOUT."
    )
    job_memory_mb: int = Field(
        3072, ge=0, description="Address-space ceiling of a job process in MB (0: none)."
    )
    log_json: bool = False
    log_level: str = "INFO"

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        try:
            delays = [float(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ValueError("a comma-separated list of seconds, e.g. 5,300,1800") from None
        if any(delay < 0 for delay in delays):
            raise ValueError("delays must not be negative")
        return value

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return tuple(float(part) for part in self.webhook_retry_schedule.split(",") if part.strip())

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'extractd.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    @property
    def wake_dir(self) -> Path:
        """Where idle job processes of the SQLite queue wait to be woken (queue.wake)."""
        return self.data_dir / "wake"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024
