"""/healthz, /readyz and /metrics on a real app (SQLite file, SQLite queue, local blobs; and services that
are down), with a real worker running the jobs the metrics count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import Api, metric_sample, wait_for_job
from processes import free_port, start_worker
from worker_documents import scanned_pdf


@pytest.mark.anyio
async def test_healthz_answers_without_a_key(api: Api) -> None:
    answer = await api.client().get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


@pytest.mark.anyio
async def test_readyz_names_database_queue_and_storage(make_api: Any) -> None:
    api = make_api(private=True)
    answer = await api.client().get("/readyz")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "queue": "ok",
        "storage": "ok",
    }
    assert body["checks"]["queue"]["pending"] == 0
    assert "retry-after" not in answer.headers


@pytest.mark.anyio
async def test_readyz_is_503_with_retry_after_naming_the_storage_that_is_down(
    make_api: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    api = make_api(private=True, storage_url=f"file://{blocker}/blobs")
    answer = await api.client().get("/readyz")
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    checks = answer.json()["checks"]
    assert answer.json()["status"] == "unavailable"
    assert (checks["database"]["status"], checks["queue"]["status"]) == ("ok", "ok")
    assert checks["storage"]["status"] == "down" and "a-file" in checks["storage"]["error"]


@pytest.mark.anyio
async def test_readyz_names_each_service_that_is_down(make_api: Any, tmp_path: Path) -> None:
    api = make_api(private=True)  # migrated on SQLite; then an app whose servers do not answer
    nowhere = f"127.0.0.1:{free_port()}"
    settings = api.settings.model_copy(
        update={
            "database_url": f"postgresql+psycopg://postgres@{nowhere}/extractd",
            "redis_url": f"redis://{nowhere}/0",
            "storage_url": "s3://extractd-nowhere",
            "s3_endpoint_url": f"http://{nowhere}",
        }
    )
    from extractd.api.app import create_app

    down = Api(settings=settings, app=create_app(settings))
    try:
        answer = await down.client().get("/readyz")
    finally:
        for client in down.clients:
            await client.aclose()
        down.dispose()
    assert answer.status_code == 503, answer.text
    checks = answer.json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "down",
        "queue": "down",
        "storage": "down",
    }
    assert all(check["error"] for check in checks.values())


@pytest.mark.slow
@pytest.mark.anyio
async def test_metrics_count_jobs_runs_pages_ocr_and_requests(make_api: Any, tmp_path: Path) -> None:
    api = make_api(private=True)
    worker = start_worker(api.settings.data_dir, tmp_path / "logs")
    client = api.client()
    try:
        text_job = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            files={
                "file": ("invoice.pdf", (Path(__file__).parents[2] / "examples" / "invoice.pdf").read_bytes())
            },
            data={"templateName": "invoice"},
        )
        scan_job = await client.post(
            "/api/v1/extraction-jobs",
            headers=api.auth(),
            files={"file": ("scan.pdf", scanned_pdf(1, lines_per_page=4))},
            data={"templateName": "invoice"},
        )
        for created in (text_job, scan_job):
            assert created.status_code == 202, created.text
            assert (await wait_for_job(client, api, created.json()["job"]["id"], timeout=180))["status"] == (
                "completed"
            )
        missing = await client.get("/api/v1/extraction-jobs/no-such-job", headers=api.auth())
        assert missing.status_code == 404
        answer = await client.get("/metrics")
    finally:
        worker.stop()
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    metrics = answer.text
    assert metric_sample(metrics, "extractd_database_up") == 1
    assert metric_sample(metrics, "extractd_jobs", status="completed") == 2
    assert metric_sample(metrics, "extractd_jobs", status="queued") == 0
    assert metric_sample(metrics, "extractd_queue_depth") == 0
    # Both files are PDFs: one run of 1 page from the text layer, one of 1 page read by OCR.
    assert metric_sample(metrics, "extractd_job_duration_seconds_count", loader="pdf") == 2
    assert metric_sample(metrics, "extractd_job_duration_seconds_sum", loader="pdf") > 0
    assert metric_sample(metrics, "extractd_job_pages_bucket", le="1.0", loader="pdf") == 2
    assert metric_sample(metrics, "extractd_job_pages_sum", loader="pdf") == 2
    assert metric_sample(metrics, "extractd_ocr_pages_total") == 1
    route = "/api/v1/extraction-jobs/{job_id}"
    assert (
        metric_sample(metrics, "extractd_http_requests_total", method="GET", route=route, status="404") == 1
    )
    assert (
        metric_sample(
            metrics,
            "extractd_http_requests_total",
            method="POST",
            route="/api/v1/extraction-jobs",
            status="202",
        )
        == 2
    )
