"""A real scale-out deployment: PostgreSQL + Redis + S3, an API node (`serve --workers 0`) and a separate
`extractd worker`, each with its own data dir, so nothing can pass through the local disk."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import ManagedProcess, start_serve, start_worker
from s3_server import S3Server

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster_env(
    postgres_database: str, redis_database: str, s3_endpoint: S3Server, s3_bucket: str
) -> dict[str, Any]:
    return {
        "database_url": postgres_database,
        "redis_url": redis_database,
        "storage_url": f"s3://{s3_bucket}/extractd",
        "s3_endpoint_url": s3_endpoint.endpoint_url,
        "log_json": "true",
    }


def _wait_for_job(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/v1/extraction-jobs/{job_id}")
        assert answer.status_code in (200, 429), answer.text
        if answer.status_code == 200 and answer.json()["job"]["status"] in {"completed", "failed"}:
            return dict(answer.json()["job"])
        assert time.monotonic() < deadline, f"job {job_id} did not finish in {timeout}s"
        time.sleep(0.5)


def _files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_a_job_runs_on_postgres_redis_and_s3_across_two_data_dirs(
    tmp_path: Path, cluster_env: dict[str, Any], s3_endpoint: S3Server, s3_bucket: str
) -> None:
    api_dir, worker_dir = tmp_path / "api-node", tmp_path / "worker-machine"
    api = start_serve(api_dir, tmp_path / "logs", workers=0, name="api", env=cluster_env)
    worker: ManagedProcess | None = None
    try:
        worker = start_worker(worker_dir, tmp_path / "logs", name="worker", env=cluster_env)
        key = api.extra["api_key"]
        assert key, api.logs()
        with httpx.Client(
            base_url=str(api.base_url), headers={"Authorization": f"api-key {key}"}, timeout=30
        ) as client:
            created = client.post(
                "/api/v1/extraction-jobs",
                files={"file": ("invoice.pdf", (REPO / "examples" / "invoice.pdf").read_bytes())},
                data={"templateName": "invoice"},
            )
            assert created.status_code == 202, created.text
            job = _wait_for_job(client, created.json()["job"]["id"])
            assert job["status"] == "completed", (job, worker.logs()[-3000:])
            result = client.get(f"/api/v1/extraction-jobs/{job['id']}/result")
            ready = client.get("/readyz")
            metrics = client.get("/metrics").text
        assert result.status_code == 200, result.text
        content = result.json()["data"]["documents"][0]["content"]
        assert content["invoice_number"] == "INV-2026-0117"
        # The API node sees the three services, and the job the other machine ran (from the database).
        assert ready.status_code == 200, ready.text
        assert {name: check["status"] for name, check in ready.json()["checks"].items()} == {
            "database": "ok",
            "queue": "ok",
            "storage": "ok",
        }
        assert 'extractd_jobs{status="completed"} 1.0' in metrics
        assert 'extractd_job_duration_seconds_count{loader="pdf"} 1.0' in metrics
        # The worker's JSON log lines about the job name its environment.
        records = [json.loads(line) for line in worker.logs().splitlines() if line.startswith("{")]
        about_job = [record for record in records if record.get("job_id") == job["id"]]
        assert any(record.get("environment") == "default" for record in about_job), about_job
    finally:
        if worker:
            worker.stop()
        api.stop()
    # The upload went to the bucket, under the prefix; neither machine kept blobs or a queue on its disk.
    listed = s3_endpoint.client().list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    assert [item["Key"].split("/")[:2] for item in listed] == [["extractd", "documents"]]
    for data_dir in (api_dir, worker_dir):
        assert _files_under(data_dir) == [], _files_under(data_dir)


def test_sigterm_hands_a_running_job_back_and_another_machine_finishes_it(
    tmp_path: Path, cluster_env: dict[str, Any]
) -> None:
    from processes import read_job, settings_for, wait_for_status
    from worker_documents import scanned_pdf

    env = cluster_env | {"lease_s": 30}  # a long lease: only the hand-back can requeue it in time
    settings = settings_for(tmp_path / "reader", **{k: v for k, v in env.items() if k != "log_json"})
    api = start_serve(tmp_path / "api-node", tmp_path / "logs", workers=0, name="api", env=env)
    first = start_worker(tmp_path / "machine-1", tmp_path / "logs", name="first", env=env)
    second: ManagedProcess | None = None
    try:
        with httpx.Client(
            base_url=str(api.base_url),
            headers={"Authorization": f"api-key {api.extra['api_key']}"},
            timeout=30,
        ) as client:
            created = client.post(
                "/api/v1/extraction-jobs",
                files={"file": ("scan.pdf", scanned_pdf(1, lines_per_page=12))},
                data={"templateName": "invoice"},
            )
            assert created.status_code == 202, created.text
            job_id = created.json()["job"]["id"]
            wait_for_status(settings, job_id, {"processing"}, timeout=60)
            stopped_at = time.monotonic()
            assert first.stop() == 0, first.logs()[-3000:]
            assert time.monotonic() - stopped_at < 15  # handed back at once, not after the lease
            handed_back = read_job(settings, job_id)
            assert (handed_back.status, handed_back.attempt) == ("queued", 1), handed_back.error_message
            second = start_worker(tmp_path / "machine-2", tmp_path / "logs", name="second", env=env)
            job = _wait_for_job(client, job_id, timeout=240)
        assert job["status"] == "completed", second.logs()[-3000:]
        assert read_job(settings, job_id).attempt == 2
    finally:
        for process in (second, first):
            if process:
                process.stop()
        assert api.stop() == 0  # serve --workers 0 stops cleanly on SIGTERM too
