"""Loaders: one per kind of file, chosen by the sniffed type (a Protocol + registry).

`load(content, options)` is the only entry point the pipeline needs.
"""

from __future__ import annotations

from extractd.engine.loaders.base import LoadContext, Loader, PageCallback
from extractd.engine.loaders.docx import DocxLoader
from extractd.engine.loaders.image import ImageLoader
from extractd.engine.loaders.pdf import PdfLoader
from extractd.engine.loaders.text import TextLoader
from extractd.engine.loaders.xml import XmlLoader
from extractd.engine.sniff import KIND_BY_TYPE, sniff_type
from extractd.engine.types import EngineOptions, LoadedFile

LOADERS: dict[str, Loader] = {
    loader.kind: loader for loader in (PdfLoader(), ImageLoader(), DocxLoader(), TextLoader(), XmlLoader())
}


def load(content: bytes, options: EngineOptions, on_page: PageCallback | None = None) -> LoadedFile:
    """Sniff the bytes and hand them to the matching loader; raises only our domain errors."""
    mime = sniff_type(content)
    loader = LOADERS[KIND_BY_TYPE[mime]]
    if on_page is None:
        return loader.load(content, LoadContext(mime=mime, options=options))
    return loader.load(content, LoadContext(mime=mime, options=options, on_page=on_page))


__all__ = ["LOADERS", "LoadContext", "Loader", "PageCallback", "load"]
