"""Bounds on what a request may carry, checked at the edge before any of it reaches a service.

JSON bodies: nesting is measured on the raw bytes before the parser sees them (a body nested 100,000
deep never reaches ``json.loads``), then every string in the parsed body is checked for control
characters. Text fields: NUL and other C0 control characters (and DEL) are refused; free text may keep
tab, line feed and carriage return, names and file names may not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from extractd.domain.errors import JsonTooDeep, MalformedJson, ValidationFailed

MAX_JSON_DEPTH = 32
# A JSON string (escapes included), so brackets inside strings are not counted as nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Fields that name something (and file names): no tab or line break either.
NAME_FIELDS = frozenset({"name", "filename", "templateName", "filterName", "documentName"})
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def json_depth(body: bytes | bytearray) -> int:
    """How deep the arrays and objects of a JSON text nest, counted without parsing it."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return min(MAX_JSON_DEPTH, body.count(b"[") + body.count(b"{"))
    structure = _JSON_STRING.sub(b"", body)
    steps = _OPEN[np.frombuffer(structure, dtype=np.uint8)].astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def loads(body: bytes | bytearray, skip: Iterable[str] = ()) -> Any:
    """Parse a JSON body within the bounds; ``skip`` names top-level keys not checked for text rules."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise JsonTooDeep(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedJson() from exc
    if b"\\" not in body and b"\x7f" not in body:
        # A control character can sit in a JSON string only escaped, or as a raw DEL (raw C0 characters
        # are invalid JSON, refused above): without either, no string needs checking.
        return data
    skipped = frozenset(skip)
    if isinstance(data, dict):
        for key, value in data.items():
            check_text(key, key, strict=True)
            if key not in skipped:
                _check_tree(value, key, strict=key in NAME_FIELDS)
    else:
        _check_tree(data, "body", strict=False)
    return data


def _check_tree(value: Any, where: str, strict: bool) -> None:
    if isinstance(value, str):
        check_text(where, value, strict)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(f"{where}.{key}", key, strict=True)
            _check_tree(item, f"{where}.{key}", strict=key in NAME_FIELDS)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_tree(item, f"{where}.{index}", strict)


def check_text(where: str, value: str, strict: bool = False) -> str:
    """Refuse NUL and control characters (``strict``: tab and line breaks too) with VALIDATION_ERROR."""
    match = (_NAME_CONTROL if strict else _TEXT_CONTROL).search(value)
    if match is not None:
        shown = where.encode("unicode_escape").decode("ascii")
        raise ValidationFailed(
            f"`{shown}` contains the control character U+{ord(match.group()):04X}; remove it."
        )
    return value


def check_form(fields: Mapping[str, str], filename: str | None) -> None:
    """The text rules for multipart form fields and the uploaded file's name."""
    for name, value in fields.items():
        check_text(name, name, strict=True)
        check_text(name, value, strict=name in NAME_FIELDS)
    if filename is not None:
        check_text("filename", filename, strict=True)
