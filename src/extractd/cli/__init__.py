"""`extractd` command line: a thin wrapper over the library, the services and the server."""

from __future__ import annotations

from extractd.cli.app import app


def main() -> None:
    # Importing a command module registers its commands on the shared app.
    from extractd.cli import extract, keys, serve  # noqa: F401

    app()
