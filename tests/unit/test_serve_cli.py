"""The command line's help: every command listed; `serve`/`worker` name the env var behind each flag."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from extractd.cli import COMMAND_MODULES
from extractd.cli.app import app
from extractd.cli.serve import base_url
from extractd.config import Settings

for _module in COMMAND_MODULES:  # what `extractd` (cli.main) loads before it runs
    importlib.import_module(_module)

HELP_ENV = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}


def _commands() -> dict[str, Any]:
    """The commands `extractd` registers (typer bundles its own click: read them by attribute)."""
    commands: dict[str, Any] = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    return commands


def _help(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env=HELP_ENV)
    assert result.exit_code == 0, result.output
    return result.output


def test_root_help_lists_every_command() -> None:
    names = set(_commands())
    assert {"serve", "worker", "extract", "keys"} <= names
    listed = set(re.findall(r"^│ (\w[\w-]*) ", _help(), flags=re.MULTILINE))
    assert names <= listed


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_help_names_the_env_var_of_every_flag(command: str) -> None:
    options = [p for p in _commands()[command].params if p.opts[0].startswith("--")]
    assert options
    output = _help(command)
    for option in options:
        assert isinstance(option.envvar, str) and option.envvar.startswith("EXTRACTD_"), option.name
        line = next(line for line in output.splitlines() if f" {option.opts[0]} " in line)
        assert f"[env var: {option.envvar}]" in line, line
    assert "EXTRACTD_DATABASE_URL" in output  # the settings without a flag are named too


@pytest.mark.parametrize(
    ("host", "public_url", "expected"),
    [
        ("127.0.0.1", None, "http://127.0.0.1:8123"),
        ("0.0.0.0", None, "http://127.0.0.1:8123"),
        ("::", None, "http://[::1]:8123"),
        ("0.0.0.0", "https://extract.example.org/", "https://extract.example.org"),
    ],
)
def test_announced_base_url_is_reachable_from_this_machine(
    host: str, public_url: str | None, expected: str
) -> None:
    assert base_url(Settings(host=host, port=8123, public_url=public_url)) == expected
