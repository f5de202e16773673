"""DIR/zhreport.duckdb: every table of the folder, plus a view per common question.

The database is built in a private temporary folder and returned as bytes, so the runner stages
it and moves it in place with the other outputs (atomic like them).  DuckDB files are not
byte-stable across runs (the storage layer writes its own block layout and headers), so this file
is outside the byte-identical guarantee; its *contents* are the same rows as the Parquet files.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.output.tables import Column, schema_of

FILENAME = "zhreport.duckdb"

# name → (tables it needs, SQL).  Views refer to tables by name, so they follow any reload.
VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "indicator_panel": (("indicators", "documents"), """
        SELECT i.indicator, i.unit, i.place, i.place_code, i.kind, i.modality, i.period,
               CASE WHEN i.kind = 'change' AND i.direction = 'down' THEN -i.value ELSE i.value END AS signed_value,
               i.value, i.qualifier, i.direction, d.region, d.year, i.doc_id, i.subject, i.evidence
        FROM indicators i JOIN documents d USING (doc_id)
        ORDER BY i.indicator, i.unit, i.place_code, i.kind, i.modality, i.period, d.year, i.doc_id, i.start"""),
    "policies_by_year": (("policies", "documents"), """
        SELECT d.year, d.region, p.name, p.type, count(*) AS mentions, min(p.doc_id) AS doc_id
        FROM policies p JOIN documents d USING (doc_id)
        GROUP BY d.year, d.region, p.name, p.type
        ORDER BY d.year, d.region, mentions DESC, p.name"""),
    "organizations_by_year": (("organizations", "documents"), """
        SELECT d.year, d.region, o.name, o.type, count(*) AS mentions
        FROM organizations o JOIN documents d USING (doc_id)
        GROUP BY d.year, d.region, o.name, o.type
        ORDER BY d.year, d.region, mentions DESC, o.name"""),
    "targets": (("indicators", "documents"), """
        SELECT d.region, d.year, i.period, i.indicator, i.value, i.unit, i.qualifier, i.kind, i.direction,
               i.evidence, i.doc_id
        FROM indicators i JOIN documents d USING (doc_id)
        WHERE i.modality = 'target'
        ORDER BY d.region, d.year, i.period, i.indicator"""),
    "document_counts": (("documents", "indicators", "places", "policies", "organizations"), """
        SELECT d.doc_id, d.source, d.title, d.year, d.genre, d.n_chars,
               (SELECT count(*) FROM indicators x WHERE x.doc_id = d.doc_id) AS indicators,
               (SELECT count(*) FROM places x WHERE x.doc_id = d.doc_id) AS places,
               (SELECT count(*) FROM policies x WHERE x.doc_id = d.doc_id) AS policies,
               (SELECT count(*) FROM organizations x WHERE x.doc_id = d.doc_id) AS organizations
        FROM documents d ORDER BY d.doc_id"""),
    "indicator_changes": (("indicator_diff",), """
        SELECT * FROM indicator_diff WHERE status IN ('changed', 'added', 'removed')
        ORDER BY abs(coalesce(rel_change, 0)) DESC, indicator"""),
    "targets_missed": (("target_outcome",), """
        SELECT * FROM target_outcome WHERE verdict = 'missed' ORDER BY period, indicator"""),
    "panel_conflicts": (("panel_long",), """
        SELECT * FROM panel_long WHERE conflict ORDER BY indicator, unit, place_code, kind, modality, period, year"""),
}


class Database:
    """A DuckDB database built table by table (a run adds each table as it is joined, and need not
    hold them all at once); `finish` adds every view the tables can answer and returns the file."""

    def __init__(self) -> None:
        import duckdb

        self._tmp = tempfile.TemporaryDirectory(prefix="zhreport-duck-")
        self._path = Path(self._tmp.name) / FILENAME
        self._con = duckdb.connect(str(self._path))
        self._names: set[str] = set()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()
        self._tmp.cleanup()

    def add(self, name: str, table: pa.Table) -> None:
        self._con.register("_rows", table)
        self._con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _rows')
        self._con.unregister("_rows")
        self._names.add(name)

    def finish(self) -> bytes:
        for view, (needs, sql) in VIEWS.items():
            if all(t in self._names for t in needs):
                self._con.execute(f'CREATE VIEW "{view}" AS {sql}')
        self._con.execute("CHECKPOINT")
        self._con.close()
        return self._path.read_bytes()


def duckdb_bytes(tables: dict[str, tuple[tuple[Column, ...], list[dict[str, Any]]]]) -> bytes:
    """A DuckDB database with each table (declared columns, rows) and every view it can answer."""
    with Database() as db:
        for name in sorted(tables):
            columns, rows = tables[name]
            db.add(name, pa.Table.from_pylist(rows, schema=schema_of(columns)))
        return db.finish()
