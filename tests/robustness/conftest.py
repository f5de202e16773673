"""Helpers for the robustness suite: the CLI as a real process, output snapshots, hypothesis budgets.

`HYPOTHESIS_PROFILE=fuzz` (see `make fuzz`) raises every property test's budget from the small one
that keeps `make test` fast to a long run.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpus" / "jiangxi_eco_pilot_2026.txt"
ZHREPORT = Path(sys.executable).with_name("zhreport")

settings.register_profile("fuzz", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
if FUZZ:
    settings.load_profile("fuzz")


def budget(examples: int) -> settings:
    """Settings for a property test: `examples` by default, the fuzz profile's budget under `make fuzz`."""
    if FUZZ:
        return settings(settings.get_profile("fuzz"))
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def zhreport(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`zhreport ARGS` as a separate process, as a user runs it."""
    return subprocess.run([str(ZHREPORT), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([str(ZHREPORT), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file the byte-identical guarantee covers (the manifest has timings, so not it)."""
    paths = [*out.glob("*.parquet"), *out.glob("*.csv"), *out.glob("text/*.txt")]
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(paths)}
