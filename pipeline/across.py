"""The runner of `diff` and `panel`: reads `run` folders, compares (compare/), writes (output/).

Like batch.py for `run`, this is the thin layer that does the I/O; the comparisons themselves are
pure functions in compare/diff.py and compare/panel.py.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.compare.diff import DEFAULT_THRESHOLD, entity_diff, indicator_diff, target_outcome
from pipeline.compare.panel import panel_long, panel_wide
from pipeline.output.folders import compare_columns, diff_summary, only, pick_document, read_run, write_compare
from pipeline.output.report import diff_pages, panel_pages
from pipeline.output.tables import TABLES


@dataclass(frozen=True)
class DiffReport:
    doc_a: str
    doc_b: str
    statuses: dict[str, int]
    summary: str


def diff(*, dir_a: Path, dir_b: Path | None, out: Path, doc_a: str | None = None, doc_b: str | None = None,
         threshold: float = DEFAULT_THRESHOLD) -> DiffReport:
    """Compare document A (in dir_a) with document B (in dir_b, or in dir_a with --doc-b)."""
    tables_a = read_run(dir_a)
    tables_b = read_run(dir_b) if dir_b is not None else tables_a
    id_a = pick_document(tables_a, folder=dir_a, wanted=doc_a)
    id_b = pick_document(tables_b, folder=dir_b or dir_a, wanted=doc_b)
    a, b = only(tables_a, id_a), only(tables_b, id_b)
    ind = indicator_diff(a["indicators"], b["indicators"], threshold=threshold)
    ent = entity_diff(a, b, doc_a=id_a, doc_b=id_b)
    tgt = target_outcome(a["indicators"], b["indicators"], threshold=threshold)
    documents = [a["documents"][0], b["documents"][0]]
    summary = diff_summary(documents=documents, indicator_diff=ind, entity_diff=ent, target_outcome=tgt)
    files = {"summary.md": summary,
             **diff_pages(documents=documents, indicators=[*a["indicators"], *b["indicators"]],
                          indicator_diff=ind, entity_diff=ent, target_outcome=tgt)}
    tables = {name: (compare_columns(name), rows)
              for name, rows in (("indicator_diff", ind), ("entity_diff", ent), ("target_outcome", tgt))}
    write_compare(out=out, tables=tables, files=files)
    statuses: dict[str, int] = {}
    for row in ind:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return DiffReport(doc_a=id_a, doc_b=id_b, statuses=statuses, summary=summary.decode("utf-8"))


def panel(*, dirs: Sequence[Path], out: Path) -> tuple[int, int, int]:
    """panel_long and panel_wide over every document of the folders (a document in several
    folders counts once, from the first folder).  Returns (documents, long rows, conflicting rows)."""
    documents: dict[str, dict] = {}
    rows: list[dict] = []
    for folder in dirs:
        tables = read_run(folder)
        new = {d["doc_id"]: d for d in tables["documents"] if d["doc_id"] not in documents}
        documents |= new
        rows += [r for r in tables["indicators"] if r["doc_id"] in new]
    long_rows = panel_long(rows, {d: int(doc["year"]) for d, doc in documents.items()})
    periods, wide_rows = panel_wide(long_rows)
    docs = [documents[d] for d in sorted(documents, key=lambda d: (documents[d]["year"], d))]
    tables_out = {"panel_long": (compare_columns("panel_long"), long_rows),
                  "panel_wide": (compare_columns("panel_wide", periods=periods), wide_rows),
                  "documents": (TABLES["documents"], docs)}
    files = panel_pages(documents=docs, indicators=rows, panel_long=long_rows)
    write_compare(out=out, tables=tables_out, files=files)
    return len(documents), len(long_rows), sum(1 for r in long_rows if r["conflict"])
