"""Faults with real processes: SIGKILL halfway then a rerun, a full disk, two runs on one folder."""
from __future__ import annotations

import errno
import os
import re
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.batch import run
from pipeline.cli import main
from pipeline.output import files
from pipeline.output.tables import TABLES
from robustness.conftest import SAMPLE, snapshot, start, zhreport

N_DOCS = 12
EARLIER = 4  # reports of the earlier whole run that the killed run finds in the folder


def corpus_of(folder: Path, n: int = N_DOCS) -> Path:
    """`n` distinct reports: the sample's first paragraphs with every digit shifted by i."""
    text = SAMPLE.read_text(encoding="utf-8")
    head = text[: text.index("\n", 1500)]
    folder.mkdir(parents=True)
    for i in range(n):
        varied = re.sub(r"\d", lambda m: str((int(m.group()) + i) % 10), head)
        (folder / f"报告 {i:02d}.txt").write_text(f"{varied}\n（第{i + 1}份）\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_of(tmp_path_factory.mktemp("faults") / "corpus")


@pytest.fixture(scope="module")
def reference(corpus: Path) -> dict[str, bytes]:
    """The tables and texts of one uninterrupted run in a folder of its own (in this process)."""
    out = corpus.parent / "reference"
    assert run(inputs=[str(corpus)], out=out).n_documents == N_DOCS
    return snapshot(out)


def leftovers(out: Path) -> list[Path]:
    return [*out.glob(files.STAGING_PREFIX + "*"), *(out / ".cache").glob(".*.tmp")]


def test_a_run_killed_halfway_then_rerun_ends_byte_identical(corpus: Path, reference: dict[str, bytes],
                                                             tmp_path: Path) -> None:
    """The folder holds a whole earlier run (a third of the reports); a run over all of them is killed
    after caching a few: the earlier outputs are untouched, and the next run ends as a clean one."""
    out = tmp_path / "killed"
    run(inputs=[str(p) for p in sorted(corpus.iterdir())[:EARLIER]], out=out)
    before = whole_folder(out)
    victim = start("run", corpus, "--out", out, "--jobs", "1")
    deadline = time.monotonic() + 60
    while len(list((out / ".cache").glob("*.pkl"))) < EARLIER + 2:
        assert victim.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    cached = len(list((out / ".cache").glob("*.pkl")))
    assert cached < N_DOCS, "killed halfway"
    assert whole_folder(out) == before

    again = zhreport("run", corpus, "--out", out, "--jobs", "1")
    assert again.returncode == 0, again.stderr
    processed, from_cache = map(int, re.search(r"\((\d+) processed, (\d+) from cache\)", again.stdout).groups())
    assert (processed, from_cache) == (N_DOCS - cached, cached)
    assert snapshot(out) == reference
    assert not leftovers(out)


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def whole_folder(out: Path) -> dict[str, bytes]:
    """Every output file, manifest and codebook included (not the cache and lock of the runner)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".") and ".cache" not in p.parts}


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A corpus of three reports run once into `out`, then changed: the next run has work to do."""
    corpus = corpus_of(tmp_path / "c", n=3)
    out = tmp_path / "out"
    assert cli("run", corpus, "--out", out)[0] == 0
    before = whole_folder(out)
    (corpus / "报告 00.txt").write_text("2026年，全省粮食产量达到450亿斤。\n", encoding="utf-8")
    (corpus / "新 报告.txt").write_text("2026年，全省森林覆盖率达到64%。\n", encoding="utf-8")
    return corpus, out, before


@pytest.mark.parametrize("fail_at", ["first", "middle", "last"])
def test_a_full_disk_while_staging_leaves_the_previous_outputs(small, fail_at: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, out, before = small
    n_files = 2 * len(TABLES) + 4 + 2  # tables as Parquet and CSV, four texts, manifest and codebook
    fail_at = {"first": 1, "middle": n_files // 2, "last": n_files}[fail_at]
    real, calls = files.Staging.write, []

    def disk_full(self: files.Staging, *, rel: str, data: bytes) -> None:
        calls.append(rel)
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, rel=rel, data=data)

    monkeypatch.setattr(files.Staging, "write", disk_full)
    code, output = cli("run", corpus, "--out", out)
    assert len(calls) == fail_at, "the run stops at the first failed write"
    assert code == 1 and "No space left on device" in output and "previous outputs are unchanged" in output
    assert whole_folder(out) == before and not leftovers(out)
    monkeypatch.undo()
    assert cli("run", corpus, "--out", out)[0] == 0
    clean = out.parent / "clean"
    assert cli("run", corpus, "--out", clean)[0] == 0
    assert snapshot(out) == snapshot(clean)


def test_a_full_disk_while_caching_leaves_the_previous_outputs(small, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fsync of a cache entry fails: the temp file goes, the outputs stay as they were."""
    corpus, out, before = small
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    code, output = cli("run", corpus, "--out", out)
    assert code == 1 and "No space left on device" in output
    monkeypatch.setattr(files.os, "fsync", real_fsync)
    assert whole_folder(out) == before and not leftovers(out)


def test_two_runs_on_one_folder_at_once(corpus: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    """The second run waits for the lock or stops with exit 1 and a clear message; never a mix."""
    out = tmp_path / "shared"
    first = start("run", corpus, "--out", out)
    deadline = time.monotonic() + 60
    while not (out / ".lock").exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    second = start("run", corpus, "--out", out)
    results = [(p.wait(timeout=120), *p.communicate()) for p in (first, second)]
    (code1, out1, err1), (code2, out2, err2) = results
    assert code1 == 0, err1
    assert f"{N_DOCS} documents written, 0 errors ({N_DOCS} processed, 0 from cache)" in out1
    if code2 == 0:  # it waited, then found everything cached
        assert f"{N_DOCS} documents written, 0 errors (0 processed, {N_DOCS} from cache)" in out2
    else:
        assert code2 == 1 and out2 == ""
        assert f"Error: {out} is in use by another zhreport run; waited 5 s, try again when it has finished" in err2
    assert snapshot(out) == reference and not leftovers(out)
