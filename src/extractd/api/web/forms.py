"""What the console's job page shows, and what its review form means.

The page lists every field of each extracted document (flagged ones first and marked), with its box on
the page picture. The form sends each field as text (``field.<name>``); only the fields whose text now
means something else than the stored value become corrections, so an untouched form approves as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from extractd.domain.corrections import from_form_text
from extractd.domain.jobs import JobStatus
from extractd.domain.templates import FieldType, Template, TemplateField
from extractd.services import review
from extractd.services.context import ServiceContext
from extractd.services.review import JobReview

FIELD_PREFIX = "field."
_JSON_TYPES = frozenset({FieldType.LIST, FieldType.SECTION})


@dataclass(frozen=True)
class Decision:
    action: str
    corrections: dict[str, Any] = field(default_factory=dict)
    document: int | None = None
    reason: str = ""


def as_text(value: Any) -> str:
    """How a stored value is shown in a text input (lists and sections as JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _field_rows(
    document: dict[str, Any], template: Template | None, flags: dict[str, list[str]]
) -> list[dict[str, Any]]:
    specs: list[TemplateField] = list(template.fields) if template else []
    content = document.get("content") or {}
    names = [spec.name for spec in specs] or list(content)
    by_name = {spec.name: spec for spec in specs}
    rows = []
    for name in names:
        spec = by_name.get(name)
        details = (document.get("fieldDetails") or {}).get(name) or {}
        rows.append(
            {
                "name": name,
                "type": spec.type.value if spec else "text",
                "multiline": spec is not None and spec.type in _JSON_TYPES,
                "values": list(spec.values) if spec else [],
                "text": as_text(content.get(name)),
                "confidence": (document.get("fieldConfidence") or {}).get(name),
                "page": details.get("page"),
                "bbox": details.get("bbox"),
                "around": details.get("textAround"),
                "reasons": flags.get(name, []),
            }
        )
    rows.sort(key=lambda row: not row["reasons"])  # flagged first, each group in template order
    return rows


def job_page_values(context: ServiceContext, view: JobReview) -> dict[str, Any]:
    """Everything job.html needs: the job, its documents' fields, the pages with boxes to draw."""
    templates = view.templates()
    flags: dict[int, dict[str, list[str]]] = {}
    for flagged in view.flagged:
        flags.setdefault(flagged.document, {})[flagged.name] = list(flagged.reasons)
    documents = []
    for index, document in enumerate(view.data.get("documents") or []):
        if not document.get("extracted", True):
            continue
        template = templates.get(document.get("usedTemplateName") or "")
        rows = _field_rows(document, template, flags.get(index, {}))
        documents.append(
            {
                "index": index,
                "name": document.get("documentName") or "",
                "rows": rows,
                "pages": _pages(context, view, document, rows),
            }
        )
    return {
        "job": view.job,
        "editable": view.job.status == JobStatus.REVIEW_REQUIRED,
        "documents": documents,
        "record": view.data.get("review"),
        "flagged_count": len(view.flagged),
    }


def _pages(
    context: ServiceContext, view: JobReview, document: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    sizes = review.page_sizes(context, view.job)
    if not sizes:
        return []
    numbers = sorted({row["page"] for row in rows if row["page"] and row["bbox"]}) or list(
        (document.get("sourcePages") or [1])[:1]
    )
    pages = []
    for number in numbers:
        if not 1 <= number <= len(sizes):
            continue
        width, height = sizes[number - 1]
        boxes = [
            {"name": row["name"], "flagged": bool(row["reasons"]), "bbox": row["bbox"]}
            for row in rows
            if row["page"] == number and row["bbox"]
        ]
        pages.append({"number": number, "width": width, "height": height, "boxes": boxes})
    return pages


def read_decision(view: JobReview, form: dict[str, str]) -> Decision:
    """The decision a submitted review form stands for (its corrections still to be validated)."""
    action = form.get("action", "")
    if action == "reject":
        return Decision("reject", reason=form.get("reason", ""))
    document = int(form["document"]) if form.get("document", "").isdigit() else None
    documents = view.data.get("documents") or []
    if document is None or not 0 <= document < len(documents):
        return Decision("approve")
    current = documents[document]
    template = view.templates().get(current.get("usedTemplateName") or "")
    specs = {spec.name: spec for spec in template.fields} if template else {}
    content = current.get("content") or {}
    corrections: dict[str, Any] = {}
    for key, text in form.items():
        if not key.startswith(FIELD_PREFIX):
            continue
        name = key[len(FIELD_PREFIX) :]
        spec = specs.get(name)
        value = from_form_text(spec, text) if spec is not None else text
        if value != content.get(name) and not (value is None and content.get(name) in ("", None)):
            corrections[name] = value
    return Decision("approve", corrections, document)
