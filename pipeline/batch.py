"""The runner: finds inputs, decides what to reprocess, runs documents (in workers), writes outputs.

Stages are pure; this is the one place that reads inputs, keeps the per-document cache and
writes the output folder.  A cache entry is keyed on the document's bytes (doc_id), the rules
fingerprint, the pipeline version, the source name and the sidecar metadata, so a rerun repeats
only what changed and says why.  One bad document becomes rows of `errors`, never a stopped batch.

Workers return (and the cache keeps) each document's share of the outputs, `DocRows`; the runner
stages texts and pages as documents finish, spools their rows, and joins every table in doc_id
order at the end, so its memory does not grow with the documents' contents.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import pickle
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from filelock import FileLock, Timeout
from tqdm import tqdm

import pipeline
from pipeline import records
from pipeline.ingest import read_source
from pipeline.output.codebook import codebook
from pipeline.output.duck import FILENAME as DUCKDB_FILE, Database
from pipeline.output.files import Staging, remove_leftovers, write_atomic
from pipeline.output.report import ENTITY_TABLES, document_page, index_page
from pipeline.output.spool import Spool
from pipeline.output.tables import (TABLES, ErrorRow, arrow_table, csv_bytes, csv_lines, document_rows, one_line,
                                    parquet_of, sorted_rows)
from pipeline.process import doc_id_of, prepare, process_document
from pipeline.records import DocResult, PipelineError
from pipeline.rules import fingerprint
from pipeline.text.segment import segmented_text

log = logging.getLogger("zhreport")

# Markdown is read when named on the command line but not picked up from folders, where it is
# documentation (README.md, SOURCES.md) rather than a report.
INPUT_SUFFIXES = frozenset({".txt", ".text", ".pdf", ".docx", ".html", ".htm", ".xhtml"})
SIDECAR_SUFFIX = ".meta.yaml"
SIDECAR_MAX_BYTES = 64 * 1024
META_TYPES: dict[str, type] = {"title": str, "issuer": str, "region": str, "year": int, "genre": str}
GENRES = next(c.allowed for c in TABLES["documents"] if c.name == "genre")
PACKAGES = ("jieba", "regex", "pandas", "pyarrow", "charset-normalizer", "pdfplumber", "python-docx",
            "beautifulsoup4", "lxml", "PyYAML", "click", "tqdm", "pyahocorasick", "filelock")
LOCK_TIMEOUT = 5.0
RUN_STATE = "run.json"  # in .cache/: the key and output files of the last complete run


def _records_shape() -> str:
    """Field names of the cached records: a cache written by other record classes is not reused."""
    shape = [(name, [f.name for f in dataclasses.fields(cls)])
             for name, cls in sorted(vars(records).items())
             if isinstance(cls, type) and dataclasses.is_dataclass(cls)]
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:8]


CACHE_FORMAT = 2  # what a cache entry holds (2: a DocRows, not the DocResult); raise it when that changes
VERSION = f"{pipeline.__version__}+{_records_shape()}+{CACHE_FORMAT}"


class BusyError(RuntimeError):
    """Another run holds the output folder."""


@dataclass(frozen=True)
class Input:
    """One input file; `root` is the folder that was given (sidecars may not escape it)."""

    source: str
    path: Path
    root: Path


@dataclass(frozen=True)
class Task:
    """One distinct document to process: the bytes, its first name and its sidecar metadata."""

    doc_id: str
    source: str
    data: bytes
    meta: dict[str, Any] | None
    ner: bool = False


@dataclass(frozen=True)
class DocRows:
    """A processed document's share of the outputs, built in the worker: its rows of every table
    but `sources` and `errors` (Arrow, sorted) with their CSV lines, its normalized text and its
    report page.  Compact (no Doc, no records), so cheap to send back and to cache."""

    tables: dict[str, pa.Table]
    csv: dict[str, bytes]
    text: bytes
    page: bytes


@dataclass(frozen=True)
class Outcome:
    """What processing one document gave; errors and warnings are already rows of `errors`.

    DocResult.error becomes a row of `errors` here, so workers and the cache pass plain rows;
    `rows` is None for a failed document (and in the runner once the rows are staged).
    """

    doc_id: str
    rows: DocRows | None
    errors: tuple[ErrorRow, ...]
    seconds: float

    @property
    def cacheable(self) -> bool:
        """Unexpected failures are retried on the next run rather than remembered."""
        return not any(e.error == "internal" for e in self.errors)


@dataclass(frozen=True)
class RunReport:
    n_documents: int
    n_errors: int
    n_processed: int
    n_cached: int


def find_inputs(*, paths: Sequence[str], exclude: Path | None = None) -> list[Input]:
    """Files as given, and every report file under the folders given, recursively and sorted.

    Hidden entries, sidecars, README files and the `exclude` folder (the output folder, whose
    text/ would otherwise be read back as reports) are skipped; an entry with a report suffix that
    is not a regular file (a FIFO, a folder named x.txt) is kept so that it gets an `errors` row.
    """
    found: dict[str, Input] = {}
    skip = exclude.resolve() if exclude is not None else None
    for given in paths:
        path = Path(given)
        if path.is_dir() and path.suffix.lower() not in INPUT_SUFFIXES:
            for rel in _walk(path, skip=skip):
                source = str(Path(given) / rel)
                found.setdefault(source, Input(source=source, path=path / rel, root=path))
        elif not path.name.endswith(SIDECAR_SUFFIX):
            found.setdefault(given, Input(source=given, path=path, root=path.parent))
    return sorted(found.values(), key=lambda i: i.source)


def _walk(folder: Path, *, skip: Path | None) -> list[Path]:
    out: list[Path] = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(".") or name.endswith(SIDECAR_SUFFIX) or name.upper().startswith("README."):
            continue
        if entry.suffix.lower() in INPUT_SUFFIXES:
            out.append(entry.relative_to(folder))
        elif entry.is_dir() and not entry.is_symlink() and entry.resolve() != skip:
            out += [entry.relative_to(folder) / rel for rel in _walk(entry, skip=skip)]
    return out


def read_sidecar(*, item: Input) -> dict[str, Any] | None:
    """`NAME.meta.yaml` beside the input, validated; None when there is none.

    Raises PipelineError (stage `meta`) for a sidecar that is malformed, has unknown keys or wrong
    types, or resolves outside the input folder (a symlink out of the corpus).
    """
    sidecar = item.path.with_name(item.path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return None
    root = item.root.resolve()
    if root not in sidecar.resolve().parents:
        raise PipelineError("bad_meta", f"{sidecar.name} points outside {item.root}", stage="meta")
    if not sidecar.is_file() or sidecar.stat().st_size > SIDECAR_MAX_BYTES:
        raise PipelineError("bad_meta", f"{sidecar.name} is not a small regular file", stage="meta")
    try:
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PipelineError("bad_meta", f"{sidecar.name}: {one_line(str(exc))}", stage="meta") from exc
    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise PipelineError("bad_meta", f"{sidecar.name}: expected a mapping", stage="meta")
    for key, value in meta.items():
        want = META_TYPES.get(key)
        if want is None:
            raise PipelineError("bad_meta", f"{sidecar.name}: unknown key {key!r} "
                                f"(allowed: {', '.join(META_TYPES)})", stage="meta")
        if type(value) is not want:
            raise PipelineError("bad_meta", f"{sidecar.name}: {key} must be {want.__name__}", stage="meta")
    if "genre" in meta and meta["genre"] not in GENRES:
        raise PipelineError("bad_meta", f"{sidecar.name}: genre must be one of {', '.join(GENRES)}", stage="meta")
    return meta


def process_task(task: Task) -> Outcome:
    """Process one document, turning every failure into `errors` rows; runs in worker processes."""
    started = time.perf_counter()
    result: DocResult | None
    rows: DocRows | None = None
    try:
        options = {"ner": True} if task.ner else {}  # the default call stays the plain one
        result = process_document(task.data, task.source, task.meta, **options)
        failure = result.error
        if failure is None:
            rows = doc_rows(result)
    except PipelineError as exc:
        result, failure = None, exc
    except Exception as exc:  # noqa: BLE001 — one bad document must never stop the batch
        result = None
        failure = PipelineError("internal", f"{type(exc).__name__}: {exc}", stage="process")
    errors: list[ErrorRow] = []
    if failure is not None:
        errors.append(ErrorRow.from_exception(source=task.source, exc=failure, doc_id=task.doc_id))
        rows = None
    elif result is not None:
        errors += [ErrorRow(source=task.source, stage=w.stage, error=w.code, message=one_line(w.message),
                            doc_id=task.doc_id) for w in result.warnings]
    return Outcome(doc_id=task.doc_id, rows=rows, errors=tuple(errors),
                   seconds=round(time.perf_counter() - started, 3))


def doc_rows(result: DocResult) -> DocRows:
    """A document's rows, CSV lines, text and report page (its `documents` row names its first source,
    which is the task's: inputs are read in sorted order)."""
    rows = document_rows(result)
    return DocRows(tables={name: arrow_table(name=name, rows=r) for name, r in rows.items()},
                   csv={name: csv_lines(TABLES[name], r) for name, r in rows.items()},
                   text=result.doc.text.encode("utf-8"),
                   page=document_page(doc=rows["documents"][0], text=result.doc.text, rows=rows))


