"""Atomic file output: nothing under the output folder is ever half-written.

A run stages every output file in a temporary folder inside the output folder (same file system,
so `os.replace` is atomic), fsyncs them all, and only then moves them in place.  A failure while
staging (disk full, a crash, SIGKILL) leaves the previous outputs untouched; a run killed while
moving files in leaves every file whole, and the next run rewrites them all.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

STAGING_PREFIX = ".staging-"


def write_atomic(*, path: Path, data: bytes) -> None:
    """Write through a temp file in the same folder, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_leftovers(*, out: Path, cache: Path) -> None:
    """Staging folders and temp files of a killed run; call only while holding the folder's lock."""
    for path in (*out.glob(STAGING_PREFIX + "*"), *cache.glob(STAGING_PREFIX + "*")):
        shutil.rmtree(path, ignore_errors=True)
    for path in cache.glob(".*.tmp"):
        path.unlink(missing_ok=True)


class Staging:
    """Collects a run's files, then replaces the outputs with them in one late step.

    `owned` folders (such as `text/`) hold only this run's files after `commit`: leftovers of
    documents no longer among the inputs are removed.  The staging folder is made in `within`
    (a folder of the same file system, by default `out`): a run stages into its private `.cache/`,
    so that the output folder shows nothing of a run in progress.
    """

    def __init__(self, *, out: Path, owned: tuple[str, ...] = (), within: Path | None = None) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.owned = owned
        (within or out).mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=within or out))
        self.files: list[str] = []

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, *, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        self.files.append(rel)

    def commit(self) -> None:
        """Move every staged file in place, then drop what the owned folders no longer need."""
        folders = {(self.out / rel).parent for rel in self.files}
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        for rel in self.files:
            os.replace(self.root / rel, self.out / rel)
        written = set(self.files)
        for folder in self.owned:
            for path in (self.out / folder).glob("*"):
                if path.is_file() and f"{folder}/{path.name}" not in written:
                    path.unlink()
        for folder in folders:
            _fsync_dir(folder)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
