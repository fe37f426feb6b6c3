"""Images → pages via OCR: PNG, JPEG, TIFF (every frame is a page), WebP, BMP.

EXIF orientation is applied first, so a phone photo taken sideways reads upright. Large scans are
reduced before OCR (the long side to at most `MAX_OCR_SIDE` pixels, the OCR's working size): a 600-dpi A4
scan has 35 million pixels, which costs seconds and hundreds of megabytes while adding nothing legible.
JPEGs are reduced while decoding (`Image.draft`), which is cheaper still.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from extractd.domain.errors import CorruptFile, DocumentTooLarge
from extractd.engine.loaders.base import LoadContext, check_page_count, check_pixels
from extractd.engine.ocr import MAX_LONG_SIDE, ocr_image
from extractd.engine.types import EngineOptions, LoadedFile

# The OCR's own working size: reducing straight to it here saves a second resampling there.
MAX_OCR_SIDE = MAX_LONG_SIDE
# What Pillow raises on damaged files: its plugins use many exception types for malformed headers.
_DAMAGED = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    TypeError,
    KeyError,
    IndexError,
    struct.error,
    ZeroDivisionError,
)
# Points per inch; page coordinates are in points, like a PDF's.
_POINTS = 72.0
# Assumed resolution when an image does not state a plausible one.
_DEFAULT_DPI = 200.0


class ImageLoader:
    kind = "image"

    def load(self, content: bytes, context: LoadContext) -> LoadedFile:
        pages = []
        with open_image(content) as image:
            total = frame_count(image)
            check_page_count(total, context.options)
            for index, frame in enumerate(upright_frames(image, context.options)):
                prepared, scale = prepare_for_ocr(frame)
                pages.append(ocr_image(prepared, index + 1, scale))
                context.on_page(index + 1, total)
        return LoadedFile(kind=self.kind, pages=tuple(pages))


def open_image(content: bytes) -> Image.Image:
    """Open lazily (no pixels decoded yet); Pillow's errors become ours."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(content))
    except Image.DecompressionBombError as exc:
        raise DocumentTooLarge(f"The image is too large: {exc}") from exc
    except _DAMAGED as exc:
        raise CorruptFile(f"The image cannot be read: {exc}") from exc


def frame_count(image: Image.Image) -> int:
    """Pages in the image (TIFF frames); counting walks the file, so damage can show up here."""
    try:
        return int(getattr(image, "n_frames", 1))
    except _DAMAGED as exc:
        raise CorruptFile(f"The image cannot be read: {exc}") from exc


def upright_frames(image: Image.Image, options: EngineOptions) -> Iterator[Image.Image]:
    """Each frame decoded, upright, in RGB; the pixel limit is checked before decoding."""
    try:
        for frame in ImageSequence.Iterator(image):
            check_pixels(frame.width, frame.height, options)
            dpi = _dpi(frame)
            original_width = frame.width
            if frame.format == "JPEG":
                frame.draft("RGB", (MAX_OCR_SIDE, MAX_OCR_SIDE))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                upright = ImageOps.exif_transpose(frame).convert("RGB")
            # Remember the resolution in pixels per point, corrected for any reduction by draft().
            upright.info["points_per_pixel"] = _POINTS / dpi * original_width / max(frame.width, 1)
            yield upright
    except Image.DecompressionBombError as exc:
        raise DocumentTooLarge(f"The image is too large: {exc}") from exc
    except _DAMAGED as exc:
        raise CorruptFile(f"The image cannot be decoded: {exc}") from exc


def _dpi(frame: Image.Image) -> float:
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    # 72 and 96 dpi are mostly software defaults, not the scan's real resolution.
    return value if 100.0 <= value <= 1200.0 else _DEFAULT_DPI


def prepare_for_ocr(image: Image.Image) -> tuple[Image.Image, float]:
    """The image reduced to at most MAX_OCR_SIDE on its long side, and its points per pixel."""
    points_per_pixel = float(image.info.get("points_per_pixel", _POINTS / _DEFAULT_DPI))
    longest = max(image.size)
    if longest <= MAX_OCR_SIDE:
        return image, points_per_pixel
    factor = MAX_OCR_SIDE / longest
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS), points_per_pixel / factor


def page_to_points(image: Image.Image) -> tuple[float, float]:
    """The page size in points an image stands for (for making PDFs of image documents)."""
    dpi = _dpi(image)
    return image.width * _POINTS / dpi, image.height * _POINTS / dpi
