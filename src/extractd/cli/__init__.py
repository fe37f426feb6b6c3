"""`extractd` command line: a thin wrapper over the library, the services and the server."""

from __future__ import annotations

import importlib

from extractd.cli.app import app

# Importing a command module registers its commands on the shared app.
COMMAND_MODULES = ("extractd.cli.serve", "extractd.cli.keys", "extractd.cli.extract")


def main() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    app()
