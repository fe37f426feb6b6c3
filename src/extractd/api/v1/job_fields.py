"""Turn the fields of a create request (multipart strings or typed JSON) into a ``JobRequest``.

Pure functions, so every rule is unit-tested without HTTP. Multipart values are strings; booleans accept
true/false/1/0 there. JSON values must have their JSON type (no "1" for a number). Any `options` or
`options.*` field is refused with UNSUPPORTED_OPTION; any other unknown field with VALIDATION_ERROR.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from extractd.domain.errors import InvalidDeliveryMode, UnsupportedOption, ValidationFailed
from extractd.services.jobs import JobRequest

COMMON_FIELDS = frozenset(
    {
        "templateName",
        "filterName",
        "documentSplitting",
        "returnDocuments",
        "returnText",
        "schemaChunking",
        "password",
        "returnBoundingBoxes",  # deprecated: accepted and ignored
    }
)
ASYNC_ONLY_FIELDS = frozenset({"documentReview", "deliveryMode", "delivery.mode", "delivery"})
BOOL_FIELDS = ("documentSplitting", "returnDocuments", "returnText", "returnBoundingBoxes")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
SCHEMA_CHUNKING = frozenset({"auto", "combined"})
DELIVERY_MODES = frozenset({"poll", "webhook"})
MAX_INT_DIGITS = 9
_WHOLE_NUMBER = re.compile(rf"-?[0-9]{{1,{MAX_INT_DIGITS}}}")


def check_field_names(names: set[str], sync: bool, transport_fields: frozenset[str]) -> None:
    """Refuse `options…` (UNSUPPORTED_OPTION), async-only fields on the sync endpoint, unknown fields."""
    options = sorted(name for name in names if name == "options" or name.startswith("options."))
    if options:
        raise UnsupportedOption(
            f"`{options[0]}` is not supported; send each setting as its own top-level field."
        )
    allowed = COMMON_FIELDS | transport_fields | (frozenset() if sync else ASYNC_ONLY_FIELDS)
    unknown = sorted(names - allowed)
    if unknown:
        where = " on the synchronous endpoint" if sync and set(unknown) & ASYNC_ONLY_FIELDS else ""
        raise ValidationFailed(
            f"Unknown field{'s' if len(unknown) > 1 else ''}{where}: {', '.join(unknown)}."
        )


def _form_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationFailed(f"{name} must be true, false, 1 or 0.")


def _form_int(name: str, value: str) -> int:
    # ASCII digits only (str.isdigit() also takes "²", which int() refuses), and few of them.
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValidationFailed(f"{name} must be a whole number of at most {MAX_INT_DIGITS} digits.")
    return int(text)


def _json_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{name} must be a boolean.")
    return value


def _json_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{name} must be an integer.")
    return value


def _string(name: str, value: Any, max_length: int = 200, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} must be a string.")
    if (not allow_empty and not value.strip()) or len(value) > max_length:
        raise ValidationFailed(f"{name} must have 1 to {max_length} characters.")
    return value


def _delivery_mode(values: Mapping[str, Any]) -> str:
    given = [values[name] for name in ("deliveryMode", "delivery.mode") if values.get(name) is not None]
    if not all(isinstance(mode, str) and mode in DELIVERY_MODES for mode in given):
        raise InvalidDeliveryMode()
    if len(set(given)) > 1:
        raise ValidationFailed("deliveryMode and delivery.mode disagree.")
    return str(given[0]) if given else "poll"


def _build(values: Mapping[str, Any], flags: dict[str, bool], review: int | None) -> JobRequest:
    """The JobRequest from values whose booleans and documentReview are already typed."""
    if review is not None and not 1 <= review <= 99:
        raise ValidationFailed("documentReview must be between 1 and 99.")
    chunking = values.get("schemaChunking", "auto")
    if not isinstance(chunking, str) or chunking not in SCHEMA_CHUNKING:
        raise ValidationFailed("schemaChunking must be `auto` or `combined`.")
    template_name = values.get("templateName")
    filter_name = values.get("filterName")
    if template_name is None and filter_name is None:
        raise ValidationFailed("templateName is required (or filterName).")
    if template_name is not None and filter_name is not None:
        raise ValidationFailed("Give templateName or filterName, not both.")
    password = values.get("password")
    return JobRequest(
        template_name=None if template_name is None else _string("templateName", template_name),
        filter_name=None if filter_name is None else _string("filterName", filter_name),
        document_splitting=flags.get("documentSplitting", False),
        return_documents=flags.get("returnDocuments", False),
        return_text=flags.get("returnText", False),
        document_review=review,
        schema_chunking=chunking,
        password=None if password is None else _string("password", password, 1000, allow_empty=True),
        delivery_mode=_delivery_mode(values),
    )


def from_form(fields: Mapping[str, str], sync: bool = False) -> JobRequest:
    """A JobRequest from multipart form fields (all strings; `file` is read separately)."""
    check_field_names(set(fields), sync, frozenset({"file"}))
    flags = {name: _form_bool(name, fields[name]) for name in BOOL_FIELDS if name in fields}
    review = _form_int("documentReview", fields["documentReview"]) if "documentReview" in fields else None
    return _build(fields, flags, review)


def from_json(body: Mapping[str, Any], sync: bool = False) -> JobRequest:
    """A JobRequest from a JSON object (its `file` and `filename` are read separately)."""
    names = set(body)
    values = dict(body)
    delivery = values.pop("delivery", None)
    if delivery is not None:
        if not isinstance(delivery, dict) or set(delivery) - {"mode"}:
            raise ValidationFailed("delivery must be an object with only `mode`.")
        if "mode" in delivery:
            values["delivery.mode"] = delivery["mode"]
    check_field_names(names, sync, frozenset({"file", "filename"}))
    flags = {name: _json_bool(name, values[name]) for name in BOOL_FIELDS if values.get(name) is not None}
    review = None
    if values.get("documentReview") is not None:
        review = _json_int("documentReview", values["documentReview"])
    # JSON null means "not given" for the optional fields.
    present = {key: value for key, value in values.items() if value is not None}
    return _build(present, flags, review)
