"""Hostile inputs of issue 8: what refusing them costs, in seconds and peak memory, each in a fresh process.

    python bench/hostile.py [--runs 3]

Each case runs `--runs` times, each in a new process (so peak RSS is the case's own, from `getrusage`);
the median time and the largest peak are printed. Cases:
- DOCX, 6.2 million empty paragraphs (the issue's file: 203 CPU-s and 6.1 GB before the streaming count);
- DOCX, 6.2 million paragraphs inside one table cell; DOCX, 6.2 million runs inside one paragraph;
- the template pattern `^(a+)+$` against `Reference: a…a!` (48 `a`) on RE2, the engine patterns run on.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

N = 6_200_000
BODIES = {
    "docx: 6.2M empty paragraphs": b"<w:p/>" * N,
    "docx: 6.2M paragraphs in one cell": b"<w:tbl><w:tr><w:tc>" + b"<w:p/>" * N + b"</w:tc></w:tr></w:tbl>",
    "docx: 6.2M runs in one paragraph": b"<w:p>" + b"<w:r/>" * N + b"</w:p>",
}


def _docx(body: bytes) -> bytes:
    import docx

    template = io.BytesIO()
    docx.Document().save(template)
    source = zipfile.ZipFile(template)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                head, _, rest = data.partition(b"<w:body>")
                data = head + b"<w:body>" + body + rest[rest.index(b"<w:sectPr") :]
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _load_docx(content: bytes) -> str:
    from extractd.engine.loaders import load
    from extractd.engine.types import EngineOptions

    try:
        load(content, EngineOptions())
    except Exception as exc:
        return f"{type(exc).__name__} ({len(content) // 1024} KB file)"
    return "loaded"


def _redos(_content: bytes) -> str:
    from extractd.domain.patterns import pattern_matches

    return f"match={pattern_matches('^(a+)+$', 'Reference: ' + 'a' * 48 + '!')}"


def _measure(task: Callable[[bytes], str], content: bytes) -> tuple[float, int, str]:
    """In a fresh process: the task's seconds, the process's peak RSS in MB, and what came out."""
    import extractd.domain.patterns
    import extractd.engine.loaders  # noqa: F401  (imports outside the clock)

    started = time.perf_counter()
    outcome = task(content)
    elapsed = time.perf_counter() - started
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, outcome


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[bytes], str], bytes]] = [
        (name, _load_docx, _docx(body)) for name, body in BODIES.items()
    ]
    cases.append(("pattern ^(a+)+$ on 60 characters", _redos, b""))
    context = get_context("spawn")
    print(f"{'case':40} {'median s':>9} {'peak MB':>8}  outcome")
    for name, task, content in cases:
        results = []
        for _ in range(args.runs):
            with context.Pool(1) as pool:
                results.append(pool.apply(_measure, (task, content)))
        seconds = statistics.median(result[0] for result in results)
        peak = max(result[1] for result in results)
        print(f"{name:40} {seconds:9.3f} {peak:8d}  {results[0][2]}")


if __name__ == "__main__":
    main()