class _Output:
    """The run's output files, written as documents arrive: texts and report pages go to the
    staging folder at once, table rows to spools joined in doc_id order at the end — so the runner
    holds no document's rows longer than it takes to stage them."""

    def __init__(self, *, staging: Staging, segmented: bool, pos: bool) -> None:
        self.staging, self.segmented, self.pos = staging, segmented, pos
        spools = staging.root / ".spool"
        self.spools = {name: Spool(folder=spools, name=name) for name in TABLES if name not in ("sources", "errors")}
        self.counts: dict[str, dict[str, int]] = {name: {} for name in ENTITY_TABLES}
        self.written: set[str] = set()

    def add(self, outcome: Outcome) -> Outcome:
        """Stage a document's files and rows; the outcome without them, which is what the run keeps."""
        rows, doc_id = outcome.rows, outcome.doc_id
        if rows is None:
            return outcome
        self.staging.write(rel=f"text/{doc_id}.txt", data=rows.text)
        if self.segmented:
            self.staging.write(rel=f"segmented/{doc_id}.txt",
                               data=segmented_text(rows.text.decode("utf-8"), pos=self.pos).encode("utf-8"))
        self.staging.write(rel=f"report/{doc_id}.html", data=rows.page)
        for name, spool in self.spools.items():
            spool.add(doc_id=doc_id, table=rows.tables[name], csv=rows.csv[name])
        for name in ENTITY_TABLES:
            self.counts[name][doc_id] = rows.tables[name].num_rows
        self.written.add(doc_id)
        return replace(outcome, rows=None)

    def finish(self, *, sources: dict[str, list[str]], errors: list[ErrorRow]
               ) -> tuple[dict[str, int], list[dict[str, Any]]]:
        """Join and write every table, the report's index and the DuckDB database; the row count of
        each table and the rows of `errors`, for the manifest."""
        order = sorted(self.written)
        small = {"sources": sorted_rows(name="sources", rows=[dict(doc_id=d, source=s) for d in order
                                                              for s in sources[d]]),
                 "errors": sorted_rows(name="errors", rows=[vars(e).copy() for e in errors])}
        counts: dict[str, int] = {}
        documents: list[dict[str, Any]] = []
        with Database() as db:
            for name in sorted(TABLES):
                if name in small:
                    table, csv = arrow_table(name=name, rows=small[name]), csv_bytes(name=name, rows=small[name])
                else:
                    table, csv = self.spools[name].join(order)
                self.staging.write(rel=f"{name}.parquet", data=parquet_of(table))
                self.staging.write(rel=f"{name}.csv", data=csv)
                db.add(name, table)
                counts[name] = table.num_rows
                if name == "documents":
                    documents = table.to_pylist()
            self.staging.write(rel="report/index.html",
                               data=index_page(documents=documents, counts=self.counts, errors=small["errors"]))
            self.staging.write(rel=DUCKDB_FILE, data=db.finish())
        return {name: counts[name] for name in TABLES}, small["errors"]


