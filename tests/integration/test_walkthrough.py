"""The README walk-throughs work when pasted: their bash blocks, run in order in one shell against a
real `extractd serve`, end with the sample invoice's fields (v1's "Walk-through", the "Jobs API")."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import pytest
from processes import extractd_env, start_serve

from extractd.services.templates import builtin_template_id

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def walkthrough_blocks(heading: str = "Walk-through") -> list[str]:
    """The bash blocks of one README section (for v1 not the set-up commands above it)."""
    section = README.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return BASH_BLOCK.findall(section)


def test_the_walkthrough_has_the_whole_sequence() -> None:
    script = "\n".join(walkthrough_blocks())
    for step in ("keys create", "/api/v1/extraction-jobs", "/result", "/api/v1/extractFields"):
        assert step in script


def test_the_sample_invoice_is_the_one_its_script_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_sample_invoice", REPO / "examples" / "make_sample_invoice.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.invoice_pdf() == (REPO / "examples" / "invoice.pdf").read_bytes()


def _paste(heading: str, tmp_path: Path) -> str:
    """Run the section's blocks in one bash against a fresh `extractd serve`; its output."""
    assert (REPO / ".venv" / "bin" / "extractd").exists(), "the walk-through runs the README's .venv"
    serve = start_serve(tmp_path / "data", tmp_path / "logs", workers=1)
    try:
        env = extractd_env(tmp_path / "data") | {"EXTRACTD_URL": str(serve.base_url)}
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "\n".join(walkthrough_blocks(heading))],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        serve.stop()
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{serve.logs()[-3000:]}"
    return run.stdout


def test_pasting_the_walkthrough_against_extractd_serve(tmp_path: Path) -> None:
    output = _paste("Walk-through", tmp_path)
    assert "status: completed" in output
    # The result (json.tool), then the extractFields content: the two top-level JSON objects printed.
    result, sync_content = (json.loads("{\n" + text) for text in output.split("\n{\n")[1:])
    content = result["data"]["documents"][0]["content"]
    assert (content["invoice_number"], content["total_amount"]) == ("INV-2026-0117", 1487.5)
    assert sync_content == content


def test_pasting_the_jobs_api_walkthrough_against_extractd_serve(tmp_path: Path) -> None:
    output = _paste("Jobs API", tmp_path).splitlines()
    assert '{"key":' in output[0] and '"size":' in output[0]  # the PUT to the upload URL
    assert output[1].startswith("job ")
    extraction, restarted, listed, re_extracted, deleted = output[output.index("status: COMPLETED") + 1 :]
    assert extraction == "INV-2026-0117"  # the invoice_number of the extraction
    assert restarted in ("QUEUED", "PROCESSING")  # a worker may take the restarted job at once
    assert (listed, re_extracted) == ("1", builtin_template_id("receipt"))
    assert deleted == "delete: 204"
