"""PDF: the text layer page by page, without running headers, footers and page numbers.

Reports are typeset for print, so every page repeats a header or footer and a page number, and
paragraphs run across page breaks.  Those are removed or rejoined here, because only here is it
known where a page starts and ends.  Pages whose text layer is garbage (glyphs without a Unicode
mapping come out as `(cid:123)`) are reported and left out rather than passed on as text.
"""
from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass

import pdfplumber
import regex
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.ingest.base import MAX_CHARS
from pipeline.ingest.pdf_tables import in_table, page_tables
from pipeline.ingest.tables import Cell, is_figure, tables_from_lines
from pipeline.records import PipelineError, RawText, Warning_

# CJK glyphs are as wide as their font size; a gap under 40 % of it is spacing, not a space.
_X_TOLERANCE_RATIO = 0.4
_EOF_WINDOW = 1024  # readers accept %%EOF anywhere in the last 1 KB
_CID = regex.compile(r"\(cid:\d+\)")
_SPACE = regex.compile(r"\s+")
_DIGITS = regex.compile(r"\d+")
_CN_NUMERAL = r"[一二三四五六七八九十百零〇]+"
_PAGE_NUMBER = regex.compile(
    rf"""
      [-—–－_~·•.]*\d{{1,4}}[-—–－_~·•.]*                  # 3  - 3 -  —3—
    | 第(?:\d{{1,4}}|{_CN_NUMERAL})页(?:[,，/]?共\d{{1,4}}页)?   # 第3页  第3页共10页
    | 共\d{{1,4}}页[,，/]?第\d{{1,4}}页
    | \d{{1,4}}/\d{{1,4}}                                  # 3/10
    | (?i:page)\d{{1,4}}(?:(?i:of)\d{{1,4}})?
    """,
    regex.VERBOSE,
)
_SENTENCE_END = frozenset("。！？；：!?;:…”’」』）)】")
_EDGE_LINES = 3  # how deep into a page a running header or footer may sit
_MIN_REPEAT_SHARE = 0.5
_MAX_DAMAGED_SHARE = 0.5
_TITLE_SIZE_FACTOR = 1.2


@dataclass(frozen=True)
class _Line:
    text: str
    size: float  # largest font size in the line
    cells: tuple[str | None, ...] | None = None  # a table row: its cells (None: covered by a merge)
    table: int = -1  # the table (numbered through the document) the row belongs to


@dataclass(frozen=True)
class _Page:
    number: int
    lines: tuple[_Line, ...]
    body_size: float


def read_pdf(data: bytes, name: str) -> RawText:
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise PipelineError(
            "unreadable", f"{name}: the PDF is truncated (no %%EOF marker at the end of the file)"
        )
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as e:
        raise _open_error(e.args[0] if e.args else e, name) from e
    except Exception as e:  # pdfminer raises many types for a corrupt file
        raise PipelineError("unreadable", f"{name}: not a readable PDF ({e!r})") from e
    with pdf:
        pages, warnings = _read_pages(pdf, name)
    pages = _merge_continued_tables(_strip_running_lines(pages))
    text, line_pages, owners = _join_pages(pages)
    lines = text.split("\n")
    tables, table_warnings = tables_from_lines(lines, _table_rows(owners), name=name, line_pages=line_pages)
    return RawText(
        text=text, fmt="pdf", encoding="", line_pages=line_pages,
        warnings=(*warnings, *table_warnings), tables=tables,
    )


def _open_error(cause: object, name: str) -> PipelineError:
    if isinstance(cause, PDFPasswordIncorrect):
        return PipelineError(
            "pdf_password", f"{name}: the PDF is encrypted and needs a user password to open"
        )
    if isinstance(cause, PDFEncryptionError):
        return PipelineError(
            "unreadable", f"{name}: the PDF uses an encryption scheme that cannot be read ({cause})"
        )
    return PipelineError("unreadable", f"{name}: not a readable PDF ({cause!r})")


