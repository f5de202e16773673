"""The tables of SPEC §2: explicit schemas, rows built from DocResults, deterministic files.

Every table is declared once here (name, type, meaning, allowed values) so that the Parquet
schema, the CSV header and the codebook cannot drift apart.  Rows are sorted on (doc_id, start,
end, then every other column) and written with fixed settings, so a rerun is byte-identical.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.records import DocResult, PipelineError

ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
QUALIFIERS = ("=", ">", ">=", "<", "<=", "~")
PLACE_LEVELS = {"province": 1, "prefecture": 2, "county": 3, "township": 4, "village": 5}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string / int / float / bool
    meaning: str
    allowed: tuple[str, ...] = ()


def _c(name: str, meaning: str, *, type: str = "string", allowed: tuple[str, ...] = ()) -> Column:
    return Column(name=name, type=type, meaning=meaning, allowed=allowed)


DOC_ID = _c("doc_id", "first 16 hex digits of the SHA-256 of the input file's bytes")
START = _c("start", "character offset of the row's own mention in text/<doc_id>.txt", type="int")
END = _c("end", "offset just after the mention: text[start:end] equals it", type="int")
SENT_ID = _c("sent_id", "the sentence (sentences.sent_id) that contains the mention", type="int")
ROW_ID = _c("row_id", "first 16 hex digits of SHA-256 of doc_id, start, end and subject/name")
MENTION = _c("mention", "the text as written, text[start:end]")
SOURCE = _c("source", "what produced the row (rule, gazetteer, model)")

TABLES: dict[str, tuple[Column, ...]] = {
    "documents": (
        DOC_ID,
        _c("source", "the input path; the first in sorted order when the same bytes come under several names"),
        _c("title", "the report's title"),
        _c("issuer", "who delivers or publishes the report"),
        _c("region", "the issuing region"),
        _c("region_code", "6-digit division code of the issuing region"),
        _c("year", "year the report was delivered or published (0 when unknown)", type="int"),
        _c("review_year", "year the report reviews (0 when unknown)", type="int"),
        _c("genre", "kind of report", allowed=("政府工作报告", "统计公报", "生态文明试验区报告", "环境状况公报", "other")),
        _c("script", "Chinese script of the text", allowed=("simplified", "traditional")),
        _c("n_chars", "length of the normalized text in characters", type="int"),
    ),
    "sources": (DOC_ID, _c("source", "one input path whose bytes are this document")),
    "sections": (
        DOC_ID,
        _c("section_id", "section id, unique within the document"),
        _c("parent_id", "the enclosing section's id, \"\" at top level"),
        _c("level", "depth in the section tree, top level 1", type="int"),
        _c("marker", "the ordinal marker as written (一、 (一) 一是 1.)"),
        _c("title", "the section heading"),
        _c("start", "offset where the section starts", type="int"),
        _c("end", "offset where the section ends", type="int"),
    ),
    "sentences": (
        DOC_ID,
        _c("sent_id", "sentence number within the document", type="int"),
        _c("section_id", "the innermost section containing the sentence"),
        _c("start", "offset of the sentence", type="int"),
        _c("end", "offset just after the sentence", type="int"),
        _c("text", "the sentence, text[start:end]"),
        _c("boilerplate", "web furniture, caption or byline: kept in the text, out of extraction", type="bool"),
    ),
    "indicators": (
        ROW_ID, DOC_ID,
        _c("year", "documents.year of the document", type="int"),
        SENT_ID,
        _c("start", "offset of value_raw", type="int"),
        _c("end", "offset just after value_raw", type="int"),
        _c("evidence", "the text of sentence sent_id"),
        _c("subject", "shortest noun phrase naming what is measured, as written"),
        _c("indicator", "canonical name from the indicator catalogue, else subject"),
        _c("value", "magnitude with every multiplier applied, never negative", type="float"),
        _c("unit", "canonical unit from the unit catalogue, \"\" for a bare number"),
        _c("value_raw", "the number as written with 余/多, multiplier, unit (第 for ranks)"),
        _c("qualifier", "comparison the text states", allowed=QUALIFIERS),
        _c("kind", "what the number is", allowed=("level", "change", "rank")),
        _c("direction", "direction of a change", allowed=("", "up", "down")),
        _c("base", "what a change is measured against: 上年, 年均, YYYY or \"\""),
        _c("modality", "status of the figure", allowed=("actual", "expected", "target")),
        _c("period", "year (2025) or span (2021-2025) the figure is for, \"\" for cumulative counts"),
        _c("place", "canonical name of the place the figure is about"),
        _c("place_code", "6-digit division code of place"),
        _c("scope", "comparison set of a rank (中部六省, 全国), else \"\""),
        _c("rule", "the rule that produced the row"),
        _c("table_id", "the table a cell figure comes from (documents' tables t1, t2, …), \"\" in running text"),
        _c("row", "0-based row of the cell in its table, header rows included; -1 in running text", type="int"),
        _c("col", "0-based column of the cell in its table; -1 in running text", type="int"),
    ),
    "places": (
        ROW_ID, DOC_ID, SENT_ID, START, END, MENTION,
        _c("name", "full canonical name"),
        _c("code", "6-digit division code at county level and above, else \"\""),
        _c("level", "administrative level as a number, as SPEC types `level`: "
           + ", ".join(f"{n} {name}" for name, n in PLACE_LEVELS.items()) + ", 0 other", type="int"),
        _c("type", "kind of place", allowed=("admin", "water", "mountain", "protected", "region", "foreign")),
        _c("parent_code", "division code of the enclosing administrative unit"),
        _c("level_name", "administrative level by name", allowed=("", *PLACE_LEVELS)),
        _c("candidates", "other candidate codes, space-separated"),
        SOURCE,
    ),
    "policies": (
        ROW_ID, DOC_ID, SENT_ID, START, END, MENTION,
        _c("name", "the named core without quotation or book-title marks, plus an attached head noun"),
        _c("type", "class of the head noun", allowed=(
            "行动", "计划", "工程", "攻坚战", "制度", "机制", "试点", "平台", "品牌", "法规", "标准", "方案", "活动", "other")),
        SOURCE,
    ),
    "organizations": (
        ROW_ID, DOC_ID, SENT_ID, START, END, MENTION,
        _c("name", "the name as written, standard abbreviations expanded"),
        _c("type", "kind of body", allowed=(
            "government", "party", "assembly", "enterprise", "association", "foreign", "other")),
        SOURCE,
    ),
    "errors": (
        _c("source", "the input path"),
        _c("stage", "pipeline stage that reported the problem"),
        _c("error", "error or warning code (too_large, zip_bomb, pdf_password, no_text_layer, unreadable, empty, internal, …)"),
        _c("message", "what went wrong, in one line"),
        _c("doc_id", "the document, \"\" when its bytes could not be read"),
    ),
}

SORT_FIRST = {"errors": ("source",)}  # elsewhere rows follow the document: doc_id, start, end

SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=False) for c in cols])
    for name, cols in TABLES.items()
}

_UNIT = _c("unit", "canonical unit")
_PLACE_CODE = _c("place_code", "6-digit division code of the place")
_KIND = _c("kind", "level / change / rank", allowed=("level", "change", "rank"))
_MODALITY = _c("modality", "actual / expected / target", allowed=("actual", "expected", "target"))
_INDICATOR = _c("indicator", "canonical indicator name")
_KEY = (
    _c("indicator", "canonical indicator name (for a fuzzy pair, report B's)"),
    _UNIT,
    _PLACE_CODE,
    _KIND,
    _c("scope", "comparison set of a rank, else \"\""),
)
_SIDE = tuple(
    col
    for side, label in (("a", "report A"), ("b", "report B"))
    for col in (
        _c(f"doc_{side}", f"doc_id of {label}"),
        _c(f"evidence_{side}", f"sentence of {label} the figure comes from"),
    )
)
_SIDE_EXTRA = tuple(
    col
    for side, label in (("a", "report A"), ("b", "report B"))
    for col in (
        _c(f"subject_{side}", f"subject as written in {label}"),
        _c(f"indicator_{side}", f"canonical indicator in {label}"),
        _c(f"qualifier_{side}", f"qualifier in {label}"),
        _c(f"direction_{side}", f"direction of a change in {label}"),
        _c(f"value_raw_{side}", f"the figure as written in {label}"),
        _c(f"row_id_{side}", f"indicators.row_id of the row in {label}"),
        _c(f"start_{side}", f"offset of value_raw in text/<doc_{side}>.txt, -1 when absent", type="int"),
        _c(f"end_{side}", f"offset just after value_raw in text/<doc_{side}>.txt, -1 when absent", type="int"),
    )
)

# Tables written by `diff` and `panel` (SPEC §2 "diff and panel"); panel_wide adds one float
# column per period to the columns declared here.
COMPARE_TABLES: dict[str, tuple[Column, ...]] = {
    "indicator_diff": (
        *_KEY,
        _MODALITY,
        _c("status", "how the figure changed from A to B", allowed=("added", "removed", "changed", "unchanged")),
        _c("value_a", "value in report A (NaN when absent)", type="float"),
        _c("value_b", "value in report B (NaN when absent)", type="float"),
        _c("period_a", "period of the figure in report A"),
        _c("period_b", "period of the figure in report B"),
        _c("delta", "signed_b - signed_a, where a change's value is negative when its direction is down", type="float"),
        _c("rel_change", "delta / |signed_a| (NaN when A is absent or 0)", type="float"),
        _c("similarity", "1.0 for an exact key match, the subjects' bigram similarity for a fuzzy pair, "
           "NaN when unmatched", type="float"),
        *_SIDE,
        _c("match", "exact / fuzzy / \"\" (unmatched)", allowed=("exact", "fuzzy", "")),
        *_SIDE_EXTRA,
    ),
    "entity_diff": (
        _c("table", "policies / organizations / places"),
        _c("name", "canonical name"),
        _c("status", "presence from A to B", allowed=("new", "dropped", "continued")),
        _c("doc_a", "doc_id of report A"),
        _c("doc_b", "doc_id of report B"),
        _c("type", "the entity's type (the later report's when both have it)"),
        _c("code", "division code (places), else \"\""),
        _c("mentions_a", "number of mentions in report A", type="int"),
        _c("mentions_b", "number of mentions in report B", type="int"),
        _c("start_a", "offset of the first mention in report A, -1 when absent", type="int"),
        _c("start_b", "offset of the first mention in report B, -1 when absent", type="int"),
    ),
    "target_outcome": (
        *_KEY,
        _c("period", "the year report A set the target for and report B reports on"),
        _c("target", "report A's target (signed: a reduction is negative)", type="float"),
        _c("target_qualifier", "qualifier of the target"),
        _c("outcome", "report B's actual figure (signed like target)", type="float"),
        _c("outcome_qualifier", "qualifier of the outcome"),
        _c("gap", "outcome - target", type="float"),
        _c("verdict", "met / missed when qualifier and direction make the target a floor or a ceiling, "
           "else unclear", allowed=("met", "missed", "unclear")),
        _c("reading", "why the verdict: which bound the target was read as"),
        _c("similarity", "1.0 for an exact key match, the subjects' similarity for a fuzzy pair", type="float"),
        *_SIDE,
        _c("subject_a", "subject of the target as written"),
        _c("subject_b", "subject of the outcome as written"),
        _c("start_a", "offset of the target in text/<doc_a>.txt", type="int"),
        _c("start_b", "offset of the outcome in text/<doc_b>.txt", type="int"),
    ),
    "panel_long": (
        _INDICATOR,
        _UNIT,
        _c("place", "canonical place name"),
        _PLACE_CODE,
        _KIND,
        _MODALITY,
        _c("period", "year or span the figure is for"),
        _c("value", "the figure (never negative; see direction)", type="float"),
        _c("qualifier", "qualifier as stated", allowed=QUALIFIERS),
        DOC_ID,
        _c("year", "documents.year of the report", type="int"),
        _c("conflict", "another document gives a different value for this key and period", type="bool"),
        _c("scope", "comparison set of a rank, else \"\""),
        _c("direction", "direction of a change", allowed=("", "up", "down")),
        _c("subject", "subject as written"),
        _c("evidence", "the sentence the figure comes from"),
        _c("start", "offset of value_raw in text/<doc_id>.txt", type="int"),
        _c("end", "offset just after value_raw", type="int"),
    ),
    "panel_wide": (_INDICATOR, _UNIT, _PLACE_CODE, _KIND, _MODALITY),
}


@dataclass(frozen=True)
class ErrorRow:
    """An input that failed or warned; `doc_id` is "" when its bytes could not be read."""

    source: str
    stage: str
    error: str
    message: str
    doc_id: str = ""

    @classmethod
    def from_exception(cls, *, source: str, exc: PipelineError, doc_id: str = "") -> "ErrorRow":
        return cls(source=source, stage=exc.stage, error=exc.code, message=one_line(exc.message), doc_id=doc_id)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def row_id(*, doc_id: str, start: int, end: int, key: str) -> str:
    return hashlib.sha256("\t".join([doc_id, str(start), str(end), key]).encode()).hexdigest()[:16]


def document_rows(res: DocResult) -> dict[str, list[dict[str, Any]]]:
    """One processed document's rows of every table but `sources` and `errors`, each sorted.

    Rows of a table are ordered on doc_id first, so the whole table is these per-document rows
    concatenated in doc_id order — built in the worker, joined by the runner."""
    doc, meta, doc_id = res.doc, res.doc.meta, res.doc_id
    rows: dict[str, list[dict[str, Any]]] = {
        "documents": [dict(doc_id=doc_id, source=res.source, title=meta.title, issuer=meta.issuer,
                           region=meta.region, region_code=meta.region_code, year=meta.year,
                           review_year=meta.review_year, genre=meta.genre, script=meta.script,
                           n_chars=len(doc.text))],
        "sections": [dict(doc_id=doc_id, section_id=s.section_id, parent_id=s.parent_id, level=s.level,
                          marker=s.marker, title=s.title, start=s.start, end=s.end) for s in doc.sections],
        "sentences": [dict(doc_id=doc_id, sent_id=s.sent_id, section_id=s.section_id, start=s.start,
                           end=s.end, text=s.text, boilerplate=s.boilerplate) for s in doc.sentences],
        "indicators": [dict(vars(i), doc_id=doc_id, year=meta.year,
                            row_id=row_id(doc_id=doc_id, start=i.start, end=i.end, key=i.subject))
                       for i in res.indicators],
        "places": [dict(vars(p), doc_id=doc_id, level=PLACE_LEVELS.get(p.level, 0), level_name=p.level,
                        row_id=row_id(doc_id=doc_id, start=p.start, end=p.end, key=p.name)) for p in res.places],
    }
    for table, items in (("policies", res.policies), ("organizations", res.organizations)):
        rows[table] = [dict(vars(e), doc_id=doc_id, row_id=row_id(doc_id=doc_id, start=e.start, end=e.end, key=e.name))
                       for e in items]
    return {name: sorted_rows(name=name, rows=table_rows) for name, table_rows in rows.items()}


def sorted_rows(*, name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the declared columns, in (doc_id, start, end, every other column) order."""
    names = [c.name for c in TABLES[name]]
    first = [n for n in SORT_FIRST.get(name, ("doc_id", "start", "end")) if n in names]
    order = first + [n for n in names if n not in first]
    return sorted(({n: r[n] for n in names} for r in rows), key=lambda r: tuple(r[n] for n in order))


