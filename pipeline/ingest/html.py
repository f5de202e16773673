"""HTML: the article of a government web page, one line per block, without site furniture.

Navigation, menus, sharing widgets and footers are removed by tag and by class/id; when the page
has an obvious content container (`article`, `.TRS_Editor`, …) only that is read, plus the page
heading if the container lacks it.  In-article furniture such as `打印 【字号】` is kept: SPEC §3
makes it boilerplate that normalization marks, not text that ingest drops.
"""
from __future__ import annotations

import regex
from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from pipeline.ingest.base import single_page
from pipeline.ingest.tables import MAX_SPAN, Cell, tables_from_lines
from pipeline.ingest.txt import decode_text
from pipeline.records import RawText

_DROP_TAGS = frozenset(
    "script style noscript nav aside form iframe template svg canvas object embed select button "
    "head".split()
)
# Class/id words that mark site furniture, compared with whole words of the attribute.
_FURNITURE_WORDS = frozenset(
    "nav navbar navigation menu submenu breadcrumb breadcrumbs crumb crumbs sidebar side share "
    "sharing bdsharebuttonbox".split()
)
# Header and footer are site furniture outside an article but the article's own title and byline
# inside it (HTML5 `<article><header><h1>`), so they are dropped only outside article/main.
_EDGE_WORDS = frozenset("header head footer foot".split())
_ARTICLE_TAGS = ("article", "main")
_WORD_SPLIT = regex.compile(r"[\s_\-]+")
_HIDDEN = regex.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", regex.IGNORECASE)
_MAIN_SELECTORS = (
    "article", "main", "[role=main]", "#content", ".content", ".article", ".TRS_Editor",
    "#UCAP-CONTENT", "#zoom", ".article-content", ".pages_content", ".main-content",
    "#mainText", ".view",
)
_MIN_MAIN_SHARE = 0.3  # a "content" box with less of the page's text is a widget, not the article
_BLOCK_TAGS = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table tbody thead tfoot section article main "
    "blockquote pre center address figure figcaption hr caption body html".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_CHARSET = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", regex.IGNORECASE)
_GB_FAMILY = frozenset(("gb2312", "gbk", "gb18030", "x-gbk", "euc-cn"))
_INLINE_SPACE = regex.compile(r"[ \t\r\n\f\u00a0\u3000]+")
_HEADINGS = ("h1", "h2")


def read_html(data: bytes, name: str) -> RawText:
    markup, encoding = _decode(data, name)
    soup = BeautifulSoup(markup, "lxml")
    _remove_furniture(soup)
    root = soup.body or soup
    main = _main_container(root)
    lines = []
    if main is not root:
        heading = _heading_outside(root, main)
        if heading:
            lines.append(heading)
        root = main
    lines.extend(_lines(root))
    text = "\n".join(lines)
    tables, warnings = tables_from_lines(lines, _tables(root, lines), name=name)
    return RawText(text=text, fmt="html", encoding=encoding, line_pages=single_page(text),
                   warnings=warnings, tables=tables)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """BOM first, then the page's own meta charset if it decodes cleanly, then detection."""
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        codec = declared.group(1).decode("ascii", "replace").lower()
        codec = "gb18030" if codec in _GB_FAMILY else codec  # GB2312 pages use GBK characters
        try:
            return data.decode(codec), codec
        except (LookupError, UnicodeDecodeError):
            pass  # the declaration lies or is unknown: detect
    return decode_text(data, name)


def _furniture(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS or _HIDDEN.search(tag.get("style", "")):
        return True
    if tag.name in ("body", "html"):
        return False
    words = set(_WORD_SPLIT.split(" ".join(tag.get("class", [])).lower()))
    words.update(_WORD_SPLIT.split(tag.get("id", "").lower()))
    if words & _FURNITURE_WORDS:
        return True
    if tag.name in ("header", "footer") or words & _EDGE_WORDS:
        return tag.find_parent(_ARTICLE_TAGS) is None
    return False


def _remove_furniture(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_furniture):
        if not tag.decomposed:
            tag.decompose()


def _main_container(root: Tag) -> Tag:
    """The largest obvious content container, if it holds a fair share of the page's text."""
    total = len(root.get_text(strip=True))
    candidates = [tag for selector in _MAIN_SELECTORS for tag in root.select(selector)]
    if not candidates or not total:
        return root
    best = max(candidates, key=lambda tag: len(tag.get_text(strip=True)))
    if len(best.get_text(strip=True)) < _MIN_MAIN_SHARE * total:
        return root
    return best


def _heading_outside(root: Tag, main: Tag) -> str:
    """The article title when the content container does not include it: the nearest h1/h2
    before the container (the first one on the page is often the site's logo)."""
    heading = main.find_previous(_HEADINGS)
    if heading is None or not any(parent is root for parent in heading.parents):
        return ""
    text = _INLINE_SPACE.sub(" ", heading.get_text()).strip()
    return "" if text in main.get_text()[: 4 * len(text)] else text


def _lines(root: Tag) -> list[str]:
    """Render block elements as lines and table rows as tab-separated cells."""
    out: list[str] = []
    _render(root, out)
    return [line for line in (line.strip(" ") for line in "".join(out).split("\n")) if line]


def _render(node: Tag, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, _SKIP_STRINGS):
                out.append(_INLINE_SPACE.sub(" ", str(child)))
            continue
        if child.name == "br":
            out.append("\n")
        elif child.name == "tr":
            cells = [
                _INLINE_SPACE.sub(" ", cell.get_text(" ")).strip()
                for cell in child.find_all(_CELL_TAGS, recursive=False)
            ]
            out.append("\n" + "\t".join(cells) + "\n")
        elif child.name == "pre":
            out.append("\n" + child.get_text() + "\n")
        elif child.name in _BLOCK_TAGS:
            out.append("\n")
            _render(child, out)
            out.append("\n")
        else:
            _render(child, out)


def _row_line(tr: Tag) -> str:
    """A row as `_render` writes it."""
    return "\t".join(
        _INLINE_SPACE.sub(" ", cell.get_text(" ")).strip()
        for cell in tr.find_all(_CELL_TAGS, recursive=False)
    ).strip(" ")


def _span(cell: Tag, attr: str) -> int:
    value = regex.match(r"\s*(\d+)", str(cell.get(attr, "1")))
    return min(max(int(value.group(1)), 1), MAX_SPAN) if value else 1


def _tables(root: Tag, lines: list[str]) -> list[tuple[list[int], list[list[Cell]]]]:
    """Every innermost `<table>` with the line of each of its rendered rows (found in order)."""
    found = []
    cursor = 0
    for table in root.find_all("table"):
        if table.find("table") is not None:
            continue  # a layout table around other content
        numbers: list[int] = []
        rows: list[list[Cell]] = []
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue
            line = _row_line(tr)
            if not line:
                continue
            at = next((n for n in range(cursor, len(lines)) if lines[n] == line), -1)
            if at < 0:
                continue
            cursor = at + 1
            numbers.append(at)
            rows.append([Cell(_INLINE_SPACE.sub(" ", c.get_text(" ")).strip(), colspan=_span(c, "colspan"),
                              rowspan=_span(c, "rowspan"))
                         for c in tr.find_all(_CELL_TAGS, recursive=False)])
        if len(rows) >= 2:
            found.append((numbers, rows))
    return found
