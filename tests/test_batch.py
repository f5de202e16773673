"""The runner through the command line: tables, duplicates, bad files, cache, atomic writes, workers."""
from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from filelock import FileLock

from conftest import SAMPLE
from pipeline import batch
from pipeline.cli import main
from pipeline.output import files
from pipeline.output.tables import SCHEMAS, TABLES

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The sample, the same bytes under another name, an empty file and a binary file named .txt."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    shutil.copy(SAMPLE, folder / "copy of sample.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return folder


def zhreport(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def run(corpus: Path, out: Path, *extra: str) -> str:
    code, output = zhreport("run", corpus, "--out", out, *extra)
    assert code == 0, output
    return output


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file covered by the byte-identical guarantee (not the manifest, which has timings)."""
    paths = [*out.glob("*.parquet"), *out.glob("*.csv"), *out.glob("text/*.txt")]
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(paths)}


def cache_status(out: Path) -> dict[str, tuple[str, str]]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {Path(d["sources"][0]).name: (d["cache"], d["reason"]) for d in manifest["documents"]}


@pytest.fixture
def out(corpus: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    run(corpus, folder)
    return folder


def test_every_table_in_parquet_and_csv_with_its_schema(out: Path) -> None:
    for name in TABLES:
        assert pq.read_schema(out / f"{name}.parquet").remove_metadata() == SCHEMAS[name], name
        raw = (out / f"{name}.csv").read_bytes()
        assert raw.startswith(BOM) and b"\r\n" not in raw, name
        assert raw[3:].decode("utf-8").split("\n")[0] == ",".join(c.name for c in TABLES[name])
    assert {"codebook.json", "manifest.json"} <= {p.name for p in out.iterdir()}
    codebook = json.loads((out / "codebook.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in codebook["tables"]["indicators"]] == SCHEMAS["indicators"].names


def test_contract_checker_finds_no_problem(out: Path, shared: Path) -> None:
    checked = subprocess.run([sys.executable, shared / "tools" / "check_contract.py", out],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout


def test_duplicate_bytes_are_one_document_with_both_names(out: Path, corpus: Path) -> None:
    documents, sources = table(out, "documents"), table(out, "sources")
    assert len(documents) == 1
    doc_id = documents.doc_id[0]
    names = sorted(str(corpus / n) for n in ("copy of sample.txt", SAMPLE.name))
    assert sources.to_dict("records") == [{"doc_id": doc_id, "source": n} for n in names]
    assert documents.source[0] == names[0]
    text = (out / "text" / f"{doc_id}.txt").read_text(encoding="utf-8")
    assert documents.n_chars[0] == len(text)


def test_each_bad_file_is_an_error_row_and_the_rest_is_written(corpus: Path, tmp_path: Path) -> None:
    code, output = zhreport("run", corpus, "--out", tmp_path / "o")
    assert code == 0
    errors = table(tmp_path / "o", "errors")
    codes = {Path(s).name: e for s, e in zip(errors.source, errors.error)}
    assert codes["empty.txt"] == "empty" and codes["binary.txt"] == "unreadable"
    assert f"1 documents written, {len(errors)} errors" in output
    assert "empty.txt: empty" in output and "binary.txt: unreadable" in output
    assert len(table(tmp_path / "o", "sentences")) > 0


def test_unexpected_exception_is_an_internal_error(corpus: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = batch.process_document

    def flaky(data: bytes, source: str, meta: dict | None):
        if source.endswith("copy of sample.txt"):
            raise ValueError("boom")
        return real(data, source, meta)

    monkeypatch.setattr(batch, "process_document", flaky)
    (corpus / "other.txt").write_text("2025年，全省地区生产总值增长5.5%。\n", encoding="utf-8")
    out = tmp_path / "o"
    run(corpus, out)
    errors = table(out, "errors")
    internal = errors[errors.error == "internal"]
    assert list(internal.message) == ["ValueError: boom"] and internal.stage.iloc[0] == "process"
    assert len(table(out, "documents")) == 1
    assert cache_status(out)["copy of sample.txt"] == ("reprocessed", "new")
    run(corpus, out)
    assert cache_status(out)["copy of sample.txt"] == ("reprocessed", "new"), "internal errors are not cached"


def test_rerun_reprocesses_nothing_and_is_byte_identical(out: Path, corpus: Path) -> None:
    before = snapshot(out)
    assert set(cache_status(out).values()) == {("reprocessed", "new")}
    run(corpus, out)
    assert set(cache_status(out).values()) == {("cached", "")}
    assert snapshot(out) == before


def test_force_reprocesses_everything(out: Path, corpus: Path) -> None:
    before = snapshot(out)
    run(corpus, out, "--force")
    assert set(cache_status(out).values()) == {("reprocessed", "--force")}
    assert snapshot(out) == before


def test_a_changed_file_alone_is_reprocessed(out: Path, corpus: Path) -> None:
    with open(corpus / "empty.txt", "w", encoding="utf-8") as f:
        f.write("2025年，全省森林覆盖率达到63.35%。\n")
    run(corpus, out)
    status = cache_status(out)
    assert status.pop("empty.txt") == ("reprocessed", "bytes changed")
    assert set(status.values()) == {("cached", "")}
    assert len(table(out, "documents")) == 2


def test_jobs_2_writes_the_same_bytes_as_jobs_1(out: Path, corpus: Path, tmp_path: Path) -> None:
    (corpus / "more").mkdir()
    (corpus / "more" / "b.txt").write_text("2025年，全省粮食产量达到440亿斤。\n", encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    run(corpus, one)
    run(corpus, two, "--jobs", "2")
    assert snapshot(one) == snapshot(two)


def test_dropped_input_leaves_the_tables_and_text(out: Path, corpus: Path) -> None:
    (corpus / "late.txt").write_text("2025年，全省粮食产量达到440亿斤。\n", encoding="utf-8")
    run(corpus, out)
    assert len(list((out / "text").iterdir())) == 2
    (corpus / "late.txt").unlink()
    run(corpus, out)
    assert len(table(out, "documents")) == 1
    assert [p.stem for p in (out / "text").iterdir()] == list(table(out, "documents").doc_id)


def test_inputs_are_found_recursively_sorted_without_sidecars_docs_or_hidden_files(tmp_path: Path) -> None:
    for rel in ("b.txt", "a.md", "sub/c.pdf", "sub/d.docx", "sub/e.html", "x.meta.yaml", ".hidden.txt",
                "notes.csv", "README.md", ".git/f.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    (tmp_path / "folder.txt").mkdir()
    found = batch.find_inputs(paths=[str(tmp_path)])
    assert [Path(i.source).relative_to(tmp_path).as_posix() for i in found] == [
        "b.txt", "folder.txt", "sub/c.pdf", "sub/d.docx", "sub/e.html"]
    named = batch.find_inputs(paths=[str(tmp_path / "a.md")])  # Markdown is read only when named
    assert [i.source for i in named] == [str(tmp_path / "a.md")]


def test_a_folder_named_like_a_report_is_an_error(corpus: Path, tmp_path: Path) -> None:
    (corpus / "folder.txt").mkdir()
    run(corpus, tmp_path / "o")
    errors = table(tmp_path / "o", "errors")
    assert "unreadable" in set(errors[errors.source.str.endswith("folder.txt")].error)


def test_sidecar_metadata_overrides_and_a_bad_sidecar_is_reported(corpus: Path, tmp_path: Path) -> None:
    (corpus / "copy of sample.meta.yaml").write_text("title: 测试标题\nyear: 2031\n", encoding="utf-8")
    out = tmp_path / "o"
    run(corpus, out)
    documents = table(out, "documents")
    assert (documents.title[0], documents.year[0]) == ("测试标题", 2031)
    (corpus / "copy of sample.meta.yaml").write_text("title: [1]\npath: ../../etc\n", encoding="utf-8")
    run(corpus, out)
    assert cache_status(out)["copy of sample.txt"] == ("reprocessed", "metadata changed")
    errors = table(out, "errors")
    assert list(errors[errors.stage == "meta"].error) == ["bad_meta"]
    assert len(table(out, "documents")) == 1


def test_a_second_run_on_a_busy_folder_stops_clearly(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    with FileLock(out / ".lock"):
        with pytest.raises(batch.BusyError, match="in use by another zhreport run"):
            batch.run(inputs=[str(corpus)], out=out, lock_timeout=0.2)
    assert not any(out.glob("*.parquet"))


def test_a_failed_write_leaves_the_previous_outputs(out: Path, corpus: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(out)
    real, calls = files.Staging.write, []

    def disk_full(self: files.Staging, *, rel: str, data: bytes) -> None:
        calls.append(rel)
        if len(calls) > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, rel=rel, data=data)

    monkeypatch.setattr(files.Staging, "write", disk_full)
    code, output = zhreport("run", corpus, "--out", out, "--force")
    assert code == 1 and "No space left on device" in output and "previous outputs are unchanged" in output
    assert snapshot(out) == before
    assert not list(out.glob(files.STAGING_PREFIX + "*"))


def test_usage_errors_exit_with_2(tmp_path: Path) -> None:
    assert zhreport("run", tmp_path / "missing", "--out", tmp_path / "o")[0] == 2
    assert zhreport("run", tmp_path, "--out", tmp_path / "o", "--jobs", "0")[0] == 2
    assert zhreport("run", tmp_path)[0] == 2


def test_an_output_folder_inside_the_corpus_is_not_read_back(corpus: Path) -> None:
    out = corpus / "out"
    run(corpus, out)
    before = snapshot(out)
    run(corpus, out)
    assert len(table(out, "documents")) == 1
    assert not any("out/" in s for s in table(out, "errors").source)
    assert snapshot(out) == before
