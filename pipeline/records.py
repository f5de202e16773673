"""The typed records every stage passes on.

Stages are pure functions from these records to these records; only the runner (`batch.py`) and
`output/` touch the file system.  All offsets are character offsets into the normalized text.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property


class PipelineError(Exception):
    """A failure with one of the error codes of SPEC §1 (too_large, zip_bomb, pdf_password,
    no_text_layer, unreadable, empty, …); the runner turns it into a row of `errors`."""

    def __init__(self, code: str, message: str, *, stage: str = "ingest") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.stage = stage

    def __reduce__(self):
        return (_rebuild_error, (self.code, self.message, self.stage))


def _rebuild_error(code: str, message: str, stage: str) -> PipelineError:
    return PipelineError(code, message, stage=stage)


@dataclass(frozen=True)
class Warning_:
    """A problem that does not stop the document (a damaged PDF page, an irregular table)."""

    stage: str
    code: str
    message: str


@dataclass(frozen=True)
class Table:
    """A table as the document lays it out: caption, unit line, header and body rows.

    Rows are a rectangular grid: a cell merged across columns or rows is repeated in every grid
    position it covers.  The table is also rendered into the text, one line per row with cells
    separated by tabs; `row_starts[i]` is the offset of row i's line (header rows first) and
    `cell_index[i][j]` the index of grid cell j among that line's tab-separated cells, -1 where
    the position is covered by a merged cell written elsewhere.  Offsets are raw-text offsets in
    `RawText.tables` and normalized-text offsets in `Doc.tables`.
    """

    table_id: str
    caption: str
    unit_note: str
    header: tuple[tuple[str, ...], ...]
    body: tuple[tuple[str, ...], ...]
    position: tuple[int, int]
    row_starts: tuple[int, ...]
    cell_index: tuple[tuple[int, ...], ...]
    page: int = 1
    problem: str = ""  # why the table is not read (ragged rows, no header row), else ""


@dataclass(frozen=True)
class RawText:
    """What ingest returns: the document's text before normalization, and where it came from.

    `line_pages[i]` is the page (1-based; always 1 for non-paginated formats) of the i-th line of
    `text.split("\\n")`, so any raw offset maps back to page and line.
    """

    text: str
    fmt: str  # txt / pdf / docx / html
    encoding: str = "utf-8"
    line_pages: tuple[int, ...] = ()
    warnings: tuple[Warning_, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Normalized:
    """Normalized text (SPEC §3) with, for every character, its offset in the raw text."""

    text: str
    to_raw: tuple[int, ...]
    boilerplate: tuple[tuple[int, int], ...] = ()  # spans kept in the text but out of extraction

    def in_boilerplate(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.boilerplate)


@dataclass(frozen=True)
class Section:
    section_id: str
    parent_id: str
    level: int
    marker: str
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    sent_id: int
    section_id: str
    start: int
    end: int
    text: str
    paragraph: int = 0  # index of the paragraph the sentence is in
    boilerplate: bool = False
    table: str = ""  # table_id when the sentence is a rendered table row


@dataclass(frozen=True)
class DocMeta:
    title: str = ""
    issuer: str = ""
    region: str = ""
    region_code: str = ""
    year: int = 0
    review_year: int = 0
    genre: str = "other"
    script: str = "simplified"


@dataclass(frozen=True)
class Period:
    """A year span attached to part of a document (a section or a paragraph cue)."""

    start: int
    end: int
    period: str  # "2025" or "2021-2025"
    plan: bool = False  # the coming year's or a multi-year plan part: figures there are targets


@dataclass(frozen=True)
class Doc:
    """A normalized, structured document: what every extractor reads."""

    doc_id: str
    source: str
    text: str
    meta: DocMeta
    sections: tuple[Section, ...]
    sentences: tuple[Sentence, ...]
    boilerplate: tuple[tuple[int, int], ...] = ()
    paragraphs: tuple[tuple[int, int], ...] = ()
    section_periods: tuple[Period, ...] = field(default=())

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def sentence_at(self, pos: int) -> Sentence | None:
        """The sentence that holds offset `pos` (sentences are in text order), else None."""
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        sent = self.sentences[i] if i >= 0 else None
        return sent if sent is not None and pos < sent.end else None
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Quantity:
    """A number found by the number grammar, before it is bound to a subject.

    `value` has every multiplier applied; `unit` is canonical (units.tsv); `value_raw` is the
    surface from the number to the unit (with 第 for ranks), `text[start:end] == value_raw`.
    `qualifier` is the one carried inside the number (余/多 → '>'), else ''. A range gives two
    quantities that share `range_id` with `bound` '>=' and '<='.
    """

    start: int
    end: int
    value: float
    unit: str
    value_raw: str
    qualifier: str = ""
    is_rank: bool = False
    is_percent_change_unit: bool = False  # 百分点 / 千分点 / 基点
    range_id: int = -1
    bound: str = ""
    negative: bool = False  # a written minus sign (value stays >= 0; the binder sets direction)


@dataclass(frozen=True)
class Indicator:
    sent_id: int
    start: int
    end: int
    evidence: str
    subject: str
    indicator: str
    value: float
    unit: str
    value_raw: str
    qualifier: str
    kind: str
    direction: str
    base: str
    modality: str
    period: str
    place: str
    place_code: str
    scope: str
    rule: str = ""
    table_id: str = ""  # the table, row and column of a table cell; "", -1, -1 in running text
    row: int = -1
    col: int = -1


@dataclass(frozen=True)
class Place:
    sent_id: int
    start: int
    end: int
    mention: str
    name: str
    code: str
    level: str
    type: str
    parent_code: str
    candidates: str = ""  # other candidate codes, space-separated
    source: str = "rule"


@dataclass(frozen=True)
class Policy:
    sent_id: int
    start: int
    end: int
    mention: str
    name: str
    type: str
    source: str = "rule"


@dataclass(frozen=True)
class Organization:
    sent_id: int
    start: int
    end: int
    mention: str
    name: str
    type: str
    source: str = "rule"


@dataclass(frozen=True)
class DocResult:
    """Everything one document contributes to the tables; what the runner caches and writes."""

    doc_id: str
    source: str
    doc: Doc | None
    indicators: tuple[Indicator, ...] = ()
    places: tuple[Place, ...] = ()
    policies: tuple[Policy, ...] = ()
    organizations: tuple[Organization, ...] = ()
    warnings: tuple[Warning_, ...] = ()
    error: PipelineError | None = None
