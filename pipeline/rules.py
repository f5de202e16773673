"""Loads the rule files of `rules/` (YAML, TSV, JSONL) safely and computes the rules fingerprint.

Rules are data: each extractor compiles what it needs from here, once per process (cached).
Only this module and `ingest/` read files.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RULES_DIR = Path(os.environ.get("ZHREPORT_RULES", Path(__file__).resolve().parent.parent / "rules"))


class RulesError(ValueError):
    """A rule file is missing or malformed."""


def rules_path(name: str) -> Path:
    path = (RULES_DIR / name).resolve()
    if RULES_DIR.resolve() not in path.parents:
        raise RulesError(f"rule path escapes the rules folder: {name}")
    if not path.exists():
        raise RulesError(f"missing rule file: {path}")
    return path


@lru_cache(maxsize=None)
def load_yaml(name: str) -> Any:
    """A YAML rule file, parsed with the safe loader (no code runs from rules); libyaml's parser when
    it is there (the same safe constructor, several times faster, which matters for cold start)."""
    with open(rules_path(name), encoding="utf-8") as f:
        try:
            return yaml.load(f, Loader=SAFE_LOADER)
        except yaml.YAMLError as exc:
            raise RulesError(f"{name}: {exc}") from exc


@lru_cache(maxsize=None)
def load_tsv(name: str) -> tuple[dict[str, str], ...]:
    """A TSV rule file with a header row; lines starting with # are comments."""
    with open(rules_path(name), encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return tuple(dict(row) for row in csv.DictReader(lines, delimiter="\t"))


@lru_cache(maxsize=None)
def load_jsonl(name: str) -> tuple[dict[str, Any], ...]:
    with open(rules_path(name), encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """SHA-256 over every rule file's path and bytes: part of every cache key and manifest."""
    h = hashlib.sha256()
    for path in sorted(p for p in RULES_DIR.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(RULES_DIR)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]
