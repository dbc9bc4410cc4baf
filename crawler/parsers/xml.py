"""Safe XML loading for feeds: no entity expansion, no network, namespace-agnostic lookups."""

from __future__ import annotations

from lxml import etree

from crawler.parsers import PayloadError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def load_xml(body: bytes, what: str) -> etree._Element:
    try:
        return etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise PayloadError(f"{what}: response is not well-formed XML ({exc})") from exc


def child_text(element: etree._Element, name: str) -> str | None:
    """Text of the first child whose local name is ``name`` (any namespace)."""
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return child.text
    return None


def children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]
