"""PDF → pages, via pypdfium2: words from the text layer, OCR for pages without a usable one.

Speed matters (the target is 50 text pages a second for the whole pipeline on one core), so the text of
a page is fetched with one `FPDFText_GetText` call, the per-character PDFium work is a single
`FPDFText_GetLooseCharBox` call writing into one array for the page, and the boxes are turned to display
coordinates and grouped into words with numpy (no Python loop per character). Loose boxes (font ascent
to descent) give every character of a line the same height, which keeps `build_lines` simple and exact.

PDFium is not thread-safe: every call into it holds `PDFIUM_LOCK`. The lock is released while a page
is OCR'd, which is the slow part.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractd.domain.errors import CorruptFile, InvalidPassword, PasswordRequired
from extractd.engine.layout import build_lines
from extractd.engine.loaders.base import LoadContext, check_page_count
from extractd.engine.ocr import MAX_LONG_SIDE, ocr_image
from extractd.engine.sniff import is_einvoice_xml
from extractd.engine.types import EngineOptions, LoadedFile, Page, Word

logger = logging.getLogger(__name__)

PDFIUM_LOCK = threading.RLock()
FloatArray = npt.NDArray[np.float64]
DisplayBoxes = tuple[FloatArray, FloatArray, FloatArray, FloatArray]  # lefts, tops, rights, bottoms
DisplayConverter = Callable[[FloatArray], DisplayBoxes]

# Attachment names the e-invoice standards use (ZUGFeRD 1, 2, Factur-X, XRechnung); lower-cased.
EINVOICE_ATTACHMENTS = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
# Characters that separate words. PDFium also inserts generated spaces and CR/LF between lines.
_SEPARATORS = (0, 9, 10, 13, 32, 0xA0, 0x2002, 0x2003, 0x2009, 0x200B, 0x3000)
# Typographic ligatures (U+FB00-FB06) spelled out, so "ﬁnal" reads as "final".
_LIGATURE_TABLE = str.maketrans(
    {
        0xFB00: "ff",
        0xFB01: "fi",
        0xFB02: "fl",
        0xFB03: "ffi",
        0xFB04: "ffl",
        0xFB05: "st",
        0xFB06: "st",
    }
)
# A gap wider than this fraction of the character height splits a word even without a space char.
_WORD_GAP = 0.35
# A page whose text layer has fewer printable characters than this (per A4-sized area) is OCR'd.
_MIN_CHARS_PER_A4 = 25
_A4_AREA = 595.0 * 842.0
# ...as is one where more than this share of the characters are unmapped or control codes.
_MAX_BAD_SHARE = 0.3
# Below this share of letters and digits among its printable characters, a text layer is garbage.
_MIN_ALNUM_SHARE = 0.4
# A page with fewer characters than this, over an image covering more than this share, is a scan.
_FEW_CHARS = 200
_SCAN_IMAGE_SHARE = 0.6
# Without a usable text layer, this many vector paths suggest outlined text worth OCR'ing.
_MIN_PATHS_FOR_OCR = 50
# Renders for OCR are capped at the OCR's working size: rendering bigger would only be scaled down.
_MAX_RENDER_SIDE = MAX_LONG_SIDE


@contextmanager
def open_pdf(content: bytes, password: str | None) -> Iterator[pdfium.PdfDocument]:
    """Open (and finally close) a PDF, turning PDFium's load errors into our own."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(content, password=password)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise (InvalidPassword() if password else PasswordRequired()) from exc
            raise CorruptFile(f"The PDF cannot be read: {exc}") from exc
    try:
        yield document
    finally:
        with PDFIUM_LOCK:
            document.close()


class PdfLoader:
    kind = "pdf"

    def load(self, content: bytes, context: LoadContext) -> LoadedFile:
        options = context.options
        with open_pdf(content, options.password) as document:
            with PDFIUM_LOCK:
                total = len(document)
                einvoice_xml = find_einvoice_attachment(document)
                has_forms = init_forms(document)
            check_page_count(total, options)
            if total == 0:
                raise CorruptFile("The PDF has no pages.")
            pages = []
            for index in range(total):
                pages.append(_load_page(document, index, options, has_forms))
                context.on_page(index + 1, total)
        return LoadedFile(kind=self.kind, pages=tuple(pages), einvoice_xml=einvoice_xml, pdf_bytes=content)


