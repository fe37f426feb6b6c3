"""`extractd-client submit`: bounded concurrency, one JSON line per file, and a rerun that resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from proxy import DroppingProxy
from tests.conftest import INVOICE_LINES, text_pdf

from conftest import Server

COMMAND = [sys.executable, "-m", "extractd_client.cli"]


def make_invoices(folder: Path, count: int, pages: int = 1) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        lines = [*INVOICE_LINES[:4], f"Invoice number: BATCH-{n:03d}", *INVOICE_LINES[5:]]
        path = folder / f"invoice-{n}.pdf"
        path.write_bytes(text_pdf([lines] * pages))
        paths.append(path)
    return paths


def command_env(server: Server, api_key: str) -> dict[str, str]:
    return {**os.environ, "EXTRACTD_URL": server.url, "EXTRACTD_API_KEY": api_key}


def lines_of(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_submit_writes_one_line_per_file(server: Server, api_key: str, tmp_path: Path) -> None:
    files = make_invoices(tmp_path / "in", 3)
    broken = tmp_path / "in" / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    out = tmp_path / "results.jsonl"

    done = subprocess.run(
        [
            *COMMAND,
            "submit",
            *map(str, [*files, broken]),
            "--template",
            "invoice",
            "--concurrency",
            "2",
            "--out",
            str(out),
        ],
        env=command_env(server, api_key),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    records = {Path(str(record["file"])).name: record for record in lines_of(out)}
    assert set(records) == {"invoice-0.pdf", "invoice-1.pdf", "invoice-2.pdf", "broken.pdf"}
    data = records["invoice-1.pdf"]["data"]
    assert isinstance(data, dict) and data["documents"][0]["content"]["invoice_number"] == "BATCH-001"
    assert records["broken.pdf"]["status"] == "failed"
    assert records["broken.pdf"]["error"]["code"] == "CORRUPT_FILE"  # type: ignore[index]
    assert "4/4" in done.stderr  # the progress, one line per file when stderr is not a terminal


def test_submit_keeps_at_most_concurrency_files_in_flight(
    server: Server, api_key: str, tmp_path: Path
) -> None:
    files = make_invoices(tmp_path / "in", 5)
    proxy = DroppingProxy(server.url, drop=0).start()  # forwards every request, in the order they come
    try:
        done = subprocess.run(
            [
                *COMMAND,
                "--url",
                proxy.url,
                "submit",
                *map(str, files),
                "--template",
                "invoice",
                "--concurrency",
                "2",
            ],
            env=command_env(server, api_key),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        proxy.stop()
    assert done.returncode == 0, done.stderr

    # A file is in flight from its create to its result read; the next one starts only after one ends.
    in_flight, most = 0, 0
    for line, _ in proxy.seen:
        if line == "POST /api/v1/extraction-jobs":
            in_flight += 1
        elif line.endswith("/result"):
            in_flight -= 1
        most = max(most, in_flight)
    assert in_flight == 0 and sum(line.endswith("/result") for line, _ in proxy.seen) == 5
    assert most <= 2


@pytest.mark.slow
def test_an_interrupted_batch_resumes_where_it_stopped(server: Server, api_key: str, tmp_path: Path) -> None:
    files = make_invoices(tmp_path / "in", 6, pages=20)
    out = tmp_path / "results.jsonl"
    args = [
        *COMMAND,
        "submit",
        *map(str, files),
        "--template",
        "invoice",
        "--concurrency",
        "1",
        "--out",
        str(out),
    ]
    before = server.count_jobs()

    first = subprocess.Popen(
        args, env=command_env(server, api_key), stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while not (out.exists() and len(out.read_text().splitlines()) >= 2):
        assert time.monotonic() < deadline and first.poll() is None, "the first run did not get going"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # the machine died: no chance to tidy up
    first.wait(30)
    finished_first = {str(record["file"]) for record in lines_of(out)}
    assert 2 <= len(finished_first) < 6
    with out.open("a") as cut:
        cut.write('{"file": "' + str(files[-1]) + '", "stat')  # a line cut short by the kill

    second = subprocess.run(
        args, env=command_env(server, api_key), capture_output=True, text=True, timeout=300
    )

    assert second.returncode == 0, second.stderr
    assert f"resuming: {len(finished_first)} files already in" in second.stderr
    records = lines_of(out)  # the cut line is gone, every file has exactly one line
    assert sorted(str(record["file"]) for record in records) == sorted(map(str, files))
    assert all(record["status"] == "completed" for record in records)
    # The file in flight at the kill got its job back through its Idempotency-Key: one job per file.
    assert server.count_jobs() - before == 6
