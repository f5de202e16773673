"""The `zhreport` command line (SPEC §1): `run`, `diff`, `panel` and `eval`.

Exit status: 0 when the run finished (failed documents are rows of `errors`), 1 when the output
folder is busy or could not be written, 2 on usage errors.
"""
from __future__ import annotations

import importlib.util

import json
import logging
import sys
from pathlib import Path

import click
from tqdm import tqdm

from pipeline import __version__


class _TqdmHandler(logging.Handler):
    """Log lines that do not tear the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(self.format(record), file=sys.stderr)


def _setup_logging(*, quiet: bool) -> None:
    log = logging.getLogger("zhreport")
    if not log.handlers:
        log.addHandler(_TqdmHandler())
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False


@click.group()
@click.version_option(__version__, prog_name="zhreport")
def main() -> None:
    """Chinese government reports → clean, comparable tables."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: tables, text/, manifest.json, codebook.json.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(min=1), help="Worker processes.")
@click.option("--force", is_flag=True, help="Reprocess every document, ignoring the cache.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings, errors and the summary.")
@click.option("--ner", is_flag=True, help="Add the trained model's places, policies and organizations "
              "(rows with source=model; needs spaCy).")
@click.option("--segmented", is_flag=True, help="Also write DIR/segmented/<doc_id>.txt: words separated by spaces.")
@click.option("--pos", is_flag=True, help="Segmented text with part-of-speech tags (word/tag); implies --segmented.")
@click.option("--dask", "dask", metavar="ADDRESS", help="Process on a Dask cluster: a scheduler address "
              "(tcp://host:8786), or `local` for a LocalCluster of --jobs workers (needs the dask extra).")
def run(inputs: tuple[str, ...], out: Path, jobs: int, force: bool, quiet: bool, ner: bool, segmented: bool,
        pos: bool, dask: str | None) -> None:
    """Process report files or folders (txt, pdf, docx, html; md when named) into DIR."""
    from pipeline.batch import BusyError, run as run_batch

    if ner and importlib.util.find_spec("spacy") is None:
        raise click.UsageError("--ner needs spaCy: install the project with its nlp extra (pip install -e '.[nlp]')")
    cluster_errors: tuple[type[Exception], ...] = ()
    if dask is not None:
        if importlib.util.find_spec("distributed") is None:
            raise click.UsageError("--dask needs dask.distributed: install the project with its dask extra "
                                   "(pip install -e '.[dask]')")
        from pipeline.cluster import ClusterError

        cluster_errors = (ClusterError,)
    _setup_logging(quiet=quiet)
    try:
        report = run_batch(inputs=inputs, out=out, jobs=jobs, force=force, ner=ner, segmented=segmented, pos=pos,
                           dask=dask)
    except BusyError as exc:
        raise click.ClickException(str(exc)) from None
    except cluster_errors as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"could not write {out}: {exc}; the previous outputs are unchanged") from None
    click.echo(f"{report.n_documents} documents written, {report.n_errors} errors "
               f"({report.n_processed} processed, {report.n_cached} from cache) → {out}")


@main.command(name="eval")
@click.option("--gold", "gold", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Gold folder: one sub-folder per document (SPEC §4).")
@click.option("--pred", "pred", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Output folder of `zhreport run`.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, as tools/score.py --json.")
@click.option("-v", "verbose", is_flag=True, help="List misses and false positives with their evidence.")
def eval_(gold: Path, pred: Path, as_json: bool, verbose: bool) -> None:
    """Score a run's tables against gold annotations (SPEC §4)."""
    from pipeline.evaluate import evaluate, report

    try:
        result = evaluate(gold_dir=gold, pred_dir=pred)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.summary, ensure_ascii=False))
    else:
        click.echo(report(result=result, verbose=verbose))


@main.command()
@click.argument("dir_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dir_b", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: indicator_diff, entity_diff, target_outcome, summary.md, report/.")
@click.option("--doc-a", "doc_a", help="Document A inside DIR_A: doc_id (or a prefix), source path or file name.")
@click.option("--doc-b", "doc_b", help="Document B inside DIR_B (or inside DIR_A when DIR_B is not given).")
@click.option("--threshold", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0),
              help="Least subject similarity (character bigrams) for pairing unmatched indicators.")
def diff(dir_a: Path, dir_b: Path | None, out: Path, doc_a: str | None, doc_b: str | None, threshold: float) -> None:
    """Compare two reports: DIR_A DIR_B (run outputs), or DIR --doc-a X --doc-b Y."""
    from pipeline.across import diff as run_diff
    from pipeline.output.folders import BusyFolder, FolderError

    if dir_b is None and (doc_a is None or doc_b is None):
        raise click.UsageError("give two output folders, or one folder with --doc-a and --doc-b")
    try:
        report = run_diff(dir_a=dir_a, dir_b=dir_b, out=out, doc_a=doc_a, doc_b=doc_b, threshold=threshold)
    except FolderError as exc:
        raise click.UsageError(str(exc)) from None
    except (BusyFolder, OSError) as exc:
        raise click.ClickException(f"could not write {out}: {exc}") from None
    counts = ", ".join(f"{report.statuses.get(s, 0)} {s}" for s in ("changed", "unchanged", "added", "removed"))
    click.echo(f"{report.doc_a} → {report.doc_b}: {counts} → {out} (summary.md, report/index.html)")


@main.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder: panel_long, panel_wide, report/.")
def panel(dirs: tuple[Path, ...], out: Path) -> None:
    """Many run outputs → panel_long and panel_wide (one column per period)."""
    from pipeline.across import panel as run_panel
    from pipeline.output.folders import BusyFolder, FolderError

    try:
        n_docs, n_rows, n_conflicts = run_panel(dirs=dirs, out=out)
    except FolderError as exc:
        raise click.UsageError(str(exc)) from None
    except (BusyFolder, OSError) as exc:
        raise click.ClickException(f"could not write {out}: {exc}") from None
    click.echo(f"{n_docs} documents, {n_rows} figures ({n_conflicts} in conflict) → {out}")
