"""Shared fixtures. Tests that read ../shared skip when it is absent (a fresh clone in CI may not have it)."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "corpus"
GOLD = ROOT / "tests" / "gold"
SAMPLE = CORPUS / "jiangxi_eco_pilot_2026.txt"


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "SPEC.md").exists():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")
