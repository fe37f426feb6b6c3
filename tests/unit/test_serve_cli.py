"""`extractd serve` / `extractd worker` --help name the environment variable behind each flag."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import extractd.cli.serve  # noqa: F401  (registers the commands)
from extractd.cli.app import app


@pytest.mark.parametrize(
    ("command", "variables"),
    [
        ("serve", ["EXTRACTD_HOST", "EXTRACTD_PORT", "EXTRACTD_DATA_DIR", "EXTRACTD_WORKERS"]),
        ("worker", ["EXTRACTD_DATA_DIR", "EXTRACTD_WORKERS"]),
    ],
)
def test_help_names_the_env_var_of_every_flag(command: str, variables: list[str]) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    for variable in variables:
        assert variable in result.output
