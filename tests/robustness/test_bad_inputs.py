"""Every bad input of issue 5 in one batch through `zhreport run` (a real process): each gets its
exact `errors` row and console line, and every good document of the same batch is still written."""
from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.batch import run
from pipeline.process import doc_id_of, process_document
from robustness import inputs
from robustness.conftest import SAMPLE, table, zhreport

SAMPLE_NAME = "江西 省/2025年 政府工作报告.txt"  # spaces and Chinese in folder and file names
COPY_NAME = "副本 sample.txt"
GOOD = {  # name → bytes of the documents that must be written
    SAMPLE_NAME: SAMPLE.read_bytes(),
    COPY_NAME: SAMPLE.read_bytes(),
    "编码/gbk.txt": inputs.SIMP.encode("gbk"),
    "编码/big5.txt": inputs.TRAD.encode("big5"),
    "编码/utf16 bom.txt": inputs.SIMP.encode("utf-16"),
    "编码/utf16le.txt": inputs.SIMP.encode("utf-16-le"),
    "restricted.pdf": inputs.owner_password_pdf(),
    "mostly cid.pdf": inputs.cid_pdf(readable_pages=1),
    "report.docx": inputs.docx_file(),
}
BAD = {  # name → (bytes, or a builder of a non-file, and the (stage, error) expected)
    "empty.txt": (b"", ("ingest", "empty")),
    "binary.txt": (bytes(range(256)) * 8, ("ingest", "unreadable")),
    "truncated.pdf": (inputs.pdf()[:1500], ("ingest", "unreadable")),
    "locked.pdf": (inputs.user_password_pdf(), ("ingest", "pdf_password")),
    "scanned.pdf": (inputs.scanned_pdf(), ("ingest", "no_text_layer")),
    "cid.pdf": (inputs.cid_pdf(readable_pages=0), ("ingest", "unreadable")),
    "bomb.docx": (inputs.declared_bomb(), ("ingest", "zip_bomb")),
    "ratio bomb.docx": (inputs.ratio_bomb(), ("ingest", "zip_bomb")),
    "not a zip.docx": ("各位代表：".encode(), ("ingest", "unreadable")),
    "big.txt": ("sparse", ("ingest", "too_large")),
    "pipe.txt": ("fifo", ("ingest", "unreadable")),
    "x.txt": ("folder", ("ingest", "unreadable")),
}
WARNINGS = {("mostly cid.pdf", "ingest", "damaged_page"): 2, ("编码/gbk.txt", "meta", "bad_meta"): 1}
PWNED = "pwned by a sidecar"


