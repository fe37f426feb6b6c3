"""Accuracy benchmark: run the engine on corpus documents and score the fields like the corpus README.

    python bench/accuracy.py ../shared/corpus/invoice2data ../shared/corpus/zugferd \
        --template ../shared/corpus/templates/invoice.json [--einvoice off|on] [--jobs 2] [--show-errors]
    python bench/accuracy.py --corpus ../shared/corpus --jobs 2 \
        --fit-calibration src/extractd/engine/fields/calibration.json   # refit the confidence calibration

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
    rule: str = ""  # the winning candidate's rule (filled when fitting the calibration)
    kind: str = "invoice"  # "receipt" or "invoice": which knots of calibration.json apply


def _content_via_engine(
    path: Path, template: Any, einvoice: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(content, fieldConfidence, fieldDetails) of documents[0], through `extractd.engine.extract`."""
    from extractd.engine import EngineOptions, extract

    data = extract(path.read_bytes(), template, filename=path.name, options=EngineOptions(einvoice=einvoice))
    document = data["documents"][0]
    return document["content"], document.get("fieldConfidence", {}), document.get("fieldDetails", {})


def _content_with_rules(
    path: Path, template: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, str]]:
    """Like _content_via_engine (e-invoice off, one document), plus each field's winning rule, which the
    service's output does not carry: load + extract_fields, the two steps `extract` runs."""
    from extractd.engine.fields import extract_fields
    from extractd.engine.loaders import load
    from extractd.engine.pipeline import to_json
    from extractd.engine.types import EngineOptions

    loaded = load(path.read_bytes(), EngineOptions(einvoice=False))
    values = extract_fields(list(loaded.pages), template)
    content = {name: to_json(v.value) for name, v in values.items()}
    confidences = {name: round(float(v.confidence), 3) for name, v in values.items()}
    details = {name: {"text": v.text} for name, v in values.items()}
    return content, confidences, details, {name: v.rule for name, v in values.items()}


def run_document(args: tuple[Path, dict[str, Any], bool]) -> tuple[list[FieldResult], float, str | None]:
    path, template_json, einvoice = args
    from extractd.domain.templates import parse_template
    from extractd.engine.fields import confidence

    if os.environ.get("EXTRACTD_BENCH_OCR_MEMO"):
        from bench.ocr_memo import install

        install(Path(os.environ["EXTRACTD_BENCH_OCR_MEMO"]))
    if os.environ.get("EXTRACTD_BENCH_RAW_CONFIDENCE"):
        confidence.RECALIBRATION = None  # the finders' own scores, to fit or judge a recalibration
    with_rules = bool(os.environ.get("EXTRACTD_BENCH_RULES"))

    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    template = parse_template(template_json)
    started = time.perf_counter()
    rules: dict[str, str] = {}
    try:
        if with_rules:
            content, confidences, details, rules = _content_with_rules(path, template)
        else:
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
            rules.get(name, ""),
            "receipt" if "receipt" in template.name.lower() else "invoice",
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


# --- calibration, fitted and judged leave-one-source-out -------------------------------------------------
PSEUDO_COUNT = 20.0  # observations at the prior value that each estimate is shrunk toward
KNOT_BANDS = ((0.3, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0))
CAP = 0.97  # no value read from a page is reported surer than this
RECEIPT_FOLDERS = ("sroie", "mixed-receipts")  # the corpus README's template per folder: receipt.json


def group_of(result: FieldResult) -> str:
    """A document's source: its folder and name prefix (vendor or scenario in invoice2data/zugferd,
    country in the mixed folders), so documents of one source are judged by a fit without them."""
    prefix = re.split(r"[_\-]", result.doc.rsplit(".", 1)[0])[0].rstrip("0123456789")
    return f"{result.folder}/{prefix.lower()}"


def _monotone(values: list[float], weights: list[float]) -> list[float]:
    """Pool-adjacent-violators: the closest non-decreasing sequence (weighted least squares)."""
    blocks: list[list[float]] = []  # [value, weight, count]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return [block[0] for block in blocks for _ in range(int(block[2]))]


