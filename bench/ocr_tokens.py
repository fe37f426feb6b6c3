"""OCR tokens and CPU time: the engine's adopted RapidOCR settings against RapidOCR's defaults.

    python bench/ocr_tokens.py ../shared/corpus/sroie ../shared/corpus/mixed-receipts [--limit 25]

Each image of the folders goes through `ocr_image` (the engine's scaling, rotation checks, word boxes)
once with each settings, in two processes (one per settings, side by side). Printed per folder: the
tokens each found, the share of the defaults' tokens the adopted settings also found (and the reverse),
recall against the SROIE truth transcripts (`*.boxes.csv`) where a folder has them, and CPU seconds.
A token is a word as the engine reports it; tokens are compared as multisets per image.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from PIL import Image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
PHOTO_SCALE = 72 / 200  # only the unit of the boxes depends on it
SETTINGS = ("adopted", "rapidocr-default")


def _read_all(settings: str, images: list[Path]) -> tuple[dict[str, tuple[list[str], float]], float]:
    """{image: (tokens, CPU seconds)} and the peak RSS in MB, in this (fresh) process."""
    from extractd.engine import ocr

    if settings == "rapidocr-default":
        from rapidocr import RapidOCR

        ocr._engine = RapidOCR(params={"Global.log_level": "warning"})
    ocr.warm_up()
    found = {}
    for path in images:
        with Image.open(path) as image:
            image.load()
            started = time.process_time()
            page = ocr.ocr_image(image, 1, PHOTO_SCALE)
            cpu = time.process_time() - started
        found[f"{path.parent.name}/{path.name}"] = ([w.text for line in page.lines for w in line.words], cpu)
    return found, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def truth_tokens(image_key: str, folders: dict[str, Path]) -> Counter[str] | None:
    folder, name = image_key.split("/")
    boxes = folders[folder] / f"{Path(name).stem}.boxes.csv"
    if not boxes.exists():
        return None
    tokens: Counter[str] = Counter()
    for line in boxes.read_text(errors="replace").splitlines():
        parts = line.split(",", 8)  # eight coordinates, then the text (which may hold commas)
        if len(parts) == 9:
            tokens.update(parts[8].split())
    return tokens


def report(folder: str, results: dict[str, Any], folders: dict[str, Path]) -> None:
    adopted, default = results["adopted"][0], results["rapidocr-default"][0]
    keys = [key for key in default if key.startswith(f"{folder}/")]
    sums = Counter[str]()
    for key in keys:
        ours, theirs = Counter(adopted[key][0]), Counter(default[key][0])
        sums["ours"] += ours.total()
        sums["theirs"] += theirs.total()
        sums["shared"] += (ours & theirs).total()
        sums["cpu_ours"] += adopted[key][1]  # type: ignore[assignment]
        sums["cpu_theirs"] += default[key][1]  # type: ignore[assignment]
        truth = truth_tokens(key, folders)
        if truth is not None:
            sums["truth"] += truth.total()
            sums["truth_ours"] += (ours & truth).total()
            sums["truth_theirs"] += (theirs & truth).total()
    line = (
        f"{folder}: {len(keys)} images; tokens adopted {sums['ours']}, defaults {sums['theirs']}; "
        f"adopted found {sums['shared'] / max(sums['theirs'], 1):.3f} of the defaults' tokens, the defaults "
        f"{sums['shared'] / max(sums['ours'], 1):.3f} of the adopted's"
    )
    if sums["truth"]:
        line += (
            f"; truth recall adopted {sums['truth_ours'] / sums['truth']:.3f}, "
            f"defaults {sums['truth_theirs'] / sums['truth']:.3f}"
        )
    cpu_ours, cpu_theirs = sums["cpu_ours"], sums["cpu_theirs"]
    line += f"; CPU {cpu_ours:.0f} s vs {cpu_theirs:.0f} s ({cpu_theirs / max(cpu_ours, 1e-9):.2f}x less)"
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--limit", type=int, default=0, help="at most this many images per folder")
    args = parser.parse_args()
    folders = {folder.name: folder for folder in args.folders}
    images: list[Path] = []
    for folder in args.folders:
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        images += found[: args.limit] if args.limit else found
    with get_context("spawn").Pool(2) as pool:
        runs = pool.starmap(_read_all, [(settings, images) for settings in SETTINGS])
    results = dict(zip(SETTINGS, runs, strict=True))
    for folder in folders:
        report(folder, results, folders)
    for settings in SETTINGS:
        print(f"peak RSS {settings}: {results[settings][1]:.0f} MB (cores: {len(os.sched_getaffinity(0))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
