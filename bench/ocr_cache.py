"""OCR every image of a corpus folder once and keep the pages as JSON, to iterate on finders quickly.

Usage: python bench/ocr_cache.py ../shared/corpus/sroie [--out bench/out/ocr/sroie] [--force]

Each image NAME.jpg|png becomes OUT/NAME.json: {"seconds", "pages": [{number, width, height, lines:
[[{text, bbox, confidence}, ...], ...]}]}. Images already cached are skipped unless --force.
Photos are given a scale of 72/200 (as if scanned at 200 dpi) — only the geometry's unit depends on it.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

from PIL import Image

from extractd.engine.ocr import ocr_image
from extractd.engine.types import Line, Page, Word

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
PHOTO_SCALE = 72 / 200


def page_to_json(page: Page) -> dict[str, Any]:
    return {
        "number": page.number,
        "width": page.width,
        "height": page.height,
        "lines": [
            [{"text": w.text, "bbox": list(w.bbox), "confidence": w.confidence} for w in line.words]
            for line in page.lines
        ],
    }


def page_from_json(data: dict[str, Any]) -> Page:
    lines = tuple(
        Line(tuple(Word(w["text"], tuple(w["bbox"]), w["confidence"]) for w in line))  # type: ignore[arg-type]
        for line in data["lines"]
    )
    return Page(data["number"], data["width"], data["height"], lines, source="ocr")


def load_cached(path: Path) -> list[Page]:
    """The pages stored for one image by this tool."""
    return [page_from_json(p) for p in json.loads(path.read_text())["pages"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    out: Path = args.out or Path(__file__).parent / "out" / "ocr" / args.folder.name
    out.mkdir(parents=True, exist_ok=True)
    images = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    total = 0.0
    for image_path in images:
        target = out / f"{image_path.stem}.json"
        if target.exists() and not args.force:
            continue
        started = time.perf_counter()
        with Image.open(image_path) as image:
            page = ocr_image(image, 1, PHOTO_SCALE)
        seconds = time.perf_counter() - started
        total += seconds
        target.write_text(json.dumps({"seconds": seconds, "pages": [page_to_json(page)]}))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{image_path.name}: {len(page.lines)} lines, {seconds:.1f}s, max RSS {rss:.0f} MB", flush=True)
    print(f"done: {len(images)} images, {total:.0f}s OCR time")


if __name__ == "__main__":
    main()
