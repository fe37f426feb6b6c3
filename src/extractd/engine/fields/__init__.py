"""Fields: turn pages of words into typed values for any user template.

Public interface::

    from extractd.engine.fields import extract_fields, builtin_templates
    values = extract_fields(pages, template, einvoice=None)   # field name -> FieldValue
    builtin_templates()                                       # {"invoice": ..., "receipt": ...}
"""

from __future__ import annotations

from extractd.engine.fields.builtin import builtin_templates
from extractd.engine.fields.core import extract_fields

__all__ = ["builtin_templates", "extract_fields"]
