"""Template ``pattern`` regexes, run on RE2: matching takes time linear in the text, whatever the pattern.

Python's ``re`` backtracks, so a pattern like ``^(a+)+$`` against a few dozen characters can hold a job
process at full CPU for hours. RE2 refuses what it cannot run in linear time (backreferences,
lookaround), which makes such a pattern a template error at create time instead of a frozen worker.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

# RE2's memory budget for one compiled pattern; a pattern that needs more is refused at create time.
MAX_PATTERN_MEMORY = 8 * 1024 * 1024


class UnsupportedPattern(ValueError):
    """The pattern does not compile on the linear-time engine."""


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern; UnsupportedPattern (a ValueError) names why it cannot be used."""
    options = re2.Options()
    options.max_mem = MAX_PATTERN_MEMORY
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise UnsupportedPattern(
            f"pattern is not a regular expression the linear-time engine (RE2) can run: {reason} "
            "(backreferences and lookaround are not supported)"
        ) from exc


def pattern_matches(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (like ``re.search``), in linear time."""
    return compile_pattern(pattern).search(text) is not None