def columns_of(name: str) -> tuple[Column, ...]:
    return TABLES[name] if name in TABLES else COMPARE_TABLES[name]


def schema_of(columns: tuple[Column, ...]) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=False) for c in columns])


def arrow_table(*, name: str, rows: list[dict[str, Any]], columns: tuple[Column, ...] | None = None) -> pa.Table:
    """Rows as an Arrow table with the declared schema; `columns` overrides the declared ones
    (panel_wide has a column per period)."""
    schema = SCHEMAS[name] if columns is None and name in SCHEMAS else schema_of(columns or columns_of(name))
    return pa.Table.from_pylist(rows, schema=schema)


def parquet_of(table: pa.Table) -> bytes:
    """Explicit schema, no pandas metadata, fixed compression: same rows → same bytes.  The table
    is made contiguous first, so rows joined from many pieces write as rows built at once."""
    sink = pa.BufferOutputStream()
    pq.write_table(table.combine_chunks(), sink, compression="zstd", compression_level=3, write_statistics=True)
    return sink.getvalue().to_pybytes()


def parquet_bytes(*, name: str, rows: list[dict[str, Any]], columns: tuple[Column, ...] | None = None) -> bytes:
    return parquet_of(arrow_table(name=name, rows=rows, columns=columns))


def csv_bytes(*, name: str, rows: list[dict[str, Any]], columns: tuple[Column, ...] | None = None) -> bytes:
    """UTF-8 with BOM so spreadsheets show Chinese; minimal quoting, `\\n` line ends, repr floats,
    an empty cell for NaN (a value that is absent, as in diff and panel tables)."""
    cols = columns or columns_of(name)
    return csv_header(cols) + csv_lines(cols, rows)


def csv_header(columns: tuple[Column, ...]) -> bytes:
    return b"\xef\xbb\xbf" + (",".join(c.name for c in columns) + "\n").encode("utf-8")


def csv_lines(columns: tuple[Column, ...], rows: list[dict[str, Any]]) -> bytes:
    """The CSV lines of `rows`, without header: each line depends on its row alone, so the lines of
    a table are the lines of its pieces joined."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    for r in rows:
        writer.writerow([_cell(r[c.name]) for c in columns])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else repr(value)
    return str(value)
