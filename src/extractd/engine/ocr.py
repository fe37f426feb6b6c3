"""Images → pages of words with RapidOCR, using only the models bundled in the `rapidocr` wheel.

The OCR engine is built once per process (lazily, under a lock) and shared by every caller; building it
per page would reload three ONNX models each time. Calls into it are serialised: onnxruntime already
uses every core for one image, so running two at once only adds memory.

Orientation: the first pass runs without RapidOCR's per-line angle classifier. An upright page then
reads with high confidence, while a page turned by 90/180/270 degrees either yields tall, narrow boxes
or low-confidence garbage; only then are the other rotations tried and the best-reading one kept. With
the classifier on, an upside-down page would read well line by line but in reverse order, and we could
not tell.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from extractd.engine.layout import build_lines
from extractd.engine.ocr_repair import collapse_spaced_characters, repair_words
from extractd.engine.types import BBox, Page, Word

logger = logging.getLogger(__name__)

# Long side (pixels) images are reduced to before OCR. Text on a 600-dpi A4 scan stays legible at this
# size, and detection time and memory grow with the pixel count.
MAX_LONG_SIDE = 2200
# Long side (pixels) the text detector sees; recognition still reads crops of the MAX_LONG_SIDE image.
DETECTION_LONG_SIDE = 1280
# Below this char-weighted mean confidence, or with mostly vertical boxes, other rotations are tried.
GOOD_MEAN_CONFIDENCE = 0.88
MAX_VERTICAL_SHARE = 0.4

_engine_lock = threading.Lock()
_run_lock = threading.Lock()
_engine: Any = None


def get_engine() -> Any:
    """The process-wide RapidOCR engine, created on first use with its bundled default models."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr import RapidOCR

                _engine = RapidOCR(
                    params={
                        "Global.log_level": "warning",
                        "Global.max_side_len": MAX_LONG_SIDE,
                        "Global.use_cls": False,
                        # Throughput comes from one worker process per core; a thread pool per
                        # process only oversubscribes the cores (measured: ~35% more CPU per page).
                        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                        # Detection on the long side reduced to DETECTION_LONG_SIDE rather than the
                        # whole image: about half the detection time, the same words on 200-dpi A4.
                        "Det.limit_type": "max",
                        "Det.limit_side_len": DETECTION_LONG_SIDE,
                        # Line crops batched together are padded to the widest; one at a time wastes
                        # no work on padding (measured: ~20% less recognition time than 6).
                        "Rec.rec_batch_num": 1,
                    }
                )
    return _engine


def warm_up() -> None:
    """Load the OCR models now and run them once, so the first scan does not pay for it (2-3 s).

    RapidOCR loads each model on first use, and recognition only runs when detection found text, so the
    warm-up reads a line of text drawn here.
    """
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (480, 96), "white")
    ImageDraw.Draw(image).text((24, 24), "extractd 2026", fill="black", font=ImageFont.load_default(size=40))
    with _run_lock:
        output = get_engine()(np.asarray(image))
    logger.info("OCR models loaded (warm-up read %r)", " ".join(output.txts or ()))


@dataclass(frozen=True, slots=True)
class _Reading:
    """One OCR pass over an image turned by `rotation` degrees (counter-clockwise)."""

    rotation: int
    words: tuple[Word, ...]  # in pixel coordinates of the rotated image
    size: tuple[int, int]  # (width, height) of the rotated image
    quality: float  # sum of confidence x characters: more confidently-read text is better
    mean_confidence: float
    vertical_share: float  # share of line boxes taller than wide


