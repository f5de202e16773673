"""Ingest: bytes of a txt/pdf/docx/html file → `RawText`, or a `PipelineError` with a SPEC §1 code.

`read_source` is the only function here that touches the file system; `ingest_bytes` is pure, so
the runner can hash the bytes once (doc_id) and hand the same bytes on.  The format is taken from
the extension unless the content says otherwise: a PDF saved as `.txt` or a web page saved as
`.doc` is read as what it is, with a warning.
"""
from __future__ import annotations

import dataclasses
import io
import os
import pathlib
import stat
import zipfile
from collections.abc import Callable

from pipeline.ingest.base import MAX_CHARS, MAX_FILE_BYTES
from pipeline.ingest.docx import read_docx
from pipeline.ingest.html import read_html
from pipeline.ingest.pdf import read_pdf
from pipeline.ingest.txt import read_txt
from pipeline.records import PipelineError, RawText, Warning_

__all__ = ["MAX_CHARS", "MAX_FILE_BYTES", "ingest_bytes", "read_source", "sniff_format"]

_READERS: dict[str, Callable[[bytes, str], RawText]] = {
    "txt": read_txt,
    "pdf": read_pdf,
    "docx": read_docx,
    "html": read_html,
}
_EXTENSIONS = {
    ".txt": "txt", ".text": "txt", ".md": "txt",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}
_PDF_HEAD = 1024  # the %PDF- header may follow a little junk
_HTML_HEAD = 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FILE_TYPES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def read_source(path: pathlib.Path) -> bytes:
    """Read a regular file of at most 50 MB without ever blocking on a pipe or device.

    The type and size are checked with `stat` before opening, and again on the open descriptor
    (opened non-blocking) so that a path swapped in between cannot make the read hang.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError as e:
        broken = os.path.islink(path)
        what = "is a broken symbolic link" if broken else "does not exist"
        raise PipelineError("unreadable", f"{path}: {what}") from e
    except OSError as e:
        raise PipelineError("unreadable", f"{path}: cannot be read ({e.strerror})") from e
    _check_regular(path, info)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise PipelineError("unreadable", f"{path}: cannot be opened ({e.strerror})") from e
    with os.fdopen(fd, "rb") as f:
        _check_regular(path, os.fstat(fd))
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # grew after stat
        raise PipelineError("too_large", f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
    if not data:
        raise PipelineError("empty", f"{path}: the file is empty (0 bytes)")
    return data


def _check_regular(path: pathlib.Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        what = next((name for test, name in _FILE_TYPES if test(info.st_mode)), "not a file")
        raise PipelineError("unreadable", f"{path}: is {what}, not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise PipelineError(
            "too_large",
            f"{path}: {info.st_size / 2**20:,.1f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit",
        )
    if info.st_size == 0:
        raise PipelineError("empty", f"{path}: the file is empty (0 bytes)")


def ingest_bytes(data: bytes, name: str) -> RawText:
    """Extract the raw text of one document; `name` gives the extension and names the file in
    error messages."""
    if not data:
        raise PipelineError("empty", f"{name}: the file is empty (0 bytes)")
    if len(data) > MAX_FILE_BYTES:
        raise PipelineError(
            "too_large",
            f"{name}: {len(data) / 2**20:,.1f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit",
        )
    claimed = _EXTENSIONS.get(pathlib.PurePath(name).suffix.lower(), "")
    sniffed = sniff_format(data)
    fmt, warning = _choose_format(claimed, sniffed, name)
    raw = _READERS[fmt](data, name)
    if len(raw.text) > MAX_CHARS:
        raise PipelineError(
            "too_large",
            f"{name}: the text has {len(raw.text):,} characters, over the {MAX_CHARS:,} limit",
        )
    if not raw.text.strip():
        raise PipelineError("empty", f"{name}: no text found in the {fmt} file")
    if warning:
        return dataclasses.replace(raw, warnings=(warning, *raw.warnings))
    return raw


def sniff_format(data: bytes) -> str:
    """'pdf', 'docx', 'zip', 'ole', 'html' or '' from the bytes alone."""
    if b"%PDF-" in data[:_PDF_HEAD]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    head = data[:_HTML_HEAD].lower().replace(b"\x00", b"")  # tolerate UTF-16 markup
    if b"<html" in head or b"<!doctype html" in head:
        return "html"
    return ""


def _choose_format(
    claimed: str, sniffed: str, name: str
) -> tuple[str, Warning_ | None]:
    """Trust the content over the extension for the formats that have a signature."""
    if sniffed == "ole":
        raise PipelineError(
            "unreadable",
            f"{name}: a legacy binary Office file (.doc/.xls), not a supported format; "
            "save it as .docx or PDF",
        )
    if sniffed == "zip" and claimed != "docx":
        raise PipelineError("unreadable", f"{name}: a zip archive, not a document")
    if claimed == "pdf" and sniffed not in _READERS:
        raise PipelineError("unreadable", f"{name}: not a PDF (no %PDF- header)")
    if sniffed not in _READERS or sniffed == claimed:
        return claimed or "txt", None
    if not claimed:
        return sniffed, None
    return sniffed, Warning_(
        "ingest",
        "format_mismatch",
        f"{name}: the extension says {claimed} but the content is {sniffed}; read as {sniffed}",
    )
