"""The root Typer app and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from extractd.config import Settings

app = typer.Typer(
    name="extractd",
    help="Self-hosted document extraction: invoices, receipts and forms to typed fields.",
    no_args_is_help=True,
    add_completion=False,
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="EXTRACTD_DATA_DIR",
        help="Folder of the SQLite database and blobs (default ./extractd-data).",
        show_default=False,
    ),
]


def build_settings(data_dir: Path | None, **overrides: Any) -> Settings:
    """Settings from the environment, with the flags a command was given laid on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if data_dir is not None:
        given["data_dir"] = data_dir
    return Settings(**given)
