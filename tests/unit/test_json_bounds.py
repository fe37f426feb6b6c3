"""api/v1/bounds: nesting measured on the raw bytes, control characters found however JSON spells them."""

from __future__ import annotations

import pytest

from extractd.api.v1.bounds import MAX_JSON_DEPTH, json_depth, loads
from extractd.domain.errors import JsonTooDeep, ValidationFailed


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 100_000),
        (b'{"a": "' + b"[" * 500 + b'"}', 1),  # brackets inside a string are text
        (b'{"a": "\\"[[[[", "b": [[1]]}' + b"[" * 40, 40),  # an escaped quote does not end the string
    ],
)
def test_depth_is_measured_without_parsing(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_bodies_past_the_depth_never_reach_the_parser() -> None:
    with pytest.raises(JsonTooDeep):
        loads(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    assert loads(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None


@pytest.mark.parametrize(
    "body",
    [b'{"a": "x\\u0000"}', b'{"a": "\\u001F"}', b'{"a": "x\x7f"}', b'{"a\\u0001": 1}', b'{"name": "a\\tb"}'],
)
def test_control_characters_are_found_however_json_spells_them(body: bytes) -> None:
    with pytest.raises(ValidationFailed, match="control character"):
        loads(body)


def test_an_escaped_backslash_before_u0000_is_text_and_free_text_keeps_line_breaks() -> None:
    assert loads(b'{"a": "x\\\\u0000"}') == {"a": "x\\u0000"}
    assert loads(b'{"description": "one\\r\\n\\ttwo"}') == {"description": "one\r\n\ttwo"}


def test_skipped_keys_are_not_checked() -> None:
    assert loads(b'{"file": "QUJD\\n\\u0000", "templateName": "x"}', skip=("file",))["templateName"] == "x"
