"""Safe streaming over a CommerceML file: `defusedxml` refuses DTDs with entities (the
«billion laughs»), `iterparse` reads the file piece by piece, and every record element is removed
from its parent once handled, so memory stays flat however many goods the file has."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TypeVar
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .errors import CommerceMLError
from .values import ROOT, local_name

T = TypeVar("T")

#: (local name, parent's local name) → builds a record from the finished element, or None.
Handlers = dict[tuple[str, str], Callable[[Element], T | None]]


def iter_records(
    source: IO[bytes] | str, handlers: Handlers, *, on_start: Callable | None = None
) -> Iterator[T]:
    """Yield what `handlers` build from their elements, in file order.

    The encoding is the one declared in the XML prolog (UTF-8 with or without a BOM,
    windows-1251...). `on_start(name, attrib)` sees every opening tag and may return a record
    too (for attributes of container elements such as «СодержитТолькоИзменения»).
    """
    stack: list[Element] = []
    names: list[str] = []
    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                name = local_name(element.tag)
                if not stack and name != ROOT:
                    raise CommerceMLError(f"Not a CommerceML file: the root element is <{name}>")
                stack.append(element)
                names.append(name)
                if on_start is not None:
                    record = on_start(name, element.attrib)
                    if record is not None:
                        yield record
                continue
            stack.pop()
            name = names.pop()
            parent = names[-1] if names else ""
            handler = handlers.get((name, parent))
            if handler is not None:
                record = handler(element)
                if record is not None:
                    yield record
            if handler is not None or len(stack) == 1:
                # Done with it: free the subtree (children of the root included).
                if stack:
                    stack[-1].remove(element)
                element.clear()
    except ParseError as error:
        raise CommerceMLError(f"Malformed XML: {error}") from None
    except DefusedXmlException:
        raise CommerceMLError("The file declares a DTD or XML entities: refused") from None
    except LookupError as error:  # an encoding Python does not know
        raise CommerceMLError(f"Unknown encoding: {error}") from None


def child(element: Element, name: str) -> Element | None:
    for sub in element:
        if local_name(sub.tag) == name:
            return sub
    return None


def children(element: Element, name: str) -> list[Element]:
    return [sub for sub in element if local_name(sub.tag) == name]


def text(element: Element | None, name: str | None = None, default: str = "") -> str:
    """The stripped text of `element` (or of its child `name`)."""
    if element is not None and name is not None:
        element = child(element, name)
    if element is None or element.text is None:
        return default
    return element.text.strip()


def requisites(element: Element) -> list[tuple[str, str]]:
    """ЗначенияРеквизитов/ЗначениеРеквизита{Наименование, Значение} as (name, value) pairs."""
    block = child(element, "ЗначенияРеквизитов")
    if block is None:
        return []
    return [
        (text(item, "Наименование"), text(item, "Значение"))
        for item in children(block, "ЗначениеРеквизита")
    ]