def _read_pages(pdf: pdfplumber.PDF, name: str) -> tuple[list[_Page], list[Warning_]]:
    """Extract every page's lines; damaged pages become warnings, not text."""
    try:
        raw_pages = pdf.pages
    except Exception as e:
        raise PipelineError("unreadable", f"{name}: the PDF page tree is corrupt ({e!r})") from e
    if not raw_pages:
        raise PipelineError("unreadable", f"{name}: the PDF has no pages")
    pages: list[_Page] = []
    warnings: list[Warning_] = []
    damaged = scanned = n_chars = n_tables = 0
    for number, page in enumerate(raw_pages, start=1):
        try:
            page = page.dedupe_chars()
            lines = page.extract_text_lines(x_tolerance_ratio=_X_TOLERANCE_RATIO)
            tables = page_tables(page, lines, x_tolerance_ratio=_X_TOLERANCE_RATIO)
            has_images = bool(page.images)
        except Exception as e:
            damaged += 1
            warnings.append(_damaged(name, number, f"it could not be parsed ({e!r})"))
            continue
        text = "".join(line["text"] for line in lines)
        unmapped = len(_CID.findall(text)) + text.count("\ufffd")
        readable = len(_SPACE.sub("", _CID.sub("", text).replace("\ufffd", "")))
        if unmapped and unmapped > _MAX_DAMAGED_SHARE * (unmapped + readable):
            damaged += 1
            warnings.append(
                _damaged(name, number, f"{unmapped} of its characters have no Unicode mapping")
            )
            continue
        if unmapped:
            warnings.append(
                Warning_(
                    "ingest",
                    "damaged_chars",
                    f"{name}: page {number}: {unmapped} characters without a Unicode mapping "
                    "were dropped",
                )
            )
        kept = []
        placed: set[int] = set()
        for line in lines:
            table = in_table(line, tables)
            size = max(c["size"] for c in line["chars"])
            if table is not None:
                if id(table) not in placed:  # the table's rows replace its lines, where it starts
                    placed.add(id(table))
                    kept.extend(_row_lines(table.rows, size, n_tables))
                    n_tables += 1
                continue
            line_text = _CID.sub("", line["text"]).replace("\ufffd", "").strip()
            if line_text:
                kept.append(_Line(line_text, size))
        if not kept:
            if has_images:
                scanned += 1
                warnings.append(
                    Warning_(
                        "ingest",
                        "no_text_page",
                        f"{name}: page {number} is an image without a text layer (scanned?); "
                        "its content is missing",
                    )
                )
            continue
        n_chars += sum(len(line.text) for line in kept)
        if n_chars > MAX_CHARS:
            raise PipelineError(
                "too_large", f"{name}: the text exceeds {MAX_CHARS:,} characters by page {number}"
            )
        sizes = [c["size"] for line in lines for c in line["chars"]]
        pages.append(_Page(number, tuple(kept), statistics.median(sizes)))
    if not pages:
        total = len(raw_pages)
        if damaged:
            raise PipelineError(
                "unreadable",
                f"{name}: the text layer of all {damaged} text pages is damaged "
                "(characters without a Unicode mapping); nothing could be read",
            )
        what = f"{scanned} of its {total} pages are images" if scanned else f"{total} pages"
        raise PipelineError(
            "no_text_layer",
            f"{name}: the PDF has no text layer ({what}); it looks scanned and needs OCR",
        )
    return pages, warnings


def _damaged(name: str, number: int, why: str) -> Warning_:
    return Warning_(
        "ingest", "damaged_page", f"{name}: page {number} was left out because {why}"
    )


def _key(text: str) -> str:
    """Running headers differ only in their numbers (第3期, 2025年3月): compare them masked."""
    return _DIGITS.sub("#", _SPACE.sub("", text))


