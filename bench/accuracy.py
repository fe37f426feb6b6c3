"""Accuracy benchmark: run the engine on corpus documents and score the fields like the corpus README.

    python bench/accuracy.py ../shared/corpus/invoice2data ../shared/corpus/zugferd \
        --template ../shared/corpus/templates/invoice.json [--einvoice off|on] [--jobs 2] [--show-errors]

Scoring (corpus README, "Scoring"): text NFKC + casefold + `,.;:` as spaces + whitespace collapsed;
fields named *date* compared as calendar dates when both sides parse; *total*/*amount*/*tax* as
numbers to 2 decimals after stripping currency symbols and codes; `currency` case-insensitively;
null or empty is wrong. The parsers here are deliberately independent of the engine's, so an engine
bug cannot hide by being mirrored in the scorer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# Run as `python bench/accuracy.py`: the repo root (for bench.ocr_memo) is not on sys.path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DOC_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01))
MONTHS = {
    **dict.fromkeys(["january", "jan", "januar", "janvier", "janv", "januari", "jänner"], 1),
    **dict.fromkeys(["february", "feb", "februar", "février", "fevrier", "févr", "februari"], 2),
    **dict.fromkeys(["march", "mar", "märz", "maerz", "mars", "maart", "mrt"], 3),
    **dict.fromkeys(["april", "apr", "avril", "avr"], 4),
    **dict.fromkeys(["may", "mai", "mei"], 5),
    **dict.fromkeys(["june", "jun", "juni", "juin"], 6),
    **dict.fromkeys(["july", "jul", "juli", "juillet", "juil"], 7),
    **dict.fromkeys(["august", "aug", "août", "aout", "augustus"], 8),
    **dict.fromkeys(["september", "sep", "sept", "septembre"], 9),
    **dict.fromkeys(["october", "oct", "oktober", "octobre", "okt"], 10),
    **dict.fromkeys(["november", "nov", "novembre"], 11),
    **dict.fromkeys(["december", "dec", "dezember", "décembre", "decembre", "dez"], 12),
}


# --- scoring --------------------------------------------------------------------------------------
def norm_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(re.sub(r"[,.;:]", " ", text).split())


def _year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 70 else 1900) if len(text) == 2 else year


def score_date(value: str) -> date | None:
    text = value.strip()
    patterns: list[tuple[str, str]] = [
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{4})/(\d{1,2})/(\d{1,2})", "ymd"),
        (r"(\d{4})(\d{2})(\d{2})", "ymd"),
        (r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})", "dmy"),
        # D-M-Y with a month name: "24 APR 2018", "24. April 2018", "24-MAR-2018", "5/Aug/17".
        (r"(\d{1,2})[.\s\-/]*([^\W\d_]+)[.\s\-/]*,?\s*(\d{4}|\d{2})", "dMy"),
        (r"([^\W\d_]+)\.?\s*(\d{1,2})\s*,?\s*(\d{4})", "Mdy"),
    ]
    for pattern, kind in patterns:
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if kind == "ymd":
                return date(int(a), int(b), int(c))
            if kind == "dmy":
                return date(_year(c), int(b), int(a))
            if kind == "dMy" and b.lower() in MONTHS:
                return date(_year(c), MONTHS[b.lower()], int(a))
            if kind == "Mdy" and a.lower() in MONTHS:
                return date(int(c), MONTHS[a.lower()], int(b))
        except ValueError:
            return None
    return None


def score_number(value: Any) -> Decimal | None:
    if isinstance(value, dict):
        value = value.get("amount")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = re.sub(r"[A-Za-z€$£¥₹\s']", "", str(value))
    if "," in text and "." in text:
        text = (
            text.replace(",", "")
            if text.rfind(".") > text.rfind(",")
            else text.replace(".", "").replace(",", ".")
        )
    elif "," in text:
        text = text.replace(",", ".") if len(text.split(",")[-1]) != 3 else text.replace(",", "")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def field_right(name: str, expected: str, got: Any) -> bool:
    if got is None or (isinstance(got, str) and not got.strip()):
        return False
    lowered = name.lower()
    if "date" in lowered:
        want, have = score_date(expected), score_date(str(got))
        if want is not None and have is not None:
            return want == have
    if any(word in lowered for word in ("total", "amount", "tax")):
        want_n, have_n = score_number(expected), score_number(got)
        if want_n is not None and have_n is not None:
            return want_n == have_n
    if lowered == "currency":
        return str(got).strip().upper() == expected.strip().upper()
    return norm_text(str(got)) == norm_text(expected)


# --- running the engine -----------------------------------------------------------------------------
@dataclass
class FieldResult:
    doc: str
    field: str
    expected: str
    got: Any
    confidence: float
    text: str | None
    right: bool
    folder: str = ""


def _content_via_engine(
    path: Path, template: Any, einvoice: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(content, fieldConfidence, fieldDetails) of documents[0], through `extractd.engine.extract`."""
    from extractd.engine import EngineOptions, extract

    data = extract(path.read_bytes(), template, filename=path.name, options=EngineOptions(einvoice=einvoice))
    document = data["documents"][0]
    return document["content"], document.get("fieldConfidence", {}), document.get("fieldDetails", {})


