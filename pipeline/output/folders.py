"""Reading `run` output folders back, and writing the folders of `diff` and `panel`.

`diff` and `panel` work on what `run` wrote, so this module reads those tables (Parquet) and
writes the new tables with the same writers as `run` (Parquet + CSV with BOM), the HTML report,
`summary.md` and `zhreport.duckdb` — all staged and moved in place together, under the folder's
lock, like a run.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from pipeline.output.duck import FILENAME as DUCKDB_FILE, duckdb_bytes
from pipeline.output.files import Staging, remove_leftovers
from pipeline.output.report import short
from pipeline.output.tables import Column, columns_of, csv_bytes, parquet_bytes

Row = dict[str, Any]
READ = ("documents", "indicators", "places", "policies", "organizations")
LOCK_TIMEOUT = 5.0


class FolderError(ValueError):
    """A folder that is not a `run` output, or a document that is not in it."""


class BusyFolder(RuntimeError):
    """Another zhreport command holds the output folder."""


def read_run(folder: Path) -> dict[str, list[Row]]:
    """The tables `diff` and `panel` need from a `run` output folder, as lists of dicts."""
    if not (folder / "documents.parquet").is_file() or not (folder / "indicators.parquet").is_file():
        raise FolderError(f"{folder} is not an output folder of `zhreport run` (no documents/indicators tables)")
    tables: dict[str, list[Row]] = {}
    for name in READ:
        path = folder / f"{name}.parquet"
        tables[name] = pq.read_table(path).to_pylist() if path.is_file() else []
    return tables


def pick_document(tables: dict[str, list[Row]], *, folder: Path, wanted: str | None) -> str:
    """The doc_id named by `wanted` (a doc_id, its prefix, a source path or file name), or the
    folder's only document."""
    docs = tables["documents"]
    if wanted is None:
        if len(docs) == 1:
            return docs[0]["doc_id"]
        listing = ", ".join(f'{d["doc_id"]} ({Path(d["source"]).name})' for d in docs)
        raise FolderError(f"{folder} holds {len(docs)} documents; choose one with --doc-a/--doc-b: {listing}")
    found = [d["doc_id"] for d in docs
             if d["doc_id"].startswith(wanted) or wanted in (d["source"], Path(d["source"]).name, Path(d["source"]).stem)]
    if len(set(found)) != 1:
        listing = ", ".join(f'{d["doc_id"]} ({Path(d["source"]).name})' for d in docs)
        raise FolderError(f"{wanted!r} names {len(set(found))} documents of {folder}; documents: {listing}")
    return found[0]


def only(tables: dict[str, list[Row]], doc_id: str) -> dict[str, list[Row]]:
    return {name: [r for r in rows if r["doc_id"] == doc_id] for name, rows in tables.items()}


