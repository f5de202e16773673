"""Indicators from tables: every figure cell of a readable table becomes one indicator row.

A cell's meaning is spread over the table: what is measured comes from the row label and the
column header (or the caption when the row label is a place), the unit from the cell, the column
header, a unit column or the `单位：` line, the period from the header or caption, and whether the
figure is a change from header words such as `比上年增长(%)`.  Tables marked with a `problem` by
ingest (ragged rows, no header row) yield nothing: their figures are not guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import regex

from pipeline.extract.catalogue import canonical_indicator
from pipeline.extract.numbers import find_quantities
from pipeline.extract.places import Division, division, lookup
from pipeline.ingest.tables import rules as cell_rules
from pipeline.records import Doc, Indicator, Table
from pipeline.rules import load_yaml

PAREN = regex.compile(r"[（(]([^()（）]*)[)）]")
YEAR = regex.compile(r"(?<!\d)((?:19|20)\d\d)(?:年|$)")
TRAILING_PERCENT = regex.compile(r"[(（]?\s*([%‰])\s*[)）]?$")
LABEL_NOISE = regex.compile(r"^[\s#*＃△▲]+|^(?:其中|内|包括)[：:]\s*|[\s:：]+$")
REGION_TOTALS = {"全省": "province", "全市": "prefecture", "全区": "county", "全县": "county"}


@dataclass(frozen=True)
class _Rules:
    change: tuple[str, ...]
    down: tuple[str, ...]
    base_last: tuple[str, ...]
    not_unit: regex.Pattern
    totals: frozenset[str]
    generic: frozenset[str]
    unit_columns: frozenset[str]
    caption_noise: regex.Pattern
    empty: frozenset[str]
    measures: tuple[str, ...]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    r = load_yaml("tables.yaml")
    return _Rules(
        change=tuple(sorted(r["change_headers"], key=len, reverse=True)),
        down=tuple(sorted(r["down_headers"], key=len, reverse=True)),
        base_last=tuple(r["base_last_year"]),
        not_unit=regex.compile(r["not_unit"]),
        totals=frozenset(r["total_rows"]),
        generic=frozenset(r["generic_headers"]),
        unit_columns=frozenset(r["unit_columns"]),
        caption_noise=regex.compile(r["caption_noise"]),
        empty=frozenset(r["empty_cells"]),
        measures=tuple(r["measure_suffixes"]),
    )


@dataclass(frozen=True)
class _Unit:
    unit: str
    factor: Decimal


@dataclass(frozen=True)
class _Column:
    """What a column header says about its cells."""

    name: str  # what is measured, "" when the header names no measure of its own
    unit: _Unit | None
    period: str
    kind: str  # level / change
    direction: str  # up / down for a change column
    base: str


@dataclass(frozen=True)
class _Figure:
    start: int  # within the cell's text
    end: int
    value: Decimal
    negative: bool
    unit: _Unit | None


def _unit_of(text: str) -> _Unit | None:
    """The unit a header or unit line writes (`万人`, `%`, `亿元`), None for anything else."""
    text = text.strip()
    if not text or _rules().not_unit.search(text):
        return None
    found = find_quantities("1" + text)
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(text) + 1:
        return None
    return _Unit(found[0].unit, Decimal(repr(found[0].value)))


def _column(parts: list[str]) -> _Column:
    """Combine the header cells above one column, top to bottom."""
    r = _rules()
    names, unit, period, kind, direction, base = [], None, "", "level", "", ""
    for part in parts:
        part = part.strip()
        if cell_rules().unit_note.search(part):
            continue
        for m in PAREN.finditer(part):
            unit = _unit_of(m.group(1)) or unit
        bare = PAREN.sub("", part).strip()
        percent = TRAILING_PERCENT.search(bare)
        if percent:
            unit = _unit_of(percent.group(1))
            bare = bare[: percent.start()].strip()
        year = YEAR.search(bare)
        if year:
            period = year.group(1)
            bare = YEAR.sub("", bare).strip()
        change = next((w for w in r.change if w in bare), "")
        down = next((w for w in r.down if w in bare), "")
        if change or down:
            kind, direction = "change", "down" if down and len(down) >= len(change) else "up"
            base = "年均" if "年均" in bare else "上年" if any(w in bare for w in r.base_last) or not base else base
            bare = bare.replace(down or change, "").replace("比上年", "").replace("同比", "").strip()
        if bare and bare not in r.generic and bare not in names:
            names.append(bare)
    return _Column("".join(names), unit, period, kind, direction, base)


def _figure(cell: str) -> _Figure | None:
    """The figure a body cell holds (footnote markers left out), None for text and placeholders."""
    if cell.strip() in _rules().empty:
        return None
    m = cell_rules().number.match(cell)
    if m:
        number = m.group(2)
        unit = None
        if number.endswith(("%", "‰")):
            unit = _Unit(number[-1], Decimal(1))
            number = number[:-1].rstrip()
        try:
            value = Decimal(number.replace(",", ""))
        except InvalidOperation:
            return None
        return _Figure(m.start(2), m.end(2), value, bool(m.group(1)), unit)
    found = find_quantities(cell.strip())
    offset = len(cell) - len(cell.lstrip())
    if len(found) == 1 and found[0].start in (0, 1) and found[0].end == len(cell.strip()) and not found[0].is_rank:
        q = found[0]
        negative = q.negative and q.start == 1
        if q.start == 1 and not negative:
            return None
        return _Figure(offset + q.start, offset + q.end, Decimal(repr(q.value)), negative, _Unit(q.unit, Decimal(1)))
    return None


def _place(label: str, doc: Doc) -> Division | None:
    """The division a row label names; the document's region breaks ties between namesakes."""
    region = doc.meta.region_code
    if label in REGION_TOTALS:
        div = division(region)
        while div is not None and div.level != REGION_TOTALS[label]:
            div = division(div.parent_code)
        return div
    found = lookup(label)
    if not found:
        return None
    near = [d for d in found if region and (d.code[:2] == region[:2])]
    return (near or list(found))[0]


