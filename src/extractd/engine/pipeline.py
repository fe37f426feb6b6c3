"""The engine's one entry point: bytes (+ a template or filter rules) → the result `data` dict.

Steps, in order: load (sniff → loader → pages) → e-invoice XML, if any and enabled → documents (one, or
split) → per document: pick the template (given, or the best filter rule) → fields → result document.
Progress: loading takes 0-70 % (page by page; OCR dominates), fields 70-100 % (document by document).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from extractd.domain.errors import CorruptFile, ValidationFailed
from extractd.domain.templates import Template
from extractd.engine.checks import failed_checks
from extractd.engine.context import text_around
from extractd.engine.documents import (
    choose_rule,
    cut_pdf,
    images_to_pdf,
    split_documents,
    text_to_pdf,
)
from extractd.engine.einvoice import parse_einvoice
from extractd.engine.fields import extract_fields
from extractd.engine.loaders import load
from extractd.engine.types import (
    EInvoiceData,
    EngineOptions,
    FieldValue,
    FilterRule,
    LoadedFile,
    Page,
    ProgressCallback,
)

logger = logging.getLogger(__name__)

LOAD_SHARE = 70  # percent of the progress bar given to loading


class _Progress:
    """Forwards strictly increasing percentages to the caller's callback, if any."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.last = -1

    def report(self, percent: float) -> None:
        value = max(0, min(100, int(percent)))
        if self.callback is not None and value > self.last:
            self.last = value
            self.callback(value)

    def pages(self, done: int, total: int) -> None:
        self.report(LOAD_SHARE * done / max(total, 1))


def extract(
    content: bytes,
    template: Template | None = None,
    *,
    filter_rules: Sequence[FilterRule] | None = None,
    filename: str = "document",
    options: EngineOptions = EngineOptions(),
    progress: ProgressCallback | None = None,
    on_loaded: Callable[[LoadedFile], None] | None = None,
) -> dict[str, Any]:
    """Extract `template`'s fields (or each document's best filter rule's) from a file's bytes.

    ``on_loaded`` sees the loaded file (kind, pages and how each was read) before the fields are found.
    """
    if (template is None) == (not filter_rules):
        raise ValidationFailed("Give exactly one of a template or filter rules.")
    started = time.perf_counter()
    tracker = _Progress(progress)
    tracker.report(0)
    loaded = load(content, options, on_page=tracker.pages)
    if on_loaded is not None:
        on_loaded(loaded)
    einvoice = _einvoice(loaded, options)
    groups = split_documents(loaded.pages) if options.document_splitting else [list(loaded.pages)]
    documents = []
    for index, pages in enumerate(groups):
        # An e-invoice describes the file's (first) invoice, so it only feeds the document with page 1.
        document_einvoice = einvoice if pages[0].number == 1 else None
        documents.append(
            _document(pages, template, filter_rules, document_einvoice, content, loaded, options)
        )
        tracker.report(LOAD_SHARE + (100 - LOAD_SHARE) * (index + 1) / len(groups))
    tracker.report(100)
    return {
        # Seconds the extraction took (an async job's result shows creation → completion instead).
        "completionTime": round(time.perf_counter() - started, 3),
        "originalName": filename,
        "processedPages": len(loaded.pages),
        "documents": documents,
    }


def _einvoice(loaded: LoadedFile, options: EngineOptions) -> EInvoiceData | None:
    if not options.einvoice or loaded.einvoice_xml is None:
        return None
    try:
        return parse_einvoice(loaded.einvoice_xml)
    except CorruptFile:
        if loaded.kind == "xml":
            raise  # the XML *is* the upload: a broken one is a broken file
        logger.warning("Ignoring an unreadable e-invoice attachment; reading the pages instead")
        return None


def _document(
    pages: list[Page],
    template: Template | None,
    filter_rules: Sequence[FilterRule] | None,
    einvoice: EInvoiceData | None,
    content: bytes,
    loaded: LoadedFile,
    options: EngineOptions,
) -> dict[str, Any]:
    rule = choose_rule(pages, filter_rules).rule if filter_rules else None
    chosen = rule.template if rule is not None else template
    if rule is not None and (not rule.extract or chosen is None):
        result = _skipped(rule)
    else:
        assert chosen is not None
        result = _extracted(pages, chosen, einvoice)
        result["documentName"] = rule.document_name if rule is not None else chosen.name
    result["sourcePages"] = [page.number for page in pages]
    if options.return_text:
        result["returnedText"] = "\n\n".join(page.text for page in pages)
    if options.return_documents:
        pdf = _document_pdf(pages, content, loaded, options)
        result["returnedDocumentBase64"] = base64.b64encode(pdf).decode("ascii")
    return result


def _skipped(rule: FilterRule) -> dict[str, Any]:
    why = "says not to extract it" if not rule.extract else "has no template"
    return {
        "extracted": False,
        "documentName": rule.document_name,
        "usedTemplateName": rule.template.name if rule.template is not None else None,
        "averageDocumentConfidence": 0.0,
        "content": {},
        "fieldConfidence": {},
        "fieldDetails": {},
        "message": "The document was not extracted.",
        "reason": f"The document matched the filter rule `{rule.document_name}`, which {why}.",
    }


def _extracted(pages: list[Page], template: Template, einvoice: EInvoiceData | None) -> dict[str, Any]:
    values = extract_fields(pages, template, einvoice)
    typed = {name: value.value for name, value in values.items()}
    confidences = {name: round(float(value.confidence), 3) for name, value in values.items()}
    average = sum(confidences.values()) / len(confidences) if confidences else 0.0
    return {
        "extracted": True,
        "documentName": template.name,
        "usedTemplateName": template.name,
        "averageDocumentConfidence": round(average, 3),
        "content": {name: to_json(value.value) for name, value in values.items()},
        "fieldConfidence": confidences,
        "fieldDetails": {name: _details(value, pages) for name, value in values.items()},
        # Our extension: consistency checks the values fail (review flags the fields they name).
        "checks": [check.to_json() for check in failed_checks(template, typed)],
    }


def _details(value: FieldValue, pages: Sequence[Page]) -> dict[str, Any]:
    bbox = [round(coordinate, 2) for coordinate in value.bbox] if value.bbox is not None else None
    around = text_around(pages, value.page, value.bbox)  # what a reviewer reads the value in
    return {"page": value.page, "bbox": bbox, "text": value.text, "textAround": around} | {
        key: to_json(extra) for key, extra in value.extra.items()
    }


def to_json(value: Any) -> Any:
    """Field values in JSON types: Decimal → float, dates → ISO strings, containers recursively."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def _document_pdf(pages: list[Page], content: bytes, loaded: LoadedFile, options: EngineOptions) -> bytes:
    numbers = [page.number for page in pages]
    if loaded.pdf_bytes is not None:
        return cut_pdf(loaded.pdf_bytes, options.password, numbers)
    if loaded.kind == "image":
        return images_to_pdf(content, numbers, options)
    return text_to_pdf(pages)