def build(folder: Path) -> Path:
    for name, data in GOOD.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    for name, (data, _) in BAD.items():
        path = folder / name
        if data == "sparse":
            with path.open("wb") as f:
                f.truncate(ingest.MAX_FILE_BYTES + 1)
        elif data == "fifo":
            os.mkfifo(path)
        elif data == "folder":
            path.mkdir()
        else:
            path.write_bytes(data)
    (folder / "编码/gbk.meta.yaml").write_text(  # a YAML tag that would run a command if loaded unsafely
        f'title: !!python/object/apply:os.system ["touch \'{folder.parent / PWNED}\'"]\n', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(corpus, out, console) of one run over every input; the output folder has awkward names too."""
    root = tmp_path_factory.mktemp("bad")
    corpus = build(root / "语料 库")
    out = root / "输出 folder"
    done = zhreport("run", corpus, "--out", out)
    assert done.returncode == 0, done.stderr
    return corpus, out, done.stderr + done.stdout


def src(corpus: Path, name: str) -> str:
    return str(corpus / name)


def test_the_errors_table_is_exactly_one_row_per_bad_input_and_warning(batch) -> None:
    corpus, out, _ = batch
    errors = table(out, "errors")
    got = errors.groupby(["source", "stage", "error"]).size().to_dict()
    want = {(src(corpus, n), *outcome): 1 for n, (_, outcome) in BAD.items()}
    want |= {(src(corpus, n), stage, code): k for (n, stage, code), k in WARNINGS.items()}
    assert got == want
    assert all(errors.message.str.len() > 0)


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_input_has_a_clear_message_on_the_console(batch, name: str) -> None:
    corpus, out, console = batch
    stage, code = BAD[name][1]
    errors = table(out, "errors").set_index("source")
    message = errors.loc[src(corpus, name), "message"]
    assert name.split("/")[-1] in message
    assert f"error: {src(corpus, name)}: {code} ({stage}) {message}" in console


@pytest.mark.parametrize(("name", "words"), [
    ("empty.txt", "0 bytes"), ("binary.txt", "binary"), ("truncated.pdf", "truncated"),
    ("locked.pdf", "password"), ("scanned.pdf", "no text layer"), ("cid.pdf", "without a Unicode mapping"),
    ("bomb.docx", "300 MB"), ("ratio bomb.docx", "limit 100×"), ("not a zip.docx", "not a zip"),
    ("big.txt", "over the 50 MB limit"), ("pipe.txt", "FIFO"), ("x.txt", "a directory"),
])
def test_each_message_says_what_is_wrong(batch, name: str, words: str) -> None:
    corpus, out, _ = batch
    assert words in table(out, "errors").set_index("source").loc[src(corpus, name), "message"]


def test_every_good_document_is_written(batch) -> None:
    corpus, out, console = batch
    documents, sources = table(out, "documents"), table(out, "sources")
    want = {doc_id_of(data) for data in GOOD.values()}
    assert set(documents.doc_id) == want and len(documents) == len(GOOD) - 1  # one duplicate
    assert sorted(sources.source) == sorted(src(corpus, n) for n in GOOD)
    for doc_id, n_chars in zip(documents.doc_id, documents.n_chars):
        assert len((out / "text" / f"{doc_id}.txt").read_text(encoding="utf-8")) == n_chars > 0
    assert f"{len(want)} documents written, {len(BAD) + sum(WARNINGS.values())} errors" in console
    assert len(table(out, "indicators")) > 0 and len(table(out, "sentences")) > 0


def test_the_same_bytes_under_two_names_are_one_document(batch) -> None:
    corpus, out, _ = batch
    doc_id = doc_id_of(SAMPLE.read_bytes())
    sources = table(out, "sources")
    names = sorted([src(corpus, SAMPLE_NAME), src(corpus, COPY_NAME)])
    assert sorted(sources[sources.doc_id == doc_id].source) == names
    documents = table(out, "documents").set_index("doc_id")
    assert documents.loc[doc_id, "source"] == names[0]
    assert set(table(out, "indicators").doc_id) >= {doc_id}


@pytest.mark.parametrize(("name", "text"), [
    ("编码/gbk.txt", inputs.SIMP), ("编码/big5.txt", inputs.TRAD),
    ("编码/utf16 bom.txt", inputs.SIMP), ("编码/utf16le.txt", inputs.SIMP),
    ("report.docx", inputs.SIMP.rstrip("\n")),  # one line per paragraph, no final line break
])
def test_legacy_encodings_are_read_as_the_same_text(batch, name: str, text: str) -> None:
    """Decoded right, a file gives exactly the normalized text of the same words saved as UTF-8."""
    _, out, _ = batch
    expected = process_document(text.encode("utf-8"), "oracle.txt").doc.text
    written = (out / "text" / f"{doc_id_of(GOOD[name])}.txt").read_text(encoding="utf-8")
    assert written == expected
    assert "92.4%" in written


def test_traditional_text_is_processed_as_traditional(batch) -> None:
    _, out, _ = batch
    documents = table(out, "documents").set_index("doc_id")
    scripts = {name: documents.loc[doc_id_of(GOOD[name]), "script"]
               for name in ("编码/big5.txt", "编码/gbk.txt", SAMPLE_NAME)}
    assert scripts == {"编码/big5.txt": "traditional", "编码/gbk.txt": "simplified", SAMPLE_NAME: "simplified"}
    indicators = table(out, "indicators")
    trad = indicators[indicators.doc_id == doc_id_of(GOOD["编码/big5.txt"])]
    assert {"5.1%", "92.4%"} <= set(trad.value_raw)


def test_pdfs_that_are_read(batch) -> None:
    """An owner-password PDF is read normally; a PDF with damaged pages keeps its readable one."""
    _, out, _ = batch
    restricted = (out / "text" / f"{doc_id_of(GOOD['restricted.pdf'])}.txt").read_text(encoding="utf-8")
    assert restricted == "\n".join(inputs.OWNER_LINES)
    mostly = (out / "text" / f"{doc_id_of(GOOD['mostly cid.pdf'])}.txt").read_text(encoding="utf-8")
    assert mostly == "Readable page one."


def test_a_file_over_the_limit_is_refused_without_being_read(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The size is checked on `stat`: the 51 MB file is never opened, let alone read whole."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SAMPLE, corpus / "sample.txt")
    with (corpus / "big.txt").open("wb") as f:
        f.truncate(ingest.MAX_FILE_BYTES + 1)
    opened: list[str] = []
    real_open = os.open

    def spy(path, flags, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(ingest.os, "open", spy)
    report = run(inputs=[str(corpus)], out=tmp_path / "o")
    assert (report.n_documents, report.n_errors) == (1, 1)
    assert str(corpus / "sample.txt") in opened and str(corpus / "big.txt") not in opened
    errors = table(tmp_path / "o", "errors")
    assert errors[["source", "stage", "error"]].values.tolist() == [[str(corpus / "big.txt"), "ingest", "too_large"]]


def test_a_zip_bomb_is_refused_before_anything_is_inflated(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bomb.docx").write_bytes(inputs.ratio_bomb())
    (corpus / "big bomb.docx").write_bytes(inputs.declared_bomb())

    def no_inflate(*args, **kwargs):
        raise AssertionError("a member was opened for reading")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflate)
    run(inputs=[str(corpus)], out=tmp_path / "o")
    errors = table(tmp_path / "o", "errors")
    assert errors[["source", "stage", "error"]].values.tolist() == [
        [str(corpus / "big bomb.docx"), "ingest", "zip_bomb"], [str(corpus / "bomb.docx"), "ingest", "zip_bomb"]]


def test_a_sidecar_with_a_python_tag_runs_nothing_and_says_so(batch) -> None:
    corpus, out, console = batch
    assert not (corpus.parent / PWNED).exists()
    assert (f"warning: {src(corpus, '编码/gbk.txt')}: bad_meta (meta) gbk.meta.yaml: could not determine a "
            "constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'") in console
    assert table(out, "documents").set_index("doc_id").loc[doc_id_of(GOOD["编码/gbk.txt"]), "title"] == "2025年政府工作报告"
