"""The built-in templates of DESIGN.md §3 (`invoice`, `receipt`), shipped as package data."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from extractd.domain.templates import Template, parse_template

BUILTIN_NAMES = ("invoice", "receipt")


@cache
def _load(name: str) -> Template:
    text = resources.files("extractd.engine").joinpath("templates", f"{name}.json").read_text("utf-8")
    return parse_template(json.loads(text))


def builtin_templates() -> dict[str, Template]:
    """The built-in templates by name; available in every environment."""
    return {name: _load(name) for name in BUILTIN_NAMES}
