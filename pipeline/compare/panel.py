"""Many reports → panel_long and panel_wide (SPEC §2 "diff and panel").

Pure functions over indicator rows.  Within a document the first body mention of a key and
period wins (as in `diff`).  Across documents every figure is kept in panel_long; when two
documents give different values for one key and period, all their rows get `conflict = true`.
panel_wide has one row per key and one float column per period (periods sorted; cumulative
figures without a period stay in panel_long only).  A cell of panel_wide is *signed* — a change
whose direction is down is negative — so a column can be plotted or averaged as it is; when
documents disagree the cell holds the latest document's figure (revisions come later) and
`conflict_periods` names the periods in question.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from pipeline.compare.diff import KEY, first_mentions, signed

Row = dict[str, Any]
WIDE_KEY = ("indicator", "unit", "place_code", "kind", "modality", "scope")


def _key(row: Row) -> tuple[str, ...]:
    return (*(str(row[k]) for k in KEY), str(row["period"]))


def panel_long(indicators: Iterable[Row], years: dict[str, int]) -> list[Row]:
    """First mention per document, key and period; `years` maps doc_id → documents.year."""
    by_doc: dict[str, list[Row]] = {}
    for row in indicators:
        by_doc.setdefault(row["doc_id"], []).append(row)
    rows: list[Row] = []
    for doc_id in sorted(by_doc):
        for row in first_mentions(by_doc[doc_id], key=_key).values():
            rows.append({"indicator": row["indicator"], "unit": row["unit"], "place": row["place"],
                         "place_code": row["place_code"], "kind": row["kind"], "modality": row["modality"],
                         "period": row["period"], "value": float(row["value"]), "qualifier": row["qualifier"],
                         "doc_id": doc_id, "year": int(years.get(doc_id, row.get("year", 0)) or 0),
                         "conflict": False, "scope": row["scope"], "direction": row["direction"],
                         "subject": row["subject"], "evidence": row["evidence"],
                         "start": int(row["start"]), "end": int(row["end"])})
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(_key(row), []).append(row)
    for group in groups.values():
        values = [signed(r) for r in group]
        if any(not math.isclose(v, values[0], rel_tol=1e-9, abs_tol=1e-12) for v in values[1:]):
            for row in group:
                row["conflict"] = True
    return sorted(rows, key=lambda r: (*_key(r), r["year"], r["doc_id"], r["start"]))


def panel_wide(long_rows: Iterable[Row]) -> tuple[list[str], list[Row]]:
    """The periods (column names, sorted) and one row per key with the signed figure per period."""
    cells: dict[tuple[str, ...], dict[str, Row]] = {}
    for row in long_rows:
        if not row["period"]:
            continue
        per_key = cells.setdefault(tuple(row[k] for k in WIDE_KEY), {})
        held = per_key.get(row["period"])
        if held is None or (row["year"], row["doc_id"]) > (held["year"], held["doc_id"]):
            per_key[row["period"]] = row
    periods = sorted({p for per_key in cells.values() for p in per_key})
    out: list[Row] = []
    for key in sorted(cells):
        per_key = cells[key]
        wide: Row = dict(zip(WIDE_KEY, key))
        wide["conflict_periods"] = " ".join(p for p in periods if p in per_key and per_key[p]["conflict"])
        for period in periods:
            wide[period] = signed(per_key[period]) if period in per_key else float("nan")
        out.append(wide)
    return periods, out