def run_document(args: tuple[Path, dict[str, Any], bool]) -> tuple[list[FieldResult], float, str | None]:
    path, template_json, einvoice = args
    from extractd.domain.templates import parse_template
    from extractd.engine.fields import confidence

    if os.environ.get("EXTRACTD_BENCH_OCR_MEMO"):
        from bench.ocr_memo import install

        install(Path(os.environ["EXTRACTD_BENCH_OCR_MEMO"]))
    if os.environ.get("EXTRACTD_BENCH_RAW_CONFIDENCE"):
        confidence.RECALIBRATION = ()  # the finders' own scores, to fit or judge a recalibration

    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    template = parse_template(template_json)
    started = time.perf_counter()
    try:
        content, confidences, details = _content_via_engine(path, template, einvoice)
    except Exception as exc:  # a crash on one document is a result to report, not a reason to stop
        content, confidences, details = {}, {}, {}
        error: str | None = f"{type(exc).__name__}: {exc}"
    else:
        error = None
    elapsed = time.perf_counter() - started
    results = [
        FieldResult(
            path.name,
            name,
            want,
            content.get(name),
            float(confidences.get(name) or 0.0),
            (details.get(name) or {}).get("text"),
            field_right(name, want, content.get(name)),
            path.parent.name,
        )
        for name, want in expected.items()
    ]
    return results, elapsed, error


# --- reporting ------------------------------------------------------------------------------------------
def documents_in(folders: list[Path]) -> list[Path]:
    docs: list[Path] = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in DOC_SUFFIXES and path.with_name(path.stem + ".expected.json").exists():
                docs.append(path)
    return docs


def report(results: list[FieldResult], docs: int, show_errors: bool, console: Console) -> None:
    per_field: dict[str, list[bool]] = {}
    for r in results:
        per_field.setdefault(r.field, []).append(r.right)
    table = Table(title="Fields")
    for column in ("field", "right", "total", "%"):
        table.add_column(column, justify="right" if column != "field" else "left")
    for name, marks in sorted(per_field.items()):
        table.add_row(name, str(sum(marks)), str(len(marks)), f"{100 * sum(marks) / len(marks):.1f}")
    console.print(table)
    calibration = Table(title="Calibration (reported confidence vs share right)")
    for column in ("band", "count", "% right"):
        calibration.add_column(column, justify="right")
    for low, high in BANDS:
        band = [r for r in results if low <= r.confidence < high]
        share = f"{100 * sum(r.right for r in band) / len(band):.1f}" if band else "-"
        calibration.add_row(f"[{low:.2f}, {min(high, 1.0):.2f})", str(len(band)), share)
    console.print(calibration)
    confident = [r for r in results if r.confidence >= 0.9]
    if confident:
        precision = 100 * sum(r.right for r in confident) / len(confident)
        console.print(f"precision at confidence >= 0.9: {precision:.1f}% over {len(confident)} fields")
    else:
        console.print("precision at confidence >= 0.9: - (no field reported at >= 0.9)")
    if show_errors:
        for r in results:
            if not r.right:
                text = (r.text or "").replace("\n", " ")[:80]
                console.print(
                    f"  ✗ {r.doc} {r.field}: want {r.expected!r} got {r.got!r} ({r.confidence:.2f})"
                    f" from {text!r}",
                    markup=False,
                    highlight=False,
                )
    right = sum(r.right for r in results)
    print(f"accuracy: {100 * right / max(len(results), 1):.1f}% over {len(results)} fields, {docs} docs")


# --- calibration, judged leave-one-group-out ------------------------------------------------------------
PSEUDO_COUNT = 20.0  # observations at the raw score that each band's estimate is shrunk toward


