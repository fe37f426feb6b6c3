"""The extraction engine: bytes → result dict. Pure: no DB, no HTTP, no settings.

from extractd.engine import extract, sniff_type, EngineOptions, FilterRule
data = extract(content, template, filename="a.pdf", options=EngineOptions(return_text=True))
"""

from extractd.engine.pipeline import extract
from extractd.engine.sniff import sniff_type
from extractd.engine.types import EngineOptions, FilterRule, ProgressCallback

__all__ = ["EngineOptions", "FilterRule", "ProgressCallback", "extract", "sniff_type"]