def init_forms(document: pdfium.PdfDocument) -> bool:
    """Prepare an AcroForm/XFA document so its filled-in field values can be flattened into the pages
    (they live in annotations, outside the text layer). Must run before any page is loaded."""
    if document.get_formtype() == pdfium_c.FORMTYPE_NONE:
        return False
    try:
        document.init_forms()
    except pdfium.PdfiumError:
        logger.warning("Could not initialise the PDF's form fields; their values are not read")
        return False
    return True


def _load_page(document: pdfium.PdfDocument, index: int, options: EngineOptions, has_forms: bool) -> Page:
    with PDFIUM_LOCK:
        try:
            page = document[index]
            if has_forms:
                # Flattening writes field values into the page; the page is reloaded to see them.
                page.flatten()
                page.close()
                page = document[index]
            try:
                text_page = _text_layer_page(page, index + 1)
                image = None if text_page is not None else _render_for_ocr(page, options)
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise CorruptFile(f"Page {index + 1} of the PDF cannot be read: {exc}") from exc
    if text_page is not None:
        return text_page
    assert image is not None

    bitmap, scale = image
    return ocr_image(bitmap, index + 1, scale)


def _render_for_ocr(page: pdfium.PdfPage, options: EngineOptions) -> tuple[Any, float]:
    """The page as a PIL image at the OCR resolution, and the points-per-pixel to map words back."""
    width, height = page.get_size()
    scale = options.ocr_dpi / 72.0
    longest = max(width, height) * scale
    if longest > _MAX_RENDER_SIDE:
        scale *= _MAX_RENDER_SIDE / longest
    bitmap = page.render(scale=scale, may_draw_forms=True)
    image = bitmap.to_pil().convert("RGB")
    bitmap.close()
    return image, 1.0 / scale


def _text_layer_page(page: pdfium.PdfPage, number: int) -> Page | None:
    """The page from its text layer, or None when it should be OCR'd instead.

    OCR is for pages whose text layer is missing, sparse or garbage *and* that show something to read
    (an image, or many paths: outlined text), and for scans carrying only a little text (a stamp, a
    header) over a page-sized image. A sparse page with nothing else on it is taken as it is: rendering
    a blank page and OCR'ing it costs seconds and finds nothing.
    """
    text_page = page.get_textpage()
    try:
        codes = _char_codes(text_page)
        width, height = page.get_size()
        printable, bad = _count_chars(codes)
        usable = _usable_text(printable, bad, width * height)
        if not usable and _has_visual_content(page):
            return None
        if usable and printable < _FEW_CHARS and _image_share(page) > _SCAN_IMAGE_SHARE:
            return None
        mostly_bad = bad > _MAX_BAD_SHARE * (printable + bad)
        words = [] if mostly_bad else _words(text_page, codes, _to_display(page))
    finally:
        text_page.close()
    return Page(number=number, width=width, height=height, lines=build_lines(words), source="text")


def _has_visual_content(page: pdfium.PdfPage) -> bool:
    paths = 0
    for obj in page.get_objects(max_depth=3):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
            if paths >= _MIN_PATHS_FOR_OCR:
                return True
    return False


def _image_share(page: pdfium.PdfPage) -> float:
    """The share of the page covered by its largest image."""
    width, height = page.get_size()
    largest = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        largest = max(largest, (right - left) * (top - bottom))
    return largest / (width * height) if width * height > 0 else 0.0


def _char_codes(text_page: pdfium.PdfTextPage) -> npt.NDArray[np.uint32]:
    """One code point per character index; one GetText call, per-char calls only if they disagree."""
    count = pdfium_c.FPDFText_CountChars(text_page.raw)
    if count <= 0:
        return np.zeros(0, dtype=np.uint32)
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(text_page.raw, 0, count, buffer)
    if written - 1 == count:
        return np.frombuffer(buffer, dtype=np.uint16, count=count).astype(np.uint32)
    return np.array([pdfium_c.FPDFText_GetUnicode(text_page.raw, i) for i in range(count)], dtype=np.uint32)


def _code_kinds() -> npt.NDArray[np.uint8]:
    """Each UTF-16 code unit's kind, looked up for a whole page at once."""
    kinds = np.full(0x10000, _PRINTABLE, dtype=np.uint8)
    kinds[:32] = _BAD  # control codes
    kinds[0xE000:0xF900] = _BAD  # private use: glyphs without a Unicode mapping
    kinds[0xFFFD] = _BAD
    kinds[list(_SEPARATORS)] = _SEPARATOR
    return kinds