def run(*, inputs: Sequence[str], out: Path, jobs: int = 1, force: bool = False,
        lock_timeout: float = LOCK_TIMEOUT, ner: bool = False, segmented: bool = False,
        pos: bool = False, dask: str | None = None) -> RunReport:
    """Process `inputs` into the output folder `out`, holding its lock for the whole run.

    `ner` adds the model's rows (part of the cache key); `segmented`/`pos` write `segmented/`,
    derived from the normalized text at write time, outside the cache; `dask` (a scheduler address
    or `local`) processes the documents on a Dask cluster instead of local processes."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(out / ".lock", timeout=lock_timeout):
            return _run_locked(inputs=inputs, out=out, jobs=jobs, force=force, ner=ner,
                               segmented=segmented or pos, pos=pos, dask=dask)
    except Timeout:
        raise BusyError(f"{out} is in use by another zhreport run; waited {lock_timeout:g} s, "
                        "try again when it has finished") from None


def _run_locked(*, inputs: Sequence[str], out: Path, jobs: int, force: bool, ner: bool = False,
                segmented: bool = False, pos: bool = False, dask: str | None = None) -> RunReport:
    started = time.perf_counter()
    cache = out / ".cache"
    remove_leftovers(out=out, cache=cache)
    names, firsts, errors = _read_inputs(inputs=inputs, out=out)
    run_key = _run_key(inputs=inputs, names=names, firsts=firsts, errors=errors, options=(ner, segmented, pos))
    if not force and (report := _keep_unchanged(out=out, cache=cache, run_key=run_key, started=started)):
        return report
    (cache / RUN_STATE).unlink(missing_ok=True)
    seen = {e.source: "" for e in errors} | {s: doc_id for doc_id, ns in names.items() for s in ns}
    sources = {doc_id: sorted(ns) for doc_id, ns in names.items()}
    owned = ("text", "report", "segmented") if segmented else ("text", "report")
    with Staging(out=out, owned=owned, within=cache) as staging:
        output = _Output(staging=staging, segmented=segmented, pos=pos)
        outcomes, todo = _plan(firsts=firsts, cache=cache, force=force, previous=_previous_doc_ids(out),
                               errors=errors, ner=ner, keep=output.add)
        reasons = {task.doc_id: reason for task, reason in todo}
        keys = {task.doc_id: _cache_key(task) for task, _ in todo}
        for task, reason in todo:
            log.info("processing %s (%s)", task.source, reason)
        for outcome in _execute(tasks=[t for t, _ in todo], jobs=jobs, ner=ner, dask=dask):
            if outcome.cacheable:
                entry = {"key": keys[outcome.doc_id], "outcome": outcome}
                write_atomic(path=cache / f"{outcome.doc_id}.pkl",
                             data=pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
            outcomes[outcome.doc_id] = output.add(outcome)
        for doc_id in sorted(outcomes):
            errors += outcomes[doc_id].errors
        for e in errors:
            if _is_failure(e, written=output.written):
                log.error("error: %s: %s (%s) %s", e.source, e.error, e.stage, e.message)
            else:
                log.warning("warning: %s: %s (%s) %s", e.source, e.error, e.stage, e.message)
        counts, error_rows = output.finish(sources=sources, errors=errors)
        manifest = _manifest(inputs=inputs, seen=seen, outcomes=outcomes, written=output.written, sources=sources,
                             reasons=reasons, counts=counts, errors=error_rows,
                             seconds=time.perf_counter() - started)
        staging.write(rel="codebook.json", data=_json(codebook()))
        staging.write(rel="manifest.json", data=_json(manifest))
        staging.commit()
    if all(o.cacheable for o in outcomes.values()):
        write_atomic(path=cache / RUN_STATE, data=_json({"key": run_key, "files": _output_files(out)}))
    return RunReport(n_documents=counts["documents"], n_errors=counts["errors"],
                     n_processed=len(todo), n_cached=len(outcomes) - len(todo))


def _run_key(*, inputs: Sequence[str], names: dict[str, list[str]], firsts: dict[str, tuple[Input, bytes]],
             errors: list[ErrorRow], options: tuple[bool, ...]) -> str:
    """Everything a run's outputs depend on besides the cached outcomes' contents: equal keys and
    untouched outputs mean a rerun has nothing to do."""
    metas: dict[str, Any] = {}
    for doc_id, (item, _) in sorted(firsts.items()):
        try:
            metas[doc_id] = read_sidecar(item=item)
        except PipelineError as exc:
            metas[doc_id] = f"error: {exc}"
    parts = [VERSION, fingerprint(), {p: _package_version(p) for p in PACKAGES}, list(inputs), options,
             sorted((d, sorted(ns)) for d, ns in names.items()), [dataclasses.asdict(e) for e in errors], metas]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()


def _output_files(out: Path) -> dict[str, list[int]]:
    """Size and modification time of every output file but the manifest (rewritten by every run)."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith(".") and rel != "manifest.json":
            st = path.stat()
            files[rel] = [st.st_size, st.st_mtime_ns]
    return files