def _quad_bbox(quad: Any) -> BBox:
    points = np.asarray(quad, dtype=float).reshape(-1, 2)
    return (
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


def _split_line_box(text: str, box: BBox, confidence: float) -> list[Word]:
    """Words of a line without word boxes: the line's width shared out by character count."""
    tokens = text.split()
    if not tokens:
        return []
    total_chars = len(text)
    x0, y0, x1, y1 = box
    per_char = (x1 - x0) / max(total_chars, 1)
    words, cursor = [], 0
    for token in tokens:
        start = text.index(token, cursor)
        cursor = start + len(token)
        words.append(Word(token, (x0 + start * per_char, y0, x0 + cursor * per_char, y1), confidence))
    return words


def _line_words(text: str, box: BBox, score: float, word_result: Any) -> list[Word]:
    """Words of one OCR line: RapidOCR's word boxes when they agree with the line text."""
    collapsed = collapse_spaced_characters(text)
    if collapsed != text:
        return _split_line_box(collapsed, box, score)
    if word_result:
        pieces = [(str(t), float(s), _quad_bbox(b)) for t, s, b in word_result if str(t).strip()]
        if [p[0].strip() for p in pieces] == text.split():
            # Word boxes are tight on the glyphs; give them the line's height so lines stay together.
            return [Word(t.strip(), (b[0], box[1], b[2], box[3]), s) for t, s, b in pieces]
    return _split_line_box(text, box, score)


def _words_from_output(output: Any) -> tuple[list[Word], list[BBox]]:
    texts = list(output.txts or ())
    if not texts:
        return [], []
    boxes = [_quad_bbox(q) for q in output.boxes]
    scores = [float(s) for s in output.scores]
    word_results = list(output.word_results or ())
    if len(word_results) != len(texts):
        word_results = [None] * len(texts)
    words: list[Word] = []
    for text, box, score, word_result in zip(texts, boxes, scores, word_results, strict=True):
        words.extend(_line_words(str(text), box, score, word_result))
    return words, boxes


def _read(image: Image.Image, rotation: int) -> _Reading:
    turned = image.rotate(rotation, expand=True) if rotation else image
    with _run_lock:
        output = get_engine()(np.asarray(turned), return_word_box=True)
    words, boxes = _words_from_output(output)
    chars = sum(len(w.text) for w in words)
    quality = sum(w.confidence * len(w.text) for w in words)
    vertical = sum(1 for b in boxes if (b[3] - b[1]) > 1.5 * (b[2] - b[0]))
    return _Reading(
        rotation=rotation,
        words=tuple(words),
        size=turned.size,
        quality=quality,
        mean_confidence=quality / chars if chars else 0.0,
        vertical_share=vertical / len(boxes) if boxes else 0.0,
    )


def _best_reading(image: Image.Image) -> _Reading:
    first = _read(image, 0)
    if first.mean_confidence >= GOOD_MEAN_CONFIDENCE and first.vertical_share <= MAX_VERTICAL_SHARE:
        return first
    # Mostly vertical boxes mean the text runs up or down the page; otherwise it may be upside down.
    # RapidOCR turns tall line crops a quarter turn itself, so a sideways page can read well unturned:
    # it must still be turned, or its lines would come out as columns.
    if first.vertical_share > MAX_VERTICAL_SHARE:
        readings = [_read(image, 90), _read(image, 270)]
    else:
        readings = [first, _read(image, 180)]
    best = max(readings, key=lambda r: r.quality)
    if best.rotation:
        logger.info("OCR page read best rotated by %d degrees", best.rotation)
    return best


def _prepare(image: Image.Image) -> tuple[Image.Image, float]:
    """RGB image no larger than MAX_LONG_SIDE, and the factor from its pixels back to the original's."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    long_side = max(rgb.size)
    if long_side <= MAX_LONG_SIDE:
        return rgb, 1.0
    factor = MAX_LONG_SIDE / long_side
    size = (max(1, round(rgb.width * factor)), max(1, round(rgb.height * factor)))
    return rgb.resize(size, Image.Resampling.LANCZOS), long_side / MAX_LONG_SIDE


def _scaled(words: Sequence[Word], factor: float) -> list[Word]:
    return [
        Word(
            w.text,
            (w.bbox[0] * factor, w.bbox[1] * factor, w.bbox[2] * factor, w.bbox[3] * factor),
            w.confidence,
        )
        for w in words
    ]


def ocr_image(image: Image.Image, page_number: int, scale: float) -> Page:
    """OCR one page image; `scale` turns the image's pixels into page points (points = pixels x scale).

    The page is reported in the orientation it reads in, so a page scanned sideways comes back upright
    with width and height swapped.
    """
    prepared, back_to_original = _prepare(image)
    reading = _best_reading(prepared)
    factor = back_to_original * scale
    words = repair_words(_scaled(reading.words, factor))
    width, height = reading.size
    return Page(
        number=page_number,
        width=width * factor,
        height=height * factor,
        lines=build_lines(words),
        source="ocr",
    )