def _strip_running_lines(pages: list[_Page]) -> list[_Page]:
    """Drop lines repeated at the top or bottom of most pages, and page-number lines."""
    top = Counter(k for p in pages for k in {_key(line.text) for line in p.lines[:_EDGE_LINES]})
    bottom = Counter(
        k for p in pages for k in {_key(line.text) for line in p.lines[-_EDGE_LINES:]}
    )
    needed = max(2, _MIN_REPEAT_SHARE * len(pages))
    running_top = {k for k, n in top.items() if n >= needed}
    running_bottom = {k for k, n in bottom.items() if n >= needed}

    def running(page: _Page, line: _Line, keys: set[str]) -> bool:
        if line.cells is not None:
            return False  # a table's header row repeated on every page is not a running header
        if _PAGE_NUMBER.fullmatch(_SPACE.sub("", line.text)):
            return True
        if _key(line.text) not in keys:
            return False
        # The title on page 1 may repeat the running header; it is set larger than the body.
        return page.number != pages[0].number or line.size <= (
            _TITLE_SIZE_FACTOR * page.body_size
        )

    stripped = []
    for page in pages:
        lines = list(page.lines)
        start = 0
        while start < min(_EDGE_LINES, len(lines)) and running(page, lines[start], running_top):
            start += 1
        end = len(lines)
        while end > max(start, len(lines) - _EDGE_LINES) and running(
            page, lines[end - 1], running_bottom
        ):
            end -= 1
        if start < end:
            stripped.append(_Page(page.number, tuple(lines[start:end]), page.body_size))
    return stripped


def _join_pages(pages: list[_Page]) -> tuple[str, tuple[int, ...], list[_Line | None]]:
    """Join pages; a blank line marks a page break only where a sentence ends there.

    A page whose last line does not end a sentence continues on the next page, so the two are
    joined with a plain line break that normalization treats like any other wrapped line.  The
    blank line, where there is one, counts as the last line of the earlier page.  `owners[i]` is
    the `_Line` of output line i (None for the blank lines).
    """
    lines: list[str] = []
    line_pages: list[int] = []
    owners: list[_Line | None] = []
    for page in pages:
        if lines and lines[-1] and lines[-1][-1] in _SENTENCE_END:
            lines.append("")
            line_pages.append(line_pages[-1])
            owners.append(None)
        lines.extend(line.text for line in page.lines)
        line_pages.extend([page.number] * len(page.lines))
        owners.extend(page.lines)
    return "\n".join(lines), tuple(line_pages), owners


def _row_lines(rows: tuple[tuple[str | None, ...], ...], size: float, table: int) -> list[_Line]:
    """A table rendered one line per row, cells separated by tabs."""
    return [_Line("\t".join(c or "" for c in row), size, cells=row, table=table) for row in rows]


def _merge_continued_tables(pages: list[_Page]) -> list[_Page]:
    """A table that ends one page and starts the next with the same columns continues there: its
    repeated header rows are dropped and its rows join the table of the earlier page."""
    out = list(pages)
    for k in range(1, len(out)):
        before, after = out[k - 1].lines, out[k].lines
        if not before or not after or before[-1].cells is None or after[0].cells is None:
            continue
        first = [line for line in before if line.table == before[-1].table]
        head = [line for line in after if line.table == after[0].table]
        if len(first[0].cells) != len(head[0].cells):
            continue
        repeated = 0
        while repeated < min(len(first), len(head)) and head[repeated].cells == first[repeated].cells:
            repeated += 1
        if not repeated and not any(is_figure(c or "") for c in head[0].cells[1:]):
            continue  # a new table with its own header
        rest = tuple(
            _Line(line.text, line.size, line.cells, first[0].table) if line.table == head[0].table else line
            for line in after[repeated:]
        )
        out[k] = _Page(out[k].number, rest, out[k].body_size)
    return out


def _table_rows(owners: list[_Line | None]) -> list[tuple[list[int], list[list[Cell]]]]:
    """Line numbers and cells of every table, in order."""
    groups: dict[int, tuple[list[int], list[list[Cell]]]] = {}
    for n, line in enumerate(owners):
        if line is None or line.cells is None:
            continue
        numbers, rows = groups.setdefault(line.table, ([], []))
        numbers.append(n)
        body = any(is_figure(c or "") for c in line.cells[1:])
        rows.append([
            Cell(c) if c is not None else Cell("", covered="" if body and j else "left" if j else "up")
            for j, c in enumerate(line.cells)
        ])
    return list(groups.values())
