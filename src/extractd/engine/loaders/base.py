"""What every loader shares: the Protocol, the frozen context it receives, and the size guards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from extractd.domain.errors import DocumentTooLarge
from extractd.engine.types import EngineOptions, LoadedFile

# Called as pages are read: (pages done, pages in the file).
PageCallback = Callable[[int, int], None]


def _ignore_pages(done: int, total: int) -> None:
    """The default page callback: nobody is listening."""


@dataclass(frozen=True, slots=True)
class LoadContext:
    mime: str  # the sniffed type, e.g. "image/tiff"
    options: EngineOptions
    on_page: PageCallback = _ignore_pages


class Loader(Protocol):
    """Turns the bytes of one kind of file into pages of words; raises only our domain errors."""

    kind: str

    def load(self, content: bytes, context: LoadContext) -> LoadedFile: ...


def check_page_count(pages: int, options: EngineOptions) -> None:
    if pages > options.max_pages:
        raise DocumentTooLarge(
            f"The document has {pages} pages; at most {options.max_pages} are accepted.",
            pages=pages,
            max_pages=options.max_pages,
        )


def check_pixels(width: int, height: int, options: EngineOptions) -> None:
    if width * height > options.max_pixels:
        raise DocumentTooLarge(
            f"A page of {width}x{height} pixels exceeds the limit of {options.max_pixels} pixels.",
            pixels=width * height,
            max_pixels=options.max_pixels,
        )
