"""Tables in the normalized text: the readers' raw offsets mapped through normalization, and the
sentences that are rendered table rows (their figures are read cell by cell, not as prose)."""
from __future__ import annotations

import bisect
from dataclasses import replace

from pipeline.records import Normalized, Sentence, Table


def locate_tables(tables: tuple[Table, ...], norm: Normalized) -> tuple[Table, ...]:
    """The same tables with `position` and `row_starts` as offsets into the normalized text."""
    def at(raw: int) -> int:
        return bisect.bisect_left(norm.to_raw, raw)

    out = []
    for table in tables:
        starts = tuple(at(s) for s in table.row_starts)
        end = norm.text.find("\n", starts[-1]) if starts else -1
        out.append(replace(table, row_starts=starts,
                           position=(starts[0] if starts else 0, len(norm.text) if end < 0 else end)))
    return tuple(out)


def row_span(text: str, start: int) -> tuple[int, int]:
    """The rendered row's line that starts at `start`."""
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def mark_table_rows(text: str, sentences: tuple[Sentence, ...], tables: tuple[Table, ...]) -> tuple[Sentence, ...]:
    """Sentences that lie on a rendered table row get that table's id."""
    spans = sorted((*row_span(text, s), t.table_id) for t in tables for s in t.row_starts)
    if not spans:
        return sentences
    starts = [s for s, _, _ in spans]
    out = []
    for sent in sentences:
        i = bisect.bisect_right(starts, sent.start) - 1
        if i >= 0 and spans[i][0] <= sent.start < spans[i][1]:
            sent = replace(sent, table=spans[i][2])
        out.append(sent)
    return tuple(out)