def fit_recalibration(pairs: list[tuple[float, bool]]) -> tuple[tuple[float, float], ...]:
    """Knots (raw score, probability right): per band of raw scores, the share right shrunk toward the
    band's mean raw score by PSEUDO_COUNT, made non-decreasing, capped at CAP."""
    xs: list[float] = []
    estimates: list[float] = []
    weights: list[float] = []
    for low, high in KNOT_BANDS:
        band = [(raw, right) for raw, right in pairs if low <= raw < high or (high == 1.0 and raw == 1.0)]
        band = [(raw, right) for raw, right in band if raw < 1.0]  # e-invoice values stay certain
        centre = sum(raw for raw, _ in band) / len(band) if band else (low + high) / 2
        right = sum(1 for _, ok in band if ok)
        xs.append(round(centre, 3))
        estimates.append((right + PSEUDO_COUNT * centre) / (len(band) + PSEUDO_COUNT))
        weights.append(len(band) + PSEUDO_COUNT)
    fitted = [min(CAP, round(y, 3)) for y in _monotone(estimates, weights)]
    knots: list[tuple[float, float]] = []
    for x, y in zip(xs, fitted, strict=True):
        if not knots or x > knots[-1][0]:
            knots.append((x, max(y, knots[-1][1]) if knots else y))
    return tuple(knots)


def apply_recalibration(raw: float, knots: tuple[tuple[float, float], ...]) -> float:
    from extractd.engine.fields.confidence import recalibrate

    return recalibrate(raw, knots)


def fit_base_rates(results: list[FieldResult], current: dict[str, float]) -> dict[str, float]:
    """Each invoice rule's base rate: the share right of the fields its candidate won, shrunk toward the
    current rate by PSEUDO_COUNT. Receipt finders give their own probabilities; generic and e-invoice
    values, and rules that won nothing, keep their rates."""
    rates = dict(current)
    for rule, rate in current.items():
        if rule in ("einvoice", "default"):
            continue
        won = [
            r.right for r in results if r.kind == "invoice" and r.rule.split(":")[0] == rule and r.confidence
        ]
        rates[rule] = round((sum(won) + PSEUDO_COUNT * rate) / (len(won) + PSEUDO_COUNT), 3)
    return rates


def fit_generic_factor(results: list[FieldResult], current: float) -> float:
    """The factor of generic-fallback values: their share right over their mean score without it."""
    won = [r for r in results if r.rule.startswith("generic:") and r.confidence]
    if not won:
        return current
    base = sum(r.confidence / current for r in won) / len(won)
    share = (sum(r.right for r in won) + PSEUDO_COUNT * base * current) / (len(won) + PSEUDO_COUNT)
    return round(min(1.0, max(0.3, share / max(base, 1e-9))), 3)


def _rescored(results: list[FieldResult], old: dict[str, float], new: dict[str, float]) -> list[FieldResult]:
    """The raw scores as the new base rates would give them (scores are proportional to the rate)."""
    out: list[FieldResult] = []
    for r in results:
        rule = r.rule.split(":")[0]
        if r.kind == "invoice" and rule in old and old[rule] > 0 and 0 < r.confidence < 1.0:
            scaled = min(0.99, r.confidence * new[rule] / old[rule])
            out.append(FieldResult(**{**r.__dict__, "confidence": scaled}))
        else:
            out.append(r)
    return out


def logo_knots(results: list[FieldResult], kind: str) -> list[tuple[FieldResult, float]]:
    """Every field of `kind` with its score mapped by knots fitted without its source."""
    mine = [r for r in results if r.kind == kind]
    mapped: list[tuple[FieldResult, float]] = []
    for group in sorted({group_of(r) for r in mine}):
        knots = fit_recalibration([(r.confidence, r.right) for r in mine if group_of(r) != group])
        mapped.extend((r, apply_recalibration(r.confidence, knots)) for r in mine if group_of(r) == group)
    return mapped


def _precision(pairs: list[tuple[FieldResult, float]]) -> str:
    sure = [r.right for r, p in pairs if p >= 0.9]
    return f"{100 * sum(sure) / len(sure):.1f}% of {len(sure)}" if sure else "- of 0"


def fit_calibration(results: list[FieldResult], out: Path, console: Console) -> None:
    """Write calibration.json: base rates, the generic factor and knots per kind, fitted on every field
    of every folder given; print each folder's >= 0.9 precision with knots fitted without its source."""
    from extractd.engine.fields import confidence

    current = json.loads(out.read_text("utf-8")) if out.exists() else {}
    old_rates = dict(confidence.RULE_BASE_RATES)
    rates = fit_base_rates(results, old_rates)
    rescored = _rescored(results, old_rates, rates)
    unfamiliar = dict(current.get("unfamiliar", {}))
    unfamiliar["generic"] = fit_generic_factor(rescored, unfamiliar.get("generic", 1.0))
    kinds = sorted({r.kind for r in rescored})
    knots = {
        kind: fit_recalibration([(r.confidence, r.right) for r in rescored if r.kind == kind])
        for kind in kinds
    }
    table = Table(title="Leave-one-source-out: right among fields at >= 0.9 (raw scores vs recalibrated)")
    for column in ("folder", "fields", "raw", "recalibrated, fitted without the source"):
        table.add_column(column, justify="right" if column != "folder" else "left")
    held_out: dict[str, dict[str, float | int]] = {}
    mapped = [pair for kind in kinds for pair in logo_knots(rescored, kind)]
    for folder in sorted({r.folder for r in rescored}):
        pairs = [(r, p) for r, p in mapped if r.folder == folder]
        raw = [(r, r.confidence) for r, _ in pairs]
        table.add_row(folder, str(len(pairs)), _precision(raw), _precision(pairs))
        sure = [r.right for r, p in pairs if p >= 0.9]
        share = round(sum(sure) / max(len(sure), 1), 3)
        held_out[folder] = {"fields_at_0.9": len(sure), "right_at_0.9": share}
    console.print(table)
    data = {
        "about": current.get("about", "Confidence calibration of extractd's field finders."),
        "base_rates": rates,
        "unfamiliar": unfamiliar,
        "cap": CAP,
        "recalibration": {kind: [list(k) for k in points] for kind, points in knots.items()},
        "fitted_on": {
            "folders": sorted({r.folder for r in results}),
            "fields": len(results),
            "sources": len({group_of(r) for r in results}),
            "leave_one_source_out": held_out,
        },
    }
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    console.print(f"wrote {out}")


