"""Tables on a PDF page: ruled ones from pdfplumber's `lines` finder, unruled ones only where a
block of text lines clearly forms aligned columns.

pdfplumber's `text` strategy finds "columns" in any justified paragraph, so unruled tables are
found from the lines themselves: a line whose characters fall into two or more runs separated by
wide gaps is columnar, and three or more consecutive columnar lines with the same number of runs,
each run overlapping the same column of the lines around it, are a table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.ingest.tables import is_figure

ROW_SLACK = 1.0  # points a text line may stick out of a table's box and still belong to it
GAP_FACTOR = 1.5  # a gap wider than this many font sizes separates two columns
MIN_ROWS = 3  # an unruled table needs at least a header and two body rows
MAX_CELL = 24  # characters; longer runs are text columns of a two-column page, not cells
RULED = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


@dataclass(frozen=True)
class PageTable:
    top: float
    bottom: float
    x0: float
    x1: float
    rows: tuple[tuple[str | None, ...], ...]  # None where a merged cell covers the position


def page_tables(page: Any, lines: list[dict], *, x_tolerance_ratio: float) -> list[PageTable]:
    """Every table of a page, top to bottom."""
    found = []
    for table in page.find_tables(RULED):
        rows = [[_cell_text(c) for c in row] for row in table.extract(x_tolerance_ratio=x_tolerance_ratio)]
        if len(rows) >= 2 and len(rows[0]) >= 2 and any(sum(bool(c) for c in row) >= 2 for row in rows):
            x0, top, x1, bottom = table.bbox
            found.append(PageTable(top, bottom, x0, x1, tuple(tuple(r) for r in rows)))
    free = [line for line in lines if not any(_inside(line, t) for t in found)]
    found.extend(_unruled(free))
    return sorted(found, key=lambda t: t.top)


def in_table(line: dict, tables: list[PageTable]) -> PageTable | None:
    return next((t for t in tables if _inside(line, t)), None)


def _inside(line: dict, table: PageTable) -> bool:
    middle = (line["top"] + line["bottom"]) / 2
    return (table.top - ROW_SLACK <= middle <= table.bottom + ROW_SLACK
            and line["x0"] < table.x1 and table.x0 < line["x1"])


def _cell_text(text: str | None) -> str | None:
    """A cell's lines joined: CJK text wraps without spaces."""
    if text is None:
        return None
    return "".join(part.strip() for part in text.split("\n"))


def _runs(line: dict) -> list[tuple[float, float, str]]:
    """The line's characters split at wide gaps: (x0, x1, text) per run."""
    runs: list[list] = []
    for ch in sorted(line["chars"], key=lambda c: c["x0"]):
        if ch["text"].isspace():
            continue
        if runs and ch["x0"] - runs[-1][1] <= GAP_FACTOR * ch["size"]:
            runs[-1][1] = ch["x1"]
            gap = ch["x0"] - runs[-1][3]
            runs[-1][2] += (" " if gap > 0.25 * ch["size"] and not _cjk(ch["text"]) else "") + ch["text"]
            runs[-1][3] = ch["x1"]
        else:
            runs.append([ch["x0"], ch["x1"], ch["text"], ch["x1"]])
    return [(r[0], r[1], r[2]) for r in runs]


def _cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _aligned(a: list[tuple[float, float, str]], b: list[tuple[float, float, str]]) -> bool:
    """Each run of `a` overlaps the run of `b` in the same column and no other."""
    if len(a) != len(b):
        return False
    for k, (x0, x1, _) in enumerate(a):
        hits = [j for j, (y0, y1, _) in enumerate(b) if x0 < y1 and y0 < x1]
        if hits != [k]:
            return False
    return True


def _unruled(lines: list[dict]) -> list[PageTable]:
    found = []
    block: list[tuple[dict, list]] = []

    def close() -> None:
        cells = [[text for _, _, text in runs] for _, runs in block]
        with_figures = sum(any(is_figure(c) for c in row[1:]) for row in cells)
        if (len(block) >= MIN_ROWS and 2 * with_figures >= len(block)
                and all(len(c) <= MAX_CELL for row in cells for c in row)):
            found.append(PageTable(
                top=min(line["top"] for line, _ in block), bottom=max(line["bottom"] for line, _ in block),
                x0=min(line["x0"] for line, _ in block), x1=max(line["x1"] for line, _ in block),
                rows=tuple(tuple(text for _, _, text in runs) for _, runs in block)))
        block.clear()

    for line in sorted(lines, key=lambda x: x["top"]):
        runs = _runs(line)
        if len(runs) < 2:
            close()
            continue
        if block and not _aligned(block[-1][1], runs):
            close()
        block.append((line, runs))
    close()
    return found
