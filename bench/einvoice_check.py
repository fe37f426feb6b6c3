"""Check e-invoice reading against the ZUGFeRD corpus: every expected value must come out of the XML.

Usage: python bench/einvoice_check.py [CORPUS_DIR]   (default ../shared/corpus/zugferd)

Reads each `*.source.xml` with `extractd.engine.einvoice.parse_einvoice` and, for the PDFs, also the XML
embedded in the PDF (through the loader), then compares with `*.expected.json` using the corpus rules
(text case-folded with `,.;:` as spaces; dates as dates; amounts to 2 decimals). Exits 1 on a mismatch.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from extractd.engine.einvoice import parse_einvoice
from extractd.engine.loaders import load
from extractd.engine.types import Concept, EngineOptions

FIELDS = {
    "invoice_number": Concept.INVOICE_NUMBER,
    "date": Concept.ISSUE_DATE,
    "date_due": Concept.DUE_DATE,
    "seller_name": Concept.SELLER_NAME,
    "buyer_name": Concept.BUYER_NAME,
    "currency": Concept.CURRENCY,
    "amount_untaxed": Concept.NET_TOTAL,
    "amount_tax": Concept.TAX_TOTAL,
    "amount": Concept.GRAND_TOTAL,
}


def _norm(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return " ".join(re.sub(r"[,.;:]", " ", text).split())


def _expected(value: str, name: str) -> str:
    if name.startswith("amount"):
        return f"{Decimal(value):.2f}"
    return _norm(value)


def main() -> int:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/zugferd")
    checked = wrong = 0
    for expected_path in sorted(corpus.glob("*.expected.json")):
        stem = expected_path.name.removesuffix(".expected.json")
        expected = json.loads(expected_path.read_text())
        sources = {"xml": (corpus / f"{stem}.source.xml").read_bytes()}
        pdf = corpus / f"{stem}.pdf"
        if pdf.exists():
            embedded = load(pdf.read_bytes(), EngineOptions()).einvoice_xml
            sources["pdf"] = embedded or b""
        for origin, xml in sources.items():
            if not xml:
                print(f"MISSING {stem} [{origin}]: no e-invoice XML found")
                wrong += 1
                continue
            data = parse_einvoice(xml)
            for name, want in expected.items():
                checked += 1
                got = data.values.get(FIELDS[name])
                if got is None or _norm(got) != _expected(want, name):
                    wrong += 1
                    print(f"WRONG {stem} [{origin}] {name}: expected {want!r}, got {got!r}")
    print(f"{checked - wrong}/{checked} values right")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