def logo_report(results: list[FieldResult], console: Console) -> None:
    """Each document's fields scored by a recalibration fitted without its source; bands before/after."""
    mapped = [pair for kind in sorted({r.kind for r in results}) for pair in logo_knots(results, kind)]
    sources = len({group_of(r) for r in results})
    table = Table(title=f"Calibration, raw vs leave-one-source-out recalibrated ({sources} sources)")
    for column in ("band", "raw count", "raw % right", "LOSO count", "LOSO % right"):
        table.add_column(column, justify="right")
    for low, high in BANDS:
        cells = []
        for pairs in ([(r, r.confidence) for r, _ in mapped], mapped):
            band = [r.right for r, p in pairs if low <= p < high]
            cells += [str(len(band)), f"{100 * sum(band) / len(band):.1f}" if band else "-"]
        table.add_row(f"[{low:.2f}, {min(high, 1.0):.2f})", *cells)
    console.print(table)
    console.print(f"raw: precision at >= 0.9: {_precision([(r, r.confidence) for r, _ in mapped])}")
    console.print(f"LOSO: precision at >= 0.9: {_precision(mapped)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--template", type=Path, help="the template for every folder given")
    parser.add_argument(
        "--corpus",
        type=Path,
        help="every folder of this corpus, each with its template from templates/ (receipt.json for "
        + ", ".join(RECEIPT_FOLDERS)
        + ", invoice.json for the others)",
    )
    parser.add_argument(
        "--fit-calibration",
        type=Path,
        metavar="JSON",
        help="fit base rates and knots on raw scores (leave-one-source-out judged) and write them here",
    )
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
    if args.logo or args.fit_calibration:
        os.environ["EXTRACTD_BENCH_RAW_CONFIDENCE"] = "1"
    if args.fit_calibration:
        os.environ["EXTRACTD_BENCH_RULES"] = "1"
        if args.einvoice == "on":
            parser.error("--fit-calibration measures visual extraction: leave --einvoice off")
    plan = folder_templates(args, parser)
    docs: list[Path] = []
    work: list[tuple[Path, dict[str, Any], bool]] = []
    for folder, template_json in plan:
        for doc in documents_in([folder]):
            if args.only in doc.name:
                docs.append(doc)
                work.append((doc, template_json, args.einvoice == "on"))
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
    if args.fit_calibration:
        fit_calibration(results, args.fit_calibration, console)
    elif args.logo:
        logo_report(results, console)
    if args.corpus:
        for folder in sorted({r.folder for r in results}):
            console.print(f"\n[bold]{folder}[/bold]")
            mine = [r for r in results if r.folder == folder]
            report(mine, len({r.doc for r in mine}), args.show_errors, console)
    else:
        report(results, len(docs), args.show_errors, console)
    return 0


def folder_templates(
    args: argparse.Namespace, parser: argparse.ArgumentParser
) -> list[tuple[Path, dict[str, Any]]]:
    """The folders to run, each with its template's JSON."""
    if args.corpus:
        folders = sorted(p for p in args.corpus.iterdir() if p.is_dir() and documents_in([p]))
        plan = []
        for folder in folders:
            name = "receipt.json" if folder.name in RECEIPT_FOLDERS else "invoice.json"
            plan.append((folder, json.loads((args.corpus / "templates" / name).read_text("utf-8"))))
        return plan
    if not args.folders or args.template is None:
        parser.error("give folders and --template, or --corpus")
    template_json = json.loads(args.template.read_text("utf-8"))
    return [(folder, template_json) for folder in args.folders]


if __name__ == "__main__":
    sys.exit(main())
