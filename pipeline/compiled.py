"""The compiled-rules cache: what is slow to build from `rules/` kept on disk between runs.

The tokenizer's prefix dictionary (jieba's dictionary plus `rules/userdict.txt`) and the gazetteer
with its Aho-Corasick automaton take most of a worker's start; they depend only on the rule files,
the code that builds them and the package versions, so they are built once and loaded afterwards.

The folder is `$ZHREPORT_CACHE` (default `~/.cache/zhreport`) / `<key>/`, where the key hashes the
rules fingerprint, the pipeline version, the builder's source file and the package versions: a
changed rule or builder gets a new folder and never reads a stale file.  Files are written to a
temporary name and renamed (`os.replace`), so concurrent workers never read half a file; a file
that does not load (truncated, corrupt, from another Python) is rebuilt and replaced, never fatal;
an unwritable cache folder only costs the rebuild.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import platform
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import pipeline
from pipeline.rules import fingerprint

log = logging.getLogger("zhreport")

T = TypeVar("T")
PACKAGES = ("jieba", "pyahocorasick", "regex")


def cache_root() -> Path:
    return Path(os.environ.get("ZHREPORT_CACHE") or Path.home() / ".cache" / "zhreport")


def cache_dir(*, builder: str) -> Path:
    """The folder for objects built by the module file `builder` under the current rules."""
    h = hashlib.sha256()
    for part in (fingerprint(), pipeline.__version__, platform.python_version(),
                 *(_version(p) for p in PACKAGES)):
        h.update(part.encode() + b"\0")
    h.update(Path(builder).read_bytes())
    return cache_root() / f"{fingerprint()}-{h.hexdigest()[:12]}"


def cached(name: str, build: Callable[[], T], *, builder: str,
           dump: Callable[[T], bytes] = lambda obj: pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL),
           load: Callable[[bytes], T] = pickle.loads) -> T:
    """`build()`, or what an earlier build saved as `name`; rebuilt (and saved) when missing or damaged."""
    path = cache_dir(builder=builder) / name
    try:
        return load(path.read_bytes())
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 — any damaged file is simply rebuilt
        log.debug("compiled cache %s unreadable (%s); rebuilding", path, exc)
    obj = build()
    try:
        _write_atomic(path, dump(obj))
    except OSError as exc:
        log.debug("compiled cache %s not written: %s", path, exc)
    return obj


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""