_PRINTABLE, _SEPARATOR, _BAD = 0, 1, 2
_KINDS = _code_kinds()
_ASCII_ALNUM = np.array([chr(code).isalnum() for code in range(128)])
# `[^\W_]` is exactly str.isalnum() (re's word class is isalnum() plus the underscore).
_ALNUM = re.compile(r"[^\W_]")


def _kinds(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    return _KINDS[np.minimum(codes, 0xFFFF)]


def _is_separator(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    separator: npt.NDArray[np.bool_] = (_kinds(codes) == _SEPARATOR) | (codes < 32)
    return separator


def _count_chars(codes: npt.NDArray[np.uint32]) -> tuple[int, int]:
    """(printable, bad) characters. Bad: control codes, U+FFFD and private-use code points (glyphs
    without a Unicode mapping), and the symbols of a text layer that is mostly not letters or digits
    (fonts without a ToUnicode map often come out as runs of punctuation)."""
    kinds = _kinds(codes)
    bad = int(np.count_nonzero(kinds == _BAD))
    shown = codes[kinds == _PRINTABLE]
    printable = len(shown)
    ascii_chars = shown < 128
    alphanumeric = int(np.count_nonzero(_ASCII_ALNUM[shown[ascii_chars]]))
    others = shown[~ascii_chars]
    if len(others):
        alphanumeric += len(_ALNUM.findall("".join(map(chr, others.tolist()))))
    if printable and alphanumeric < _MIN_ALNUM_SHARE * printable:
        return alphanumeric, bad + printable - alphanumeric
    return printable, bad


def _usable_text(printable: int, bad: int, area: float) -> bool:
    needed = max(5.0, _MIN_CHARS_PER_A4 * area / _A4_AREA)
    return printable >= needed and bad <= _MAX_BAD_SHARE * (printable + bad)


def _words(
    text_page: pdfium.PdfTextPage, codes: npt.NDArray[np.uint32], to_display: DisplayConverter
) -> list[Word]:
    """Group characters into words on separators, on wide gaps and where the baseline jumps.

    Gaps and baselines are compared on the displayed page, so text on a page turned by /Rotate (a
    landscape table shown upright) groups the same way as on an unrotated one.
    """
    shown = ~_is_separator(codes)
    if not shown.any():
        return []
    return group_words(codes, shown, to_display(_char_boxes(text_page, shown)))


def group_words(
    codes: npt.NDArray[np.uint32], shown: npt.NDArray[np.bool_], boxes: DisplayBoxes
) -> list[Word]:
    """Words from the characters `shown` (not separators) and their displayed boxes (lefts, tops,
    rights, bottoms). Every character of every page goes through here, so the breaks are found with
    numpy on whole arrays (see `_word_starts`)."""
    index = np.flatnonzero(shown)
    lefts, tops, rights, bottoms = (column[index] for column in boxes)
    # Runs of characters between separators; a word never spans two.
    run_starts = np.flatnonzero(np.diff(index, prepend=-2) != 1)
    starts = _word_starts(run_starts, lefts, tops, rights, bottoms)
    ends = np.append(starts[1:], len(index))
    x0s = lefts[starts].tolist()
    y0s = np.minimum.reduceat(tops, starts).tolist()
    x1s = np.maximum.reduceat(rights, starts).tolist()
    y1s = np.maximum.reduceat(bottoms, starts).tolist()
    text = "".join(map(chr, codes[index].tolist()))
    texts = [text[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
    if ((codes >= 0xFB00) & (codes <= 0xFB06)).any():
        texts = [piece.translate(_LIGATURE_TABLE) for piece in texts]
    return [Word(*word) for word in zip(texts, zip(x0s, y0s, x1s, y1s, strict=True), strict=True)]


def _word_starts(
    run_starts: npt.NDArray[np.intp],
    lefts: FloatArray,
    tops: FloatArray,
    rights: FloatArray,
    bottoms: FloatArray,
) -> npt.NDArray[np.intp]:
    """Where words start among the shown characters: each run's first, and each character that breaks
    from the word before it (a gap wider than `_WORD_GAP` of its height, a step back left, a baseline
    jump of over half its height), measured against the word's running extent.

    That extent is the previous character's box whenever, inside each word, rights never decrease, tops
    never increase and bottoms never decrease: the usual case (one line, left to right, loose boxes of
    one height). Breaks are first found against the previous character; a run whose words break that
    assumption is redone character by character, so the words are exactly the running-extent ones.
    """
    count = len(lefts)
    first = np.zeros(count, dtype=bool)
    first[run_starts] = True
    prev = np.arange(count) - 1
    size = bottoms[prev] - tops[prev]
    gap = lefts - rights[prev]
    breaks = (gap > _WORD_GAP * size) | (gap < -size) | (np.abs(bottoms - bottoms[prev]) > size / 2)
    first |= breaks
    first[0] = True
    steady = (rights >= rights[prev]) & (tops <= tops[prev]) & (bottoms >= bottoms[prev])
    unsteady_runs = np.unique(np.searchsorted(run_starts, np.flatnonzero(~steady & ~first), side="right") - 1)
    run_ends = np.append(run_starts[1:], count)
    for run in unsteady_runs.tolist():
        start, end = int(run_starts[run]), int(run_ends[run])
        first[start:end] = _run_word_starts(
            lefts[start:end], tops[start:end], rights[start:end], bottoms[start:end]
        )
    return np.flatnonzero(first)


def _run_word_starts(
    lefts: FloatArray, tops: FloatArray, rights: FloatArray, bottoms: FloatArray
) -> list[bool]:
    """Word starts in one run of characters, comparing each with the running extent of its word."""
    starts = []
    x1 = y0 = y1 = 0.0
    for i, (left, top, right, bottom) in enumerate(
        zip(lefts.tolist(), tops.tolist(), rights.tolist(), bottoms.tolist(), strict=True)
    ):
        size = y1 - y0
        gap = left - x1
        starts.append(i == 0 or gap > _WORD_GAP * size or gap < -size or abs(bottom - y1) > size / 2)
        if starts[-1]:
            y0, x1, y1 = top, right, bottom
        else:
            x1, y0, y1 = max(x1, right), min(y0, top), max(y1, bottom)
    return starts


# FPDFText_GetLooseCharBox called through a prototype taking plain addresses: pypdfium2's binding
# only accepts a pointer object of the struct type, which would have to be built per character to
# write every box into one array.
_GET_LOOSE_CHAR_BOX = ctypes.cast(
    pdfium_c.FPDFText_GetLooseCharBox,
    ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p),
)
_RECT_SIZE = ctypes.sizeof(pdfium_c.FS_RECTF)


def _char_boxes(text_page: pdfium.PdfTextPage, shown: npt.NDArray[np.bool_]) -> FloatArray:
    """The loose box of every character, one row each (left, top, right, bottom in PDF space), written
    by PDFium into one array; rows of separators are skipped and stay zero."""
    boxes = np.zeros((len(shown), 4), dtype=np.float32)
    base = boxes.ctypes.data
    raw_page = ctypes.cast(text_page.raw, ctypes.c_void_p).value
    indices = np.flatnonzero(shown)
    addresses = base + indices * _RECT_SIZE
    # map() drives the calls from C: no Python loop body per character.
    deque(map(_GET_LOOSE_CHAR_BOX, repeat(raw_page, len(indices)), indices.tolist(), addresses.tolist()), 0)
    # Widened exactly as ctypes would read each float, so the arithmetic below matches float math.
    return boxes.astype(np.float64)


def _to_display(page: pdfium.PdfPage) -> DisplayConverter:
    """A function mapping PDF-space boxes (origin bottom-left; rows of left, top, right, bottom) to the
    displayed page, origin top-left, as lists of lefts, tops, rights and bottoms."""
    x0, y0, x1, y1 = page.get_bbox()
    rotation = page.get_rotation() % 360

    def convert(boxes: npt.NDArray[np.float64]) -> DisplayBoxes:
        left, top, right, bottom = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
        if rotation == 90:
            shown = (bottom - y0, left - x0, top - y0, right - x0)
        elif rotation == 180:
            shown = (x1 - right, bottom - y0, x1 - left, top - y0)
        elif rotation == 270:
            shown = (y1 - top, x1 - right, y1 - bottom, x1 - left)
        else:
            shown = (left - x0, y1 - top, right - x0, y1 - bottom)
        return shown

    return convert


def find_einvoice_attachment(document: pdfium.PdfDocument) -> bytes | None:
    """The embedded CII/UBL invoice: by its standard file name first, else any XML with such a root."""
    fallback = None
    for index in range(document.count_attachments()):
        try:
            attachment = document.get_attachment(index)
            name = attachment.get_name().lower()
            if not name.endswith(".xml"):
                continue
            data = bytes(attachment.get_data())
        except pdfium.PdfiumError:
            logger.warning("Skipping an unreadable PDF attachment (index %d)", index)
            continue
        if name in EINVOICE_ATTACHMENTS:
            return data
        if fallback is None and is_einvoice_xml(data):
            fallback = data
    return fallback
