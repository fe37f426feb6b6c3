"""`extractd-client mcp` driven by the `mcp` SDK's own client over stdio, against a real server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters
from mcp.client import Client as McpClient

from conftest import Server

EXAMPLE_INVOICE = Path(__file__).resolve().parents[2] / "examples" / "invoice.pdf"


def run_session(
    server: Server, api_key: str, calls: list[tuple[str, dict[str, Any]]]
) -> tuple[list[str], list[Any]]:
    """Start the MCP server as an assistant would (a subprocess on stdio), list its tools, call some."""
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-m", "extractd_client.cli", "mcp"],
        env={"EXTRACTD_URL": server.url, "EXTRACTD_API_KEY": api_key},
    )

    async def session() -> tuple[list[str], list[Any]]:
        async with McpClient(parameters, read_timeout_seconds=180) as client:
            tools = [tool.name for tool in (await client.list_tools()).tools]
            results = [await client.call_tool(name, arguments) for name, arguments in calls]
            return tools, results

    return asyncio.run(session())


def test_the_mcp_server_lists_its_tools_and_extracts_a_pdf(
    server: Server, api_key: str, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.pdf"
    tools, (templates, extracted, bad, absent) = run_session(
        server,
        api_key,
        [
            ("list_templates", {}),
            ("extract_file", {"path": str(EXAMPLE_INVOICE), "template": "invoice", "review_threshold": 0.9}),
            ("extract_file", {"path": str(EXAMPLE_INVOICE), "template": "no-such-template"}),
            ("extract_file", {"path": str(missing), "template": "invoice"}),
        ],
    )

    assert {
        "list_templates",
        "extract_file",
        "get_job",
        "list_review_queue",
        "get_review",
        "approve_review",
    } <= set(tools)
    assert not templates.is_error
    assert {"invoice", "receipt"} <= {t["name"] for t in templates.structured_content["templates"]}

    assert not extracted.is_error
    document = extracted.structured_content["documents"][0]
    assert document["fields"]["invoice_number"]["value"] == "INV-2026-0117"
    assert 0 < document["fields"]["invoice_number"]["confidence"] <= 1
    assert document["fields"]["total_amount"]["value"] == 1487.5
    # Fields not found (no purchase order on this invoice) need a person's look.
    assert "purchase_order" in document["needsReview"]
    assert extracted.structured_content["jobId"]

    assert bad.is_error and "TEMPLATE_NOT_FOUND" in bad.content[0].text
    # The assistant reads what went wrong: the server's code, or the local file that is not there.
    assert absent.is_error and str(missing) in absent.content[0].text


def test_the_mcp_server_reads_a_job_and_decides_a_review(
    server: Server, api_key: str, tmp_path: Path
) -> None:
    _, (held,) = run_session(
        server,
        api_key,
        [("extract_file", {"path": str(EXAMPLE_INVOICE), "template": "invoice", "document_review": 99})],
    )
    assert held.structured_content["status"] == "review_required" and held.structured_content["flagged"]
    job_id = held.structured_content["jobId"]

    _, (queue, job, review, approved, after) = run_session(
        server,
        api_key,
        [
            ("list_review_queue", {}),
            ("get_job", {"job_id": job_id}),
            ("get_review", {"job_id": job_id}),
            ("approve_review", {"job_id": job_id, "corrections": {"purchase_order": "PO-4711"}}),
            ("list_review_queue", {}),
        ],
    )
    assert queue.structured_content["total"] == 1 and not queue.structured_content["hasMore"]
    (waiting,) = queue.structured_content["jobs"]
    assert (waiting["jobId"], waiting["status"]) == (job_id, "review_required")
    assert waiting["filename"] == "invoice.pdf"
    assert after.structured_content["total"] == 0 and after.structured_content["jobs"] == []
    assert job.structured_content["status"] == "review_required"
    assert {field["field"] for field in review.structured_content["fields"]} >= {"purchase_order"}
    assert approved.structured_content["documents"][0]["fields"]["purchase_order"]["value"] == "PO-4711"
