"""Tables shared by the format readers: rows of cells → a rectangular `Table` with caption and unit line.

Every reader renders a table into its text one line per row, cells separated by tabs, and hands
the rows here as `Cell`s with their spans.  Merged cells are expanded so that every grid position
knows its text; a table whose rows do not make a rectangle, or whose first row already holds
figures, is kept (its lines are still a table, not running text) but marked with a `problem` and a
warning, so that nothing is guessed from it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from pipeline.records import Table, Warning_
from pipeline.rules import load_yaml

MAX_SPAN = 64  # a colspan or rowspan beyond this is a broken attribute, not a layout


@dataclass(frozen=True)
class Cell:
    """One cell as the source writes it; `covered` cells are rendered empty and take their text
    from the cell above ("up", a vertical merge) or to the left ("left", a horizontal merge)."""

    text: str
    colspan: int = 1
    rowspan: int = 1
    covered: str = ""


@dataclass(frozen=True)
class _Rules:
    caption: regex.Pattern
    unit_note: regex.Pattern
    number: regex.Pattern
    caption_lines: int
    caption_max: int


@lru_cache(maxsize=1)
def rules() -> _Rules:
    r = load_yaml("tables.yaml")
    return _Rules(
        caption=regex.compile(r["caption"]),
        unit_note=regex.compile(r["unit_note"]),
        number=regex.compile(r["number_cell"]),
        caption_lines=int(r["caption_lines"]),
        caption_max=int(r["caption_max_chars"]),
    )


def is_figure(text: str) -> bool:
    """A cell that holds a figure (not a year heading such as `2021`)."""
    m = rules().number.match(text)
    if not m:
        return False
    number = m.group(2)
    return not (not m.group(1) and regex.fullmatch(r"(?:19|20)\d\d", number))


def caption_of(before: Sequence[str]) -> tuple[str, str]:
    """(caption, unit note) from the last few lines before a table, nearest last."""
    r = rules()
    caption = unit = ""
    for line in [x.strip() for x in before if x.strip()][::-1][: r.caption_lines]:
        note = r.unit_note.search(line)
        if note and not unit:
            unit = note.group(1)
            line = line[: note.start()].strip()
            if not line:
                continue
        if "\t" in line or len(line) > r.caption_max or line[-1] in "。；;":
            break
        caption = line
        break
    return caption, unit


def build_table(*, table_id: str, rows: Sequence[Sequence[Cell]], row_starts: Sequence[int],
                row_lines: Sequence[str], before: Sequence[str], page: int = 1,
                name: str = "") -> tuple[Table, tuple[Warning_, ...]]:
    """A `Table` from its rendered rows; `before` are the lines that precede it (for the caption)."""
    caption, unit = caption_of(before)
    grid, index, width = _expand(rows)
    problem = ""
    ragged = [i for i, row in enumerate(grid) if len(row) != width or any(c is None for c in row)]
    texts = [tuple(c if c is not None else "" for c in row) for row in grid]
    figures = any(is_figure(c) for row in texts for c in row[1:])
    n_head = next((i for i, row in enumerate(texts) if any(is_figure(c) for c in row[1:])), len(texts))
    if ragged:
        problem = f"ragged rows: row {ragged[0] + 1} has {sum(c is not None for c in grid[ragged[0]])} " \
                  f"cells where the table has {width} columns"
    elif figures and n_head == 0:
        problem = "no header row: the first row already holds figures"
    table = Table(
        table_id=table_id, caption=caption, unit_note=unit,
        header=tuple(texts[:n_head]), body=tuple(texts[n_head:]),
        position=(row_starts[0], row_starts[-1] + len(row_lines[-1])),
        row_starts=tuple(row_starts), cell_index=tuple(tuple(r) for r in index), page=page,
        problem=problem,
    )
    if not problem or not figures:
        return table, ()
    where = f"{name}: table {table_id}" + (f" ({caption})" if caption else "") + (f" on page {page}" if page > 1 else "")
    return table, (Warning_("tables", "irregular_table", f"{where} was not read: {problem}"),)


def _expand(rows: Sequence[Sequence[Cell]]) -> tuple[list[list[str | None]], list[list[int]], int]:
    """The grid of texts (None where no cell reaches) and, per position, the cell's index in the
    rendered line (-1 for positions a merged cell covers)."""
    grid: list[dict[int, tuple[str, int]]] = [{} for _ in rows]
    for i, row in enumerate(rows):
        col = 0
        for k, cell in enumerate(row):
            while col in grid[i]:
                col += 1
            text = cell.text
            if cell.covered == "up" and i > 0 and col in grid[i - 1]:
                text = grid[i - 1][col][0]
            elif cell.covered == "left" and col > 0 and col - 1 in grid[i]:
                text = grid[i][col - 1][0]
            own = -1 if cell.covered else k
            for di in range(max(1, min(cell.rowspan, MAX_SPAN))):
                if i + di >= len(rows):
                    break
                for dj in range(max(1, min(cell.colspan, MAX_SPAN))):
                    first = di == 0 and dj == 0
                    grid[i + di].setdefault(col + dj, (text, own if first else -1))
            col += max(1, min(cell.colspan, MAX_SPAN))
    width = max((max(r) + 1 for r in grid if r), default=0)
    texts = [[r[j][0] if j in r else None for j in range(max(r) + 1 if r else 0)] for r in grid]
    index = [[r[j][1] if j in r else -1 for j in range(width)] for r in grid]
    return texts, index, width


def tables_from_lines(lines: Sequence[str], found: Sequence[tuple[Sequence[int], Sequence[Sequence[Cell]]]],
                      *, name: str, line_pages: Sequence[int] = ()) -> tuple[tuple[Table, ...], tuple[Warning_, ...]]:
    """Tables of a text made of `"\\n".join(lines)`: `found` gives, per table, the line index of
    each rendered row and the rows' cells; `line_pages` the page of each line."""
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    tables: list[Table] = []
    warnings: list[Warning_] = []
    for line_numbers, rows in found:
        if not line_numbers:
            continue
        table, warned = build_table(
            table_id=f"t{len(tables) + 1}", rows=rows, row_starts=[starts[n] for n in line_numbers],
            row_lines=[lines[n] for n in line_numbers], before=lines[max(0, line_numbers[0] - 4): line_numbers[0]],
            page=line_pages[line_numbers[0]] if line_pages else 1, name=name)
        tables.append(table)
        warnings.extend(warned)
    return tuple(tables), tuple(warnings)