def _caption_subject(caption: str) -> str:
    return _rules().caption_noise.sub("", caption).strip()


def extract_table_indicators(doc: Doc, tables: tuple[Table, ...]) -> tuple[Indicator, ...]:
    """Every figure cell of every readable table, in text order (tables carry normalized offsets)."""
    rows: list[Indicator] = []
    for table in tables:
        if not table.problem and table.header and table.body:
            rows.extend(_table_rows(doc, table))
    return tuple(rows)


def _table_rows(doc: Doc, table: Table) -> list[Indicator]:
    r = _rules()
    width = len(table.header[0])
    columns = [_column(list(dict.fromkeys(h[j] for h in table.header))) for j in range(width)]
    unit_col = next((j for j in range(width) if table.header[-1][j].strip() in r.unit_columns), -1)
    figure_cols = [j for j in range(width) if j != unit_col and any(_figure(row[j]) for row in table.body)]
    if not figure_cols:
        return []
    label_cols = [j for j in range(figure_cols[0]) if j != unit_col]
    table_unit = _unit_of(table.unit_note) if table.unit_note else None
    caption_year = YEAR.search(table.caption)
    caption_subject = _caption_subject(table.caption)
    region = division(doc.meta.region_code)
    n_head = len(table.header)
    out: list[Indicator] = []
    for b, cells in enumerate(table.body):
        i = n_head + b
        label = LABEL_NOISE.sub("", "".join(dict.fromkeys(cells[j] for j in label_cols if cells[j].strip())))
        total = label in r.totals
        place = _place(label, doc) if label else None
        if place is None and total and label not in REGION_TOTALS and label != "全国":
            place = region
        row_unit = _unit_of(cells[unit_col]) if unit_col >= 0 else None
        for j in figure_cols:
            span = _cell_span(doc.text, table, i, j)
            fig = _figure(doc.text[span[0]:span[1]]) if span else None
            if fig is None:
                continue
            col = columns[j]
            start, end = span[0] + fig.start, span[0] + fig.end
            subject = _subject(label, col, columns, j, caption_subject, place is not None or total, r)
            if not subject:
                continue
            unit = fig.unit or col.unit or row_unit or table_unit
            kind, direction = col.kind, col.direction
            if kind == "change" and fig.negative:
                direction = "down" if direction == "up" else "up"
            value = fig.value * (unit.factor if unit and fig.unit is None else Decimal(1))
            where = place if place is not None else (None if label == "全国" else region)
            sent = doc.sentence_at(start)
            out.append(Indicator(
                sent_id=sent.sent_id if sent else -1, start=start, end=end,
                evidence=sent.text if sent else doc.text[span[0]:span[1]],
                subject=subject, indicator=canonical_indicator(subject), value=float(value),
                unit=unit.unit if unit else "", value_raw=doc.text[start:end], qualifier="=",
                kind=kind, direction=direction if kind == "change" else "", base=col.base if kind == "change" else "",
                modality="actual",
                period=col.period or (caption_year.group(1) if caption_year else "") or (
                    str(doc.meta.review_year) if doc.meta.review_year else ""),
                place=where.name if where else "", place_code=where.code if where else "", scope="",
                rule="table", table_id=table.table_id, row=i, col=j,
            ))
    return out


def _subject(label: str, col: _Column, columns: list[_Column], j: int, caption: str, by_place: bool,
             r: _Rules) -> str:
    """Row label and column name; a place label leaves the column (or caption) to name the measure,
    a label that already names a measure (发电量) keeps it; a change column without a name of its
    own measures the column to its left."""
    name = col.name
    if not name and col.kind == "change":
        name = next((c.name for c in reversed(columns[1:j]) if c.name and c.kind == "level"), "")
    if by_place:
        return name or caption
    if not label:
        return name
    if not name or name in label or label.endswith(r.measures):
        return label
    return label + name




def _cell_span(text: str, table: Table, i: int, j: int) -> tuple[int, int] | None:
    """Offsets of grid cell (i, j) in the normalized text, None when a merged cell covers it."""
    k = table.cell_index[i][j]
    if k < 0:
        return None
    start = table.row_starts[i]
    end = text.find("\n", start)
    line = text[start: len(text) if end < 0 else end]
    parts = line.split("\t")
    if k >= len(parts):
        return None
    pos = start + sum(len(p) + 1 for p in parts[:k])
    return pos, pos + len(parts[k])
