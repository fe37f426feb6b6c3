"""Which fields of a result a reviewer must look at (DESIGN.md §6 "Review").

Pure: it reads the result ``data`` (the engine's output) and the templates the job ran with. A field
is flagged when

- its confidence × 100 is below the job's ``documentReview`` threshold;
- it is ``required`` and was not found;
- it is named by a consistency check the engine reports as failed in the document's ``checks``
  (net + tax ≠ gross, line items not summing to the total, a due date before the issue date). Which
  field plays which part is the engine's business (engine/checks.py, by concept), not review's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from extractd.domain.templates import Template

LOW_CONFIDENCE = "low_confidence"
REQUIRED_MISSING = "required_missing"


@dataclass(frozen=True, slots=True)
class ReviewFlags:
    """Flagged fields per document index: field name → the reasons it was flagged."""

    by_document: dict[int, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(fields) for fields in self.by_document.values())


def review_flags(data: Mapping[str, Any], templates: Iterable[Template], threshold: int) -> ReviewFlags:
    """The fields of every extracted document in ``data`` that need a human look."""
    by_name = {template.name: template for template in templates}
    flagged: dict[int, dict[str, tuple[str, ...]]] = {}
    for index, document in enumerate(data.get("documents") or []):
        if not document.get("extracted", True):
            continue
        template = by_name.get(document.get("usedTemplateName") or "")
        reasons = document_flags(document, template, threshold)
        if reasons:
            flagged[index] = {name: tuple(sorted(set(why))) for name, why in reasons.items()}
    return ReviewFlags(flagged)


def document_flags(
    document: Mapping[str, Any], template: Template | None, threshold: int
) -> dict[str, list[str]]:
    content: Mapping[str, Any] = document.get("content") or {}
    reasons: dict[str, list[str]] = {}
    for name, confidence in (document.get("fieldConfidence") or {}).items():
        if isinstance(confidence, int | float) and confidence * 100 < threshold:
            reasons.setdefault(name, []).append(LOW_CONFIDENCE)
    if template is not None:
        for spec in template.fields:
            if spec.required and _is_missing(content.get(spec.name)):
                reasons.setdefault(spec.name, []).append(REQUIRED_MISSING)
    for check in document.get("checks") or []:
        # The reason is the check's own name (``totals``, ``line_items``, ``due_date``).
        for name in check.get("fields") or []:
            reasons.setdefault(str(name), []).append(str(check.get("check") or "check"))
    return reasons


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