def write_compare(*, out: Path, tables: dict[str, tuple[tuple[Column, ...], list[Row]]],
                  files: dict[str, bytes], lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Write `tables` (Parquet + CSV), `files` (report pages, summary) and the DuckDB database,
    replacing the previous outputs only once everything is staged."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(out / ".lock", timeout=lock_timeout):
            remove_leftovers(out=out, cache=out / ".cache")
            with Staging(out=out, owned=("report",)) as staging:
                for name, (columns, rows) in sorted(tables.items()):
                    staging.write(rel=f"{name}.parquet", data=parquet_bytes(name=name, rows=rows, columns=columns))
                    staging.write(rel=f"{name}.csv", data=csv_bytes(name=name, rows=rows, columns=columns))
                for rel, data in sorted(files.items()):
                    staging.write(rel=rel, data=data)
                staging.write(rel=DUCKDB_FILE, data=duckdb_bytes(tables))
                staging.commit()
    except Timeout:
        raise BusyFolder(f"{out} is in use by another zhreport command; waited {lock_timeout:g} s") from None


def diff_summary(*, documents: Sequence[Row], indicator_diff: Sequence[Row], entity_diff: Sequence[Row],
                 target_outcome: Sequence[Row], limit: int = 15) -> bytes:
    """summary.md: what a person wants to read first, in a terminal."""
    lines = ["# zhreport diff", ""]
    for side, d in zip("AB", documents):
        lines.append(f'- **{side}**: {d["title"] or d["source"]} ({d["region"]}, {d["year"]}) `{d["doc_id"]}`')
    status = Counter(r["status"] for r in indicator_diff)
    fuzzy = sum(1 for r in indicator_diff if r["match"] == "fuzzy")
    lines += ["", "## Indicators", "",
              f'{status["changed"]} changed, {status["unchanged"]} unchanged, {status["added"]} added, '
              f'{status["removed"]} removed; {fuzzy} pairs matched by subject similarity.', ""]
    changed = sorted((r for r in indicator_diff if r["status"] == "changed" and not math.isnan(r["rel_change"])),
                     key=lambda r: (-abs(r["rel_change"]), r["indicator"]))[:limit]
    if changed:
        lines += ["| indicator | unit | modality | A | B | period A → B | change |", "|---|---|---|---:|---:|---|---:|"]
        lines += [f'| {_md(r["indicator"])} | {r["unit"]} | {r["modality"]} | {_fmt(r["value_a"])} | '
                  f'{_fmt(r["value_b"])} | {r["period_a"]} → {r["period_b"]} | {r["rel_change"]:+.1%} |'
                  for r in changed]
        lines.append("")
    renamed = [r for r in indicator_diff if r["match"] == "fuzzy"][:limit]
    if renamed:
        lines += ["Matched by similarity:", ""]
        lines += [f'- {_md(r["subject_a"])} → {_md(r["subject_b"])} ({r["similarity"]:.2f})' for r in renamed]
        lines.append("")
    verdicts = Counter(r["verdict"] for r in target_outcome)
    lines += ["## Targets in A against outcomes in B", "",
              f'{verdicts["met"]} met, {verdicts["missed"]} missed, {verdicts["unclear"]} unclear.', ""]
    if target_outcome:
        lines += ["| period | indicator | target | outcome | verdict |", "|---|---|---:|---:|---|"]
        lines += [f'| {r["period"]} | {_md(r["indicator"])} ({r["unit"]}) | {r["target_qualifier"]}{_fmt(r["target"])} '
                  f'| {r["outcome_qualifier"]}{_fmt(r["outcome"])} | {r["verdict"]} |' for r in target_outcome[:limit]]
        if len(target_outcome) > limit:
            lines.append(f"\n… {len(target_outcome) - limit} more in target_outcome.csv")
        lines.append("")
    lines += ["## Policies and organizations", ""]
    for table in ("policies", "organizations", "places"):
        rows = [r for r in entity_diff if r["table"] == table]
        count = Counter(r["status"] for r in rows)
        lines.append(f'- **{table}**: {count["new"]} new, {count["dropped"]} dropped, {count["continued"]} continued')
        for status_name in ("new", "dropped"):
            names = [r["name"] for r in rows if r["status"] == status_name]
            if names and table != "places":
                shown = "、".join(names[:limit]) + (f" … (+{len(names) - limit})" if len(names) > limit else "")
                lines.append(f"  - {status_name}: {shown}")
    lines += ["", "Tables: indicator_diff, entity_diff, target_outcome (.parquet, .csv); "
              "report/index.html; zhreport.duckdb.", ""]
    return "\n".join(lines).encode("utf-8")


def _fmt(value: float) -> str:
    return short(value)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def compare_columns(name: str, *, periods: Sequence[str] = ()) -> tuple[Column, ...]:
    """Declared columns of a diff/panel table; panel_wide gets scope, conflict_periods and a float per period."""
    columns = columns_of(name)
    if name == "panel_wide":
        columns += (Column("scope", "string", "comparison set of a rank, else \"\""),
                    Column("conflict_periods", "string", "periods where documents disagree (the cell holds the "
                           "latest document's figure)"),
                    *(Column(p, "float", f"signed figure for {p} (a fall is negative)") for p in periods))
    return columns

