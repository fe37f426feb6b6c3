"""Each `extractd` command imports only what it uses (start-up time is import time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SERVICE_PACKAGES = {
    "huey",
    "sqlalchemy",
    "alembic",
    "redis",
    "psycopg",
    "fastapi",
    "starlette",
    "uvicorn",
    "boto3",
}
REPO = Path(__file__).resolve().parents[2]


def _imported_by(args: list[str], cwd: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Top-level packages loaded by `extractd ARGS` in a fresh interpreter, and how it ended."""
    code = (
        "import atexit, json, sys\n"
        "top = lambda: sorted({m.split('.')[0] for m in sys.modules})\n"
        "atexit.register(lambda: print('MODULES=' + json.dumps(top()), file=sys.stderr))\n"
        f"sys.argv = ['extractd', *{args!r}]\n"
        "from extractd.cli import main\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    line = next(line for line in run.stderr.splitlines() if line.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES="))), run


def test_extract_loads_the_engine_and_no_service_package(tmp_path: Path) -> None:
    modules, run = _imported_by(["extract", str(REPO / "examples" / "invoice.pdf")], tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["documents"]  # it did extract
    assert not modules & SERVICE_PACKAGES, modules & SERVICE_PACKAGES


def test_keys_commands_load_no_engine(tmp_path: Path) -> None:
    modules, run = _imported_by(["keys", "list", "--data-dir", str(tmp_path / "data")], tmp_path)
    assert run.returncode == 0, run.stderr
    assert "sqlalchemy" in modules  # it did open the database
    assert not modules & {"pypdfium2", "rapidocr", "onnxruntime", "huey", "uvicorn", "fastapi"}


def test_help_loads_neither(tmp_path: Path) -> None:
    modules, run = _imported_by(["--help"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert not modules & (SERVICE_PACKAGES | {"pypdfium2", "rapidocr", "onnxruntime", "numpy"})