def group_of(result: FieldResult) -> str:
    """Documents from one source and vendor/scenario ("coolblue1", "coolblue2") are one group."""
    prefix = re.split(r"[_\-]", result.doc.rsplit(".", 1)[0])[0].rstrip("0123456789")
    return f"{result.folder}/{prefix.lower()}"


def fit_recalibration(pairs: list[tuple[float, bool]]) -> tuple[tuple[float, float], ...]:
    """Knots (raw score, probability right) from the bands >= 0.5: each band's share right, shrunk
    toward the raw score by PSEUDO_COUNT, made non-decreasing and capped at 0.97."""
    knots: list[tuple[float, float]] = []
    for low, high in BANDS:
        if low < 0.5:
            continue
        band = [right for raw, right in pairs if low <= raw < high]
        centre = (low + min(high, 1.0)) / 2
        estimate = (sum(band) + PSEUDO_COUNT * centre) / (len(band) + PSEUDO_COUNT)
        estimate = min(0.97, max(estimate, knots[-1][1] if knots else 0.0))
        knots.append((round(centre, 3), round(estimate, 3)))
    return tuple(knots)


def apply_recalibration(raw: float, knots: tuple[tuple[float, float], ...]) -> float:
    from extractd.engine.fields.confidence import recalibrate

    return recalibrate(raw, knots)


def logo_report(results: list[FieldResult], console: Console) -> None:
    """Each document's fields scored by a recalibration fitted without its group; bands before/after."""
    groups = sorted({group_of(r) for r in results})
    mapped: list[tuple[float, bool]] = []
    for group in groups:
        train = [(r.confidence, r.right) for r in results if group_of(r) != group]
        knots = fit_recalibration(train)
        mapped.extend(
            (apply_recalibration(r.confidence, knots), r.right) for r in results if group_of(r) == group
        )
    raw = [(r.confidence, r.right) for r in results]
    table = Table(title=f"Calibration, raw vs leave-one-group-out recalibrated ({len(groups)} groups)")
    for column in ("band", "raw count", "raw % right", "LOGO count", "LOGO % right"):
        table.add_column(column, justify="right")
    for low, high in BANDS:
        cells = []
        for pairs in (raw, mapped):
            band = [right for p, right in pairs if low <= p < high]
            cells += [str(len(band)), f"{100 * sum(band) / len(band):.1f}" if band else "-"]
        table.add_row(f"[{low:.2f}, {min(high, 1.0):.2f})", *cells)
    console.print(table)
    for name, pairs in (("raw", raw), ("LOGO", mapped)):
        sure = [right for p, right in pairs if p >= 0.9]
        share = f"{100 * sum(sure) / len(sure):.1f}%" if sure else "-"
        console.print(f"{name}: precision at >= 0.9: {share} over {len(sure)} fields")
    console.print(f"knots fitted on all documents: {fit_recalibration(raw)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--template", required=True, type=Path)
    parser.add_argument("--einvoice", choices=("off", "on"), default="off")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--only", default="", help="only documents whose name contains this")
    parser.add_argument(
        "--logo",
        action="store_true",
        help="with raw scores (no recalibration): judge a recalibration leave-one-group-out",
    )
    parser.add_argument(
        "--ocr-memo",
        type=Path,
        default=Path(__file__).parent / "out" / "ocr-memo",
        help="folder remembering RapidOCR's raw output per image (first run fills it); 'off' to disable",
    )
    args = parser.parse_args()
    if str(args.ocr_memo) != "off":
        os.environ["EXTRACTD_BENCH_OCR_MEMO"] = str(args.ocr_memo.resolve())
    template_json = json.loads(args.template.read_text("utf-8"))
    if args.logo:
        os.environ["EXTRACTD_BENCH_RAW_CONFIDENCE"] = "1"
    docs = [d for d in documents_in(args.folders) if args.only in d.name]
    work = [(doc, template_json, args.einvoice == "on") for doc in docs]
    console = Console(width=160)
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            outcomes = list(pool.map(run_document, work))
    else:
        outcomes = [run_document(item) for item in work]
    results: list[FieldResult] = []
    for doc, (doc_results, elapsed, error) in zip(docs, outcomes, strict=True):
        results.extend(doc_results)
        if error:
            console.print(f"! {doc.name}: {error}", markup=False)
        elif elapsed > 10:
            console.print(f"slow: {doc.name} took {elapsed:.1f}s", markup=False)
    if args.logo:
        logo_report(results, console)
    report(results, len(docs), args.show_errors, console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
