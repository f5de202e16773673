"""A table's rows kept on disk, document by document as documents finish, joined in doc_id order.

Documents finish in any order; a table's rows are ordered on doc_id first, so the whole table is
every document's (already sorted) rows in doc_id order.  The runner spools each document's piece
(Arrow record batches and CSV lines) as it arrives and joins the pieces once all are in, so it
never holds more than one table's rows, whatever the number of documents.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from pipeline.output.tables import SCHEMAS, TABLES, csv_header


class Spool:
    """One table: an Arrow IPC file of record batches and a file of CSV lines, with where each
    document's piece lies in them."""

    def __init__(self, *, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self._arrow_path = folder / f"{name}.arrow"
        self._arrow = pa.OSFile(str(self._arrow_path), "wb")
        self._writer = pa.ipc.new_file(self._arrow, SCHEMAS[name])
        self._csv = open(folder / f"{name}.csv", "w+b")  # noqa: SIM115 — closed by `join`
        self._pieces: dict[str, tuple[int, int, int, int]] = {}  # doc_id → csv offset, size, first batch, batches
        self._batches = 0
        self.rows = 0

    def add(self, *, doc_id: str, table: pa.Table, csv: bytes) -> None:
        batches = table.to_batches()
        for batch in batches:
            self._writer.write_batch(batch)
        self._pieces[doc_id] = (self._csv.tell(), len(csv), self._batches, len(batches))
        self._csv.write(csv)
        self._batches += len(batches)
        self.rows += table.num_rows

    def join(self, order: Iterable[str]) -> tuple[pa.Table, bytes]:
        """The whole table (pieces in `order`) and its CSV file; the spool is closed."""
        self._writer.close()
        self._arrow.close()
        doc_ids = [d for d in order if d in self._pieces]
        reader = pa.ipc.open_file(pa.memory_map(str(self._arrow_path)))  # mapped while the table uses it
        batches = [reader.get_batch(i) for d in doc_ids
                   for i in range(self._pieces[d][2], self._pieces[d][2] + self._pieces[d][3])]
        table = pa.Table.from_batches(batches, schema=SCHEMAS[self.name])
        parts = [csv_header(TABLES[self.name])]
        for d in doc_ids:
            offset, size, _, _ = self._pieces[d]
            self._csv.seek(offset)
            parts.append(self._csv.read(size))
        self._csv.close()
        return table, b"".join(parts)