def _keep_unchanged(*, out: Path, cache: Path, run_key: str, started: float) -> RunReport | None:
    """A rerun with nothing changed (same key as the last complete run, outputs untouched): only
    the manifest is rewritten, with every document from cache — hashing and checks, no tables."""
    try:
        state = json.loads((cache / RUN_STATE).read_text(encoding="utf-8"))
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        documents = manifest["documents"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if state.get("key") != run_key or state.get("files") != _output_files(out):
        return None
    failed = {d["doc_id"] for d in documents if d["status"] == "failed"}
    for e in manifest["errors"]:
        failure = e["stage"] != "meta" and (not e.get("doc_id") or e["doc_id"] in failed)
        (log.error if failure else log.warning)("%s: %s: %s (%s) %s", "error" if failure else "warning",
                                                e["source"], e["error"], e["stage"], e["message"])
    log.info("nothing changed since the last run: %d documents from cache, outputs kept", len(documents))
    for d in documents:
        d["cache"], d["reason"] = "cached", ""
    manifest["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    manifest["timings"] = {"total_seconds": round(time.perf_counter() - started, 3), "processing_seconds": 0}
    write_atomic(path=out / "manifest.json", data=_json(manifest))
    return RunReport(n_documents=manifest["tables"]["documents"], n_errors=manifest["tables"]["errors"],
                     n_processed=0, n_cached=len(documents))


def _read_inputs(*, inputs: Sequence[str], out: Path
                 ) -> tuple[dict[str, list[str]], dict[str, tuple[Input, bytes]], list[ErrorRow]]:
    """Every name of each distinct content (doc_id), the first input and bytes of each, read errors."""
    names: dict[str, list[str]] = {}
    firsts: dict[str, tuple[Input, bytes]] = {}
    errors: list[ErrorRow] = []
    for item in find_inputs(paths=inputs, exclude=out):
        try:
            data = read_source(item.path)
        except PipelineError as exc:
            errors.append(ErrorRow.from_exception(source=item.source, exc=exc))
            continue
        except Exception as exc:  # noqa: BLE001 — one unreadable input must never stop the batch
            code = "unreadable" if isinstance(exc, OSError) else "internal"
            errors.append(ErrorRow(source=item.source, stage="ingest", error=code,
                                   message=one_line(f"{type(exc).__name__}: {exc}")))
            continue
        doc_id = doc_id_of(data)
        names.setdefault(doc_id, []).append(item.source)
        firsts.setdefault(doc_id, (item, data))
    return names, firsts, errors


def _plan(*, firsts: dict[str, tuple[Input, bytes]], cache: Path, force: bool, previous: dict[str, str],
          errors: list[ErrorRow], ner: bool, keep: Callable[[Outcome], Outcome]
          ) -> tuple[dict[str, Outcome], list[tuple[Task, str]]]:
    """Cached outcomes (each passed through `keep` as it is read, which stages its rows), and the
    tasks to run with the reason for each; consumes `firsts` so that the bytes of cached documents
    are let go at once."""
    outcomes: dict[str, Outcome] = {}
    todo: list[tuple[Task, str]] = []
    for doc_id in list(firsts):
        item, data = firsts.pop(doc_id)
        try:
            meta = read_sidecar(item=item)
        except PipelineError as exc:
            errors.append(ErrorRow.from_exception(source=item.source, exc=exc, doc_id=doc_id))
            meta = None
        task = Task(doc_id=doc_id, source=item.source, data=data, meta=meta, ner=ner)
        cached, reason = _load_cache(path=cache / f"{doc_id}.pkl", key=_cache_key(task), force=force)
        if cached is not None:
            outcomes[doc_id] = keep(cached)
            continue
        if reason == "new" and previous.get(item.source, doc_id) != doc_id:
            reason = "bytes changed"
        todo.append((task, reason))
    return outcomes, todo


def _is_failure(error: ErrorRow, *, written: set[str]) -> bool:
    """A row that cost the document its place in the tables, rather than a warning."""
    return error.stage != "meta" and error.doc_id not in written


def _execute(*, tasks: list[Task], jobs: int, ner: bool = False, dask: str | None = None) -> Iterator[Outcome]:
    """Outcomes as documents finish (so each is cached at once and a killed run loses little);
    a process pool when jobs > 1, each worker prepared once; a Dask cluster with `dask`; a
    progress bar for batches on a terminal."""
    with tqdm(total=len(tasks), unit="doc", file=sys.stderr,
              disable=len(tasks) <= 1 or not sys.stderr.isatty()) as bar:
        if dask is not None and tasks:
            from pipeline.cluster import run_on_cluster

            for future, task in run_on_cluster(tasks=tasks, work=process_task, address=dask, workers=jobs, ner=ner):
                yield _outcome_of(future=future, task=task)
                bar.update()
            return
        if jobs <= 1 or len(tasks) <= 1:
            for task in tasks:
                yield process_task(task)
                bar.update()
            return
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=partial(prepare, ner=ner))
        try:
            futures: dict[Future[Outcome], Task] = {pool.submit(process_task, t): t for t in tasks}
            for future in as_completed(futures):
                # the future is let go once read: the runner does not keep every document's rows
                yield _outcome_of(future=future, task=futures.pop(future))
                bar.update()
        finally:
            pool.shutdown(cancel_futures=True)  # a failed run does not wait for the queued documents


def _outcome_of(*, future: Future[Outcome], task: Task) -> Outcome:
    """A worker that died (killed, out of memory) fails its document, not the batch."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001
        row = ErrorRow(source=task.source, stage="process", error="internal",
                       message=one_line(f"{type(exc).__name__}: {exc}"), doc_id=task.doc_id)
        return Outcome(doc_id=task.doc_id, rows=None, errors=(row,), seconds=0.0)


def _cache_key(task: Task) -> dict[str, Any]:
    return {"doc_id": task.doc_id, "version": VERSION, "rules": fingerprint(), "source": task.source,
            "meta": task.meta, "ner": task.ner}


def _load_cache(*, path: Path, key: dict[str, Any], force: bool) -> tuple[Outcome | None, str]:
    """The cached outcome, or None and why the document must be processed again."""
    if force:
        return None, "--force"
    if not path.exists():
        return None, "new"
    try:
        entry = pickle.loads(path.read_bytes())
        old = entry["key"]
        outcome = entry["outcome"]
    except Exception:  # noqa: BLE001 — any damaged entry is simply redone
        return None, "cache unreadable"
    for field, reason in (("version", "version changed"), ("rules", "rules changed"),
                          ("source", "name changed"), ("meta", "metadata changed"),
                          ("ner", "--ner changed")):
        if old.get(field) != key[field]:
            return None, reason
    return outcome, "cached"


def _previous_doc_ids(out: Path) -> dict[str, str]:
    """source → doc_id ("" when unreadable) of the last run, to tell a changed file from a new one."""
    try:
        seen = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return seen if isinstance(seen, dict) else {}


def _manifest(*, inputs: Sequence[str], seen: dict[str, str], outcomes: dict[str, Outcome], written: set[str],
              sources: dict[str, list[str]], reasons: dict[str, str], counts: dict[str, int],
              errors: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    documents = [
        {"doc_id": doc_id, "sources": sources[doc_id],
         "status": "written" if doc_id in written else "failed",
         "cache": "reprocessed" if doc_id in reasons else "cached",
         "reason": reasons.get(doc_id, ""), "seconds": outcomes[doc_id].seconds}
        for doc_id in sorted(outcomes)
    ]
    return {
        "pipeline": "zhreport",
        "version": pipeline.__version__,
        "cache_version": VERSION,
        "rules_fingerprint": fingerprint(),
        "python": platform.python_version(),
        "packages": {name: _package_version(name) for name in PACKAGES},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "inputs": list(inputs),
        "sources": dict(sorted(seen.items())),
        "documents": documents,
        "tables": counts,
        "errors": errors,
        "timings": {"total_seconds": round(seconds, 3),
                    "processing_seconds": round(sum(o.seconds for d, o in outcomes.items() if d in reasons), 3)},
    }


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n").encode("utf-8")

