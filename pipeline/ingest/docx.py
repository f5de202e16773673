"""DOCX: body paragraphs and tables in document order, one line per paragraph or table row.

The archive's declared sizes are checked before anything is inflated: python-docx reads every
part into memory, and `zipfile` never inflates a member past its declared size, so the central
directory is enough to refuse a zip bomb.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
import regex
from docx.document import Document
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from pipeline.ingest.base import MAX_INFLATE_RATIO, MAX_MEMBER_BYTES, single_page
from pipeline.ingest.tables import Cell, tables_from_lines
from pipeline.records import PipelineError, RawText

_CELL_SPACE = regex.compile(r"\s*[\t\n]\s*")
_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
_V_MERGE = qn("w:vMerge")
_VAL = qn("w:val")
_MB = 1024 * 1024


def read_docx(data: bytes, name: str) -> RawText:
    check_archive(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError, ValueError, lxml errors, …
        raise PipelineError(
            "unreadable", f"{name}: not a readable Word document ({type(e).__name__}: {e})"
        ) from e
    lines: list[str] = []
    found: list[tuple[range, list[list[Cell]]]] = []
    for block in _block_lines(document.element.body, document):
        if isinstance(block, str):
            lines.append(block)
        else:
            rendered = list(_table_lines(block))
            found.append((range(len(lines), len(lines) + len(rendered)), _table_cells(block)))
            lines.extend(rendered)
    text = "\n".join(lines)
    tables, warnings = tables_from_lines(lines, found, name=name)
    return RawText(text=text, fmt="docx", encoding="", line_pages=single_page(text),
                   warnings=warnings, tables=tables)


def check_archive(data: bytes, name: str) -> None:
    """Refuse a non-zip, a zip that is no Word document, and any member that would inflate
    over 200 MB or over 100× its compressed size (SPEC §1); the whole archive is held to the
    same 200 MB so that many medium members cannot add up to a bomb."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise PipelineError(
            "unreadable", f"{name}: not a Word .docx file (not a zip archive: {e})"
        ) from e
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise PipelineError(
                "zip_bomb",
                f"{name}: archive member {member.filename} would inflate to "
                f"{member.file_size / _MB:,.0f} MB (limit {MAX_MEMBER_BYTES // _MB} MB)",
            )
        if member.file_size > MAX_INFLATE_RATIO * max(member.compress_size, 1):
            raise PipelineError(
                "zip_bomb",
                f"{name}: archive member {member.filename} would inflate "
                f"{member.file_size / max(member.compress_size, 1):,.0f}× "
                f"(from {member.compress_size:,} to {member.file_size:,} bytes; "
                f"limit {MAX_INFLATE_RATIO}×)",
            )
    total = sum(m.file_size for m in members)
    if total > MAX_MEMBER_BYTES:
        raise PipelineError(
            "zip_bomb",
            f"{name}: the archive would inflate to {total / _MB:,.0f} MB in total "
            f"(limit {MAX_MEMBER_BYTES // _MB} MB)",
        )
    if not any(m.filename == "word/document.xml" for m in members):
        raise PipelineError(
            "unreadable", f"{name}: a zip archive but not a Word document (no word/document.xml)"
        )


def _block_lines(container: BaseOxmlElement, parent: Document) -> Iterator[str | Table]:
    """Paragraphs (as text) and tables of a body (or content control) in the order they appear."""
    for child in container.iterchildren():
        if child.tag == _P:
            yield Paragraph(child, parent).text
        elif child.tag == _TBL:
            yield Table(child, parent)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _block_lines(content, parent)


def _table_lines(table: Table) -> Iterator[str]:
    """One line per row, cells separated by tabs.

    Cells are read from the row's own `w:tc` elements: a horizontally merged cell appears once
    and the continuation of a vertically merged cell is empty, so no text is repeated.
    """
    for row in _table_cells(table):
        yield "\t".join(cell.text for cell in row)


def _table_cells(table: Table) -> list[list[Cell]]:
    """Each row's own cells with their column spans; a vertical merge's continuation is empty."""
    rows = []
    for row in table.rows:
        cells = []
        for tc in row._tr.tc_lst:
            v_merge = tc.tcPr.find(_V_MERGE) if tc.tcPr is not None else None
            if v_merge is not None and v_merge.get(_VAL, "continue") == "continue":
                cells.append(Cell("", colspan=tc.grid_span, covered="up"))
            else:
                text = _CELL_SPACE.sub(" ", _Cell(tc, table).text).strip()
                cells.append(Cell(text, colspan=tc.grid_span))
        rows.append(cells)
    return rows
