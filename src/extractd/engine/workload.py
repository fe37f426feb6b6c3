"""A document's workload before it runs (pages, OCR or not), read cheaply from its bytes at create time.

It only feeds the polling hint (``domain.pacing``) and runs on the API's request path, so it favours
speed over certainty (well under a millisecond for most files; loading a PDF page costs 5-40 ms, so no
page is loaded): a PDF's pages are counted, and a PDF that declares no font (and hides no objects in
compressed streams, where a font declaration could be) is a scan whose pages will be OCR'd. An image is
OCR'd, every TIFF frame a page. A file that cannot be opened here counts as one text page: the worker
reports its fault.
"""

from __future__ import annotations

import pypdfium2 as pdfium

from extractd.domain.pacing import Workload
from extractd.engine.loaders.image import frame_count, open_image
from extractd.engine.loaders.pdf import PDFIUM_LOCK
from extractd.engine.sniff import IMAGE_TYPES, PDF

_UNREADABLE = Workload(pages=1, ocr=False)


def estimate_workload(content: bytes, mime: str, password: str | None = None) -> Workload:
    try:
        if mime == PDF:
            return _pdf(content, password)
        if mime in IMAGE_TYPES:
            with open_image(content) as image:
                return Workload(pages=max(1, frame_count(image)), ocr=True)
    except Exception:  # a hint only: the worker reports what is wrong with the file
        return _UNREADABLE
    return Workload(pages=1, ocr=False)


def _pdf(content: bytes, password: str | None) -> Workload:
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(content, password=password)
        try:
            pages = len(document)
        finally:
            document.close()
    scan = b"/Font" not in content and b"/ObjStm" not in content
    return Workload(pages=max(1, pages), ocr=scan)
