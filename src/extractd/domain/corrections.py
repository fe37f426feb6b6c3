"""A reviewer's corrections, checked against the template the job ran with (DESIGN.md §4a "Review").

Pure. A correction gives a field a new value in the JSON shape the result uses for that type (§5): text
as a string, integer/decimal/money as numbers, boolean as true/false, a date as a string in the field's
``dateFormat``, a currency as an ISO 4217 code, an enum as one of its ``values``, a list as a list of row
objects, a section as an object; ``null`` clears a field. Anything else raises :class:`InvalidCorrection`
naming the field (``line_items[2].amount`` for a cell of a list).

``from_form_text`` turns what a web form sends (always text) into that JSON shape first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from extractd.domain.errors import InvalidCorrection
from extractd.domain.templates import DATE_FORMAT_TOKENS, FieldType, Template, TemplateField

_TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.IBAN})
_NUMBER_TYPES = frozenset({FieldType.DECIMAL, FieldType.MONEY})
_DATE_TOKEN_PATTERNS = {
    "YYYY": r"\d{4}",
    "YY": r"\d{2}",
    "MMMM": r"[^\W\d_]{3,}",
    "MMM": r"[^\W\d_]{3,4}\.?",
    "MM": r"\d{2}",
    "M": r"\d{1,2}",
    "DD": r"\d{2}",
    "D": r"\d{1,2}",
}


def validate_corrections(template: Template, corrections: Any) -> dict[str, Any]:
    """The corrections as field name → value, each checked against ``template``."""
    if not isinstance(corrections, Mapping):
        raise InvalidCorrection("`corrections` must be an object of field name → value.")
    fields = {spec.name: spec for spec in template.fields}
    checked: dict[str, Any] = {}
    for name, value in corrections.items():
        spec = fields.get(str(name))
        if spec is None:
            raise InvalidCorrection(
                f"Unknown field `{name}`: the template `{template.name}` has no such field.", field=name
            )
        checked[spec.name] = check_value(spec, value, spec.name)
    return checked


def apply_corrections(template: Template, document: dict[str, Any], corrections: Any) -> dict[str, Any]:
    """Check the corrections against ``template`` and write them into the result ``document``'s
    ``content``; the changes made, as field name → ``{"from": old, "to": new}`` (unchanged values left
    out). Each field's value is replaced whole (a section or list included)."""
    changes: dict[str, Any] = {}
    for name, value in validate_corrections(template, corrections).items():
        old = (document.get("content") or {}).get(name)
        if old != value:
            changes[name] = {"from": old, "to": value}
            document.setdefault("content", {})[name] = value
    return changes


def check_value(spec: TemplateField, value: Any, path: str) -> Any:
    """``value`` if it fits ``spec`` (numbers of integer-valued decimals stay as given)."""
    if value is None:
        return None
    checker = _CHECKERS[spec.type]
    return checker(spec, value, path)


def _wrong(path: str, spec: TemplateField, expected: str, value: Any) -> InvalidCorrection:
    return InvalidCorrection(
        f"Field `{path}` ({spec.type.value}) expects {expected}, not {json.dumps(value)[:80]}.", field=path
    )


def _text(spec: TemplateField, value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _wrong(path, spec, "a string", value)
    if spec.pattern is not None and value and not re.search(spec.pattern, value):
        raise InvalidCorrection(f"Field `{path}` must match the pattern {spec.pattern!r}.", field=path)
    if spec.type is FieldType.EMAIL and value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise _wrong(path, spec, "an e-mail address", value)
    return value


def _integer(spec: TemplateField, value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(path, spec, "a whole number", value)
    if isinstance(value, float) and not value.is_integer():
        raise _wrong(path, spec, "a whole number", value)
    return int(value)


def _number(spec: TemplateField, value: Any, path: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _wrong(path, spec, "a number", value)
    return value


def _boolean(spec: TemplateField, value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong(path, spec, "true or false", value)
    return value


def date_pattern(date_format: str) -> re.Pattern[str]:
    """A regex matching dates written in ``date_format`` (tokens of templates.DATE_FORMAT_TOKENS)."""
    parts: list[str] = []
    position = 0
    for match in DATE_FORMAT_TOKENS.finditer(date_format):
        parts.append(re.escape(date_format[position : match.start()]))
        parts.append(_DATE_TOKEN_PATTERNS[match.group()])
        position = match.end()
    parts.append(re.escape(date_format[position:]))
    return re.compile("".join(parts))


def _date(spec: TemplateField, value: Any, path: str) -> str:
    if not isinstance(value, str) or not date_pattern(spec.date_format).fullmatch(value.strip()):
        raise _wrong(path, spec, f"a date written as {spec.date_format}", value)
    return value.strip()


def _enum(spec: TemplateField, value: Any, path: str) -> str:
    if not isinstance(value, str) or value not in spec.values:
        raise _wrong(path, spec, "one of " + ", ".join(spec.values), value)
    return value


def _currency(spec: TemplateField, value: Any, path: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value.strip().upper()):
        raise _wrong(path, spec, "an ISO 4217 currency code such as EUR", value)
    return value.strip().upper()


def _section(spec: TemplateField, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _wrong(path, spec, "an object", value)
    fields = {sub.name: sub for sub in spec.fields}
    checked: dict[str, Any] = {}
    for name, item in value.items():
        sub = fields.get(str(name))
        if sub is None:
            raise InvalidCorrection(f"Unknown field `{path}.{name}`.", field=f"{path}.{name}")
        checked[sub.name] = check_value(sub, item, f"{path}.{sub.name}")
    return {sub.name: checked.get(sub.name) for sub in spec.fields}


def _list(spec: TemplateField, value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _wrong(path, spec, "a list of row objects", value)
    return [_section(spec, row, f"{path}[{index}]") for index, row in enumerate(value)]


_CHECKERS: dict[FieldType, Any] = {
    **dict.fromkeys(_TEXT_TYPES, _text),
    FieldType.INTEGER: _integer,
    **dict.fromkeys(_NUMBER_TYPES, _number),
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.ENUM: _enum,
    FieldType.CURRENCY: _currency,
    FieldType.SECTION: _section,
    FieldType.LIST: _list,
}


def from_form_text(spec: TemplateField, text: str) -> Any:
    """What a form's text input means for this field, before ``check_value``: empty text is null,
    numbers are read as numbers (``1.234,50`` and ``1,234.50`` both), booleans from true/false/yes/no,
    lists and sections as JSON. Text that cannot be read is returned unchanged, so the check names it."""
    text = text.strip()
    if not text:
        return None
    if spec.type in (FieldType.INTEGER, *_NUMBER_TYPES):
        return _form_number(text)
    if spec.type is FieldType.BOOLEAN:
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            text.lower(), text
        )
    if spec.type in (FieldType.LIST, FieldType.SECTION):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _form_number(text: str) -> Any:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d+", cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if re.fullmatch(r"-?\d+", cleaned) else number
