"""`extractd extract` as a real subprocess on generated files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import encrypt_pdf, make_pdf

EXTRACTD = str(Path(sys.executable).with_name("extractd"))
PAGE = ["INVOICE", "Invoice No: INV-777", "Invoice Date: 2024-03-05", "Total 119.00 EUR"]


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXTRACTD, "extract", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_one_file_prints_the_result_object(tmp_path: Path) -> None:
    pdf = tmp_path / "inv.pdf"
    pdf.write_bytes(make_pdf([PAGE]))
    done = _run(pdf, "--text", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["originalName"] == "inv.pdf" and data["processedPages"] == 1
    document = data["documents"][0]
    assert document["usedTemplateName"] == "invoice"
    assert document["content"]["invoice_number"] == "INV-777"
    assert "total_amount" in document["content"] and "fieldConfidence" in document
    assert "Invoice No: INV-777" in document["returnedText"]


def test_template_file_password_and_out(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(encrypt_pdf(make_pdf([PAGE]), "pw"))
    template = tmp_path / "t.json"
    template.write_text(
        json.dumps(
            {
                "name": "mine",
                "fields": [{"name": "number", "type": "text", "description": "The invoice number."}],
            }
        )
    )
    out = tmp_path / "result.json"
    done = _run(secret, "--template-file", template, "--password", "pw", "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())["documents"][0]
    assert document["usedTemplateName"] == "mine" and document["content"] == {"number": "INV-777"}
    refused = _run(secret, cwd=tmp_path)
    assert refused.returncode == 1 and "PASSWORD_REQUIRED" in refused.stderr and refused.stdout == ""


def test_several_files_give_json_lines_and_errors_do_not_stop_the_others(tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(make_pdf([PAGE]))
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    done = _run(good, empty, tmp_path / "missing.pdf", cwd=tmp_path)
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["originalName"] for line in lines] == ["good.pdf", "empty.pdf", "missing.pdf"]
    assert lines[0]["documents"][0]["content"]["invoice_number"] == "INV-777"
    assert lines[1]["error"]["code"] == "EMPTY_FILE"
    assert lines[2]["error"]["code"] == "FILE_NOT_READABLE"


def test_unknown_template_is_a_clear_error(tmp_path: Path) -> None:
    pdf = tmp_path / "inv.pdf"
    pdf.write_bytes(make_pdf([PAGE]))
    done = _run(pdf, "--template", "nope", cwd=tmp_path)
    assert done.returncode == 1
    assert "nope" in done.stderr and "invoice" in done.stderr and "Traceback" not in done.stderr
