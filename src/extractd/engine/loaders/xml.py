"""A bare CII/UBL e-invoice file → one page of its readable values, and the XML itself.

The values come from the XML (see `engine.einvoice`); the page exists so `returnText`, document
classification and template fields the e-invoice does not cover still have text to work on: each leaf
element with text becomes a line "ElementName: value".
"""

from __future__ import annotations

from lxml import etree

from extractd.domain.errors import CorruptFile, DocumentTooLarge
from extractd.engine.loaders.base import LoadContext, check_page_count
from extractd.engine.loaders.text import check_line_count, paginate
from extractd.engine.types import LoadedFile

# Every element needs a `<`, so more tags than this is more elements than a document tree may hold.
MAX_TAGS = 4_000_000
# Safe parser: no network, no external entities, no huge trees.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def parse_xml(content: bytes) -> etree._Element:
    try:
        return etree.fromstring(content, parser=PARSER)
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(f"The XML file is not well-formed: {exc}") from exc


class XmlLoader:
    kind = "xml"

    def load(self, content: bytes, context: LoadContext) -> LoadedFile:
        if content.count(b"<") > MAX_TAGS:
            raise DocumentTooLarge(f"The XML file has more than {MAX_TAGS} tags; that is the limit.")
        root = parse_xml(content)
        rows = []
        for element in root.iter():
            if not isinstance(element.tag, str) or len(element):
                continue
            text = " ".join((element.text or "").split())
            if text:
                rows.append([f"{etree.QName(element).localname}: {text}"])
        check_line_count(len(rows), 1, context.options)
        pages = paginate(rows, "plain")
        check_page_count(len(pages), context.options)
        context.on_page(len(pages), len(pages))
        return LoadedFile(kind=self.kind, pages=tuple(pages), einvoice_xml=content)
